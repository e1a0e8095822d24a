// What evaluating shell arithmetic runs through variables: bash reads a name's value as an expression in turn, and
// expands an array subscript inside it, so `x='a[$(cmd)]'; echo $((x))` runs cmd.
import type { Analysis } from "./analysis.ts";
import type { Word } from "./word.ts";

/** What a command substitution whose output is unknown expands to, in the readers' words. */
export const UNKNOWN_OUTPUT = "$(…)";
/** What a number only known at run time expands to (`$((…))`, `${#x}`, `$(nproc)`). */
export const SOME_NUMBER: Word = { text: "0", dynamic: true, glob: false };

const SUBSTITUTION = /\$\(|`/;
/** Names in an expression: not the digits of a number such as `0x1f` or `16#ff`. */
const NAME_IN_EXPRESSION = /(?<![A-Za-z0-9_#])[A-Za-z_][A-Za-z0-9_]*/g;
/** `NAME[subscript]`, as `${!x}`, `[[ -v … ]]` and the builtins that take a variable's name read it. */
const SUBSCRIPTED_NAME = /^[A-Za-z_][A-Za-z0-9_]*\[(.*)\]$/s;
/** A declaration's option word that gives the integer attribute (`-i`, `-ai`, `-ix`…). */
export const INTEGER_OPTION = /^-[A-Za-z]*i[A-Za-z]*$/;
/** One that makes associative arrays (`-A`, `-gA`), whose subscripts are strings rather than arithmetic. */
export const ASSOCIATIVE_OPTION = /^-[A-Za-z]*A[A-Za-z]*$/;
/** One that makes a declaration in a function global (`-g`, `-gA`). */
export const GLOBAL_OPTION = /^-[A-Za-z]*g[A-Za-z]*$/;
const LEADING_NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const ASSIGNMENT_OPERATOR = /^\+?=/;
/** How many names deep a value is followed; bash goes on, so a longer chain is asked about. */
const MAX_DEPTH = 8;
/**
 * Text that arithmetic evaluation expands is read as the body of an unquoted here-document: bash expands an array
 * subscript as it expands a double-quoted string, where only `$`, a backquote and `\` are special. Text holding no
 * `"` and no `\` expands the same inside double quotes, a word the fast shell reader reads itself.
 */
const EXPANDED_TEXT_DELIMITER = "LEASH_EXPANDED_TEXT";
const SPECIAL_IN_DOUBLE_QUOTES_ONLY = /["\\]/;

export interface ArithmeticReach {
  /** Texts that hold a command substitution the evaluation expands: the expression itself or a value reached. */
  expanded: string[];
  /** A chain of names longer than the guard follows, while some variable holds a command substitution. */
  unfollowed: boolean;
  /** The expression, or a value it reaches, holds text the line set and the guard cannot know. */
  unknown: boolean;
}

const NOTHING: ArithmeticReach = { expanded: [], unfollowed: false, unknown: false };

export const UNKNOWN_VALUE_EVALUATED =
  "evaluates as arithmetic a value the line sets from text the guard cannot know (a command's output, read, mapfile, a function's argument, file names…), whose subscript may run commands";

/**
 * Text the line sets and the guard cannot know: a command's output (`x=$(curl …)`, `read x`, `mapfile a`), or file
 * names a pattern matched (`for f in *`). Its author may be whoever wrote what the line reads, so bash evaluating it
 * may run anything. A variable the line never set (the agent's environment: `$COLUMNS`, `$1` at top level) is not.
 */
export function holdsUnknownText(word: Word): boolean {
  return word.dynamic && (word.glob || word.text.includes(UNKNOWN_OUTPUT));
}

/** The text the guard knows: a substitution whose output is unknown stands for no text. */
function knownText(word: Word): string {
  return word.dynamic && word.text.includes(UNKNOWN_OUTPUT)
    ? word.text.replaceAll(UNKNOWN_OUTPUT, "")
    : word.text;
}

/**
 * The substitutions evaluating `expression` as arithmetic expands: in its own text, and in the values of the names it
 * reads, followed name by name. A value only known at run time holds none the guard can see: one the line set from
 * text it cannot know makes the evaluation unknown, one the line never set (the agent's environment) does not.
 */
export function arithmeticReach(expression: Word, vars: ReadonlyMap<string, Word>): ArithmeticReach {
  let frontier = [knownText(expression)];
  const expanded: string[] = [];
  const seen = new Set<string>();
  let unknown = holdsUnknownText(expression);
  for (let depth = 0; frontier.length; depth++) {
    if (depth > MAX_DEPTH)
      return { expanded, unfollowed: someValueSubstitutes(vars) || someValueUnknown(vars), unknown };
    const next: string[] = [];
    for (const text of frontier) {
      if (SUBSTITUTION.test(text)) expanded.push(text);
      for (const [name] of text.matchAll(NAME_IN_EXPRESSION)) {
        if (seen.has(name)) continue;
        seen.add(name);
        const value = vars.get(name);
        if (!value) continue;
        unknown ||= holdsUnknownText(value);
        next.push(knownText(value));
      }
    }
    frontier = next;
  }
  return expanded.length || unknown ? { expanded, unfollowed: false, unknown } : NOTHING;
}

/** A variable's name that may carry a subscript (`a[i]`): the subscript is evaluated as arithmetic. */
export function subscriptReach(name: Word, vars: ReadonlyMap<string, Word>): ArithmeticReach {
  const subscript = SUBSCRIPTED_NAME.exec(name.text)?.[1];
  if (subscript !== undefined) return arithmeticReach({ ...name, text: subscript }, vars);
  // A name the guard cannot read may carry any subscript.
  return holdsUnknownText(name) ? { ...NOTHING, unknown: true } : NOTHING;
}

/**
 * The shell evaluates `expression` as arithmetic (`$((…))`, `((…))`, `let`, an index, a slice's bounds, `[[ … -eq
 * … ]]`): the commands substituted in what it expands are judged as run.
 */
export function judgeArithmetic(expression: Word, vars: ReadonlyMap<string, Word>, an: Analysis): void {
  judgeReach(arithmeticReach(expression, vars), vars, an);
}

/** The shell reads `name` as a variable's name (`${!x}`, `[[ -v … ]]`, `read NAME`): its subscript is evaluated. */
export function judgeSubscriptedName(name: Word, vars: ReadonlyMap<string, Word>, an: Analysis): void {
  judgeReach(subscriptReach(name, vars), vars, an);
}

/**
 * A declaration's word (`declare 'a[i]=v'`, `local -i n=v`): the name before `=` may carry a subscript, and with the
 * integer attribute the value is evaluated as arithmetic. Bash evaluates the subscript only to assign that element:
 * without `=` or `+=` (`local 'a[i]'`, `declare -a 'a[i]'`) it ignores it, so only a word whose text is not all known
 * may still hold an assignment.
 */
export function judgeDeclaredWord(
  word: Word,
  integer: boolean,
  vars: ReadonlyMap<string, Word>,
  an: Analysis,
): void {
  const end = assignedNameEnd(word.text);
  const rest = word.text.slice(end);
  const operator = ASSIGNMENT_OPERATOR.exec(rest)?.[0];
  if (operator || word.dynamic)
    judgeSubscriptedName(end ? { ...word, text: word.text.slice(0, end) } : word, vars, an);
  if (integer && operator) judgeArithmetic({ ...word, text: rest.slice(operator.length) }, vars, an);
}

/** Where the name (with its subscript, brackets matched) ends in `NAME[…]=value`. */
function assignedNameEnd(text: string): number {
  const name = LEADING_NAME.exec(text)?.[0].length ?? 0;
  if (text[name] !== "[") return name;
  let depth = 0;
  for (let i = name; i < text.length; i++) {
    if (text[i] === "[") depth++;
    else if (text[i] === "]" && --depth === 0) return i + 1;
  }
  return text.length;
}

/**
 * Text the shell expands as it expands a double-quoted string (an array subscript, a prompt string, BASH_ENV): the
 * commands substituted in it are judged as run. `what` names the text in the reason when it cannot be read so.
 */
export function judgeExpandedText(
  text: string,
  vars: ReadonlyMap<string, Word> | undefined,
  an: Analysis,
  what: string,
): void {
  if (!SUBSTITUTION.test(text)) return;
  if (!SPECIAL_IN_DOUBLE_QUOTES_ONLY.test(text)) an.nested.shell(`: "${text}"`, vars);
  else if (text.split("\n").includes(EXPANDED_TEXT_DELIMITER))
    an.uncertain(`${what} expands a value holding a command substitution`, true);
  else an.nested.shell(`: <<${EXPANDED_TEXT_DELIMITER}\n${text}\n${EXPANDED_TEXT_DELIMITER}\n`, vars);
}

/** The commands substituted in what an evaluation expands are judged as run. */
export function judgeReach(reach: ArithmeticReach, vars: ReadonlyMap<string, Word>, an: Analysis): void {
  for (const text of reach.expanded) judgeExpandedText(text, vars, an, "arithmetic");
  if (reach.unfollowed)
    an.uncertain("arithmetic reads a chain of variables longer than the guard follows", true);
  if (reach.unknown) an.uncertain(UNKNOWN_VALUE_EVALUATED, true);
}

function someValueUnknown(vars: ReadonlyMap<string, Word>): boolean {
  for (const value of vars.values()) if (holdsUnknownText(value)) return true;
  return false;
}

function someValueSubstitutes(vars: ReadonlyMap<string, Word>): boolean {
  for (const value of vars.values()) if (SUBSTITUTION.test(knownText(value))) return true;
  return false;
}
