// Programs that run a command given in one of their options, operands or stdin: `tar --to-command=CMD`, `rsync -e
// CMD`, `zip -TT CMD`, `vim -c ':!CMD'`, `less +!CMD`, `gdb -ex 'shell CMD'`, `at` and `batch` reading a job, `trap
// CMD SIGNAL`, `make -f -` reading rules, tmux, screen, expect. Each is read whatever the program's own rule says about
// the rest of its command line, and what it carries is judged by the reader of its language, down to the shell rules.
import type { Analysis } from "../analysis.ts";
import type { CommandAnalyzer, Invocation } from "../command.ts";
import { shellQuoted } from "../shell-quote.ts";
import { literal, type Word } from "../word.ts";
import { judgeProjectFile, judgeWrittenFile, namesStdin } from "../written-scripts.ts";
import {
  type CarriedOption,
  type CarrierSyntax,
  type ReadCommandLine,
  readCommandLine,
} from "./carried-options.ts";
import { commandsOnStdin, judgeCommandFile, judgeShellCommand } from "./carried-text.ts";
import { judgeDebuggerCommands } from "./debugger-commands.ts";
import { judgeExCommands, judgeVimExpression, judgeVimKeys } from "./ex-commands.ts";
import { judgeExpectScript } from "./expect-script.ts";
import { analyzeInPlaceEdit } from "./files.ts";
import { commandLineVariables, judgeMakefile } from "./makefile-text.ts";
import { screen, tmux } from "./multiplexers.ts";

/** What a carried value is judged as, told where it came from (`tar --to-command`) and the command line read. */
type Judge = (value: Word, via: string, inv: Invocation, an: Analysis) => void;

interface Carrier {
  syntax: CarrierSyntax<Judge> | ((inv: Invocation) => CarrierSyntax<Judge>);
  /** What else the program runs: its operands, its stdin, with the command line as read. */
  rest?: (inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis) => void;
}

const shellCommand: Judge = (value, via, inv, an) => judgeShellCommand(value, via, an, inv.vars);
/** A file of `what`; `read` judges its text when the command line wrote it. */
const commandFile =
  (what: string, read?: (text: string, inv: Invocation, an: Analysis) => void): Judge =>
  (value, via, inv, an) =>
    judgeCommandFile(value, via, an, what, read && ((text) => read(text, inv, an)));
/** Only values that start so carry a command, the rest of the value (`--checkpoint-action=exec=CMD`). */
const onlyAfter =
  (prefix: RegExp, judge: Judge): Judge =>
  (value, via, inv, an) => {
    const m = prefix.exec(value.text);
    if (m) judge({ ...value, text: value.text.slice(m[0].length) }, via, inv, an);
  };
const option = (spellings: readonly string[], judge: Judge): CarriedOption<Judge> => ({ spellings, judge });

const syntaxOf = (carrier: Carrier, inv: Invocation) =>
  typeof carrier.syntax === "function" ? carrier.syntax(inv) : carrier.syntax;

/** Judges every carried option's value as its table entry says. */
function judgeCarried(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  for (const c of read.carried) c.option.judge(c.value, `${inv.name} ${c.spelled}`, inv, an);
}

/** tar reads TAR_OPTIONS as options put before its own. */
function tarOptions(inv: Invocation, _read: ReadCommandLine<Judge>, an: Analysis): void {
  const options = inv.vars.get("TAR_OPTIONS");
  if (!options?.text.trim()) return;
  if (options.dynamic) an.uncertain("tar reads options from TAR_OPTIONS, which the guard cannot read", true);
  else an.nested.shell(`tar ${options.text}`);
}

/** `at [-f FILE] TIME` and `batch` read the job's shell commands from stdin, or from FILE; -l, -r, -d, -c do not. */
function atJob(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  if (["-l", "-r", "-d", "-c", "-V", "-f"].some((f) => read.flags.has(f))) return;
  const job = commandsOnStdin(inv);
  if (job) judgeShellCommand(job, `${inv.name}'s job`, an, inv.vars);
}

/** `trap [--] ACTION SIGNAL…`: the action runs later in the same shell; `-`, `-p`, `-l` or one operand reset or print. */
function trapAction(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  if (read.flags.has("-p") || read.flags.has("-l")) return;
  const [action, ...signals] = read.operands;
  if (!action || !signals.length || (action.text === "-" && !action.dynamic)) return;
  judgeShellCommand(action, "trap", an, inv.vars);
}

