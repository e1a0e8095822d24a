// The program the kernel runs a script with: its `#!` line's interpreter and words, else the shell.

/** A script's `#!` line: the interpreter and what follows it. */
const SHEBANG = /^#!\s*(\S+)([^\n]*)/;

/** The interpreter and its words that the kernel runs a script with: its `#!` line's, else the shell. */
export function interpreterOf(text: string): string[] {
  const shebang = SHEBANG.exec(text);
  return shebang ? [shebang[1]!, ...shebang[2]!.trim().split(/\s+/).filter(Boolean)] : ["sh"];
}

/** Shells: their scripts run from top to bottom as written, where a program's code may hold handlers never called. */
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash"]);

/** Whether the interpreter (`/bin/sh`, `/usr/bin/env bash`, `/usr/bin/env -S bash -e`) is a shell. */
export function runsInShell(interpreter: readonly string[]): boolean {
  const names = interpreter.map((w) => w.slice(w.lastIndexOf("/") + 1));
  const program =
    names[0] === "env" ? names.slice(1).find((w) => !w.startsWith("-") && !w.includes("=")) : names[0];
  return program !== undefined && SHELLS.has(program);
}
