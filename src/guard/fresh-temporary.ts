// mktemp's output: a path the line itself just created, so deleting it later (`trap 'rm -rf "$t"' EXIT`) loses nothing.
import { UNKNOWN_OUTPUT } from "./shell-arithmetic.ts";
import type { Word } from "./word.ts";

/** A redirection as far as this needs it: which descriptor, and whether it writes to a file. */
interface Redirection {
  kind: string;
  fd?: string;
}

const MKTEMP = /^(?:(?:\/usr)?\/bin\/)?mktemp$/;
/** `-u` / `--dry-run` prints a name without creating it: whatever is there when it is deleted was not made here. */
const DRY_RUN = /^(?:-[A-Za-z]*u[A-Za-z]*|--dry-run)$/;
const BLANK = /\s/;

/**
 * Whether this simple command is mktemp creating a file or directory whose name cannot split into several words: its
 * words and the TMPDIR it sees are known and hold no blank, and only stderr is redirected. A name that splits would
 * make an unquoted `rm -rf $t` delete other paths.
 */
export function makesFreshTemporary(
  argv: readonly Word[],
  redirects: readonly Redirection[],
  env: ReadonlyMap<string, Word>,
): boolean {
  const [name, ...args] = argv;
  if (!name || name.dynamic || !MKTEMP.test(name.text)) return false;
  if (args.some((w) => w.dynamic || w.glob || BLANK.test(w.text) || DRY_RUN.test(w.text))) return false;
  const tmpdir = env.get("TMPDIR");
  if (tmpdir && (tmpdir.dynamic || BLANK.test(tmpdir.text))) return false;
  return redirects.every((r) => r.fd === "2" && (r.kind === "write" || r.kind === "append"));
}

/** What `$(mktemp …)` expands to: its name is only known at run time, but the line made it. */
export function freshTemporaryWord(command: readonly Word[]): Word {
  return {
    text: UNKNOWN_OUTPUT,
    dynamic: true,
    glob: false,
    freshTemporary: command.map((w) => w.text).join(" "),
  };
}

/** Whether the word is a path the line made with mktemp, and nothing added to it. */
export const isFreshTemporary = (word: Word): boolean =>
  word.freshTemporary !== undefined && word.dynamic && word.text === UNKNOWN_OUTPUT;
