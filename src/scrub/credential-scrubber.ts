// Masks credentials in anything handed to an agent, in every encoding a client decodes by default; no HTTP here.
import { Transform, type TransformCallback } from "node:stream";
import {
  type DecodedView,
  decodeLayer,
  MAX_ESCAPE_BYTES,
  rawView,
  withoutWhitespace,
} from "./decoded-view.ts";

const MASK = 0x2a; // "*"

/** Raw bytes one byte of a needle can take at most: a percent-escape (second layer) of a first-layer escape. */
const MAX_RAW_PER_BYTE = 3 * MAX_ESCAPE_BYTES;

/**
 * The most a guarding stream holds back. Whitespace between a secret's characters is skipped by decoders, so the tail
 * that could hold the start of one is measured in what is left without it, and padding can stretch it this far.
 */
export const MAX_GUARD_HOLD_BYTES = 1024 * 1024;

/** Why a guarding stream stopped: a secret in the bytes, or a tail too long to hold that could still start one. */
export type GuardRefusal = "secret" | "undecidable";

/**
 * Masks every occurrence of the given secrets with "*" over the raw bytes that spell them, so lengths stay true.
 * A secret is found raw; percent-encoded in any case, wholly or in part; form-encoded (`+` for space); JSON-escaped
 * (`\/`, `\uXXXX`); as HTML character references; percent-encoded twice (`%252F`); and in base64 or base64url,
 * at any alignment, so also inside `base64(user:secret)` or any other base64 text that contains it; in hexadecimal
 * (lower or upper case); in UTF-16, either byte order; and with spaces,
 * tabs and line breaks between its characters (base64 decoders skip them, MIME wraps base64 every 76 characters).
 */
export class CredentialScrubber {
  readonly #needles: Buffer[];
  readonly #holdBack: number;

