// Interpreters that take code as an argument or on stdin: `bash -c`, `sh` fed by a pipe, eval, `python -c`, `node -e`…
import type { Analysis, CodeLanguage } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandAnalyzer, type CommandTable, type Invocation, tailWords } from "../command.ts";
import { setPositional } from "../shell-positional.ts";
import { unreadableCode } from "../unreadable-code.ts";
import { literal, type Word } from "../word.ts";
import { judgeProjectFile, judgeScriptFile, judgeWrittenFile, scriptFromStdin } from "../written-scripts.ts";
import { awk } from "./awk-program.ts";
import { joinedText, judgeShellText, splicedEnvironment } from "./carried-text.ts";
import { cmdScript, robocopy } from "./cmd-script.ts";
import { judgeSourcedFile } from "./command-variables.ts";
import { analyzeInPlaceEdit } from "./files.ts";
import { opaqueTarget } from "./opaque-targets.ts";
import { powershellScript } from "./powershell.ts";
import { judgeDenoTask } from "./task-files.ts";

/** sh, bash, zsh…: `-c script [name args…]`, a script file, or a script on stdin. */
function shellInterpreter(inv: Invocation, an: Analysis): void {
  const args = inv.args;
  let command = false;
  // `-s`: the script is read from stdin, and the words after the options are its arguments, not a script file.
  let fromStdin = false;
  let interactive = false;
  // `-n` (`-o noexec`, fish's `--no-execute`): the shell reads the commands and runs none of them.
  let noexec = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (a === "-o" || a === "+o" || a === "--rcfile" || a === "--init-file" || a === "-O" || a === "+O") {
      if (a.endsWith("o") && args[i + 1] === "noexec") noexec = a === "-o";
      i++;
    } else if (/^[-+][a-zA-Z]+$/.test(a)) {
      if (a.startsWith("-") && a.includes("c")) command = true;
      if (a.startsWith("-") && a.includes("s")) fromStdin = true;
      if (a.startsWith("-") && a.includes("i")) interactive = true;
      if (a.includes("n")) noexec = a.startsWith("-");
    } else if (a === "--no-execute") noexec = true;
    else if (a.startsWith("--")) continue;
    else break;
  }
  // An interactive shell ignores -n.
  if (noexec && !interactive) {
    an.harmless(`${inv.name} -n only reads the commands for their syntax and runs none`);
    return;
  }
  // An interactive shell (-i, or one reading a terminal) sources the file ENV names first.
  const environment = inv.vars.get("ENV");
  if (environment && (interactive || (!command && i >= args.length && !inv.stdin && !inv.piped)))
    judgeSourcedFile(environment, "ENV", inv.vars, an);
  if (command) {
    const script = inv.argv[1 + i];
    if (!script) return;
    // `sh -c 'script' name arg…` sets $0, $1… for the script.
    const vars = withPositional(inv, 2 + i, 0);
    an.note(script.text);
    judgeShellText(script, `${inv.name} -c`, an, vars);
    return;
  }
  if (i < args.length && !fromStdin) {
    // `bash x.sh a b`: $0 is the script, $1… its arguments. The shell reads the file whatever its `#!` line says.
    const vars = withPositional(inv, 1 + i, 0);
    const script = inv.argv[1 + i]!;
    const judge = (source: string) => an.nested.shell(source, vars);
    if (judgeScriptFile(inv, an, script, judge, () => scriptFromStdin(inv, an, judge))) return;
    judgeProjectFile(an, inv.name, script, judge);
    inv.run(inv.argv.slice(1 + i));
    return;
  }
  const vars = withPositional(inv, 1 + i, 1);
  scriptFromStdin(inv, an, (source) => an.nested.shell(source, vars));
}

/**
 * `source FILE` and `. FILE` run the file in this shell: one the line wrote, or the shell's stdin (`. /dev/stdin <<<
 * …`), is judged as shell; any other is a project's own, read as before.
 */
