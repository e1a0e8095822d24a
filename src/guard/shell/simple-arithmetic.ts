// Which arithmetic expressions the fast shell reader takes (in `$((…))`, `$[…]`, `((…))` and C-style `for`), as the
// operand words mvdan/sh's walk visits in order: each is expanded, then evaluated.
import type { SimpleWord } from "./simple-syntax.ts";

/**
 * Operands (a number, a name or `$NAME`) joined by binary operators, blanks around; no unary operators (`1--1` is a
 * decrement to mvdan/sh), parentheses, `?:` or commas.
 */
const PLAIN = (() => {
  const operand = String.raw`[ \t]*(?:[0-9]+|\$?[A-Za-z_][A-Za-z0-9_]*)[ \t]*`;
  const binary = String.raw`(?:\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>&|^])`;
  return new RegExp(`^${operand}(?:${binary}${operand})*$`);
})();
/** A binary operator of the expressions taken here, at the sticky regex's lastIndex. */
export const BINARY_OPERATOR = /\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>&|^]/y;
/** `NAME=`, `NAME+=` or `NAME-=` before a plain expression: mvdan/sh visits NAME, then the expression's operands. */
export const ASSIGNMENT = /^[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*[-+]?=(?!=)/;
/** `NAME++`, `NAME--`, `++NAME` or `--NAME` alone: NAME is the one operand. */
const STEP = /^[ \t]*(?:(?:\+\+|--)[A-Za-z_][A-Za-z0-9_]*|[A-Za-z_][A-Za-z0-9_]*(?:\+\+|--))[ \t]*$/;
/** Single-quoted text alone: one operand, whose quotes do not quote inside arithmetic (bash expands what they hold). */
const SINGLE_QUOTED = /^[ \t]*'([^']*)'[ \t]*$/;
/** The operands of an expression taken here, in order: its operators hold no letter or digit. */
const OPERAND = /\$?[A-Za-z_][A-Za-z0-9_]*|[0-9]+/g;

/** The operand words of `expression` in the order mvdan/sh's walk visits them, or null when it is not taken. */
export function arithmeticOperands(expression: string): SimpleWord[] | null {
  const quoted = SINGLE_QUOTED.exec(expression);
  if (quoted) return [[{ text: quoted[1]!, quoted: true }]];
  const assigned = ASSIGNMENT.exec(expression)?.[0];
  const taken =
    PLAIN.test(expression) ||
    STEP.test(expression) ||
    (assigned !== undefined && PLAIN.test(expression.slice(assigned.length)));
  if (!taken) return null;
  return [...expression.matchAll(OPERAND)].map(
    ([operand]): SimpleWord =>
      operand.startsWith("$")
        ? [{ text: "", param: operand.slice(1), quoted: false }]
        : [{ text: operand, quoted: false }],
  );
}

/** `init; cond; step` of a C-style `for`, each part an expression taken here, as all their operands in order. */
export function loopOperands(header: string): SimpleWord[] | null {
  const parts = header.split(";");
  if (parts.length !== 3) return null;
  const operands: SimpleWord[] = [];
  for (const part of parts) {
    const words = arithmeticOperands(part);
    if (!words) return null;
    operands.push(...words);
  }
  return operands;
}
