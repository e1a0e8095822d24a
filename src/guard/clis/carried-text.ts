// Text a program runs as commands once it has it from an option, an operand or stdin: judged when the guard can read
// it, asked about when it cannot (a value only known at run time, a file, a pipe).
import type { Analysis } from "../analysis.ts";
import type { InvocationContext } from "../command.ts";
import { holdsUnknownText } from "../shell-arithmetic.ts";
import { literal, type Word } from "../word.ts";
import { judgeWrittenFile } from "../written-scripts.ts";

export function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** A shell command line: judged by the shell rules, or asked about when part of it is only known at run time. */
export function judgeShellCommand(
  command: Word,
  via: string,
  an: Analysis,
  vars?: ReadonlyMap<string, Word>,
): void {
  if (command.dynamic)
    an.uncertain(`${via} runs a command the guard cannot read (${clip(command.text)})`, true);
  else if (command.text.trim()) an.nested.shell(command.text, vars);
}

/** `$NAME`, `${NAME…}`, `$1`, `$@` in shell text: the names a shell expands when it reads the text. */
const EXPANDED_NAMES = /\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*])/g;
/**
 * Variables the login session sets, which hold paths and names; any other the line does not set is a value the
 * environment gives, which an earlier command (`export DIR='x; rm -rf /srv'`) may have set to any text.
 */
const SESSION_VARIABLES = new Set(
  "HOME USER LOGNAME PWD OLDPWD TMPDIR TMP TEMP SHELL LANG LANGUAGE TERM HOSTNAME PATH UID EUID PPID".split(
    " ",
  ),
);

/**
 * The names `text` splices in that the line does not set and the session does not own: text that is parsed as shell
 * or code after they are put in (`bash -c "cd $DIR"`, `python3 -c "print('$X')"`) runs whatever their values say.
 */
export function splicedEnvironment(text: Word, vars: ReadonlyMap<string, Word>): string[] {
  if (!text.dynamic) return [];
  const names = new Set<string>();
  for (const [, name] of text.text.matchAll(EXPANDED_NAMES))
    if (!vars.has(name!) && !SESSION_VARIABLES.has(name!)) names.add(`$${name}`);
  return [...names];
}

/**
 * Shell text a shell parses and runs, built by the command line (`bash -c "$CMD"`, `eval "$X"`, ssh's remote
 * command). Built from text the guard cannot know (a command's output, a line read from a stream, file names), it is
 * asked about; a value the environment gives it (`$DIR`) is read as the word it stands for, except where it stands
 * for a command: bash parses that text as shell (`bash -c "$CMD"` runs `CMD='rm -rf /srv; ls'` whole), which the
 * guard cannot read.
 */
export function judgeShellText(
  text: Word,
  via: string,
  an: Analysis,
  vars: ReadonlyMap<string, Word> = new Map(),
): void {
  if (holdsUnknownText(text) || text.unread !== undefined)
    an.uncertain(`${via} runs shell text the guard cannot read (${clip(text.text)})`, true);
  const environment = splicedEnvironment(text, vars);
  if (environment.length)
    an.uncertain(
      `${via} parses shell text with ${environment.join(", ")} from the environment in it, which may hold any command`,
      true,
    );
  if (!text.dynamic) {
    if (text.text.trim()) an.nested.shell(text.text, vars);
    return;
  }
  const spliced = new Map(vars);
  for (const [, name] of text.text.matchAll(EXPANDED_NAMES)) {
    const value = spliced.get(name!);
    if (value && !value.dynamic) continue;
    spliced.set(name!, {
      ...(value ?? { text: `$${name}`, dynamic: true, glob: false }),
      unread: `$${name}, spliced into the shell text ${via} parses,`,
    });
  }
  an.nested.shell(text.text, spliced);
}

/** Words a shell joins with spaces into the text it parses (`eval a "$b"`, ssh's remote command), as one word. */
export function joinedText(words: readonly Word[]): Word {
  const unread = words.find((w) => w.unread !== undefined)?.unread;
  const text = {
    text: words.map((w) => w.text).join(" "),
    dynamic: words.some((w) => w.dynamic),
    glob: words.some((w) => w.glob),
  };
  return unread === undefined ? text : { ...text, unread };
}

/** Keys typed into a terminal, whatever runs there (a shell, a database client): each line as a prompt reads it. */
export function judgeTypedText(text: Word, via: string, an: Analysis): void {
  if (text.dynamic) an.uncertain(`${via} types text the guard cannot read (${clip(text.text)})`, true);
  else for (const line of text.text.split(/[\r\n]+/)) if (line.trim()) an.nested.command(line);
}

/** A file of commands the program runs: unseen by the guard, unless the command line wrote it and `read` reads it. */
export function judgeCommandFile(
  file: Word,
  via: string,
  an: Analysis,
  what = "commands",
  read?: (text: string) => void,
): void {
  if (file.text === "/dev/null" && !file.dynamic) return;
  if (read && judgeWrittenFile(an, via, file, read)) return;
  an.uncertain(`${via} runs the ${what} in ${clip(file.text)}, which the guard cannot read`, true);
}

/**
 * What a program that reads commands on stdin gets there: the text when the guard knows it (a here-document, `echo …
 * |`), a dynamic word when it comes from somewhere the guard cannot read, null when nothing is fed (`< /dev/null`).
 */
export function commandsOnStdin(context: InvocationContext): Word | null {
  if (context.stdin) return literal(context.stdin.toString("utf8"));
  if (!context.piped || context.stdinHint === "< /dev/null") return null;
  return { text: context.stdinHint || "stdin", dynamic: true, glob: false };
}