/** less's commands: `!cmd` runs cmd (`%` the file shown), `|Xcmd` pipes to cmd; searches are only patterns. */
function lessCommands(value: Word, via: string, inv: Invocation, an: Analysis): void {
  const text = value.text.replace(/^\++/, "");
  if (!/[!|]/.test(text)) return;
  if (value.dynamic) {
    an.uncertain(`${via} runs less commands the guard cannot read (${text.slice(0, 60)})`, true);
    return;
  }
  const files = inv.argv.slice(1).filter((w) => !w.text.startsWith("-") && !w.text.startsWith("+"));
  const file = files.length === 1 && !files[0]!.dynamic ? shellQuoted(files[0]!.text) : "$LEASH_SHOWN_FILE";
  for (const line of text.split(/\r?\n/)) {
    if (/^\d*[/?&]/.test(line)) continue;
    const at = line.search(/[!|]/);
    if (at < 0) continue;
    const command = line[at] === "!" ? line.slice(at + 1) : line.slice(at + 2);
    judgeShellCommand(literal(command.replace(/(?<!\\)%/g, () => file)), via, an, inv.vars);
  }
}

function lessOperands(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  for (const w of read.operands) if (w.text.startsWith("+")) lessCommands(w, `less ${w.text}`, inv, an);
  // The LESS variable holds options as if typed first, a `+command` among them.
  const options = inv.vars.get("LESS");
  const plus = options?.text.search(/(?:^|\s)\+/) ?? -1;
  if (options && plus >= 0)
    lessCommands({ ...options, text: options.text.slice(plus).trim() }, "LESS", inv, an);
}

const VIM_NAMES = ["vi", "vim", "nvim", "view", "vimdiff", "gvim", "gview", "ex", "nex"];
const EX_MODE_NAMES = new Set(["ex", "nex"]);
/** Vim started in Ex mode (`ex`, `-e`, `-E`, `-es`): its stdin holds Ex commands, and `-s` means silent. */
const exMode = (inv: Invocation) =>
  EX_MODE_NAMES.has(inv.name) || inv.args.some((a) => /^-[a-zA-Z]*[eE]/.test(a) && !a.startsWith("--"));

/**
 * Commands an invocation is given in several options, gathered in order to be read together once its command line is
 * read: vim's, to tell whether they write its files back; gdb's, where a `python` line opens a block the next ends.
 */
const gathered = new WeakMap<Invocation, string[]>();
function gatheredBy(inv: Invocation): string[] {
  const texts = gathered.get(inv) ?? [];
  gathered.set(inv, texts);
  return texts;
}

/** Commands to read with the invocation's others; asked about when the guard cannot read them. */
const gather =
  (language: string): Judge =>
  (value, via, inv, an) => {
    if (value.dynamic) an.uncertain(`${via} runs ${language} the guard cannot read (${value.text})`, true);
    else gatheredBy(inv).push(value.text);
  };
const exCommands = gather("Ex commands");

function vimSyntax(inv: Invocation): CarrierSyntax<Judge> {
  const ex = exMode(inv);
  return {
    options: [
      option(["-c", "--cmd"], exCommands),
      option(["-S"], commandFile("Vim script")),
      // In Ex mode -s is silent; elsewhere it reads keys from a file.
      ...(ex ? [] : [option(["-s"], commandFile("keys"))]),
      option(["--remote-send"], (v, via, _inv, an) => judgeVimKeys(v.text, an, via, [])),
      option(["--remote-expr"], (v, via, _inv, an) => judgeVimExpression(v.text, an, via)),
    ],
    shortValues: "uUiTwWtq",
  };
}

/** vim's `+cmd` operands and its stdin (Ex commands in Ex mode, typed keys otherwise, text with `-`), then writes. */
function vimRest(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  const files = read.operands.filter((w) => !w.text.startsWith("+") && w.text !== "-");
  for (const w of read.operands) {
    const command = w.text.slice(1);
    if (w.text.startsWith("+") && command && !/^\d+$|^[/?]/.test(command))
      exCommands({ ...w, text: command }, `${inv.name} ${w.text}`, inv, an);
  }
  const via = `${inv.name} -c`;
  const commands = gatheredBy(inv);
  let writes = false;
  for (const c of commands) writes = judgeExCommands(c, an, via, files).writesBuffer || writes;
  const input = read.operands.some((w) => w.text === "-") ? null : commandsOnStdin(inv);
  if (input?.dynamic)
    an.uncertain(`${inv.name} reads commands from ${input.text}, which the guard cannot read`, true);
  else if (input) {
    const reading = exMode(inv)
      ? judgeExCommands(input.text, an, `${inv.name}'s stdin`, files)
      : judgeVimKeys(input.text, an, `${inv.name}'s stdin`, files);
    writes ||= reading.writesBuffer;
    commands.push(input.text);
  }
  // Commands that write the buffer back edit the files in place, as `sed -i` does.
  if (writes && files.length)
    analyzeInPlaceEdit(
      via,
      commands,
      files.map((w) => w.text),
      an,
    );
}

