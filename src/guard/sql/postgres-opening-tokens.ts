// The first tokens of a text as PostgreSQL's lexer reads them, as far as they are plain: words, quoted names and the
// punctuation between them. Enough to tell how a statement opens without the parser.
import { matchAt } from "./match-at.ts";

export type OpeningToken =
  | { kind: "word"; v: string } // unquoted, lower-cased as PostgreSQL folds it
  | { kind: "name" } // "quoted"
  | { kind: "other"; v: string }; // anything else: punctuation, an operator, a number, a string, a parameter

export interface Opening {
  readonly tokens: OpeningToken[];
  /** Whether the text ends after the tokens; false where reading stopped before something it does not read. */
  readonly ended: boolean;
}

/** PostgreSQL's white space. */
const BLANK = /[ \t\n\r\f\v]/;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
/**
 * What runs into a word and makes it another token: `$` and non-ASCII letters continue it, a quote after B, E, N, X
 * or U& makes a string, and `U&"…"` a name.
 */
const RUNS_ON = /[$'"&\u0080-\uffff]/;
const QUOTED_NAME = /"(?:[^"]|"")*"/y;
/** Punctuation PostgreSQL always reads alone, whatever follows. */
const ALONE = new Set(["(", ")", ",", ";", "[", "]"]);

/** Up to `max` tokens from the start of `sql`. */
export function openingTokens(sql: string, max: number): Opening {
  const tokens: OpeningToken[] = [];
  let i = 0;
  const stop = (): Opening => ({ tokens, ended: false });
  while (tokens.length < max) {
    while (i < sql.length && BLANK.test(sql[i]!)) i++;
    if (i >= sql.length) return { tokens, ended: true };
    const c = sql[i]!;
    const next = sql[i + 1] ?? "";
    // A comment, or a character that starts a word of its own.
    if ((c === "-" && next === "-") || (c === "/" && next === "*") || c >= "\u0080") return stop();
    if (/[A-Za-z_]/.test(c)) {
      const word = matchAt(WORD, sql, i)!;
      i += word.length;
      if (RUNS_ON.test(sql[i] ?? "")) return stop();
      tokens.push({ kind: "word", v: word.toLowerCase() });
    } else if (c === '"') {
      const quoted = matchAt(QUOTED_NAME, sql, i);
      if (!quoted) return stop();
      i += quoted.length;
      tokens.push({ kind: "name" });
    } else if (ALONE.has(c) || (c === "." && /[A-Za-z_"]/.test(next)) || (c === "*" && BLANK.test(next))) {
      // `.` before a name (not `.5`), `*` on its own (not the start of a longer operator).
      i++;
      tokens.push({ kind: "other", v: c });
    } else {
      // Something else begins here, and no name: the token is read no further.
      tokens.push({ kind: "other", v: c });
      return stop();
    }
  }
  return stop();
}
