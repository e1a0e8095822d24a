// Text as a client would read it after decoding escapes, with each decoded byte mapped back to the raw bytes it came from.

/**
 * A decoded form of some raw bytes. `bytes[i]` came from raw bytes `start[i]` up to (not including) `end[i]`;
 * bytes decoded from one escape share one span, and the spans of consecutive bytes never go backwards.
 */
export interface DecodedView {
  bytes: Buffer;
  start: Int32Array;
  end: Int32Array;
}

export function rawView(raw: Buffer): DecodedView {
  const start = new Int32Array(raw.length);
  const end = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    start[i] = i;
    end[i] = i + 1;
  }
  return { bytes: raw, start, end };
}

/** The most raw bytes one decoded byte can stand for in one layer (`&#x00041;` is nine for one). */
export const MAX_ESCAPE_BYTES = 10;

const JSON_SIMPLE: Record<number, number> = {
  34: 0x22, // \"
  92: 0x5c, // \\
  47: 0x2f, // \/
  98: 0x08, // \b
  102: 0x0c, // \f
  110: 0x0a, // \n
  114: 0x0d, // \r
  116: 0x09, // \t
};

const HEX = /^[0-9a-fA-F]+$/;

/**
 * One layer of the escapes clients undo by default, all at once: percent-encoding in either case, JSON string
 * escapes (`\/`, `\uXXXX` with surrogate pairs, `\"`…) and HTML numeric character references. `percentOnly` undoes
 * only percent-encoding (for a second layer: `%252F`). Anything that is not a complete escape stays as it is.
 */
export function decodeLayer(view: DecodedView, percentOnly = false): DecodedView {
  const { bytes } = view;
  const n = bytes.length;
  const out = Buffer.allocUnsafe(n);
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  let o = 0;
  const emit = (value: number, from: number, to: number) => {
    out[o] = value;
    start[o] = view.start[from]!;
    end[o] = view.end[to - 1]!;
    o++;
  };
  const emitCodePoint = (codePoint: number, from: number, to: number) => {
    for (const byte of Buffer.from(String.fromCodePoint(codePoint), "utf8")) emit(byte, from, to);
  };
  const ascii = (from: number, length: number) =>
    from + length <= n ? bytes.toString("latin1", from, from + length) : "";

  let i = 0;
  while (i < n) {
    const byte = bytes[i]!;
    if (byte === 0x25 /* % */) {
      const hex = ascii(i + 1, 2);
      if (hex.length === 2 && HEX.test(hex)) {
        emit(Number.parseInt(hex, 16), i, i + 3);
        i += 3;
        continue;
      }
    } else if (!percentOnly && byte === 0x5c /* \ */ && i + 1 < n) {
      const next = bytes[i + 1]!;
      if (next === 0x75 /* u */) {
        const hex = ascii(i + 2, 4);
        if (HEX.test(hex)) {
          let codePoint = Number.parseInt(hex, 16);
          let to = i + 6;
          if (codePoint >= 0xd800 && codePoint <= 0xdbff && ascii(i + 6, 2).toLowerCase() === "\\u") {
            const low = ascii(i + 8, 4);
            const lowPoint = HEX.test(low) ? Number.parseInt(low, 16) : 0;
            if (lowPoint >= 0xdc00 && lowPoint <= 0xdfff) {
              codePoint = 0x10000 + ((codePoint - 0xd800) << 10) + (lowPoint - 0xdc00);
              to = i + 12;
            }
          }
          if (codePoint >= 0xd800 && codePoint <= 0xdfff) codePoint = 0xfffd;
          emitCodePoint(codePoint, i, to);
          i = to;
          continue;
        }
      } else if (JSON_SIMPLE[next] !== undefined) {
        emit(JSON_SIMPLE[next]!, i, i + 2);
        i += 2;
        continue;
      }
    } else if (!percentOnly && byte === 0x26 /* & */ && bytes[i + 1] === 0x23 /* # */) {
      const reference = /^&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/.exec(
        ascii(i, Math.min(MAX_ESCAPE_BYTES, n - i)),
      );
      if (reference) {
        const codePoint = reference[1] ? Number.parseInt(reference[1], 16) : Number(reference[2]);
        if (codePoint <= 0x10ffff) {
          const safe = codePoint >= 0xd800 && codePoint <= 0xdfff ? 0xfffd : codePoint;
          emitCodePoint(safe, i, i + reference[0].length);
          i += reference[0].length;
          continue;
        }
      }
    }
    emit(byte, i, i + 1);
    i++;
  }
  return { bytes: out.subarray(0, o), start: start.subarray(0, o), end: end.subarray(0, o) };
}

const isSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * The view with spaces, tabs and line breaks left out: base64 decoders skip them (MIME wraps base64 every 76
 * characters), so a secret's base64 broken over lines is still that secret to whoever decodes it. Null when the view
 * holds none, so the common case costs one scan.
 */
export function withoutWhitespace(view: DecodedView): DecodedView | null {
  if (!view.bytes.some(isSpace)) return null;
  const kept: number[] = [];
  for (let i = 0; i < view.bytes.length; i++) if (!isSpace(view.bytes[i]!)) kept.push(i);
  const bytes = Buffer.alloc(kept.length);
  const start = new Int32Array(kept.length);
  const end = new Int32Array(kept.length);
  kept.forEach((from, i) => {
    bytes[i] = view.bytes[from]!;
    start[i] = view.start[from]!;
    end[i] = view.end[from]!;
  });
  return { bytes, start, end };
}
