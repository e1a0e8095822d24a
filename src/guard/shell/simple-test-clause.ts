// Which `[[ … ]]` clauses the fast shell reader takes: the items between `[[` and `]]` must form a test expression
// exactly as mvdan/sh's grammar reads one, else the clause is the full parser's.
import type { SimpleWord, TestOperand } from "./simple-syntax.ts";

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
/** Binary operators whose operands bash evaluates as arithmetic. */
const ARITHMETIC = new Set(["-eq", "-ne", "-le", "-ge", "-lt", "-gt"]);
/** What the clause does with some of its words beyond expanding them. */
type Evaluated = NonNullable<TestOperand["evaluated"]>;

const isWord = (item: TestItem | undefined): item is TestWord => typeof item === "object";

/**
 * The clause's words in order (operators spelt as words among them) when mvdan/sh parses all the items as one test
 * expression, else null; an arithmetic comparison's operands and the name after `-v` say how they are evaluated.
 */
export function testOperands(items: readonly TestItem[]): TestOperand[] | null {
  const evaluated = new Map<TestWord, Evaluated>();
  if (items.length === 0 || expression(items, 0, evaluated) !== items.length) return null;
  return items.filter(isWord).map((item) => {
    const how = evaluated.get(item);
    return how ? { word: item.word, evaluated: how } : { word: item.word };
  });
}

/** A primary, then optionally `&&` or `||` and another expression; returns the index after it, or -1. */
function expression(items: readonly TestItem[], at: number, evaluated: Map<TestWord, Evaluated>): number {
  const end = primary(items, at, evaluated);
  if (end < 0) return -1;
  const next = items[end];
  return next === "&&" || next === "||" ? expression(items, end + 1, evaluated) : end;
}

/**
 * `! expression`, `( expression )`, a unary operator and its word, or a word with an optional binary operator and
 * word. As in mvdan/sh, a word spelt as a unary operator is one wherever a primary starts, and only a plain word may
 * stand left of a binary operator.
 */
function primary(items: readonly TestItem[], at: number, evaluated: Map<TestWord, Evaluated>): number {
  const item = items[at];
  if (item === "!") return expression(items, at + 1, evaluated);
  if (item === "(") {
    const end = expression(items, at + 1, evaluated);
    return end >= 0 && items[end] === ")" ? end + 1 : -1;
  }
  if (!isWord(item)) return -1;
  if (UNARY.has(item.raw)) {
    const operand = items[at + 1];
    if (!isWord(operand)) return -1;
    if (item.raw === "-v") evaluated.set(operand, "name");
    return at + 2;
  }
  const op = items[at + 1];
  if (isWord(op) && BINARY.has(op.raw)) {
    const right = items[at + 2];
    if (!isWord(right)) return -1;
    if (ARITHMETIC.has(op.raw)) evaluated.set(item, "arithmetic").set(right, "arithmetic");
    return at + 3;
  }
  return at + 1;
}
