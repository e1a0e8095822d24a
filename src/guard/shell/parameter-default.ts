// `${NAME:-word}` when NAME is unknown or empty, as both shell walkers expand it.
import type { Word } from "../word.ts";
import { dynamicWord } from "./runner.ts";

const SCRATCH_VARIABLE = /^(TMPDIR|TMP|TEMP|RUNNER_TEMP)$/;
const SCRATCH_DEFAULT = /^\/(var\/)?tmp\/?$/;

/** The default stands in for the value, which may still differ at run time. */
export function parameterDefault(name: string, fallback: Word): Word {
  // `${TMPDIR:-/tmp}` is a scratch directory whichever way it goes; it stays `$TMPDIR` for the file rules.
  if (SCRATCH_VARIABLE.test(name) && SCRATCH_DEFAULT.test(fallback.text)) return dynamicWord(`$${name}`);
  return { text: fallback.text, dynamic: true, glob: fallback.glob };
}
