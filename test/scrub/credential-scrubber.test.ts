import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CredentialScrubber, scrubCredential } from "../../src/scrub/credential-scrubber.ts";

const SECRET = "sk_live/Ab+cd=ef gh%41~é";
const scrubber = new CredentialScrubber([SECRET]);

const percentAll = (text: string, hex: (h: string) => string) =>
  [...Buffer.from(text, "utf8")].map((b) => `%${hex(b.toString(16).padStart(2, "0"))}`).join("");
const jsonUnicode = (text: string) =>
  [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");

/** Every encoding a client decodes by default, as a careless upstream might send the secret. */
const ENCODINGS: Record<string, (secret: string) => string> = {
  raw: (s) => s,
  "percent, upper": (s) => encodeURIComponent(s),
  "percent, lower": (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  "percent, every byte, lower": (s) => percentAll(s, (h) => h),
  "percent, every byte, mixed case": (s) => percentAll(s, (h) => (h.charCodeAt(0) % 2 ? h.toUpperCase() : h)),
  "form-encoded": (s) => new URLSearchParams({ t: s }).toString().slice(2),
  "JSON, \\/ escaped": (s) => JSON.stringify(s).slice(1, -1).replaceAll("/", "\\/"),
  "JSON, every char \\u": (s) => jsonUnicode(s),
  "JSON, upper-case \\u hex": (s) => jsonUnicode(s).toUpperCase().replaceAll("\\U", "\\u"),
  "HTML character references": (s) => [...s].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join(""),
  "percent-encoded twice": (s) => encodeURIComponent(encodeURIComponent(s)),
  base64: (s) => Buffer.from(s).toString("base64"),
  base64url: (s) => Buffer.from(s).toString("base64url"),
  "base64 of user:secret": (s) => Buffer.from(`agent:${s}`).toString("base64"),
  "base64 of user:secret, longer user": (s) => Buffer.from(`deploy-bot:${s}`).toString("base64url"),
  "base64 inside JSON with \\/": (s) => Buffer.from(`x${s}`).toString("base64").replaceAll("/", "\\/"),
  // Decoders skip line breaks: MIME wraps base64 (every 76 characters; narrower here, the secret is short).
  "base64 wrapped with CRLF": (s) =>
    Buffer.from(s)
      .toString("base64")
      .replace(/(.{6})/g, "$1\r\n"),
  "base64 wrapped, inside JSON as \\n": (s) =>
    Buffer.from(`ab${s}`)
      .toString("base64")
      .replace(/(.{5})/g, "$1\\n"),
  "hexadecimal, lower": (s) => Buffer.from(s).toString("hex"),
  "hexadecimal, upper, as a bytea literal": (s) => `\\\\x${Buffer.from(s).toString("hex").toUpperCase()}`,
  "hexadecimal dump, grouped and wrapped": (s) =>
    Buffer.from(s)
      .toString("hex")
      .replace(/(.{4})/g, "$1 ")
      .replace(/((?:.{4} ){4})/g, "$1\\n"),
};

describe("scrubCredential", () => {
  for (const [name, encode] of Object.entries(ENCODINGS)) {
    it(`masks the secret ${name}, keeping the length`, () => {
      const encoded = encode(SECRET);
      const text = `{"echo":"${encoded}","n":1}`;
      const masked = scrubber.scrubText(text);
      expect(Buffer.byteLength(masked), encoded).toBe(Buffer.byteLength(text));
      expect(scrubber.contains(text), encoded).toBe(true);
      expect(scrubber.contains(masked), masked).toBe(false);
      expect(masked.startsWith('{"echo":"'), masked).toBe(true);
      expect(masked.endsWith('","n":1}'), masked).toBe(true);
      // Whatever of it is left cannot be decoded back to the secret.
      for (const decode of [
        (t: string) => t,
        (t: string) => decodeURIComponent(t.replace(/%(?![0-9a-f]{2})/gi, "%25")),
        (t: string) => Buffer.from(t.replace(/[^A-Za-z0-9+/_-]/g, ""), "base64").toString("latin1"),
      ]) {
        expect(decode(masked)).not.toContain(SECRET.slice(2, -2));
      }
    });
  }

  it("masks the secret in UTF-16, either byte order, in bytes that are not UTF-8", async () => {
    for (const swap of [false, true]) {
      const body = Buffer.from(`{"echo":"${SECRET}","n":1}`, "utf16le");
      if (swap) body.swap16();
      expect(scrubber.contains(body), `swapped: ${swap}`).toBe(true);
      const chunks: Buffer[] = [];
      const stream = scrubber.stream();
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.end(body);
      await new Promise((resolve) => stream.once("end", resolve));
      const masked = Buffer.concat(chunks);
      expect(masked.length).toBe(body.length);
      expect(scrubber.contains(masked), `swapped: ${swap}`).toBe(false);
      const text = new TextDecoder(swap ? "utf-16be" : "utf-16le").decode(masked);
      expect(text.startsWith('{"echo":"'), text).toBe(true);
      expect(text).not.toContain(SECRET.slice(2, -2));
    }
  });

  it("leaves text without the secret alone, and works on bytes", () => {
    const text = '{"ok":true,"note":"sk_live is a prefix, not a secret"}';
    expect(scrubber.scrubText(text)).toBe(text);
    const bytes = scrubCredential(Buffer.from(`a ${SECRET} b`), [SECRET]);
    expect(bytes.toString()).toBe(`a ${"*".repeat(Buffer.byteLength(SECRET))} b`);
    expect(scrubCredential(`a ${SECRET}`, [SECRET])).toBe(`a ${"*".repeat(Buffer.byteLength(SECRET))}`);
  });

  it("finds header names holding a secret whatever their case", () => {
    const plain = new CredentialScrubber(["plt_ABCdef0123456789"]);
    expect(plain.containsIgnoringCase("x-plt_abcdef0123456789")).toBe(true);
    expect(plain.containsIgnoringCase("x-request-id")).toBe(false);
  });
});

describe("the scrubbing stream", () => {
  it("catches every encoding however the stream splits it", async () => {
    const secrets = [SECRET, "plt_production_xyz987654"];
    const streaming = new CredentialScrubber(secrets);
    const encodings = Object.values(ENCODINGS);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.tuple(fc.constantFrom(...secrets), fc.constantFrom(...encodings)).map(([s, e]) => ` ${e(s)} `),
            fc.string({ maxLength: 30 }),
          ),
          { maxLength: 10 },
        ),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 20 }),
        async (pieces, cuts) => {
          const input = Buffer.from(pieces.join(""));
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < input.length; i++) {
            const size = cuts[i % cuts.length]!;
            chunks.push(input.subarray(at, at + size));
            at += size;
          }
          const output = await buffer(Readable.from(chunks).pipe(streaming.stream()));
          expect(output.length).toBe(input.length);
          expect(output.toString()).toBe(streaming.scrubText(input.toString()));
          expect(streaming.contains(output)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
