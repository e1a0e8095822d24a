// Prefixes that run another command: sudo, env, nohup, time, timeout, xargs, npx, `bundle exec`, `op run --`…
// The wrapped command is classified in the wrapper's place.
import type { Analysis } from "../analysis.ts";
import { type ArgSpec, flagSet, parseArgs } from "../args.ts";
import { type CommandAnalyzer, type CommandTable, type Invocation, tailWords } from "../command.ts";
import { literal, type Word } from "../word.ts";
import { joinedText, judgeShellCommand, judgeShellText } from "./carried-text.ts";
import { judgeCommandVariable } from "./command-variables.ts";
import { findOutput } from "./files.ts";
import { secretWrite } from "./secret-writes.ts";
import { type VerbRule, verbCli } from "./verb-cli.ts";

interface WrapperSpec extends ArgSpec {
  /** Leading subcommand words that must be present (`exec` in `bundle exec`); absent → not a wrapper call. */
  sub?: readonly string[];
  /** Positionals between the options and the command (timeout's DURATION, chroot's NEWROOT). */
  skip?: number;
  /** A positional before the command that may be left out (chrt's PRIORITY): skipped when it looks so. */
  optional?: RegExp;
  /** Options that make the program act on a running process instead of starting a command (`chrt -p PID`). */
  noCommandWith?: readonly string[];
  /** `NAME=VALUE` words before the command set its environment, as env's do (sudo). */
  assignments?: boolean;
  /** A flag whose value is a whole shell command (`su -c`, `npx -c`, `doppler run --command`). */
  shellFlags?: readonly string[];
  /** The command comes only after `--`. */
  afterDashDash?: boolean;
  /** How the program's other subcommands are read (`doppler secrets delete`): by default they are not. */
  otherwise?: CommandAnalyzer;
  /** Switches that start a shell (`sudo -s`, `sudo -i`): with no command given, it runs what stdin holds. */
  shellSwitches?: readonly string[];
}

/** Secret stores that also run commands: their other subcommands (`doppler secrets delete`) read by their verb. */
const secretStore = (name: string, valueFlags: readonly string[], rules: readonly VerbRule[] = []) =>
  verbCli(name, { valueFlags, rules });

function wrapper(spec: WrapperSpec): CommandAnalyzer {
  return (inv, an) => {
    let args = inv.args;
    if (spec.sub) {
      if (!spec.sub.includes(args[0] ?? "")) {
        spec.otherwise?.(inv, an);
        return;
      }
      args = args.slice(1);
    }
    const parsed = parseArgs(args, { ...spec, stopAtPositional: !spec.afterDashDash });
    for (const flag of spec.shellFlags ?? []) {
      const script = parsed.value(flag);
      if (script) an.nested.shell(script, inv.vars);
    }
    if (spec.noCommandWith && parsed.has(...spec.noCommandWith)) return;
    let rest = spec.afterDashDash ? parsed.rest : parsed.rest.slice(spec.skip ?? 0);
    if (spec.optional?.test(rest[0] ?? "")) rest = rest.slice(1);
    if (spec.afterDashDash && !args.includes("--")) return;
    let words = tailWords(inv, rest.length);
    // `flock FILE -c CMD`: a shell flag after the positionals the program takes first.
    if (words[0] && spec.shellFlags?.includes(words[0].text)) {
      if (words[1]) judgeShellCommand(words[1], `${inv.name} ${words[0].text}`, an, inv.vars);
      words = [];
    }
    if (spec.assignments && words[0] && ASSIGNMENT.test(words[0].text)) inv.run([literal("env"), ...words]);
    else if (words.length) inv.run(words);
    else if (spec.shellSwitches && parsed.has(...spec.shellSwitches)) inv.run([literal("sh")]);
  };
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** `env [-i] [-u NAME] [NAME=VALUE…] [-S 'cmd args'] cmd`: the assignments become the command's environment. */
function env(inv: Invocation, an: Analysis): void {
  const vars = new Map(inv.vars);
  const words = inv.argv.slice(1);
  let i = 0;
  for (; i < words.length; i++) {
    const t = words[i]!.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t === "-u" || t === "-C" || t === "-P" || t === "--unset" || t === "--chdir") i++;
    else if (t === "-S" || t === "--split-string" || t.startsWith("--split-string=")) {
      const script = t.includes("=") ? t.slice(t.indexOf("=") + 1) : (words[++i]?.text ?? "");
      an.nested.shell(script, vars);
      return;
    } else if (t.startsWith("-")) continue;
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) {
      const eq = t.indexOf("=");
      const value = { text: t.slice(eq + 1), dynamic: words[i]!.dynamic, glob: false };
      vars.set(t.slice(0, eq), value);
      judgeCommandVariable(t.slice(0, eq), value, vars, an);
    } else break;
  }
  inv.run(words.slice(i), { vars });
}

