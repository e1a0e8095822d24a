// JSON text read the one way every reader reads it. JSON.parse keeps the last of a repeated key; other parsers keep the
// first or refuse the text, so `{"command": "rm -rf /srv/app", "command": "ls"}` may be judged as one and run as the
// other. Text that repeats a key in an object is refused instead.

/** A repeated key: the text means different things to different readers. */
export class DuplicateKeyError extends SyntaxError {
  readonly code = "ERR_JSON_DUPLICATE_KEY";
  constructor(readonly key: string) {
    super(`JSON text repeats the key ${JSON.stringify(key)} in one object, which readers take differently`);
  }
}

/** JSON.parse, refusing text that repeats a key in an object (`"a"` and `"\u0061"` are one key). */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const key = repeatedKey(text);
  if (key !== undefined) throw new DuplicateKeyError(key);
  return value;
}

/**
 * The first key repeated within one object of `text`, which JSON.parse has accepted. Objects' keys are collected as
 * the text is walked; strings are skipped whole.
 */
function repeatedKey(text: string): string | undefined {
  // Each open object's keys; null for an open array.
  const open: (Set<string> | null)[] = [];
  let expectingKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      // The closing quote is the next one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        let backslash = i - 1;
        while (text.charCodeAt(backslash) === 0x5c /* \ */) backslash--;
        if ((i - 1 - backslash) % 2 === 0) break;
      }
      const keys = open[open.length - 1];
      if (expectingKey && keys) {
        const raw = text.slice(start, i + 1);
        const key = raw.includes("\\") ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (keys.has(key)) return key;
        keys.add(key);
        expectingKey = false;
      }
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      expectingKey = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectingKey = false;
    } else if (c === 0x2c /* , */) {
      expectingKey = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}