const GDB_COMMAND_OPTIONS = [
  "-ex",
  "--ex",
  "-ev[al-command]",
  "--ev[al-command]",
  "-iex",
  "--iex",
  "-init-e[val-command]",
  "--init-e[val-command]",
  "-eiex",
  "--eiex",
  "-early-init-e[val-command]",
  "--early-init-e[val-command]",
];
const GDB_FILE_OPTIONS = [
  "-x",
  "--x",
  "-com[mand]",
  "--com[mand]",
  "-ix",
  "--ix",
  "-init-c[ommand]",
  "--init-c[ommand]",
  "-eix",
  "--eix",
  "-early-init-c[ommand]",
  "--early-init-c[ommand]",
];
const GDB_VALUES = [
  "-p",
  "-pid",
  "--pid",
  "-c",
  "-core",
  "--core",
  "-e",
  "-exec",
  "--exec",
  "-s",
  "-se",
  "-symbols",
  "--symbols",
  "-d",
  "-directory",
  "--directory",
  "-cd",
  "--cd",
  "-tty",
  "--tty",
  "-i",
  "-interpreter",
  "--interpreter",
  "-D",
  "-data-directory",
  "--data-directory",
  "-b",
  "-l",
];

/** gdb's commands, from its options in order then its stdin; `run` starts the program with the arguments it gives. */
function gdbRest(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  const texts = gatheredBy(inv);
  // In batch mode gdb reads no commands from stdin.
  const batch = read.flags.has("-batch") || read.flags.has("--batch") || read.flags.has("-batch-silent");
  const input = batch ? null : commandsOnStdin(inv);
  if (input?.dynamic)
    an.uncertain(`gdb reads commands from ${input.text}, which the guard cannot read`, true);
  else if (input) texts.push(input.text);
  const { runs } = judgeDebuggerCommands(texts.join("\n"), an, "gdb");
  // --args PROGRAM ARGS: the program the commands debug, run as given.
  const argsAt = inv.argv.findIndex((w) => w.text === "--args" || w.text === "-args");
  const program = argsAt > 0 ? inv.argv[argsAt + 1] : read.operands[0];
  if (argsAt > 0) inv.run(inv.argv.slice(argsAt + 1));
  // gdb starts the program through a shell, with the arguments `run` gives (else those of --args).
  if (program)
    for (const args of runs)
      if (argsAt < 0 || args.trim()) an.nested.shell(`${shellQuoted(program.text)} ${args}`);
}

/**
 * make reads rules from stdin with `-f -`, and rules given with --eval; a makefile on disk is the project's build,
 * unless the command line wrote it.
 */
const makefileOption: Judge = (value, via, inv, an) => {
  const variables = commandLineVariables(inv.argv.slice(1));
  if (value.text === "-" || namesStdin(value.text)) {
    const input = commandsOnStdin(inv);
    if (input?.dynamic)
      an.uncertain(`${via} - reads rules from ${input.text}, which the guard cannot read`, true);
    else if (input) judgeMakefile(input.text, an, variables);
  } else judgeWrittenFile(an, via, value, (text) => judgeMakefile(text, an, variables));
};
/** The makefiles make looks for when none is named, in its order. */
const DEFAULT_MAKEFILES = ["GNUmakefile", "makefile", "Makefile"];
const makeEval: Judge = (value, via, inv, an) => {
  if (value.dynamic) an.uncertain(`${via} reads rules the guard cannot read (${value.text})`, true);
  else judgeMakefile(value.text, an, commandLineVariables(inv.argv.slice(1)));
};

/**
 * make's SHELL=… on its command line is the program every recipe runs through. Without -f, make reads the first
 * default makefile there is: one the command line wrote is judged whole; one on disk, where the command is judged on
 * its machine, for the goals the command names.
 */
function makeShell(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  for (const w of read.operands) {
    const shell = /^SHELL=(.*)$/s.exec(w.text)?.[1];
    if (shell !== undefined) judgeShellCommand({ ...w, text: shell }, "make SHELL=", an, inv.vars);
  }
  const variables = commandLineVariables(inv.argv.slice(1));
  const named = read.carried.filter((c) => c.option.judge === makefileOption).map((c) => c.value);
  const onDisk = (file: Word) =>
    file.text !== "-" &&
    !an.written.find(file) &&
    judgeProjectFile(an, inv.name, file, (text) => judgeMakefile(text, an, variables, makeGoals(read)));
  // `make -C dir` reads the makefile there, not in the command's directory.
  const here = !read.flags.has("-C") && !read.flags.has("--directory");
  if (named.length) {
    if (here) for (const file of named) onDisk(file);
    return;
  }
  const written = DEFAULT_MAKEFILES.find((name) =>
    judgeWrittenFile(an, inv.name, literal(name), (text) => judgeMakefile(text, an, variables)),
  );
  if (!written && here) DEFAULT_MAKEFILES.find((name) => onDisk(literal(name)));
}