const XARGS_VALUES = flagSet(
  "-n",
  "-L",
  "-P",
  "-s",
  "-d",
  "-E",
  "-I",
  "-a",
  "--max-args",
  "--max-lines",
  "--max-procs",
  "--max-chars",
  "--delimiter",
  "--replace",
  "--arg-file",
  "--eof",
);

/**
 * `… | xargs [opts] cmd args`: cmd runs with the piped items appended (or substituted for -I's placeholder). With
 * `-a FILE` the items are the file's: known when the command line wrote it.
 */
function xargs(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: XARGS_VALUES, stopAtPositional: true });
  const command = parsed.rest.length ? tailWords(inv, parsed.rest.length) : [literal("echo")];
  const argFile = parsed.value("-a", "--arg-file");
  const input =
    argFile === undefined
      ? inv.stdin?.toString("utf8")
      : (an.written.find(literal(argFile))?.text ?? undefined);
  const source = argFile ?? inv.stdinHint;
  const delimiter = parsed.has("-0", "--null") ? "\0" : parsed.value("-d", "--delimiter");
  const read = input === undefined ? null : xargsItems(input, delimiter);
  // `find … -print0 | xargs -0 …` hands on exactly what the find matched, as `find … -exec … +` would.
  const found = argFile === undefined ? findOutput(inv.stdinHint, delimiter === "\0") : undefined;
  const items: Word[] = read
    ? read.map((t) => literal(t))
    : [found ?? { text: source ? `<${source}>` : "<stdin>", dynamic: true, glob: false }];
  const placeholder = parsed.value("-I", "--replace") ?? (parsed.has("-i") ? "{}" : undefined);
  const joined = items.map((w) => w.text).join(" ");
  const argv = placeholder
    ? command.map((w) =>
        w.text.includes(placeholder)
          ? { text: w.text.split(placeholder).join(joined), dynamic: true, glob: false }
          : w,
      )
    : [...command, ...items];
  inv.run(argv, { stdin: null, piped: false });
}

const DELIMITER_ESCAPES: Record<string, string> = { "\\n": "\n", "\\t": "\t", "\\0": "\0", "\\\\": "\\" };

/**
 * The items xargs reads: with a delimiter (`-d '\n'`, `-0`), the text between delimiters, a last empty one dropped;
 * by default words separated by blanks, where quotes and backslashes quote as xargs reads them. Null when they
 * cannot be told (a delimiter spelled otherwise, an unmatched quote, which xargs refuses).
 */
function xargsItems(input: string, delimiter: string | undefined): string[] | null {
  if (delimiter !== undefined) {
    const by = DELIMITER_ESCAPES[delimiter] ?? (delimiter.length === 1 ? delimiter : null);
    if (by === null) return null;
    const items = input.split(by);
    if (items.at(-1) === "") items.pop();
    return items;
  }
  const items: string[] = [];
  let current: string | null = null;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c === "'" || c === '"') {
      const end = input.indexOf(c, i + 1);
      const newline = input.indexOf("\n", i + 1);
      if (end < 0 || (newline >= 0 && newline < end)) return null;
      current = (current ?? "") + input.slice(i + 1, end);
      i = end;
    } else if (c === "\\" && i + 1 < input.length) current = (current ?? "") + input[++i];
    else if (/\s/.test(c)) {
      if (current !== null) items.push(current);
      current = null;
    } else current = (current ?? "") + c;
  }
  if (current !== null) items.push(current);
  return items;
}

