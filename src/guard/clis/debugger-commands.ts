// gdb's commands (`gdb -ex CMD`, `--eval-command`, its stdin): `shell` and `!` run a shell command, `pipe` sends a
// command's output to one, `python` runs code, and `run` starts the program being debugged with the arguments given.
import type { Analysis } from "../analysis.ts";

/** A command word gdb takes cut short down to `shortest` letters (`she` for shell). */
const spells = (word: string, full: string, shortest: number) =>
  word.length >= shortest && full.startsWith(word);

const COMMAND = /^([A-Za-z][\w-]*)\s*([\s\S]*)$/;
const BLOCK_END = /^\s*end\s*$/;

export interface DebuggerReading {
  /** The arguments of each `run`/`start` command: the program being debugged runs with them. */
  runs: string[];
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** `pipe [-d DELIM] COMMAND DELIM SHELL`, or `| COMMAND | SHELL`: the shell command after the delimiter. */
function pipedShell(rest: string): string {
  const m = /^-d\s+(\S+)\s+([\s\S]*)$/.exec(rest);
  const delimiter = m ? m[1]! : "|";
  const text = m ? m[2]! : rest;
  const at = text.indexOf(delimiter);
  return at < 0 ? text : text.slice(at + delimiter.length);
}

function isPython(word: string): boolean {
  return spells(word, "python", 2) || word === "python-interactive" || word === "pi";
}

function isGuile(word: string): boolean {
  return spells(word, "guile", 2) || word === "guile-repl" || word === "gr";
}

/** Judges gdb commands, one a line; a `python` or `guile` line alone opens a block of code that `end` closes. */
export function judgeDebuggerCommands(text: string, an: Analysis, via: string): DebuggerReading {
  const reading: DebuggerReading = { runs: [] };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith("#")) continue;
    if (line.startsWith("!")) {
      an.nested.shell(line.slice(1));
      continue;
    }
    if (line.startsWith("|")) {
      an.nested.shell(pipedShell(line.slice(1).trim()));
      continue;
    }
    const m = COMMAND.exec(line);
    if (!m) continue;
    const [, word = "", rest = ""] = m;
    if (spells(word, "shell", 3)) an.nested.shell(rest);
    else if (spells(word, "pipe", 3)) an.nested.shell(pipedShell(rest));
    else if (isPython(word) || isGuile(word)) {
      let code = rest;
      if (!code) {
        const body: string[] = [];
        while (++i < lines.length && !BLOCK_END.test(lines[i]!)) body.push(lines[i]!);
        code = body.join("\n");
      }
      if (!code.trim()) continue;
      if (isPython(word)) an.nested.code("python", code);
      else an.uncertain(`${via} runs Guile code the guard cannot read`, true);
    } else if (spells(word, "run", 1) || word === "start" || word === "starti") reading.runs.push(rest);
    else if (spells(word, "source", 2) && rest)
      an.uncertain(`${via} runs the gdb commands in ${clip(rest)}, which the guard cannot read`, true);
    else if (word === "eval") {
      // `eval "fmt", args…` runs the command it formats: only a format without arguments is known.
      const format = /^"((?:[^"\\]|\\.)*)"\s*$/.exec(rest)?.[1];
      if (format !== undefined && !format.includes("%")) judgeDebuggerCommands(format, an, via);
      else an.uncertain(`${via} runs a gdb command it formats (eval ${clip(rest)})`, true);
    }
  }
  return reading;
}
