// A program running a file as its script, SQL or code: when the command line wrote that file, or the file is the
// program's own stdin (`. /dev/stdin <<< …`), the text is judged as that language. A script or SQL file on disk, where
// the command is judged on its machine (a hook), is judged as that language too, and keeps the verdict its name gives.
import type { Analysis } from "./analysis.ts";
import { type Invocation, stdinText } from "./command.ts";
import { namesCredentialFile } from "./exposure.ts";
import { resolveWorkingOrHomePrefix } from "./paths.ts";
import { maskSecrets, secretsIn } from "./secrets.ts";
import type { ProjectFile } from "./types.ts";
import type { Word } from "./word.ts";
import type { WrittenFile } from "./written-files.ts";

/** Paths that name the reading process's own stdin. */
const STDIN_PATH = /^\/(?:dev\/stdin|dev\/fd\/0|proc\/(?:self|thread-self|\d+)\/fd\/0)$/;
/** A download is an installer more often than not, as when it is piped into the interpreter. */
export const DOWNLOADER = /\b(curl|wget|fetch|http)\b/;

export function namesStdin(path: string): boolean {
  return STDIN_PATH.test(path);
}

/**
 * `runner` reads `path`, a file the line wrote whose text the guard cannot know: what wrote it decides. A download is
 * asked about as the same download piped into the runner is; anything else may hold any command.
 */
export function unseenWrite(an: Analysis, runner: string, path: string, file: WrittenFile): void {
  const clipped = file.by.length > 60 ? `${file.by.slice(0, 57)}…` : file.by;
  if (DOWNLOADER.test(file.by))
    an.uncertain(`${runner} runs ${path}, downloaded by \`${clipped}\`, which the guard cannot read`, false);
  else
    an.uncertain(
      `${runner} runs ${path}, which \`${clipped}\` wrote on this command line with text the guard cannot know`,
      true,
    );
}

/**
 * Judges the text `an` knows the line wrote into `path` with `judge` (or, for a file it cannot know, by its writer);
 * false when the line did not write `path`. A script that runs itself is asked about rather than followed again.
 */
export function judgeWrittenFile(
  an: Analysis,
  runner: string,
  path: Word,
  judge: (text: string) => void,
): boolean {
  const file = an.written.find(path);
  if (!file) return false;
  const text = file.text;
  if (text === null) {
    unseenWrite(an, runner, path.text, file);
    return true;
  }
  const followed = an.written.judging(file, () => {
    an.note(text);
    judge(text);
  });
  if (!followed) an.uncertain(`${runner} runs ${path.text}, which runs itself`, true);
  return true;
}

/**
 * `runner` runs `path`, a file the line did not write, whose text runs as written (a shell script, SQL): when the
 * command is judged on the machine where it runs, the file's text there is judged with `judge`, once per command; true
 * when it was. The caller still judges the call as before, so a file changed between this reading and the run, or one
 * that a `cd` earlier in the line makes another, is no less guarded than a file the guard cannot read.
 */
export function judgeProjectFile(
  an: Analysis,
  runner: string,
  path: Word,
  judge: (text: string) => void,
): boolean {
  const known = diskPath(path);
  if (!known) return false;
  const file = an.projectFile(known.text);
  if (!file || !an.firstReading(file.path)) return false;
  an.harmless(`${runner} reads ${path.text}: its text on disk (${file.path}) is judged`);
  judgeDiskText(an, file, file.text, judge);
  return true;
}

/**
 * The file on disk a path names where the command runs, with `$PWD/` and `$HOME/` read as the working and home
 * directories they are there; null for a path only known at run time, or the reader's own stdin.
 */
export function diskPath(path: Word): Word | null {
  const known = resolveWorkingOrHomePrefix(path);
  return known.dynamic || namesStdin(known.text) ? null : known;
}

/**
 * A path a program's option names as text (`psql -f "$PWD/q.sql"`, already expanded by the shell as far as it could):
 * a word that is only known at run time when it still holds an expansion.
 */
export function optionPath(text: string): Word {
  return { text, dynamic: /[$`]/.test(text), glob: false };
}

/**
 * Judges `text`, read from `file` on disk, with `judge`. What it writes is forgotten after: the file may change before
 * it runs, so the files it writes must not stand in for what the line writes into them, nor for a script's name. Its
 * findings' reasons do not show its secrets, since reasons are shown to the agent and kept with approvals: a credential
 * file's text is not shown at all, another's secret values are masked.
 */
export function judgeDiskText(
  an: Analysis,
  file: ProjectFile,
  text: string,
  judge: (text: string) => void,
): void {
  const written = an.written.saved();
  const from = an.findings.length;
  try {
    an.readOnDisk(() => judge(text));
  } finally {
    an.written.restore(written);
    hideSecrets(an, from, file, text);
  }
}

/**
 * A shell command a project file holds (a package script, a recipe, a task), judged once per `key`: `shown` names it
 * in the reasons, which never quote its text.
 */
export function judgeFileCommand(
  an: Analysis,
  file: ProjectFile,
  key: string,
  shown: string,
  command: string,
): void {
  if (!an.firstReading(key)) return;
  an.harmless(`${shown} of ${file.path}, whose text is judged`);
  judgeDiskText(an, file, command, (text) => an.nested.shell(text));
}

function hideSecrets(an: Analysis, from: number, file: ProjectFile, text: string): void {
  if (an.findings.length === from) return;
  const credentials = namesCredentialFile(file.path);
  const secrets = credentials ? [] : [...new Set([...secretsIn(file.text), ...secretsIn(text)])];
  for (let i = from; i < an.findings.length; i++) {
    const finding = an.findings[i]!;
    const reason = credentials
      ? `a command in ${file.path}, a credential file whose text is not shown`
      : maskSecrets(finding.reason, secrets);
    if (reason !== finding.reason) an.findings[i] = { ...finding, reason };
  }
}

/**
 * A program's script or code file operand: its own stdin (read by `fromStdin`), a file the line wrote (judged by
 * `judge`), or another file, which returns false and is read as before.
 */
export function judgeScriptFile(
  inv: Invocation,
  an: Analysis,
  path: Word,
  judge: (text: string) => void,
  fromStdin: () => void,
): boolean {
  if (!path.dynamic && namesStdin(path.text)) {
    fromStdin();
    return true;
  }
  return judgeWrittenFile(an, inv.name, path, judge);
}

/** The program an interpreter reads on stdin: text the line gives it is judged; a stream it cannot see is asked about. */
export function scriptFromStdin(inv: Invocation, an: Analysis, analyse: (source: string) => void): void {
  const source = stdinText(inv);
  if (source !== null) {
    an.note(source);
    analyse(source);
  } else if (inv.piped && inv.stdinWritten) {
    unseenWrite(an, inv.name, inv.stdinHint, inv.stdinWritten);
  } else if (inv.piped) {
    const fetched = DOWNLOADER.test(inv.stdinHint);
    // A download is an installer more often than not (asked about, not destructive); commands another program
    // generates (`./list-stale | sh`, `awk '{print "rm " $1}' | sh`) are what that program decides at run time.
    if (fetched)
      an.uncertain(
        `${inv.name} runs a script downloaded by \`${clipped(inv.stdinHint)}\` that the guard cannot read`,
        false,
      );
    else
      an.uncertain(
        `${inv.name} runs commands generated at run time${inv.stdinHint ? ` by \`${clipped(inv.stdinHint)}\`` : ""}, which the guard cannot read`,
        true,
      );
  }
}

const clipped = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);
