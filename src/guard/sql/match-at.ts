// The lexers' one way to read a token: a sticky pattern tried at a position.

/** What the sticky (`y`) `pattern` matches starting exactly at `at` in `text`, or null. */
export function matchAt(pattern: RegExp, text: string, at: number): string | null {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0] ?? null;
}
