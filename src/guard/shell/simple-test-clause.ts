// Which `[[ … ]]` clauses the fast shell reader takes: the items between `[[` and `]]` must form a test expression
// exactly as mvdan/sh's grammar reads one, else the clause is the full parser's.
import type { SimpleWord } from "./simple-syntax.ts";

/** One item between `[[` and `]]`: an operator, or a word with the text it was written as, which tells operators. */
export type TestItem = "(" | ")" | "!" | "&&" | "||" | TestWord;
export interface TestWord {
  word: SimpleWord;
  raw: string;
}

const UNARY = new Set([
  "-a",
  "-b",
  "-c",
  "-d",
  "-e",
  "-f",
  "-g",
  "-G",
  "-h",
  "-k",
  "-L",
  "-n",
  "-N",
  "-o",
  "-O",
  "-p",
  "-r",
  "-R",
  "-s",
  "-S",
  "-t",
  "-u",
  "-v",
  "-w",
  "-x",
  "-z",
]);
/** `=~` is left out: its right side is lexed as a regular expression, by other rules. `<` and `>` never get here. */
const BINARY = new Set(["=", "==", "!=", "-nt", "-ot", "-ef", "-eq", "-ne", "-le", "-ge", "-lt", "-gt"]);

const isWord = (item: TestItem | undefined): item is TestWord => typeof item === "object";

/** The clause's operands in order when mvdan/sh parses all the items as one test expression, else null. */
export function testOperands(items: readonly TestItem[]): SimpleWord[] | null {
  if (items.length === 0 || expression(items, 0) !== items.length) return null;
  return items.filter(isWord).map((item) => item.word);
}

/** A primary, then optionally `&&` or `||` and another expression; returns the index after it, or -1. */
function expression(items: readonly TestItem[], at: number): number {
  const end = primary(items, at);
  if (end < 0) return -1;
  const next = items[end];
  return next === "&&" || next === "||" ? expression(items, end + 1) : end;
}

/**
 * `! expression`, `( expression )`, a unary operator and its word, or a word with an optional binary operator and
 * word. As in mvdan/sh, a word spelt as a unary operator is one wherever a primary starts, and only a plain word may
 * stand left of a binary operator.
 */
function primary(items: readonly TestItem[], at: number): number {
  const item = items[at];
  if (item === "!") return expression(items, at + 1);
  if (item === "(") {
    const end = expression(items, at + 1);
    return end >= 0 && items[end] === ")" ? end + 1 : -1;
  }
  if (!isWord(item)) return -1;
  if (UNARY.has(item.raw)) return isWord(items[at + 1]) ? at + 2 : -1;
  const op = items[at + 1];
  if (isWord(op) && BINARY.has(op.raw)) return isWord(items[at + 2]) ? at + 3 : -1;
  return at + 1;
}