  readonly #secrets: readonly string[];
  #folded?: CredentialScrubber;

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets;
    const needles = new Map<string, Buffer>();
    const add = (needle: Buffer) => {
      if (needle.length >= 4) needles.set(needle.toString("latin1"), needle);
    };
    for (const secret of secrets) {
      if (secret === "") continue;
      const bytes = Buffer.from(secret, "utf8");
      add(bytes);
      // A secret that itself holds something escape-like (`%41`) reads differently in the decoded views.
      const once = decodeLayer(rawView(bytes));
      add(Buffer.from(once.bytes));
      add(Buffer.from(decodeLayer(once, true).bytes));
      if (secret.includes(" ")) add(Buffer.from(secret.replaceAll(" ", "+"), "utf8"));
      for (const core of base64Cores(bytes)) add(Buffer.from(core, "latin1"));
      // Hexadecimal, as debugging output, dumps and bytea columns show bytes, in either case.
      const hex = bytes.toString("hex");
      add(Buffer.from(hex, "latin1"));
      add(Buffer.from(hex.toUpperCase(), "latin1"));
      // UTF-16 in both byte orders: servers that negotiate the charset (ASP.NET Core, Spring) answer in it when
      // the Accept header asks, and a client decodes it as declared. Each needle leaves out the outer byte that is
      // the other order's (for Latin-1 text, NUL): one needle then finds both orders, and masking never reaches
      // into the character before or after.
      const utf16le = Buffer.from(secret, "utf16le");
      add(utf16le.subarray(0, -1));
      add(Buffer.from(utf16le).swap16().subarray(1));
    }
    this.#needles = [...needles.values()].sort((a, b) => b.length - a.length);
    this.#holdBack = Math.max(0, ...this.#needles.map((n) => n.length * MAX_RAW_PER_BYTE));
  }

  /** The text with every secret masked. */
  scrubText(text: string): string {
    if (this.#needles.length === 0) return text;
    return this.#scrub(Buffer.from(text, "utf8")).toString("utf8");
  }

  /**
   * A header value with every secret masked. Node reads header bytes as Latin-1: the bytes are scanned as sent
   * (a UTF-8 secret is found as its bytes), and the characters too (a secret the upstream sent in Latin-1).
   */
  scrubHeaderValue(text: string): string {
    if (this.#needles.length === 0) return text;
    return this.scrubText(this.#scrub(Buffer.from(text, "latin1")).toString("latin1"));
  }

  /** True when the text or bytes hold a secret in any encoding this scrubber recognises. */
  contains(input: string | Buffer): boolean {
    const bytes = typeof input === "string" ? Buffer.from(input, "utf8") : input;
    return this.#find(bytes, () => true);
  }

  /** Like `contains`, ignoring case: for what clients compare case-insensitively, such as header names. */
  containsIgnoringCase(text: string): boolean {
    this.#folded ??= new CredentialScrubber(this.#secrets.map((secret) => secret.toLowerCase()));
    return this.#folded.contains(text.toLowerCase());
  }

  /** Masks secrets in place; returns the buffer for chaining. */
  scrubBuffer(buffer: Buffer): Buffer {
    return this.#scrub(buffer);
  }

  /**
   * A stream that passes bytes through with every secret masked. The tail of what arrived is held back until more
   * comes (as much as the longest encoded secret could span), so a secret split across chunks is still caught.
   */
  stream(): Transform {
    let carry = Buffer.alloc(0);
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback: TransformCallback) => {
        const data = Buffer.concat([carry, chunk]);
        const views = this.#scrub(data, true);
        const cut = safeCut(views, data.length - this.#holdBack);
        carry = Buffer.from(data.subarray(cut));
        callback(null, cut > 0 ? data.subarray(0, cut) : undefined);
      },
      flush: (callback: TransformCallback) => {
        callback(null, carry.length > 0 ? carry : undefined);
      },
    });
  }

  /**
   * A stream that passes bytes through unchanged and fails with `refusal()` as soon as a secret shows in them, in
   * any encoding this scrubber recognises, also split across chunks. The tail that could be the start of one is
   * held back until more comes, so no part of a secret is passed on before it is recognised. The tail is counted
   * without whitespace (a secret spread by spaces or line breaks still decodes to itself); when it would grow past
   * `MAX_GUARD_HOLD_BYTES`, the stream fails with `refusal("undecidable")` rather than pass on what it cannot judge.
   */
  guard(refusal: (why: GuardRefusal) => Error): Transform {
    let carry = Buffer.alloc(0);
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback: TransformCallback) => {
        const data = Buffer.concat([carry, chunk]);
        let found = false;
        const views = this.#findAll(data, () => {
          found = true;
          return true;
        });
        if (found) {
          carry = Buffer.alloc(0);
          callback(refusal("secret"));
          return;
        }
        const cut = safeCut(views, Math.min(data.length - this.#holdBack, this.#lastUnitsStart(views)));
        if (data.length - cut > MAX_GUARD_HOLD_BYTES) {
          carry = Buffer.alloc(0);
          callback(refusal("undecidable"));
          return;
        }
        carry = Buffer.from(data.subarray(cut));
        callback(null, cut > 0 ? data.subarray(0, cut) : undefined);
      },
      // What is held back was searched with the chunk it came in.
      flush: (callback: TransformCallback) => {
        callback(null, carry.length > 0 ? carry : undefined);
      },
    });
  }

  /**
   * The raw position where the last units that could still begin a secret start, in the most decoded view with its
   * whitespace left out: as many units as the longest needle has bytes.
   */
  #lastUnitsStart(views: DecodedView[]): number {
    const deepest = views[views.length - 1]!;
    const compact = withoutWhitespace(deepest) ?? deepest;
    const longest = this.#needles[0]?.length ?? 0;
    if (compact.bytes.length <= longest) return 0;
    return compact.start[compact.bytes.length - longest]!;
  }

  #scrub(buffer: Buffer): Buffer;
  #scrub(buffer: Buffer, returnViews: true): DecodedView[];
  #scrub(buffer: Buffer, returnViews = false): Buffer | DecodedView[] {
    const spans: [number, number][] = [];
    const views = this.#findAll(buffer, (from, to) => {
      spans.push([from, to]);
      return false;
    });
    // Masking after every view was searched: a mask must not hide an overlapping encoding from another view.
    for (const [from, to] of spans) buffer.fill(MASK, from, to);
    return returnViews ? views : buffer;
  }

  #find(buffer: Buffer, found: (from: number, to: number) => boolean): boolean {
    let hit = false;
    this.#findAll(buffer, (from, to) => {
      hit = found(from, to);
      return hit;
    });
    return hit;
  }

  /** Calls `found` with the raw span of every match until it returns true; returns the views searched. */
  #findAll(buffer: Buffer, found: (from: number, to: number) => boolean): DecodedView[] {
    const raw = rawView(buffer);
    const views = [raw];
    if (this.#needles.length === 0) return views;
    const once = decodeLayer(raw);
    views.push(once, decodeLayer(once, true));
    // Searched, but not returned: a cut must fall where every returned view starts a unit, which these do not change.
    const unwrapped = views.map(withoutWhitespace).filter((view) => view !== null);
    for (const view of [...views, ...unwrapped]) {
      for (const needle of this.#needles) {
        let at = view.bytes.indexOf(needle);
        while (at !== -1) {
          if (found(view.start[at]!, view.end[at + needle.length - 1]!)) return views;
          at = view.bytes.indexOf(needle, at + 1);
        }
      }
    }
    return views;
  }
}

/** Masks `secrets` in `input` in every encoding `CredentialScrubber` recognises. */
export function scrubCredential<T extends string | Buffer>(input: T, secrets: readonly string[]): T {
  const scrubber = new CredentialScrubber(secrets);
  return (
    typeof input === "string" ? scrubber.scrubText(input) : scrubber.scrubBuffer(Buffer.from(input))
  ) as T;
}

/**
 * Where a stream may cut: the last raw position at or before `target` where a unit of every view starts, so the
 * held-back tail starts at an escape's beginning and is decoded the same way when more arrives.
 */
function safeCut(views: DecodedView[], target: number): number {
  if (target <= 0) return 0;
  const deepest = views[views.length - 1]!;
  let low = 0;
  let high = deepest.start.length - 1;
  let best = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (deepest.start[mid]! <= target) {
      best = deepest.start[mid]!;
      low = mid + 1;
    } else high = mid - 1;
  }
  return best;
}

/**
 * The base64 and base64url text that any base64 string containing `secret` must contain, for each of the three
 * alignments the secret can have in it: the characters whose six bits all come from the secret.
 */
function base64Cores(secret: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), secret, Buffer.alloc(3)]);
    const encoded = padded.toString("base64");
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + secret.length)) / 6); // exclusive
    if (last - first < 6) continue;
    const core = encoded.slice(first, last);
    cores.push(core, core.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return cores;
}
