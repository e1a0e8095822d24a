// The command tables: program name → analyser. Unknown programs with destructive-sounding words are marked uncertain,
// and so are known ones whose rules judged none of their destructive-sounding subcommand words.
import { judgeAgentSettingsArguments } from "../agent-settings.ts";
import type { Analysis } from "../analysis.ts";
import {
  type CommandAnalyzer,
  type Invocation,
  type InvocationContext,
  programName,
  stdinText,
} from "../command.ts";
import { interpreterOf, runsInShell } from "../shebang.ts";
import {
  DESTRUCTIVE_WORD,
  destructiveArgumentWord,
  destructiveWord,
  revertsMigrations,
  wordsToJudge,
} from "../vocabulary.ts";
import { literal, type Word } from "../word.ts";
import type { WrittenFile } from "../written-files.ts";
import { diskPath, judgeProjectFile, unseenWrite } from "../written-scripts.ts";
import { ansibleCommands } from "./ansible.ts";
import { awsCommands } from "./aws.ts";
import { azureCommands } from "./azure.ts";
import { backupArchiveCommands } from "./backup-archives.ts";
import { buildToolCommands } from "./build-tools.ts";
import { judgeCarriedCommands } from "./carriers.ts";
import { commandRunnerCommands } from "./command-runners.ts";
import { cypherCommands } from "./cypher.ts";
import { databaseCommands, sqlClientCommands } from "./databases.ts";
import { databricksCommands } from "./databricks.ts";
import { dnsZoneCommands } from "./dns-zones.ts";
import { dockerCommands } from "./docker.ts";
import { docCommands } from "./docs.ts";
import { fileCommands } from "./files.ts";
import { frameworkCommands } from "./frameworks.ts";
import { gcloudCommands } from "./gcloud.ts";
import { gitCommands } from "./git.ts";
import { httpCommands } from "./http-clients.ts";
import { influxCommands } from "./influx.ts";
import { interpreterCommands, withPositional } from "./interpreters.ts";
import { kubernetesCommands } from "./kubectl.ts";
import { memcachedCommands } from "./memcached.ts";
import { messageBrokerCommands } from "./message-brokers.ts";
import { otherVcsCommands } from "./other-vcs.ts";
import { paasCommands } from "./paas.ts";
import { judgePublicAccess, PUBLISHING_CLIS } from "./public-access.ts";
import { redisCommands } from "./redis.ts";
import { shellBuiltinCommands } from "./shell-builtins.ts";
import { storageCommands } from "./storage.ts";
import { stripeCommands } from "./stripe.ts";
import { systemCommands } from "./system.ts";
import { terraformCommands } from "./terraform.ts";
import { dryRunFlag, leadingWords, unjudgedConfirmation, unjudgedSubcommand } from "./unjudged-words.ts";
import { virtualizationCommands } from "./virtualization.ts";
import { wrapperCommands } from "./wrappers.ts";
import { shortRetentionsIn } from "./zero-retention.ts";

const TABLE = new Map<string, CommandAnalyzer>(
  Object.entries({
    ...fileCommands,
    ...docCommands,
    ...systemCommands,
    ...storageCommands,
    ...wrapperCommands,
    ...commandRunnerCommands,
    ...interpreterCommands,
    ...gitCommands,
    ...otherVcsCommands,
    ...databaseCommands,
    ...databricksCommands,
    ...awsCommands,
    ...gcloudCommands,
    ...azureCommands,
    ...kubernetesCommands,
    ...terraformCommands,
    ...dnsZoneCommands,
    ...ansibleCommands,
    ...dockerCommands,
    ...virtualizationCommands,
    ...paasCommands,
    ...stripeCommands,
    ...messageBrokerCommands,
    ...memcachedCommands,
    ...influxCommands,
    ...backupArchiveCommands,
    ...frameworkCommands,
    ...buildToolCommands,
    ...httpCommands,
    ...shellBuiltinCommands,
  }),
);

/**
 * Programs whose words are operands, not subcommands: files, code, the commands they run, URLs, SQL, Redis commands,
 * host patterns. Their rules read those words whole; a destructive-sounding one among them names a file or a value.
 */
const OPERAND_PROGRAMS = new Set(
  [
    fileCommands,
    docCommands,
    wrapperCommands,
    commandRunnerCommands,
    interpreterCommands,
    buildToolCommands,
    httpCommands,
    shellBuiltinCommands,
    sqlClientCommands,
    redisCommands,
    cypherCommands,
    ansibleCommands,
  ].flatMap((table) => Object.keys(table)),
);

