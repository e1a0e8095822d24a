// Bash's rule for a here-document inside `$(…)`, `<(…)` or `>(…)`: a body line that starts with the delimiter and
// holds a `)` anywhere after it ends the document there, and the rest of that line is read as commands (a
// compatibility rule of bash's here-document reader). mvdan/sh and the fast reader read on to the line that is the
// delimiter alone, so such a document hides commands from both: the fast reader refuses it, the full parser asks.

export const HEREDOC_ENDS_EARLY =
  "a here-document inside $(…) has a line that starts with its delimiter and holds `)`: bash ends the document there and runs the rest as commands";

/** Whether bash, reading these body lines inside a substitution, ends the document before them all. */
export function endsEarlyInSubstitution(lines: readonly string[], delimiter: string): boolean {
  return lines.some((line) => line.startsWith(delimiter) && line.includes(")", delimiter.length));
}

/** `<<WORD`, `<<'WORD'` or `<<"WORD"`, with `-` for `<<-`. */
const HEREDOC_OPERATOR = /<<(-?)[ \t]*(['"]?)([^\s;&|<>()'"]+)\2/g;

/** More `<<` than this in text no parser could read is asked about rather than scanned (each scan reads on). */
const MAX_OPERATORS = 32;

/**
 * For text no parser could read: whether a `<<WORD` anywhere (in a substitution or not, quoted or not) is followed
 * by a body line bash would end it at inside a substitution, before the line that is the delimiter alone.
 */
export function mayEndEarly(text: string): boolean {
  let seen = 0;
  for (const m of text.matchAll(HEREDOC_OPERATOR)) {
    if (++seen > MAX_OPERATORS) return true;
    const [, dash, , delimiter] = m;
    for (let at = text.indexOf("\n", m.index) + 1; at > 0; ) {
      const end = text.indexOf("\n", at);
      const raw = text.slice(at, end < 0 ? text.length : end);
      const line = dash ? raw.replace(/^\t+/, "") : raw;
      if (line === delimiter) break;
      if (endsEarlyInSubstitution([line], delimiter!)) return true;
      at = end + 1;
    }
  }
  return false;
}
