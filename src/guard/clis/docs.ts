// Documentation readers (man, info): they only read, except for the pager or browser command man is told to run
// and the file info is told to write.
import type { Analysis } from "../analysis.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { analyzeWriteTarget } from "./files.ts";

/** An option's value: `-P cmd`, `-Pcmd`, `--pager=cmd`, `--pager cmd`. */
function optionValues(args: readonly string[], short: string, long: string): string[] {
  const values: string[] = [];
  args.forEach((a, i) => {
    if (a === short || a === long) values.push(args[i + 1] ?? "");
    else if (a.startsWith(`${long}=`)) values.push(a.slice(long.length + 1));
    else if (a.startsWith(short) && !a.startsWith("--") && a.length > short.length)
      values.push(a.slice(short.length));
  });
  return values;
}

/** A command man runs: one word names a program (`less`), more is a shell command. */
function runsCommand(value: string, an: Analysis): void {
  if (/\s/.test(value.trim())) an.nested.shell(value);
}

/** man's pager (-P, --pager, MANPAGER, PAGER) and HTML browser (-H, --html) are commands it runs. */
function man(inv: Invocation, an: Analysis): void {
  for (const value of [...optionValues(inv.args, "-P", "--pager"), ...optionValues(inv.args, "-H", "--html")])
    runsCommand(value, an);
  for (const name of ["MANPAGER", "PAGER", "BROWSER"]) {
    const value = inv.vars.get(name);
    if (value) runsCommand(value.text, an);
  }
}

/** info -o FILE writes the node there, as `>` would. */
function info(inv: Invocation, an: Analysis): void {
  for (const path of optionValues(inv.args, "-o", "--output"))
    if (path && path !== "-")
      analyzeWriteTarget({ text: path, dynamic: false, glob: false }, false, an, "info -o");
}

export const docCommands: CommandTable = { man, info };
