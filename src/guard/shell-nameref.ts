// Bash name references (`declare -n r=target`): every use of r resolves its target by name and evaluates a subscript
// in it, so `declare -n r='a[$(cmd)]'; r=1` runs cmd.
import type { Analysis } from "./analysis.ts";
import { judgeSubscriptedName } from "./shell-arithmetic.ts";
import type { Word } from "./word.ts";

/** The declaration builtins whose `-n` gives the nameref attribute: `export -n` un-exports, `readonly` ignores it. */
const NAMEREF_BUILTINS: ReadonlySet<string> = new Set(["declare", "typeset", "local"]);
/** An option word holding `n` (`-n`, `-gn`, `-ni`). */
const NAMEREF_OPTION = /^-[A-Za-z]*n[A-Za-z]*$/;
/** A declaration's word that names a variable: `NAME`, or `NAME=value` / `NAME+=value`. */
const DECLARED_NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?:\+?=(.*))?$/s;

export const UNKNOWN_NAMEREF_TARGET =
  "a name reference points at a name only known at run time, whose subscript bash would evaluate at each use";

/** `option`, given to the declaration builtin `builtin`, makes the names after it namerefs. */
export function givesNameref(builtin: string, option: string): boolean {
  return NAMEREF_BUILTINS.has(builtin) && NAMEREF_OPTION.test(option);
}

/**
 * A nameref's target is judged when the nameref is given it (and, by the runner, again when a variable its subscript
 * reads changes), not at each use: bash evaluates the target's subscript wherever the nameref is read, assigned,
 * unset, tested or handed to a builtin, and a nameref is declared to be used, so judging the target there is sound,
 * and it needs no list of those places, which one missing would reopen. A target the guard cannot read is asked about.
 */
function judgeNamerefTarget(target: Word, vars: ReadonlyMap<string, Word>, an: Analysis): void {
  if (target.dynamic) an.uncertain(UNKNOWN_NAMEREF_TARGET, true);
  else judgeSubscriptedName(target, vars, an);
}

/**
 * A declaration's word that is not an assignment in the syntax (`declare -n "r=$x"`), read as the builtin reads it:
 * the name, and the value after `=` (null for a bare name); null when no name can be read in it.
 */
export function declaredName(word: Word): { name: string; value: Word | null } | null {
  const m = DECLARED_NAME.exec(word.text);
  if (!m) return null;
  return { name: m[1]!, value: m[2] === undefined ? null : { ...word, text: m[2] } };
}

/**
 * `declare -n …` run as a command (`builtin declare -n r=x`, `X=1 declare -n r=x`), where the guard does not follow
 * the nameref afterwards: each target given is judged, and the declaration is asked about.
 */
export function judgeUnfollowedNameref(word: Word, vars: ReadonlyMap<string, Word>, an: Analysis): void {
  const declared = declaredName(word);
  if (declared?.value) judgeNamerefTarget(declared.value, vars, an);
  an.uncertain("a name reference is declared where the guard does not follow what it points at", true);
}
