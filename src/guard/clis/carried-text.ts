// Text a program runs as commands once it has it from an option, an operand or stdin: judged when the guard can read
// it, asked about when it cannot (a value only known at run time, a file, a pipe).
import type { Analysis } from "../analysis.ts";
import type { InvocationContext } from "../command.ts";
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
