// Commands whose output is only numbers, so that arithmetic over it (`for ((i=0; i<$(nproc); i++))`,
// `n=$(ls | wc -l); echo $((n*2))`) evaluates no text the line's author may have written.
import { holdsUnknownText } from "../shell-arithmetic.ts";
import type { Word } from "../word.ts";

/** `wc` counting its stdin: with a file operand it prints the file's name too. */
const WC_COUNT = /^-(?:[lcwmL]+|-(?:lines|bytes|chars|words|max-line-length))$/;
/** `seq`'s only option that keeps its output numbers (`-f` and `-s` print any text). */
const SEQ_WIDTH = /^-(?:w|-equal-width)$/;
const NEGATIVE = /^-[0-9.]+$/;
const ID_NUMBER = /^-(?:[ugGr]+|-(?:user|group|groups|real))$/;
/** `date +FORMAT` whose conversions print digits (`%s`, `%Y%m%d`, `%H:%M`), no names. */
const DATE_DIGITS = /^\+(?:%[-_0^#]?[sYmdHMSjuwNyeCGgIklVU%]|[0-9 :._/-])*$/;
/** A `printf` format whose conversions are all decimal or octal numbers and whose own text holds no letter or escape. */
const NUMERIC_FORMAT = /^(?:%[-+ 0#]*[0-9]*(?:\.[0-9]*)?[diou]|[0-9 :.,_/+*-])*$/;
/** `grep` options that keep `-c`'s output one count: no file names, no pattern file. */
const GREP_COUNT =
  /^-(?:[civwxEFGPsh]+|-(?:count|ignore-case|invert-match|word-regexp|line-regexp|no-filename))$/;
const TERMINAL_SIZES: ReadonlySet<string> = new Set(["cols", "lines", "colors"]);

/** Whether a `printf` format (static) prints only numbers and blanks whatever its arguments. */
export function numericFormat(format: Word): boolean {
  return !format.dynamic && NUMERIC_FORMAT.test(format.text);
}

/**
 * Whether the command `argv` prints only numbers, blanks and punctuation: nothing bash would read as a name. A word
 * the line set from unknown text may be an option that prints text (`seq 1 "$n"` with n `-f%gX`).
 */
export function printsNumber(argv: readonly Word[]): boolean {
  const name = argv[0];
  if (!name || name.dynamic || argv.some(holdsUnknownText)) return false;
  const args = argv.slice(1);
  const options = (pattern: RegExp) => args.every((w) => !w.dynamic && pattern.test(w.text));
  switch (name.text) {
    case "nproc":
      return options(/^--(?:all|ignore=\d+)$/);
    case "wc":
      return options(WC_COUNT);
    case "seq":
      // Operands that are not numbers make seq print nothing but an error.
      return args.every((w) => !w.text.startsWith("-") || SEQ_WIDTH.test(w.text) || NEGATIVE.test(w.text));
    case "id":
      return args.length > 0 && options(ID_NUMBER);
    case "date":
      return args.length === 1 && !args[0]!.dynamic && DATE_DIGITS.test(args[0]!.text);
    case "tput":
      return args.length === 1 && !args[0]!.dynamic && TERMINAL_SIZES.has(args[0]!.text);
    case "printf":
      return args.length > 0 && numericFormat(args[0]!);
    case "grep":
      return grepCount(args);
    case "git":
      // `git rev-list --count REV…` prints one count.
      return args[0]?.text === "rev-list" && args.some((w) => w.text === "--count");
    default:
      return false;
  }
}

/** `grep -c PATTERN [FILE]`: one count, for stdin or one file named in the line (a pattern may match several). */
function grepCount(args: readonly Word[]): boolean {
  const options = args.filter((w) => w.text.startsWith("-"));
  const operands = args.filter((w) => !w.text.startsWith("-"));
  if (!options.some((w) => /^-(?:[a-zA-Z]*c[a-zA-Z]*|-count)$/.test(w.text))) return false;
  if (!options.every((w) => !w.dynamic && GREP_COUNT.test(w.text))) return false;
  const file = operands[1];
  return operands.length >= 1 && operands.length <= 2 && (!file || (!file.dynamic && !file.glob));
}
