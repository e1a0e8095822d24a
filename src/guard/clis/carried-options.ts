// How a program's command line is read to find the options that carry a command (`tar --to-command=CMD`, `rsync -e
// CMD`, `vim -c CMD`): getopt's short clusters and glued values, long options cut short, tar's dashless first word.
import type { Word } from "../word.ts";

/** An option whose value carries text in some language, and what judges that text. */
export interface CarriedOption<J> {
  /**
   * How the option is spelled: `-I` is a short option (its value glued on or in the next word, inside a cluster too);
   * `-TT` or `-ex` is one word (its value glued on, after `=`, or in the next word); in `--use[-compress-program]` the
   * part in brackets may be cut short, as getopt takes any unambiguous prefix.
   */
  spellings: readonly string[];
  judge: J;
}

export interface CarrierSyntax<J> {
  options: readonly CarriedOption<J>[];
  /** Letters of the program's other short options that take a value, so a cluster (`-cvf x.tar`) reads as it does. */
  shortValues?: string;
  /** Whole-word options that take a value in the next word (`-p PID`, `--file NAME`), so the value is skipped. */
  wordValues?: readonly string[];
  /** tar's first word without a dash is a cluster whose letters take their values from the next words, in order. */
  dashlessCluster?: boolean;
  /** Every option is a whole word, with one dash or two (gdb's `-nx`, `-ex`): there are no clusters. */
  wordsOnly?: boolean;
  /** Words after which the rest is another program's command line (gdb's `--args`). */
  endsAt?: readonly string[];
}

export interface CarriedValue<J> {
  option: CarriedOption<J>;
  /** The option as written (`--to-com`), for reasons. */
  spelled: string;
  value: Word;
}

export interface ReadCommandLine<J> {
  carried: CarriedValue<J>[];
  /** Every option seen, short ones one letter each (`-c`, `-v`), long ones as written up to `=`. */
  flags: Set<string>;
  operands: Word[];
}

interface Spelling<J> {
  option: CarriedOption<J>;
  full: string;
  /** The shortest prefix that still names the option. */
  shortest: number;
}

const BRACKETS = /[[\]]/g;

function spellingsOf<J>(options: readonly CarriedOption<J>[], wordsOnly: boolean) {
  const letters = new Map<string, CarriedOption<J>>();
  const words: Spelling<J>[] = [];
  for (const option of options)
    for (const s of option.spellings) {
      if (!wordsOnly && /^-[^-]$/.test(s)) letters.set(s[1]!, option);
      else {
        const open = s.indexOf("[");
        words.push({ option, full: s.replace(BRACKETS, ""), shortest: open < 0 ? s.length : open });
      }
    }
  return { letters, words };
}

/** The carried option a whole word names, with its value glued on (after `=`, or straight after a one-dash name). */
function wordOption<J>(arg: string, words: readonly Spelling<J>[], wordsOnly: boolean) {
  const eq = arg.indexOf("=");
  const name = eq < 0 ? arg : arg.slice(0, eq);
  for (const s of words) {
    if (name.length >= s.shortest && s.full.startsWith(name))
      return { spelling: s, name, glued: eq < 0 ? undefined : arg.slice(eq + 1) };
    // zip's `-TTcmd`: a one-dash name with its value straight after it, where options are not all whole words.
    if (!wordsOnly && !s.full.startsWith("--") && arg.startsWith(s.full) && arg !== s.full)
      return { spelling: s, name: s.full, glued: arg.slice(s.full.length).replace(/^=/, "") };
  }
  return undefined;
}

/** tar's `cvIf CMD x.tar …`: each letter an option, those taking a value given the next words in order. */
function unbundle(argv: readonly Word[], takesValue: (letter: string) => boolean): Word[] {
  const first = argv[1];
  if (!first || first.dynamic || !/^[A-Za-z]+$/.test(first.text)) return [...argv];
  const out: Word[] = [argv[0]!];
  let next = 2;
  for (const letter of first.text) {
    out.push({ text: `-${letter}`, dynamic: false, glob: false });
    if (takesValue(letter) && next < argv.length) out.push(argv[next++]!);
  }
  out.push(...argv.slice(next));
  return out;
}

/** Reads a command line as its program does, far enough to find the values of the options that carry a command. */
export function readCommandLine<J>(given: readonly Word[], syntax: CarrierSyntax<J>): ReadCommandLine<J> {
  const { letters, words } = spellingsOf(syntax.options, syntax.wordsOnly === true);
  const shortValues = syntax.shortValues ?? "";
  const takesValue = (letter: string) => letters.has(letter) || shortValues.includes(letter);
  const argv = syntax.dashlessCluster ? unbundle(given, takesValue) : given;
  const out: ReadCommandLine<J> = { carried: [], flags: new Set(), operands: [] };
  const valueAt = (i: number, glued: string | undefined, word: Word): [Word, number] =>
    glued !== undefined && glued !== ""
      ? [{ ...word, text: glued }, i]
      : [argv[i + 1] ?? { text: "", dynamic: false, glob: false }, i + 1];
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    const arg = word.text;
    if (arg === "--" || syntax.endsAt?.includes(arg)) {
      out.operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") {
      out.operands.push(word);
      continue;
    }
    const named = wordOption(arg, words, syntax.wordsOnly === true);
    if (named) {
      out.flags.add(named.name);
      const [value, at] = valueAt(i, named.glued, word);
      out.carried.push({ option: named.spelling.option, spelled: named.name, value });
      i = at;
      continue;
    }
    if (arg.startsWith("--") || syntax.wordsOnly || syntax.wordValues?.includes(arg)) {
      const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
      out.flags.add(name);
      if (!arg.includes("=") && syntax.wordValues?.includes(arg)) i++;
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      out.flags.add(`-${letter}`);
      if (!takesValue(letter)) continue;
      const [value, at] = valueAt(i, arg.slice(j + 1), word);
      const option = letters.get(letter);
      if (option) out.carried.push({ option, spelled: `-${letter}`, value });
      i = at;
      break;
    }
  }
  return out;
}