/**
 * Programs whose rules judge only some of their commands (Symfony's `console`: Doctrine's); what the rules leave is
 * the project's own and is judged by all its words, as a program without rules is.
 */
const PARTIAL_RULES = new Set(["console", "symfony"]);

/** Families named by prefix or pattern: mkfs.ext4, newfs_apfs, partclone.ext4, python3.12, pip3… */
const PATTERNS: [RegExp, string][] = [
  [/^mkfs\./, "mkfs"],
  [/^newfs_\w+$/, "newfs"],
  [/^partclone\.\w+$/, "partclone"],
  [/^python[0-9.]*$/, "python"],
  [/^pypy[0-9.]*$/, "python"],
  [/^ruby[0-9.]*$/, "ruby"],
  [/^node[0-9]*$/, "node"],
  [/^perl[0-9.]*$/, "perl"],
  [/^php[0-9.]*$/, "php"],
  [/^lua(?:jit|[0-9.]+)$/, "lua"],
  [/^psql[0-9]*$/, "psql"],
  [/^pg_restore[0-9]*$/, "pg_restore"],
  // Netcat's builds (nc.openbsd, nc.traditional) and other clients that send what they read on stdin to a socket.
  [/^(nc|netcat)\.[\w-]+$|^(gnutls-cli|pwncat|websocat)$/, "nc"],
];

/** Programs that only read, print or build; they need no rule. */
const BENIGN = new Set(
  (
    "ls ll la cat bat echo printf grep egrep fgrep rg ag ack awk gawk jq head tail more wc sort uniq cut tr " +
    "diff cmp comm file stat du df pwd cd pushd popd which whereis type true false test [ [[ sleep date whoami id " +
    "hostname uname printenv export unset alias read exit return shift basename dirname realpath readlink mkdir touch " +
    "ln tar zip unzip gzip gunzip zcat bzip2 xz base64 xxd od hexdump strings ping dig nslookup host nc netstat ss " +
    "lsof ps pgrep top htop free uptime vmstat iostat whois traceroute tree find fd locate man help history set " +
    "tldr info whatis apropos seq yes wait jobs fg bg disown umask ulimit getopts hash local declare typeset readonly let " +
    "md5sum sha1sum sha256sum shasum openssl ssh-keygen gpg column fold fmt nl paste join split csplit expand " +
    "iconv rev tac watch tsc vitest jest mocha eslint prettier biome black ruff flake8 mypy pylint pytest " +
    "playwright cypress phpunit pest rspec karma ava jasmine cucumber-js behave nose2 ts-prune knip chmod " +
    "rustc rustup gcc g++ clang make cmake ninja javac dotnet kotlin scala " +
    "code nano emacs open xdg-open pbcopy pbpaste clear reset tput stty lscpu lsblk blkid " +
    "mount findmnt ifconfig route arp nvm volta asdf mise pyenv rbenv " +
    "brew apt apt-get dnf yum apk pacman pip pip3 gem scp sftp " +
    // Linters, which read the files they are named (`shellcheck scripts/wipe.sh`) and report on them.
    "shellcheck hadolint actionlint yamllint sqlfluff markdownlint markdownlint-cli2 tflint golangci-lint " +
    "staticcheck rubocop stylelint ktlint"
  ).split(" "),
);

const RECURSIVE_FORCE = /^-[a-z]*(rf|fr)/i;
/**
 * A line that builds a command's words away from where they run: `set -- …` for "$@", an array (`a=(…)`, `a+=(…)`,
 * `declare -a`, `read -a`, mapfile) for "${a[@]}". Only there can the rest of the line say what a command name that
 * is only known at run time will do; elsewhere (`cd ~/remove-bg && "$EDITOR" notes.md`) its words are unrelated.
 */