const PARALLEL_VALUES = flagSet(
  "-j",
  "--jobs",
  "-P",
  "--max-procs",
  "-S",
  "--sshlogin",
  "--sshloginfile",
  "--slf",
  "-a",
  "--arg-file",
  "-N",
  "-n",
  "--max-args",
  "-L",
  "--max-lines",
  "-d",
  "--delimiter",
  "-I",
  "--colsep",
  "-C",
  "--delay",
  "--timeout",
  "--joblog",
  "--results",
  "--tmpdir",
  "--workdir",
  "--wd",
  "--env",
  "--retries",
  "--halt",
  "--memfree",
  "--load",
  "--tag-string",
  "--basefile",
  "--bf",
  "--return",
  "--transferfile",
  "--tf",
  "--sshdelay",
);
/** Where GNU parallel's command ends and its inputs begin: `:::` items, `::::` files, and their linked `+` forms. */
const PARALLEL_INPUT = /^::::?\+?$/;

/**
 * GNU parallel `[opts] command … ::: items` runs the command through a shell once per item, the item put in for `{}`
 * (and `{.}`, `{/}`…) or appended; without a command it runs each input line as a command, as `sh` would.
 */
function parallel(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: PARALLEL_VALUES, stopAtPositional: true });
  if (parsed.has("--dry-run", "--dryrun")) {
    an.harmless("parallel --dry-run only prints the commands");
    return;
  }
  const inputAt = parsed.rest.findIndex((w) => PARALLEL_INPUT.test(w));
  const command = inputAt < 0 ? parsed.rest : parsed.rest.slice(0, inputAt);
  if (!command.length) {
    inv.run([literal("sh")]);
    return;
  }
  const items = inputAt < 0 ? [] : parsed.rest.slice(inputAt + 1).filter((w) => !PARALLEL_INPUT.test(w));
  const script = command.join(" ");
  // Without a replacement string the item is appended; an item from a file or stdin is not known.
  const appended = /\{[^}\s]*\}/.test(script) ? "" : ` ${items.length ? items.join(" ") : "{}"}`;
  an.nested.shell(script + appended, inv.vars);
}

/** `npx [opts] pkg args`: the package's binary runs. */
function packageRunner(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet(
      "-p",
      "--package",
      "-c",
      "--call",
      "--registry",
      "--node-options",
      "--from",
      "--with",
      "--python",
      "-w",
      "--workspace",
      "--prefix",
      "--cache",
      "--userconfig",
    ),
    stopAtPositional: true,
  });
  const call = parsed.value("-c", "--call");
  if (call) an.nested.shell(call, inv.vars);
  const words = tailWords(inv, parsed.rest.length);
  if (!words.length) return;
  const pkg = words[0]!.text.replace(/^(@[^/]+\/)?([^@]+)(@.*)?$/, "$2");
  inv.run([literal(pkg), ...words.slice(1)]);
}

/** `watch` runs its arguments through `sh -c`. */
function watch(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet("-n", "--interval", "-q", "--equexit"),
    stopAtPositional: true,
  });
  if (parsed.rest.length)
    judgeShellText(joinedText(tailWords(inv, parsed.rest.length)), "watch", an, inv.vars);
}