function sourceBuiltin(inv: Invocation, an: Analysis): void {
  const script = inv.argv[1];
  if (!script) return;
  // Without words, the file sees the caller's positional parameters.
  const vars = inv.argv.length > 2 ? withPositional(inv, 2, 1) : new Map(inv.vars);
  const judge = (source: string) => an.nested.shell(source, vars);
  if (!judgeScriptFile(inv, an, script, judge, () => scriptFromStdin(inv, an, judge)))
    judgeProjectFile(an, inv.name, script, judge);
}

/**
 * The shell's variables with the words from `argv[from]` on as its positional parameters, numbered from `$first`,
 * in place of the line's: a new shell has only these, and `source FILE ARG…` sets them.
 */
export function withPositional(inv: Invocation, from: number, first: number): Map<string, Word> {
  const vars = new Map(inv.vars);
  const words = inv.argv.slice(from);
  setPositional(vars, words.slice(1 - first));
  if (first === 0 && words[0]) vars.set("0", words[0]);
  return vars;
}

function evalCommand(inv: Invocation, an: Analysis): void {
  const script = joinedText(inv.argv.slice(1));
  an.note(script.text);
  judgeShellText(script, "eval", an, inv.vars);
}

interface CodeSpec {
  language: CodeLanguage;
  codeFlags: readonly string[];
  valueFlags: readonly string[];
  /** perl's and ruby's `-i[ext]`: the code edits the named files in place. */
  editsInPlace?: boolean;
}

/** Switches whose value runs to the end of their cluster (`-Mstrict`, `-rjson`, `-0777`, `-F:`), in perl and ruby. */
const VALUE_SWITCHES = new Set([..."MmIrCFx0dDlaK"]);

/** The `-e` code and the files of a `perl -pi -e CODE FILE…` call; null when it does not edit in place. */
function inPlaceEdit(args: readonly string[]): { code: string[]; files: string[] } | null {
  let inPlace = false;
  const code: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      // -i takes the rest of its word as a backup suffix.
      if (c === "i") inPlace = true;
      if (c === "e" || c === "E") code.push(a.slice(j + 1) || (args[++i] ?? ""));
      if (c === "i" || c === "e" || c === "E" || VALUE_SWITCHES.has(c)) break;
    }
  }
  if (!inPlace) return null;
  // Without -e the first operand is the script, unseen here.
  return { code, files: args.slice(code.length ? i : i + 1) };
}

/** python/node/ruby/perl/php: inline code, a script (classified by its name), or code on stdin. */
function codeInterpreter(spec: CodeSpec): CommandAnalyzer {
  const valueFlags = flagSet(...spec.codeFlags, ...spec.valueFlags);
  return (inv, an) => {
    const edit = spec.editsInPlace ? inPlaceEdit(inv.args) : null;
    if (edit) analyzeInPlaceEdit(`${inv.name} -i`, edit.code, edit.files, an);
    const parsed = parseArgs(inv.args, { valueFlags, stopAtPositional: true });
    const code = parsed.values(...spec.codeFlags);
    if (code.length) {
      const source = code.join("\n");
      an.note(source);
      // Code that is only a value the guard cannot know (`python3 -c "$CODE"`, `node -e "$(cat f)"`) is asked about.
      const unknown = inv.argv.find(
        (w, i) => spec.codeFlags.includes(inv.argv[i - 1]?.text ?? "") && unreadableCode(w),
      );
      if (unknown)
        an.uncertain(
          `${inv.name} runs ${spec.language} code the guard cannot read (${clip(unknown.text)})`,
          true,
        );
      const environment = inv.argv.flatMap((w, i) =>
        spec.codeFlags.includes(inv.argv[i - 1]?.text ?? "") ? splicedEnvironment(w, inv.vars) : [],
      );
      if (environment.length)
        an.uncertain(
          `${inv.name} runs ${spec.language} code with ${environment.join(", ")} from the environment in it, which may hold any code`,
          true,
        );
      an.nested.code(spec.language, source);
      return;
    }
    const module = parsed.value("-m");
    if (module) {
      inv.run(moduleCommand(inv, module));
      return;
    }
    const rest = tailWords(inv, parsed.rest.length);
    const fromStdin = () => scriptFromStdin(inv, an, (source) => an.nested.code(spec.language, source));
    if (rest.length && rest[0]!.text !== "-") {
      const judged = judgeScriptFile(
        inv,
        an,
        rest[0]!,
        (source) => an.nested.code(spec.language, source),
        fromStdin,
      );
      if (!judged) inv.run(rest);
      return;
    }
    fromStdin();
  };
}