const BUILDS_WORDS =
  /(?:^|[\s;&|(])(?:set\s+(?:--|-\s)|\w+\+?=\(|(?:declare|typeset|local)\s+-\w*a|read\s+(?:-\w+\s+)*-\w*a|mapfile\b|readarray\b)/;

export function analyzeInvocation(inv: Invocation, an: Analysis): void {
  const program = inv.argv[0];
  if (!program) return;
  // A line read from a stream, or a variable a shell splices into the text it parses, may be any command line.
  if (program.unread !== undefined)
    an.uncertain(`runs ${program.unread} as a command: text the guard cannot read`, true);
  if (program.dynamic) {
    // Its words may come from elsewhere on the line (`set -- rm,-rf,/srv; "$@"`, `a=(rm -rf /srv); "${a[@]}"`).
    const alarming =
      DESTRUCTIVE_WORD.exec(inv.args.join(" "))?.[2] ??
      (inv.args.some((a) => RECURSIVE_FORCE.test(a)) ? "-rf" : undefined) ??
      (BUILDS_WORDS.test(an.texts[0] ?? "") ? DESTRUCTIVE_WORD.exec(an.texts[0] ?? "")?.[2] : undefined) ??
      // What it reads may be its script (`$SHELL <<< 'rm -rf /srv'`).
      DESTRUCTIVE_WORD.exec(stdinText(inv) ?? "")?.[2] ??
      "";
    an.uncertain(
      `runs a command whose name is only known at run time (${program.text})${alarming ? ` with "${alarming}"` : ""}`,
      alarming !== "",
    );
    // `"$PWD/cleanup.sh"` is known where the command runs.
    runProjectScript(inv, an);
    return;
  }
  // A path runs that file, whatever its name says; one the line wrote runs what it wrote.
  if (program.text.includes("/")) runWrittenProgram(inv, an);
  judgeAgentSettingsArguments(inv, an);
  const analyzer = lookup(inv.name);
  if (analyzer && asksForHelp(inv)) {
    an.harmless(`${inv.name} … --help only prints help`);
    return;
  }
  const findings = an.findings.length;
  const readings = an.readings;
  if (analyzer) analyzer(inv, an);
  if (PUBLISHING_CLIS.has(inv.name)) judgePublicAccess(inv, an);
  // Options, operands or stdin that carry a command are judged whatever the program's own rule says.
  const carries = judgeCarriedCommands(inv, an);
  if (!analyzer || (PARTIAL_RULES.has(inv.name) && an.findings.length === findings)) {
    if (!carries && !BENIGN.has(inv.name)) analyzeUnknown(inv, an);
  }
  // A rule that reported nothing, handed nothing on and judged no words itself has judged none of the words.
  else if (
    !carries &&
    an.findings.length === findings &&
    an.readings === readings &&
    !OPERAND_PROGRAMS.has(inv.name)
  )
    unjudgedSubcommand(inv, leadingWords(inv.args), an);
}

/**
 * `./x.sh` where the line wrote x.sh: the kernel hands the file to the interpreter its `#!` line names, with the
 * path after that line's words (`#!/usr/bin/env python3` runs `/usr/bin/env python3 ./x.sh`); a file without one is
 * run by the shell, which judges the text.
 */
function runWrittenProgram(inv: Invocation, an: Analysis): void {
  const program = inv.argv[0]!;
  const file = an.written.find(program);
  if (!file) {
    runProjectScript(inv, an);
    return;
  }
  if (file.text === null) {
    unseenWrite(an, inv.name, program.text, file);
    return;
  }
  inv.run([...interpreterOf(file.text).map(literal), program, ...inv.argv.slice(1)]);
}

/** `./x.sh` on disk, where the command is judged on its machine: a shell script's text there is judged as it runs. */
function runProjectScript(inv: Invocation, an: Analysis): void {
  const program = inv.argv[0]!;
  const path = diskPath(program);
  const file = path && an.projectFile(path.text);
  const interpreter = file ? interpreterOf(file.text) : [];
  if (!file || !runsInShell(interpreter)) return;
  judgeProjectFile(an, interpreter.join(" "), program, (text) =>
    an.nested.shell(text, withPositional(inv, 0, 0)),
  );
}

/** Programs whose later words are another command or code (`sh -c 'rm -rf /' --help` still runs the script). */
const RUNS_OTHERS = new Set(
  "sh bash zsh dash ksh mksh ash fish pwsh powershell source . busybox env sudo doas su xargs parallel find fd nohup time timeout watch nice ionice chroot ssh exec command builtin eval python node ruby perl php lua deno awk gawk make npm npx yarn pnpm docker kubectl".split(
    " ",
  ),
);

const RUNS_CONTAINER_COMMAND = /^(exec|run|debug|attach)$/;

/**
 * Tools where `-h` is only ever help, on every subcommand (cobra's and argparse's default): `docker run -h` is
 * --hostname and `sort -h` sorts sizes, so elsewhere `-h` says nothing.
 */
const SHORT_H_IS_HELP = new Set(["kubectl", "helm", "gh", "az", "gcloud"]);

/**
 * `tool sub --help`: getopt-style tools print help and exit; only `--help` before any `--` counts. Asked only about
 * tools the tables know: a project's own script may well ignore --help and do its work.
 */
function asksForHelp(inv: Invocation): boolean {
  if (RUNS_OTHERS.has(inv.name) && inv.name !== "kubectl" && inv.name !== "docker") return false;
  const end = inv.args.indexOf("--");
  const args = end < 0 ? inv.args : inv.args.slice(0, end);
  if (!args.includes("--help") && !(SHORT_H_IS_HELP.has(inv.name) && args.includes("-h"))) return false;
  // kubectl and docker run other commands only through exec/run/debug; elsewhere --help wins.
  return !(
    (inv.name === "kubectl" || inv.name === "docker") &&
    args.some((a) => RUNS_CONTAINER_COMMAND.test(a))
  );
}

function lookup(name: string): CommandAnalyzer | undefined {
  const direct = TABLE.get(name);
  if (direct) return direct;
  for (const [pattern, canonical] of PATTERNS) if (pattern.test(name)) return TABLE.get(canonical);
  return undefined;
}

const CREATES = /^(?:--)?create$/;
const URL_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"]*/gi;

/**
 * A program with no rule: only its words can tell; destructive-sounding ones make it uncertain. Text it reads on
 * stdin, or from a file the line wrote, may be its program as much as an `-e` argument is (`tclsh <<< 'file delete
 * …'`), so its words count too.
 */
function analyzeUnknown(inv: Invocation, an: Analysis): void {
  const read: string[] = [];
  // `:` reads nothing (the guard itself feeds it here-documents to expand their text).
  const stdin = inv.name === ":" ? null : stdinText(inv);
  if (stdin) read.push(stdin);
  for (const word of inv.argv.slice(1)) {
    const written = an.written.find(word)?.text;
    if (written) read.push(written);
  }
  // Retention cut to a day or less deletes what is older, in any program (`kafka-configs --add-config retention.ms=1000`);
  // what a call creates holds nothing older yet.
  const retentions = inv.args.some((a) => CREATES.test(a)) ? [] : shortRetentionsIn(inv.args);
  if (retentions.length)
    an.uncertain(`${inv.name}: ${retentions.join(", ")} keeps a day or less, deleting what is older`, true);
  // A URL's own words say nothing (`…/delete-me.html`), but the words around it in a script argument still do
  // (`osascript -e 'do shell script "curl -X DELETE https://…"'`).
  const args = wordsToJudge(
    inv.name,
    [...inv.args, ...read].map((a) => a.replace(URL_TEXT, " ")),
  );
  const word =
    destructiveWord(wordsToJudge(inv.name, [inv.argv[0]!.text])[0]!) ?? destructiveArgumentWord(args);
  const dryRun = dryRunFlag(inv.args);
  const revert = word ? undefined : revertsMigrations([inv.name, ...leadingWords(inv.args)]);
  if (revert) {
    if (dryRun) an.harmless(`${inv.name} reverts migrations ("${revert}"), but ${dryRun} only reports`);
    else an.uncertain(`${inv.name} reverts migrations ("${revert}"), dropping what they made`, true);
    return;
  }
  if (!word) {
    unjudgedConfirmation(inv, an);
    return;
  }
  if (dryRun) an.harmless(`unknown command ${inv.name} with "${word}", but ${dryRun} only reports`);
  else an.uncertain(`unknown command ${inv.name} with "${word}" in it`, true);
}

class Call implements Invocation {
  readonly name: string;
  readonly args: readonly string[];
  readonly stdin: Buffer | null;
  readonly piped: boolean;
  readonly stdinHint: string;
  readonly stdinWritten?: WrittenFile;
  readonly vars: ReadonlyMap<string, Word>;

  constructor(
    readonly argv: readonly Word[],
    private readonly context: InvocationContext,
    private readonly an: Analysis,
  ) {
    this.name = programName(argv[0]?.text ?? "");
    const args: string[] = [];
    for (let i = 1; i < argv.length; i++) args.push(argv[i]!.text);
    this.args = args;
    this.stdin = context.stdin;
    this.piped = context.piped;
    this.stdinHint = context.stdinHint;
    this.stdinWritten = context.stdinWritten;
    this.vars = context.vars;
  }

  run(inner: readonly Word[], overrides?: Partial<InvocationContext>): void {
    if (inner.length)
      this.an.nest(() =>
        invoke(inner, overrides ? { ...this.context, ...overrides } : this.context, this.an),
      );
  }
}

/** Builds an invocation and classifies it; `run` lets wrappers (sudo, xargs…) classify the command they carry. */
export function invoke(argv: readonly Word[], context: InvocationContext, an: Analysis): Invocation {
  const inv = new Call(argv, context, an);
  analyzeInvocation(inv, an);
  return inv;
}
