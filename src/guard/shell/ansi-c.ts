// `$'…'` strings, which both shell readers decode the same way.

const ANSI_C: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  v: "\v",
};

/** `$'…'` strings: C escapes, hex and octal, the usual way to hide a word from a grep. */
export function ansiC(raw: string): string {
  return raw.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|.)/gs,
    (_, esc: string) => {
      if (/^[xuU]/.test(esc) && esc.length > 1)
        return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
      if (/^[0-7]+$/.test(esc)) return String.fromCharCode(Number.parseInt(esc, 8));
      return ANSI_C[esc] ?? esc;
    },
  );
}