/**
 * `python -m mod args…` as the command it runs: -m ends python's options, so every word after the module's name is
 * the module's (`python -m app.prune --dry-run` hands --dry-run to app.prune).
 */
function moduleCommand(inv: Invocation, module: string): Word[] {
  const words = inv.argv.slice(1);
  const at = words.findIndex(
    (w, i) => (w.text === "-m" && words[i + 1]?.text === module) || w.text === `-m${module}`,
  );
  if (at < 0) return [literal(module)];
  const name = words[at]!.text === "-m" ? at + 1 : at;
  return [{ ...words[name]!, text: module }, ...words.slice(name + 1)];
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

const python = codeInterpreter({
  language: "python",
  codeFlags: ["-c"],
  valueFlags: ["-m", "-W", "-X", "--check-hash-based-pycs"],
});
const node = codeInterpreter({
  language: "node",
  codeFlags: ["-e", "--eval", "-p", "--print"],
  valueFlags: [
    "-r",
    "--require",
    "--import",
    "--input-type",
    "--loader",
    "--experimental-loader",
    "--env-file",
    "-C",
    "--conditions",
  ],
});
const shell: CommandAnalyzer = shellInterpreter;

export const interpreterCommands: CommandTable = {
  awk,
  gawk: awk,
  mawk: awk,
  nawk: awk,
  sh: shell,
  bash: shell,
  zsh: shell,
  dash: shell,
  ksh: shell,
  mksh: shell,
  ash: shell,
  fish: shell,
  pwsh: powershellScript,
  powershell: powershellScript,
  cmd: cmdScript,
  robocopy,
  busybox: (inv) => inv.run(inv.argv.slice(1)),
  eval: evalCommand,
  source: sourceBuiltin,
  ".": sourceBuiltin,
  python,
  node,
  nodejs: node,
  deno: (inv, an) => {
    if (inv.args[0] === "eval" && inv.args[1]) an.nested.code("node", inv.args.slice(1).join(" "));
    else if (inv.args[0] === "task" && inv.args[1]) {
      opaqueTarget("deno task", inv.args[1], an);
      judgeDenoTask(an, inv.args[1]);
    } else if (inv.args[0] === "run") {
      // `deno run -` reads the program from stdin.
      const operands = inv.argv.slice(2).filter((w) => w.text === "-" || !w.text.startsWith("-"));
      const script = operands[0];
      if (script?.text === "-") scriptFromStdin(inv, an, (source) => an.nested.code("node", source));
      else if (
        !script ||
        !judgeWrittenFile(an, "deno run", script, (source) => an.nested.code("node", source))
      )
        inv.run(operands);
    }
  },
  ruby: codeInterpreter({
    language: "ruby",
    codeFlags: ["-e"],
    valueFlags: ["-r", "-I", "-C", "-E", "-F"],
    editsInPlace: true,
  }),
  perl: codeInterpreter({
    language: "perl",
    codeFlags: ["-e", "-E"],
    valueFlags: ["-M", "-m", "-I"],
    editsInPlace: true,
  }),
  php: codeInterpreter({ language: "php", codeFlags: ["-r"], valueFlags: ["-c", "-d", "-f", "-z"] }),
  lua: codeInterpreter({ language: "lua", codeFlags: ["-e"], valueFlags: ["-l"] }),
};
