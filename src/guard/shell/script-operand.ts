// Where a shell, or `source`/`.`, names the script it runs: `bash -e <(curl …) args` runs what the substitution writes,
// as `curl … | bash -e` would. Only invocations whose options are known not to change that are read so.
import { programName } from "../command.ts";
import type { Word } from "../word.ts";

/** The shells whose operand is a script file; fish reads another language, so it is not one of them. */
const SCRIPT_SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash"]);
/**
 * Short options of those shells that take no value and leave the first operand a script file. Left out: `-c` (a
 * command string), `-s` (the script on stdin, operands are its arguments), `-o`/`-O` (take a value), zsh's `-b` (ends
 * options), ksh's `-R` and mksh's `-T` (take a value), and whatever else is not listed.
 */
const PLAIN_SHORT_OPTIONS = /^-[aefhiklmnpruvxBCEH]+$/;
const PLAIN_LONG_OPTIONS = new Set(["--norc", "--noprofile", "--login", "--posix"]);
/** The builtins that run a script file in the current shell; a path (`./source`) is another program. */
const SOURCE_BUILTINS = new Set(["source", "."]);

export interface ScriptOperand {
  /** Index in argv of the script file. */
  index: number;
  /** The command that reads the same script on stdin: the shell and its options, without the script's arguments. */
  readsStdin: Word[];
}

/** The script file operand of a shell or `source`, or null when the command is not one or its options are unsure. */
export function scriptOperand(argv: readonly Word[]): ScriptOperand | null {
  const program = argv[0];
  if (!program || program.dynamic || argv.length < 2) return null;
  if (SOURCE_BUILTINS.has(program.text))
    return { index: 1, readsStdin: [{ text: "sh", dynamic: false, glob: false }] };
  if (!SCRIPT_SHELLS.has(programName(program.text))) return null;
  const options: Word[] = [];
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (word.text === "--" && !word.dynamic)
      return i + 1 < argv.length ? { index: i + 1, readsStdin: [program, ...options] } : null;
    if (!word.text.startsWith("-")) return { index: i, readsStdin: [program, ...options] };
    if (word.dynamic || (!PLAIN_SHORT_OPTIONS.test(word.text) && !PLAIN_LONG_OPTIONS.has(word.text)))
      return null;
    options.push(word);
  }
  return null;
}