const su: CommandAnalyzer = (inv, an) => {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet("-c", "--command", "-s", "--shell", "-g", "--group", "-u", "--user", "-w"),
  });
  const script = parsed.value("-c", "--command");
  // The word given to -c, with what the guard knows of it.
  const word = inv.argv.find(
    (w, i) => w.text === script && /^(?:-c|--command)$/.test(inv.argv[i - 1]?.text ?? ""),
  );
  if (script) judgeShellText(word ?? literal(script), `${inv.name} -c`, an, inv.vars);
  else if (inv.name === "runuser" && parsed.rest.length) inv.run(tailWords(inv, parsed.rest.length));
  // With no command the user's login shell starts, and reads its commands from stdin when that is not a terminal.
  else inv.run([literal("sh")]);
};

const plain = wrapper({});

const SSH_VALUES = flagSet(
  "-p",
  "-i",
  "-l",
  "-o",
  "-F",
  "-J",
  "-L",
  "-R",
  "-D",
  "-W",
  "-b",
  "-c",
  "-E",
  "-e",
  "-m",
  "-O",
  "-Q",
  "-S",
  "-w",
  "-B",
  "-I",
);

/** ssh options whose value is a command: run locally (ProxyCommand, LocalCommand, KnownHostsCommand) or remotely. */
const SSH_COMMAND_OPTION =
  /^\s*(?:proxycommand|localcommand|knownhostscommand|remotecommand)\s*(?:=\s*|\s)(.*)$/is;

/**
 * `ssh host cmd…`: the remote command is a shell string on the other side; commands in `-o` options
 * (`-o ProxyCommand=…`) are shell strings too.
 */
function ssh(inv: Invocation, an: Analysis): void {
  for (let i = 0; i < inv.args.length; i++) {
    const a = inv.args[i]!;
    const option = a === "-o" ? inv.args[i + 1] : a.startsWith("-o") ? a.slice(2) : undefined;
    const command = option === undefined ? undefined : SSH_COMMAND_OPTION.exec(option)?.[1];
    if (command && command.trim().toLowerCase() !== "none") an.nested.shell(command);
  }
  const parsed = parseArgs(inv.args, { valueFlags: SSH_VALUES, stopAtPositional: true });
  // The words after the host, which the remote shell parses joined.
  const remote =
    parsed.rest.length > 1 ? joinedText(inv.argv.slice(inv.argv.length - parsed.rest.length + 1)) : null;
  if (remote?.text) {
    an.note(parsed.rest[0] ?? "");
    judgeShellText(remote, "ssh", an);
  }
}

const SUDO_VALUES = flagSet(
  "-u",
  "-g",
  "-C",
  "-D",
  "-h",
  "-p",
  "-r",
  "-t",
  "-T",
  "-U",
  "--user",
  "--group",
  "--chdir",
  "--host",
  "--prompt",
  "--role",
  "--type",
  "--command-timeout",
  "--other-user",
  "--close-from",
);

const SYSTEMD_RUN_VALUES = flagSet(
  "-u",
  "--unit",
  "-p",
  "--property",
  "--description",
  "--slice",
  "-E",
  "--setenv",
  "-H",
  "--host",
  "-M",
  "--machine",
  "--uid",
  "--gid",
  "--nice",
  "--working-directory",
  "--service-type",
  "--on-active",
  "--on-boot",
  "--on-startup",
  "--on-unit-active",
  "--on-unit-inactive",
  "--on-calendar",
  "--path-property",
  "--socket-property",
  "--timer-property",
);

/**
 * `corepack pnpm@9.1.0 …` runs that package manager with the words after it; corepack's own commands (`enable`, `use`)
 * are left to their words.
 */
const corepack: CommandAnalyzer = (inv) => {
  const manager = /^(npm|npx|pnpm|pnpx|yarn|yarnpkg)(?:@\S*)?$/.exec(inv.args[0] ?? "")?.[1];
  if (manager) inv.run([literal(manager), ...inv.argv.slice(2)]);
};

