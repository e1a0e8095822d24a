// Keeps upstream credentials out of what the agent receives: masks them in header values and in streamed bodies.
import { Transform, type TransformCallback } from "node:stream";

const MASK = 0x2a; // "*"

/**
 * Masks every occurrence of the given secrets with "*" of the same length, so a response's Content-Length stays
 * true. Each secret is also looked for URL-encoded. Bodies are scanned as they stream: the last few bytes of each
 * chunk are held back until the next one arrives, so a secret split across chunks is still caught.
 */
export class CredentialScrubber {
  readonly #needles: Buffer[];
  readonly #strings: string[];

  constructor(secrets: readonly string[]) {
    const variants = new Set<string>();
    for (const secret of secrets) {
      if (secret === "") continue;
      variants.add(secret);
      variants.add(encodeURIComponent(secret));
    }
    this.#strings = [...variants].sort((a, b) => b.length - a.length);
    this.#needles = this.#strings.map((s) => Buffer.from(s, "utf8"));
  }

  /** The text with every secret masked. */
  scrubText(text: string): string {
    let out = text;
    for (const secret of this.#strings) out = out.replaceAll(secret, "*".repeat(secret.length));
    return out;
  }

  /** True when the text holds a secret. */
  contains(text: string): boolean {
    return this.#strings.some((secret) => text.includes(secret));
  }

  /** Masks secrets in place; returns the buffer for chaining. */
  scrubBuffer(buffer: Buffer): Buffer {
    for (const needle of this.#needles) {
      let at = buffer.indexOf(needle);
      while (at !== -1) {
        buffer.fill(MASK, at, at + needle.length);
        at = buffer.indexOf(needle, at + needle.length);
      }
    }
    return buffer;
  }

  /** A stream that passes bytes through with every secret masked. */
  stream(): Transform {
    const holdBack = Math.max(0, ...this.#needles.map((n) => n.length - 1));
    let carry = Buffer.alloc(0);
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback: TransformCallback) => {
        const data = this.scrubBuffer(Buffer.concat([carry, chunk]));
        const cut = Math.max(0, data.length - holdBack);
        carry = Buffer.from(data.subarray(cut));
        callback(null, cut > 0 ? data.subarray(0, cut) : undefined);
      },
      flush: (callback: TransformCallback) => {
        callback(null, carry.length > 0 ? carry : undefined);
      },
    });
  }
}
