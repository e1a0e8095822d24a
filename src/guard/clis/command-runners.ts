// Tools that run the commands they are given as operands: benchmarks, file watchers, parallel runners, `ip netns
// exec`. Each command is judged as the shell rules judge it.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, tailWords } from "../command.ts";
import type { Word } from "../word.ts";
import { judgeShellCommand } from "./carried-text.ts";

/** A shell command from words: one word is a command line; several are joined, as `sh -c "$*"` would have them. */
function shellWords(words: readonly Word[]): Word {
  return {
    text: words.map((w) => w.text).join(" "),
    dynamic: words.some((w) => w.dynamic),
    glob: false,
  };
}

/** `entr [-acdnprz] CMD ARGS`, or with -s a shell command; `/_` stands for the file that changed. */
function entr(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { stopAtPositional: true });
  const words = tailWords(inv, parsed.rest.length);
  if (!words.length) return;
  if (parsed.has("-s")) judgeShellCommand(words[0]!, "entr -s", an, inv.vars);
  else inv.run(words);
}

/** `ip [options] netns exec NAME CMD…` and `ip vrf exec NAME CMD…` run CMD in that namespace. */
function ip(inv: Invocation): void {
  const at = inv.args.findIndex((a, i) => (a === "netns" || a === "vrf") && inv.args[i + 1] === "exec");
  if (at >= 0) inv.run(inv.argv.slice(at + 4));
}

const HYPERFINE_VALUES = flagSet(
  "-w",
  "--warmup",
  "-m",
  "--min-runs",
  "-M",
  "--max-runs",
  "-r",
  "--runs",
  "-S",
  "--shell",
  "-D",
  "--parameter-step-size",
  "--style",
  "--sort",
  "-u",
  "--time-unit",
  "--export-asciidoc",
  "--export-csv",
  "--export-json",
  "--export-markdown",
  "--export-orgmode",
  "--output",
  "--input",
  "-n",
  "--command-name",
);
/** hyperfine's options whose values are shell commands it runs too. */
const HYPERFINE_COMMANDS = [
  "-p",
  "--prepare",
  "-s",
  "--setup",
  "-c",
  "--cleanup",
  "--conclude",
  "--reference",
];
/** Options with several values: a parameter's name and range, or its name and list. */
const HYPERFINE_SPANS = new Map([
  ["-P", 3],
  ["--parameter-scan", 3],
  ["-L", 2],
  ["--parameter-list", 2],
]);

/** `hyperfine [options] CMD…`: every operand is a shell command, run many times. */
function hyperfine(inv: Invocation, an: Analysis): void {
  const words = inv.argv.slice(1);
  for (let i = 0; i < words.length; i++) {
    const t = words[i]!.text;
    const eq = t.indexOf("=");
    const name = t.startsWith("--") && eq > 0 ? t.slice(0, eq) : t;
    if (HYPERFINE_COMMANDS.includes(name)) {
      const value = eq > 0 && t.startsWith("--") ? { ...words[i]!, text: t.slice(eq + 1) } : words[++i];
      if (value) judgeShellCommand(value, `hyperfine ${name}`, an, inv.vars);
    } else if (HYPERFINE_SPANS.has(t)) i += HYPERFINE_SPANS.get(t)!;
    else if (HYPERFINE_VALUES.has(t)) i++;
    else if (!t.startsWith("-") || t === "-") judgeShellCommand(words[i]!, "hyperfine", an, inv.vars);
  }
}

const WATCHEXEC_VALUES = flagSet(
  "-w",
  "--watch",
  "-W",
  "--watch-non-recursive",
  "-e",
  "--exts",
  "-f",
  "--filter",
  "--filter-file",
  "-i",
  "--ignore",
  "--ignore-file",
  "-d",
  "--debounce",
  "--delay-run",
  "-s",
  "--signal",
  "--stop-signal",
  "--stop-timeout",
  "--shell",
  "--on-busy-update",
  "--emit-events-to",
  "-E",
  "--env",
  "--workdir",
  "--project-origin",
  "--timeout",
);

/** `watchexec [options] [--] CMD…`: the command runs through a shell on every change. */
function watchexec(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: WATCHEXEC_VALUES, stopAtPositional: true });
  const words = tailWords(inv, parsed.rest.length);
  if (words.length) judgeShellCommand(shellWords(words), "watchexec", an, inv.vars);
}

const CONCURRENTLY_VALUES = flagSet(
  "-n",
  "--names",
  "-c",
  "--prefix-colors",
  "-p",
  "--prefix",
  "-l",
  "--prefix-length",
  "-t",
  "--timestamp-format",
  "-s",
  "--success",
  "-m",
  "--max-processes",
  "--restart-tries",
  "--restart-after",
  "--name-separator",
  "--default-input-target",
);

/** `concurrently [options] CMD…`: every operand is a shell command; `npm:x` is `npm run x`. */
function concurrently(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: CONCURRENTLY_VALUES });
  const words = inv.argv.slice(1).filter((w) => parsed.positionals.includes(w.text));
  for (const w of words) {
    const shortcut = /^(npm|yarn|pnpm|bun):(.+)$/.exec(w.text);
    const command = shortcut ? { ...w, text: `${shortcut[1]} run ${shortcut[2]}` } : w;
    judgeShellCommand(command, "concurrently", an, inv.vars);
  }
}

export const commandRunnerCommands: CommandTable = { entr, ip, hyperfine, watchexec, concurrently };
