// The variables a builtin sets by name when it runs (`read r`, `mapfile a`, `printf -v r`, `getopts o name`, `set --`),
// as the runner follows them: the value is what the builtin read or printed, most often text the guard cannot know.
import { holdsUnknownText, SOME_NUMBER, UNKNOWN_OUTPUT } from "../shell-arithmetic.ts";
import type { Word } from "../word.ts";
import { numericFormat } from "./numeric-output.ts";

export interface SetByBuiltin {
  /**
   * Names given what the builtin reads (`read`, `mapfile`): its stdin, or a descriptor of its own (`-u 3`); `line`
   * when one name takes a line (`read l`), whichever line of the text it reads.
   */
  read?: { names: string[]; raw: boolean; ownDescriptor: boolean; line?: boolean };
  /** Names given a value the builtin's words decide. */
  values?: { name: string; value: Word }[];
  /** `set -- …`: the new positional parameters. */
  positional?: Word[];
  /** `shift N`: how many positional parameters go, null when unknown. */
  shift?: number | null;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const NAME_ONLY = /^[A-Za-z_][A-Za-z0-9_]*(?:\[.*\])?$/s;
const COUNT = /^[0-9]+$/;
/** Names in `eval`'s text that a shell may assign: any word of one, not `$NAME`. */
const NAMES_IN_TEXT = /(?<![$A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*/g;
/** Shell text that runs a command or reads input, whose output the guard does not know. */
const READS_TEXT = /\$\(|`|[<|]|\b(?:read|readarray|mapfile|printf|getopts|source)\b/;
const READ_OPTIONS_WITH_VALUE = "adinNptu";
const MAPFILE_OPTIONS_WITH_VALUE = "dnOsuCc";
const UNKNOWN_TEXT: Word = { text: UNKNOWN_OUTPUT, dynamic: true, glob: false };

/**
 * What the builtin `argv` (after `builtin` or `command`) sets; `positional` is the shell's positional parameters when
 * the line set them, which `getopts` reads when given no words.
 */
export function setByBuiltin(argv: readonly Word[], positional: readonly Word[] | null): SetByBuiltin | null {
  let at = 0;
  while (argv[at] && !argv[at]!.dynamic && (argv[at]!.text === "builtin" || argv[at]!.text === "command"))
    at++;
  const name = argv[at];
  if (!name || name.dynamic) return null;
  const args = argv.slice(at + 1);
  switch (name.text) {
    case "read": {
      const read = readNames(args, READ_OPTIONS_WITH_VALUE, "REPLY");
      const line = read.names.length === 1 && !args.some((w) => /^-[A-Za-z]*[aNnd]/.test(w.text));
      return { read: { ...read, line } };
    }
    case "mapfile":
    case "readarray":
      return { read: readNames(args, MAPFILE_OPTIONS_WITH_VALUE, "MAPFILE") };
    case "printf":
      return printfVariable(args);
    case "getopts":
      return getopts(args, positional);
    case "wait": {
      const named = optionValue(args, "-p");
      return named ? { values: [{ name: named, value: SOME_NUMBER }] } : null;
    }
    case "set":
      return setArguments(args);
    case "shift":
      return {
        shift: args.length === 0 ? 1 : COUNT.test(args[0]!.text) && !args[0]!.dynamic ? +args[0]!.text : null,
      };
    case "eval":
      return evalNames(args);
    default:
      return null;
  }
}

/** The base name of `NAME` or `NAME[subscript]`: an element set taints the whole array. */
function baseName(text: string): string | null {
  return NAME_ONLY.test(text) ? NAME.exec(text)![0] : null;
}

/** `read [-ers] [-a array] [-u fd] [-d delim]… [name…]`, `mapfile [-t] [-u fd]… [array]`. */
function readNames(args: readonly Word[], withValue: string, fallback: string) {
  const names: string[] = [];
  let raw = false;
  let ownDescriptor = false;
  let i = 0;
  for (; i < args.length; i++) {
    const word = args[i]!;
    if (word.dynamic) {
      // Options only known at run time: any word may be a name, and the input is read as it comes.
      for (const w of args) if (!w.dynamic && baseName(w.text)) names.push(baseName(w.text)!);
      return { names: [...names, fallback], raw: false, ownDescriptor: true };
    }
    if (word.text === "--") {
      i++;
      break;
    }
    if (!word.text.startsWith("-") || word.text === "-") break;
    for (let c = 1; c < word.text.length; c++) {
      const option = word.text[c]!;
      if (option === "r") raw = true;
      if (!withValue.includes(option)) continue;
      const value = c + 1 < word.text.length ? word.text.slice(c + 1) : args[++i]?.text;
      if (option === "u") ownDescriptor = true;
      if (option === "a" && value && baseName(value)) names.push(baseName(value)!);
      break;
    }
  }
  for (const w of args.slice(i)) {
    const base = w.dynamic ? null : baseName(w.text);
    if (base) names.push(base);
  }
  return { names: names.length ? names : [fallback], raw, ownDescriptor };
}

/** The word after `option` (`-p NAME`, `-pNAME`). */
function optionValue(args: readonly Word[], option: string): string | null {
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.text;
    if (text === option) return args[i + 1] ? baseName(args[i + 1]!.text) : null;
    if (text.startsWith(option) && !args[i]!.dynamic) return baseName(text.slice(option.length));
  }
  return null;
}

/**
 * `printf -v NAME FORMAT ARG…`: a format without conversions or escapes is the value itself, one of numbers only
 * prints a number; any other may build text the words do not show (`%s%s` of `$` and `(`, `\x24`).
 */
function printfVariable(args: readonly Word[]): SetByBuiltin | null {
  let i = 0;
  let name: string | null = null;
  for (; i < args.length; i++) {
    const text = args[i]!.text;
    if (text === "--") {
      i++;
      break;
    }
    if (text === "-v") name = args[++i] ? baseName(args[i]!.text) : null;
    else if (text.startsWith("-v")) name = baseName(text.slice(2));
    else break;
  }
  if (!name) return null;
  const format = args[i];
  const plain = format && args.length === i + 1 && !/[%\\]/.test(format.text) && !format.dynamic;
  const value = plain ? format : format && numericFormat(format) ? SOME_NUMBER : UNKNOWN_TEXT;
  return { values: [{ name, value }] };
}

/**
 * `getopts OPTSTRING NAME [ARG…]`: NAME takes one of OPTSTRING's letters (a name arithmetic reads in turn) and OPTARG
 * an argument, from the words given or the positional parameters.
 */
function getopts(args: readonly Word[], positional: readonly Word[] | null): SetByBuiltin | null {
  const optstring = args[0];
  const name = args[1] && !args[1].dynamic ? baseName(args[1].text) : null;
  if (!optstring || !name) return null;
  const letters = optstring.dynamic ? UNKNOWN_TEXT : wordOf([...optstring.text.replaceAll(":", ""), "?"]);
  const from = args.length > 2 ? args.slice(2) : positional;
  const optarg = from ? joined(from) : { text: "$OPTARG", dynamic: true, glob: false };
  return {
    values: [
      { name, value: letters },
      { name: "OPTARG", value: optarg },
      { name: "OPTIND", value: SOME_NUMBER },
    ],
  };
}

/** `set [options] [--] [ARG…]`: the words after the options, if any, are the new positional parameters. */
function setArguments(args: readonly Word[]): SetByBuiltin | null {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.dynamic && (word.text === "--" || word.text === "-")) return { positional: args.slice(i + 1) };
    if (word.dynamic || !/^[-+]/.test(word.text)) return { positional: args.slice(i) };
    // `-o NAME`, also in a cluster (`-euo pipefail`), takes the next word.
    if (/^[-+][A-Za-z]*o/.test(word.text)) i++;
  }
  return null;
}

/**
 * `eval TEXT`: any name in the text may be assigned, by a shell the guard reads apart. Text that reads nothing holds
 * every value it can assign; text that runs or reads something may assign what the guard cannot know.
 */
function evalNames(args: readonly Word[]): SetByBuiltin | null {
  const names = new Set<string>();
  for (const w of args) for (const [name] of w.text.matchAll(NAMES_IN_TEXT)) names.add(name);
  const reads = args.some((w) => holdsUnknownText(w) || READS_TEXT.test(w.text));
  // Not one of the words: text built from them, which the guard reads whole.
  const value = reads ? UNKNOWN_TEXT : { ...wordOf(args.map((w) => w.text)), glob: args.some((w) => w.glob) };
  return names.size ? { values: [...names].map((name) => ({ name, value })) } : null;
}

/** How many values a variable is followed with; one that may hold more is text the guard cannot know. */
const MAX_VALUES = 32;
const TOO_MANY_VALUES: Word = { text: UNKNOWN_OUTPUT, dynamic: true, glob: false };

/**
 * Several words a variable may hold one of, as one value: each of them (a word that itself holds several counts as
 * those), and, for what reads the value whole, all of their text, unknown if any is.
 */
export function joined(words: readonly Word[]): Word {
  const values = new Map<string, Word>();
  for (const word of words)
    for (const value of word.values ?? [word]) {
      // A path mktemp made and an output the guard cannot know both read `$(…)`: they are different values.
      const key = `${value.dynamic ? "d" : ""}${value.glob ? "g" : ""}${value.freshTemporary ? "t" : ""}:${value.text}`;
      if (!values.has(key)) values.set(key, value);
    }
  if (values.size > MAX_VALUES) return TOO_MANY_VALUES;
  const distinct = [...values.values()];
  return {
    text: distinct.map((w) => w.text).join(" "),
    dynamic: true,
    glob: distinct.some((w) => w.glob),
    values: distinct,
  };
}

function wordOf(texts: readonly string[]): Word {
  return { text: texts.join(" "), dynamic: true, glob: false };
}
