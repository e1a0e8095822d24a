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
