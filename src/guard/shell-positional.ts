// A shell's positional parameters as the shell readers keep them among its variables: `$1`…, `$#`, and `$@` / `$*`
// as one value, which `"$@"` standing alone splits again into its words.
import type { Word } from "./word.ts";

const POSITIONAL = /^(?:[1-9][0-9]*|[#@*])$/;

/** The positional parameters, when the line set them (`set --`, a function's call, `sh -c`); null for the agent's. */
export function positionalOf(vars: ReadonlyMap<string, Word>): Word[] | null {
  if (!vars.has("#") && !vars.has("1")) return null;
  const words: Word[] = [];
  for (let i = 1; vars.has(String(i)); i++) words.push(vars.get(String(i))!);
  return words;
}

/** Makes `words` the positional parameters; `keep` is told each name first, whose value a function's return restores. */
export function setPositional(
  vars: Map<string, Word>,
  words: readonly Word[],
  keep: (name: string) => void = () => {},
): void {
  for (const name of [...vars.keys()].filter((key) => POSITIONAL.test(key))) {
    keep(name);
    vars.delete(name);
  }
  for (const [i, word] of words.entries()) {
    keep(String(i + 1));
    vars.set(String(i + 1), word);
  }
  for (const name of ["#", "@", "*"]) keep(name);
  vars.set("#", { text: String(words.length), dynamic: false, glob: false });
  const all: Word = {
    text: words.map((w) => w.text).join(" "),
    dynamic: words.some((w) => w.dynamic),
    glob: words.some((w) => w.glob),
  };
  vars.set("@", all);
  vars.set("*", all);
}