/**
 * The targets make is asked to make: its operands but `NAME=value`; undefined (every recipe counts) when one is a
 * value the guard does not know.
 */
function makeGoals(read: ReadCommandLine<Judge>): string[] | undefined {
  const goals = read.operands.filter((w) => !/^[A-Za-z_.][\w.-]*=/.test(w.text));
  return goals.some((w) => w.dynamic) ? undefined : goals.map((w) => w.text);
}

const make: Carrier = {
  syntax: {
    options: [
      option(["-f", "--fi[le]", "--mak[efile]"], makefileOption),
      option(["-E", "--ev[al]"], makeEval),
    ],
    shortValues: "CIoW",
  },
  rest: makeShell,
};

const at: Carrier = {
  syntax: {
    options: [
      option(
        ["-f"],
        commandFile("job", (text, inv, an) => an.nested.shell(text, inv.vars)),
      ),
    ],
    shortValues: "qt",
  },
  rest: atJob,
};

const vim: Carrier = { syntax: vimSyntax, rest: vimRest };

const expectScript: Judge = (value, via, inv, an) => {
  if (value.dynamic) an.uncertain(`${via} runs a script the guard cannot read (${value.text})`, true);
  else judgeExpectScript(value.text, an, inv);
};
/** A script file is a program judged by its name, as `bash x.sh` is. */
const scriptFile: Judge = (value, _via, inv) => inv.run([value]);

/** expect's script operand, or with neither -c nor -f nor a script, the script on its stdin. */
function expectRest(inv: Invocation, read: ReadCommandLine<Judge>, an: Analysis): void {
  if (read.flags.has("-f")) return;
  if (read.operands.length) {
    inv.run(read.operands);
    return;
  }
  const input = commandsOnStdin(inv);
  if (input?.dynamic && !read.flags.has("-c"))
    an.uncertain(`expect reads a script from ${input.text}, which the guard cannot read`, true);
  else if (input && !input.dynamic) judgeExpectScript(input.text, an, inv);
}

const CARRIERS = new Map<string, Carrier>(
  Object.entries({
    tar: {
      syntax: {
        options: [
          option(["--to-c[ommand]"], shellCommand),
          option(["-I", "--use[-compress-program]"], shellCommand),
          option(["-F", "--inf[o-script]", "--new-[volume-script]"], shellCommand),
          option(["--rs[h-command]", "--rm[t-command]"], shellCommand),
          option(["--checkpoint-[action]"], onlyAfter(/^exec=/, shellCommand)),
        ],
        shortValues: "bCfgHKLNTVX",
        dashlessCluster: true,
      },
      rest: tarOptions,
    },
    zip: { syntax: { options: [option(["-TT", "--unz[ip-command]"], shellCommand)], shortValues: "bnPtZO" } },
    rsync: {
      syntax: { options: [option(["-e", "--rsh", "--rsync-path"], shellCommand)], shortValues: "BfTM" },
    },
    at,
    batch: at,
    trap: { syntax: { options: [] }, rest: trapAction },
    less: { syntax: { options: [], shortValues: "bhjkoOpPtTxyz#" }, rest: lessOperands },
    ...Object.fromEntries(VIM_NAMES.map((name) => [name, vim])),
    gdb: {
      syntax: {
        options: [
          option(GDB_COMMAND_OPTIONS, gather("gdb commands")),
          option(GDB_FILE_OPTIONS, commandFile("gdb commands")),
        ],
        wordValues: GDB_VALUES,
        wordsOnly: true,
        endsAt: ["--args", "-args"],
      },
      rest: gdbRest,
    },
    make,
    gmake: make,
    script: { syntax: { options: [option(["-c", "--co[mmand]"], shellCommand)], shortValues: "EIOBTmo" } },
    expect: {
      syntax: { options: [option(["-c"], expectScript), option(["-f"], scriptFile)], shortValues: "bD" },
      rest: expectRest,
    },
  } satisfies Record<string, Carrier>),
);

/** Programs whose whole command line is read by a function of their own. */
const READERS = new Map<string, CommandAnalyzer>([
  ["tmux", tmux],
  ["screen", screen],
]);

/**
 * What the program runs from its options, operands or stdin, whatever else its own rule judges; true when it is one
 * of the programs that do.
 */
export function judgeCarriedCommands(inv: Invocation, an: Analysis): boolean {
  const reader = READERS.get(inv.name);
  if (reader) {
    reader(inv, an);
    return true;
  }
  const carrier = CARRIERS.get(inv.name);
  if (!carrier) return false;
  const read = readCommandLine(inv.argv, syntaxOf(carrier, inv));
  judgeCarried(inv, read, an);
  carrier.rest?.(inv, read, an);
  return true;
}
