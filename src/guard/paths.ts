// Paths as the kernel resolves them, and as scripts spell them (scratch directories, numeric parameters): what path
// rules compare.
import type { Word } from "./word.ts";

/** Scratch directories as scripts spell them: $TMPDIR, ${TMPDIR:-/tmp}, $TMP, $TEMP, $RUNNER_TEMP. */
const TEMP_PREFIX = /^(?:\$\{?(?:TMPDIR|TMP|TEMP|RUNNER_TEMP)(?::?-\/tmp)?\}?)(?=\/|$)/;

/** `$TMPDIR/x` read as `/tmp/x`: a known scratch place, unless something else in it is only known at run time. */
export function resolveTempPrefix(word: Word): Word {
  if (!word.dynamic || !TEMP_PREFIX.test(word.text)) return word;
  const rest = word.text.replace(TEMP_PREFIX, "");
  if (/\$|`/.test(rest)) return word;
  return { text: `/tmp${rest}`, dynamic: false, glob: word.glob };
}

/** The working and home directories as scripts spell them: $PWD, ${PWD}, $HOME, ${HOME}. */
const WORKING_OR_HOME_PREFIX = /^\$(?:\{(PWD|HOME)\}|(PWD|HOME)\b)(?=\/)/;

/**
 * `$PWD/dist` read as `./dist` and `$HOME/.cache/yarn` as `~/.cache/yarn`: the rest of the path says what it is, as it
 * does after `./` and `~/`, unless something else in it is only known at run time.
 */
export function resolveWorkingOrHomePrefix(word: Word): Word {
  const m = word.dynamic ? WORKING_OR_HOME_PREFIX.exec(word.text) : null;
  if (!m) return word;
  const rest = word.text.slice(m[0].length);
  if (/\$|`/.test(rest)) return word;
  return { text: `${(m[1] ?? m[2]) === "PWD" ? "." : "~"}${rest}`, dynamic: false, glob: word.glob };
}

/** Parameters the shell fills with a number: process ids, the last status, the argument count, counters. */
const NUMERIC_PARAMETER =
  /\$(?:[$!?#]|(?:RANDOM|SRANDOM|BASHPID|PPID|UID|EUID|SECONDS|EPOCHSECONDS|LINENO)\b)|\$\{(?:[$!?#]|RANDOM|SRANDOM|BASHPID|PPID|UID|EUID|SECONDS|EPOCHSECONDS|LINENO)\}/g;

/** What else a path made known that way may hold: plain path characters, nothing another expansion could stand for. */
const PLAIN_PATH = /^[\w./+,:@%=-]*$/;

/**
 * `/tmp/lock.$$` is known where it matters: a number cannot add a `/` or `..`, so a path whose only unknown parts are
 * numbers stays in the directory it names.
 */
export function resolveNumericParameters(word: Word): Word {
  if (!word.dynamic) return word;
  const known = word.text.replace(NUMERIC_PARAMETER, "0");
  return known === word.text || !PLAIN_PATH.test(known) ? word : { ...word, dynamic: false };
}

/** `a/../b`, `//`, `/./` resolved the way the kernel would, so `..` cannot climb out of a safe place unseen. */
export function normalizePath(path: string): string {
  if (!path.includes("/")) return path;
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length && out.at(-1) !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(part);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

/**
 * Every path in a text (a command, a URL) with runs of slashes as one and `/./` dropped; a scheme's `://` keeps its
 * slashes. For text where paths stand among other words, which normalizePath() cannot take apart.
 */
export function collapseSlashes(text: string): string {
  return text
    .replace(/\/{2,}/g, (slashes, at: number, whole: string) => (whole[at - 1] === ":" ? slashes : "/"))
    .replace(/\/(?:\.\/)+/g, "/");
}

/** Directories of the system's configuration and services' data: a file written there changes what runs or is kept. */
export const SYSTEM_OR_DATA_DIRECTORY = /^\/(var\/lib|etc|srv|data|boot)\//;