export const wrapperCommands: CommandTable = {
  corepack,
  sudo: wrapper({
    valueFlags: SUDO_VALUES,
    assignments: true,
    shellSwitches: ["-s", "--shell", "-i", "--login"],
  }),
  doas: wrapper({ valueFlags: flagSet("-u", "-C"), shellSwitches: ["-s"] }),
  env,
  nohup: plain,
  time: wrapper({ valueFlags: flagSet("-f", "-o", "--format", "--output") }),
  nice: wrapper({ valueFlags: flagSet("-n", "--adjustment") }),
  ionice: wrapper({ valueFlags: flagSet("-c", "-n", "-p", "-P", "-u", "--class", "--classdata") }),
  timeout: wrapper({ valueFlags: flagSet("-s", "-k", "--signal", "--kill-after"), skip: 1 }),
  stdbuf: wrapper({ valueFlags: flagSet("-i", "-o", "-e", "--input", "--output", "--error") }),
  command: (inv, an) => {
    // `command -v x` only looks x up.
    if (!inv.args.some((a) => a === "-v" || a === "-V")) plain(inv, an);
  },
  builtin: wrapper({}),
  exec: wrapper({ valueFlags: flagSet("-a") }),
  chroot: wrapper({ valueFlags: flagSet("--userspec", "--groups"), skip: 1 }),
  setsid: wrapper({}),
  unbuffer: wrapper({}),
  caffeinate: wrapper({ valueFlags: flagSet("-t", "-w") }),
  taskset: wrapper({ skip: 1, noCommandWith: ["-p", "--pid"] }),
  chrt: wrapper({
    valueFlags: flagSet("-T", "-P", "-D", "--sched-runtime", "--sched-period", "--sched-deadline"),
    optional: /^\d+$/,
    noCommandWith: ["-p", "--pid", "-m", "--max"],
  }),
  pkexec: wrapper({ valueFlags: flagSet("--user", "-u") }),
  "systemd-run": wrapper({ valueFlags: SYSTEMD_RUN_VALUES }),
  unshare: wrapper({
    valueFlags: flagSet(
      "-S",
      "--setuid",
      "-G",
      "--setgid",
      "-R",
      "--root",
      "-w",
      "--wd",
      "--propagation",
      "--setgroups",
      "--map-user",
      "--map-group",
      "--map-users",
      "--map-groups",
      "--monotonic",
      "--boottime",
    ),
  }),
  nsenter: wrapper({ valueFlags: flagSet("-t", "--target", "-S", "--setuid", "-G", "--setgid") }),
  firejail: wrapper({}),
  fakeroot: wrapper({ valueFlags: flagSet("-l", "--lib", "--faked", "-s", "-i", "-b") }),
  valgrind: wrapper({}),
  prlimit: wrapper({ valueFlags: flagSet("-p", "--pid", "-o", "--output"), noCommandWith: ["-p", "--pid"] }),
  numactl: wrapper({
    valueFlags: flagSet(
      "-N",
      "-m",
      "-C",
      "-p",
      "-i",
      "-P",
      "--cpunodebind",
      "--membind",
      "--physcpubind",
      "--preferred",
      "--interleave",
      "--preferred-many",
    ),
  }),
  "dbus-run-session": wrapper({ valueFlags: flagSet("--config-file", "--dbus-daemon") }),
  nodemon: wrapper({
    valueFlags: flagSet(
      "-w",
      "--watch",
      "-e",
      "--ext",
      "-i",
      "--ignore",
      "-d",
      "--delay",
      "--signal",
      "--config",
      "-x",
      "--exec",
    ),
    shellFlags: ["-x", "--exec"],
  }),
  flock: wrapper({
    valueFlags: flagSet("-w", "--timeout", "-E", "--conflict-exit-code"),
    skip: 1,
    shellFlags: ["-c", "--command"],
  }),
  strace: wrapper({
    valueFlags: flagSet("-o", "-e", "-p", "-s", "-u", "-E", "-P", "-a", "-b", "-I", "-O", "-S", "-X"),
  }),
  ltrace: wrapper({
    valueFlags: flagSet("-o", "-e", "-p", "-s", "-u", "-n", "-a", "-A", "-D", "-F", "-l", "-x"),
  }),
  "xvfb-run": wrapper({ valueFlags: flagSet("-n", "-s", "-f", "-e", "-p", "--server-args", "--server-num") }),
  su,
  runuser: su,
  watch,
  xargs,
  parallel,
  ssh,
  // ShellJS's commands from package scripts (`shx rm -rf dist`, `shx sed -i …`): each does what the Unix command does.
  shx: wrapper({}),
  npx: packageRunner,
  pnpx: packageRunner,
  bunx: packageRunner,
  uvx: packageRunner,
  pipx: wrapper({ sub: ["run"], valueFlags: flagSet("--spec", "--python", "--index-url"), skip: 0 }),
  bundle: wrapper({ sub: ["exec"] }),
  poetry: wrapper({ sub: ["run"] }),
  pipenv: wrapper({ sub: ["run"] }),
  pdm: wrapper({ sub: ["run"] }),
  hatch: wrapper({ sub: ["run"], valueFlags: flagSet("-e", "--env") }),
  rye: wrapper({ sub: ["run"] }),
  uv: wrapper({
    sub: ["run"],
    valueFlags: flagSet(
      "--with",
      "--python",
      "-p",
      "--project",
      "--directory",
      "--env-file",
      "--group",
      "--extra",
      "--package",
      "--index-url",
    ),
  }),
  conda: wrapper({ sub: ["run"], valueFlags: flagSet("-n", "--name", "-p", "--prefix", "--cwd") }),
  mamba: wrapper({ sub: ["run"], valueFlags: flagSet("-n", "--name", "-p", "--prefix", "--cwd") }),
  dotenv: wrapper({ valueFlags: flagSet("-e", "-v", "-c", "-p"), afterDashDash: true }),
  dotenvx: wrapper({
    sub: ["run"],
    valueFlags: flagSet("-f", "--env-file", "-e", "--env", "--convention"),
    afterDashDash: true,
  }),
  op: wrapper({
    sub: ["run"],
    valueFlags: flagSet("--env-file", "--account"),
    afterDashDash: true,
    otherwise: secretStore(
      "op",
      ["--vault", "--account"],
      [
        secretWrite(
          /^(?:item|document) edit\b/,
          "1Password keeps the item's earlier versions in its history",
        ),
      ],
    ),
  }),
  doppler: wrapper({
    sub: ["run"],
    valueFlags: flagSet("-p", "--project", "-c", "--config", "--token"),
    shellFlags: ["--command"],
    otherwise: secretStore(
      "doppler",
      ["-p", "--project", "-c", "--config", "--token"],
      [
        secretWrite(
          /^secrets (?:set|upload)\b/,
          "Doppler keeps the config's earlier versions to roll back to",
        ),
      ],
    ),
  }),
  infisical: wrapper({
    sub: ["run"],
    valueFlags: flagSet("--env", "--path", "--projectId", "--token"),
    shellFlags: ["--command"],
    otherwise: secretStore(
      "infisical",
      ["--env", "--path", "--projectId", "--token"],
      [secretWrite(/^secrets set\b/, "Infisical keeps each secret's earlier versions")],
    ),
  }),
  "aws-vault": wrapper({ sub: ["exec"], valueFlags: flagSet("--duration", "--region", "-d"), skip: 1 }),
  chamber: wrapper({
    sub: ["exec"],
    afterDashDash: true,
    otherwise: secretStore(
      "chamber",
      [],
      [
        secretWrite(
          /^write\b/,
          "chamber keeps it in SSM Parameter Store, which keeps the parameter's history",
        ),
      ],
    ),
  }),
  teller: wrapper({ sub: ["run"], afterDashDash: true, otherwise: secretStore("teller", []) }),
  envchain: wrapper({ skip: 1 }),
  direnv: wrapper({ sub: ["exec"], skip: 1 }),
  sops: (inv, an) => {
    if (inv.args[0] === "exec-env" && inv.args[2]) an.nested.shell(inv.args[2], inv.vars);
  },
};
