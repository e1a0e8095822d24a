// Here-documents as the fast shell reader takes them: the delimiter after `<<` and the body lines up to it, read the
// same way by the lexer and by the scan that finds where a `$(…)` or `<(…)` holding one ends.

export interface HeredocDelimiter {
  delimiter: string;
  /** A quoted delimiter keeps the body as written; an unquoted one expands `$`, backquotes and `\` in it. */
  quoted: boolean;
  /** Index after the delimiter word. */
  end: number;
}

/** The delimiter after `<<`, whose end is `at`; null for `<<-` and for delimiters left to the full parser. */
export function heredocDelimiter(src: string, at: number): HeredocDelimiter | null {
  if (src[at] === "-") return null;
  let j = at;
  while (src[j] === " " || src[j] === "\t") j++;
  let delimiter: string;
  let quoted = false;
  const q = src[j];
  if (q === "'" || q === '"') {
    const end = src.indexOf(q, j + 1);
    if (end < 0) return null;
    delimiter = src.slice(j + 1, end);
    quoted = true;
    j = end + 1;
  } else {
    const start = j;
    while (j < src.length && !/[\s;&|<>()]/.test(src[j]!)) j++;
    delimiter = src.slice(start, j);
  }
  if (!delimiter || /[\s'"`$\\]/.test(delimiter) || /^[^\s;&|<>()]/.test(src[j] ?? " ")) return null;
  return { delimiter, quoted, end: j };
}

/** The body starting at `at`, through the line that is only `delimiter`: its text and the index after it, or null. */
export function heredocBody(
  src: string,
  at: number,
  delimiter: string,
): { text: string; end: number } | null {
  let text = "";
  for (let from = at; ; ) {
    if (from >= src.length) return null;
    const nl = src.indexOf("\n", from);
    const line = src.slice(from, nl < 0 ? src.length : nl);
    from = nl < 0 ? src.length : nl + 1;
    if (line === delimiter) return { text, end: from };
    if (nl < 0) return null;
    text += `${line}\n`;
  }
}

/**
 * An unquoted document's body as bash expands it, when it holds no expansion: lines joined at a backslash-newline, a
 * backslash before `$`, a backquote or `\` removed, any other kept. Null for a body with `$` or a backquote, and
 * where bash, which compares the joined lines with the delimiter, ends the document elsewhere than `heredocBody`.
 */
export function unquotedHeredocText(body: string, delimiter: string): string | null {
  if (!body.includes("\\")) return /[$`]/.test(body) ? null : body;
  let out = "";
  /** The current line as bash compares it with the delimiter: joined, its other backslashes kept. */
  let line = "";
  let joined = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    joined = false;
    if (c === "$" || c === "`") return null;
    if (c === "\n") {
      if (line === delimiter) return null;
      line = "";
      out += c;
    } else if (c === "\\") {
      const next = body[++i]!;
      joined = next === "\n";
      if (joined) continue;
      line += c + next;
      out += next === "$" || next === "`" || next === "\\" ? next : c + next;
    } else {
      line += c;
      out += c;
    }
  }
  // A backslash-newline before the delimiter's line joins it to the body: bash reads on.
  return joined ? null : out;
}
