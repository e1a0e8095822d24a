// Program text handed to an evaluator that the guard cannot read: what a command printed, or a variable standing alone.
import type { Invocation } from "./command.ts";
import { holdsUnknownText } from "./shell-arithmetic.ts";
import type { Word } from "./word.ts";

/** `$NAME` or `${NAME}` alone: the whole program is a value set outside the line. */
const PARAMETER_ALONE = /^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\}|[0-9@*])$/;

/** `python -c "$CODE"`, `redis-cli EVAL "$(cat wipe.lua)"`: nothing of the program is known before it runs. */
export function unreadableCode(word: Word): boolean {
  return word.dynamic && (holdsUnknownText(word) || PARAMETER_ALONE.test(word.text.trim()));
}

/**
 * The unreadable values given to any of `flags`, written `--flag value` or `--flag=value`
 * (`mongosh --eval "$(cat x.js)"`).
 */
export function unreadableFlagValues(inv: Invocation, flags: readonly string[]): Word[] {
  const found: Word[] = [];
  inv.argv.forEach((word, i) => {
    const before = inv.argv[i - 1]?.text ?? "";
    if (i > 1 && flags.includes(before) && unreadableCode(word)) found.push(word);
    const joined = flags.find((f) => f.startsWith("--") && word.text.startsWith(`${f}=`));
    if (joined) {
      const value = { ...word, text: word.text.slice(joined.length + 1) };
      if (unreadableCode(value)) found.push(value);
    }
  });
  return found;
}
