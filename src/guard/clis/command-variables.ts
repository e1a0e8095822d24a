// Environment variables whose value is a command some program runs later: a pager or an editor (PAGER, LESSOPEN,
// EDITOR), the shell's prompt hook (PROMPT_COMMAND), prompts it expands (PS1…), the file it sources first (BASH_ENV,
// and ENV for an interactive shell). They are judged where a command line sets them, whichever program reads them.
import type { Analysis } from "../analysis.ts";
import { judgeExpandedText } from "../shell-arithmetic.ts";
import type { Word } from "../word.ts";
import { judgeShellCommand } from "./carried-text.ts";

/**
 * How the value is read: as a command line; as the user's choice of a program, often kept from the environment
 * (`EDITOR="${EDITOR:-vim}"`), judged for what of it the guard can see as any command from a variable is; as less's
 * input preprocessor (`|cmd %s`); as a prompt the shell expands (commands substituted in it run); as a file the shell
 * expands and then sources.
 */
type Reading = "command" | "program" | "preprocessor" | "expanded" | "sourced";

const VARIABLES = new Map<string, Reading>(
  Object.entries({
    PROMPT_COMMAND: "command",
    PAGER: "program",
    EDITOR: "program",
    VISUAL: "program",
    RSYNC_RSH: "command",
    LESSOPEN: "preprocessor",
    LESSCLOSE: "preprocessor",
    PS0: "expanded",
    PS1: "expanded",
    PS2: "expanded",
    PS4: "expanded",
    BASH_ENV: "sourced",
  } satisfies Record<string, Reading>),
);

/** LESSOPEN's `|`, `||` or `-` before the command, which only say how less reads its output. */
const PREPROCESSOR_MARKS = /^\s*(?:\|\|?|-)?-?/;

/** A file the shell sources before anything else: what it expands to runs, and then the file, unseen. */
export function judgeSourcedFile(
  value: Word,
  name: string,
  vars: ReadonlyMap<string, Word>,
  an: Analysis,
): void {
  const path = value.text.trim();
  if (!path || (path === "/dev/null" && !value.dynamic)) return;
  judgeExpandedText(path, vars, an, name);
  an.uncertain(
    `a shell started with ${name}=${path} sources that file first, which the guard cannot read`,
    true,
  );
}

/** Judges a value assigned to one of the variables programs run as a command; other names are left alone. */
export function judgeCommandVariable(
  name: string,
  value: Word,
  vars: ReadonlyMap<string, Word>,
  an: Analysis,
): void {
  const reading = VARIABLES.get(name);
  if (!reading) return;
  switch (reading) {
    case "command":
      judgeShellCommand(value, name, an, vars);
      return;
    case "program":
      if (value.text.trim()) an.nested.shell(value.text, vars);
      return;
    case "preprocessor":
      judgeShellCommand(
        {
          ...value,
          text: value.text.replace(PREPROCESSOR_MARKS, "").replaceAll("%s", "$LEASH_SHOWN_FILE"),
        },
        name,
        an,
        vars,
      );
      return;
    case "expanded":
      judgeExpandedText(value.text, vars, an, name);
      return;
    case "sourced":
      judgeSourcedFile(value, name, vars, an);
  }
}
