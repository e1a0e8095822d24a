// Broken shell, the commonest being an unterminated quote or block: closed the way mvdan/sh says is missing, so the
// text up to there is read as a shell would see it.
import type { ShNode } from "mvdan-sh";
import { mvdan } from "./mvdan.ts";

export function parseErrorMessage(error: unknown): string {
  const e = error as { Error?: () => string; message?: string };
  if (typeof e?.Error === "function") return e.Error();
  return e?.message ?? String(error);
}

/** What to append for the parser's "reached EOF without …" complaints. */
const CLOSINGS: [RegExp, string][] = [
  [/closing quote '$/, "'"],
  [/closing quote "$/, '"'],
  [/closing quote `$/, "`"],
  [/matching \$?\( with \)$/, ")"],
  [/matching \$?\{ with \}$/, "\n}"],
  [/must end with "fi"$/, "\nfi"],
  [/must end with "done"$/, "\ndone"],
  [/must end with "esac"$/, "\nesac"],
  [/unclosed here-document '(.*)'$/, "\n$1"],
];

/**
 * An unterminated quote or block: close it the way the parser says is missing and read on, as the text up to
 * there is what a shell would see. One or two re-parses at most, so hostile input stays cheap.
 */
export function repair(script: string, message: string): ShNode | null {
  let text = script;
  let complaint = message;
  for (let attempt = 0; attempt < 2; attempt++) {
    const closing = CLOSINGS.find(([pattern]) => pattern.test(complaint));
    if (!closing) return null;
    text += closingText(closing, complaint);
    try {
      return mvdan().parser.Parse(text, "");
    } catch (error) {
      complaint = parseErrorMessage(error);
    }
  }
  return null;
}

function closingText([pattern, closing]: [RegExp, string], complaint: string): string {
  const m = pattern.exec(complaint);
  return m?.[1] !== undefined ? closing.replace("$1", m[1]) : closing;
}
