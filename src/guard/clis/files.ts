// Files and disks: rm, shred, dd, mkfs, truncate, find -delete, rsync --delete, crontab, and writes through `>`.

import { agentSettingsAt, reportAgentSettings } from "../agent-settings.ts";
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, stdinText } from "../command.ts";
import { holdsCredentials } from "../credential-files.ts";
import { isFreshTemporary } from "../fresh-temporary.ts";
import {
  normalizePath,
  resolveNumericParameters,
  resolveTempPrefix,
  resolveWorkingOrHomePrefix,
  SYSTEM_OR_DATA_DIRECTORY,
} from "../paths.ts";
import { AUDIT_PATH, BACKUP_PATH, isBackupPath } from "../safety-net-paths.ts";
import type { Word } from "../word.ts";
import { hasGlobChar, literal } from "../word.ts";
import { isRegenerable } from "./regenerable-paths.ts";
import { parseSed, sedScriptRunsOrWrites } from "./sed-script.ts";
import { protectionsEditedOff } from "./setting-edits.ts";

const BLOCK_DEVICE =
  /^\/dev\/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|rdisk\d|mapper\/|md\d|loop\d|dm-\d|root)/;
const HARMLESS_SINK = /^\/dev\/(null|stdout|stderr|tty|fd\/\d+|zero)$/;
const DATA_FILE_NAME = /\.(sqlite3?|db|mdb|ibd|frm|myd|wal|tfstate|kdbx|keychain)$/;
const isDataFile = (path: string): boolean =>
  DATA_FILE_NAME.test(path) || SYSTEM_OR_DATA_DIRECTORY.test(path);

/** A line that links, moves or mounts something (`ln -s /srv/app /tmp/x`, `mv /srv/app /tmp/x`): the cheap test first. */
const FILLS = /(?:^|[\s;&|(])(?:ln|mv|mount|bindfs)\s/;
/** Each such command and its words, up to the end of its simple command. */
const FILLING_COMMAND = /(?:^|[\s;&|(])(ln|mv|mount|bindfs)\s([^;&|\n)]*)/g;
const QUOTES = /^['"]|['"]$/g;

/**
 * Whether this command line links, moves or mounts data from outside scratch at `path` or a directory above it
 * before deleting it: `ln -s /srv/app /tmp/x && rm -rf /tmp/x/` deletes /srv/app's files, `mv /srv/app /tmp/old &&
 * rm -rf /tmp/old` deletes /srv/app, and `mount /dev/sdb1 /tmp/m && rm -rf /tmp/m/*` deletes the disk's files. The
 * words are compared as text, so a long path costs linear time.
 */
function filledFromElsewhere(path: string, line: string): boolean {
  if (!FILLS.test(line)) return false;
  const target = path.replace(/\/+$/, "");
  for (const m of line.matchAll(FILLING_COMMAND)) {
    const operands = m[2]!
      .split(/\s+/)
      .filter((w) => w && !w.startsWith("-"))
      .map((w) => w.replace(QUOTES, ""));
    // Any operand after the first may be where the earlier ones land (`mv a b dir/`); with -t, the first too.
    const targetFirst = /\s(?:-\w*t|--target-directory)\b/.test(` ${m[2]}`);
    for (let i = targetFirst ? 0 : 1; i < operands.length; i++) {
      const place = operands[i]!.replace(/\/+$/, "");
      if (!place || (target !== place && !target.startsWith(`${place}/`))) continue;
      // Deleting a link itself (`ln -s /usr/bin/python3 /tmp/py && rm -f /tmp/py`) leaves what it points to; only
      // a path through it (`/tmp/x/`, `/tmp/x/data`) reaches the data.
      if (m[1] === "ln" && target === place && !path.endsWith("/")) continue;
      if (operands.some((s, j) => j !== i && !isRegenerable(s))) return true;
    }
  }
  return false;
}

/**
 * A part only known at run time, as the shell readers write it: `$NAME`, `${…}`, `$(…)`, `$1`, or a pattern a loop
 * variable took its names from (`for p in packages/*`).
 */
const UNKNOWN_PART = /\$(?:\{[^}]*\}|\(\u2026\)|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])|[*?]|\[[^\]]*\]/g;
/** A `.` or `..` segment, which would let a tail climb out of the directory it names. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * `"$ROOT/dist"`, `"$(git rev-parse --show-toplevel)/node_modules"`, `"$pkg/.turbo"`: whatever the quoted expansion
 * holds, what goes is named by the known tail after it, build output or a cache. Unquoted, the value may split into
 * other paths (`$ROOT` = `/srv /x`); a tail with a pattern, `..` or another expansion may reach elsewhere; a line that
 * links, moves or mounts may have put data there.
 */
function regenerableBelowUnknown(t: Word, line: string): boolean {
  if (!t.dynamic || t.splits || t.glob || FILLS.test(line)) return false;
  let end = -1;
  for (const m of t.text.matchAll(UNKNOWN_PART)) end = m.index + m[0].length;
  if (end < 0) return false;
  const tail = t.text.slice(end);
  if (!tail.startsWith("/") || /[$`]/.test(tail) || hasGlobChar(tail) || DOT_SEGMENT.test(tail)) return false;
  return isRegenerable(tail.slice(1));
}

/** What deleting these paths means: nothing (regenerable), a safety net, or data. */
export function judgeDeletion(verb: string, given: readonly Word[], an: Analysis, hint = ""): void {
  if (given.length === 0) return;
  const targets = given.map((w) =>
    resolveWorkingOrHomePrefix(resolveTempPrefix(resolveNumericParameters(w))),
  );
  const shown = targets.map((t) => t.text).join(" ");
  const context = hint && !shown.includes(hint) ? `${shown} ${hint}` : shown;
  if (isBackupPath(context)) {
    an.destroysSafetyNet(`${verb} deletes backups or audit logs (${clip(context)})`, "backup:delete");
    return;
  }
  const line = an.texts[0] ?? "";
  const made = targets.filter(isFreshTemporary);
  const risky = targets.filter(
    (t) =>
      !isFreshTemporary(t) &&
      !regenerableBelowUnknown(t, line) &&
      (t.dynamic || !isRegenerable(t.text) || filledFromElsewhere(t.text, line)),
  );
  if (risky.length === 0 && made.length > 0) {
    an.harmless(`${verb} only removes what ${clip(made[0]!.freshTemporary!)} made on this line`);
    return;
  }
  if (risky.length === 0) {
    an.harmless(`${verb} only removes regenerable build output or caches (${clip(shown)})`);
    return;
  }
  const rootIfEmpty = risky.find(
    (t) => t.dynamic && t.text.replace(/\$\{?[\w@*#?]+\}?|\$\(\u2026\)/g, "") === "/",
  );
  if (rootIfEmpty) {
    an.destroys(
      `${verb} ${rootIfEmpty.text}: if the variable is empty or unset this deletes /`,
      "file:delete",
    );
    return;
  }
  const unknown = risky.find((t) => t.dynamic);
  if (unknown) {
    an.destroys(`${verb} deletes ${unknown.text}, a path only known at run time`, "file:delete");
    return;
  }
  const root = risky.find((t) => /^(\/|~|\/\*|\*|\.|\.\.|\/[a-z]+\/?)$/.test(t.text));
  an.destroys(
    `${verb} deletes ${root ? `${root.text} (a top-level directory)` : clip(risky.map((t) => t.text).join(" "))}`,
    "file:delete",
  );
}

function rm(inv: Invocation, an: Analysis): void {
  const targets: Word[] = [];
  let options = true;
  let recursive = false;
  for (const w of inv.argv.slice(1)) {
    if (options && w.text === "--") options = false;
    else if (options && w.text.startsWith("-") && w.text.length > 1) {
      if (/^-[a-zA-Z]*[rR]|^--recursive/.test(w.text)) recursive = true;
    } else targets.push(w);
  }
  judgeDeletion(recursive ? `${inv.name} -r` : inv.name, targets, an, inv.stdinHint);
}

/**
 * rimraf, del-cli, rm-cli: npm's `rm -rf`, run from package scripts and npx. Every operand goes with what it holds;
 * del-cli's --dry-run only lists what it would delete, and its `!pattern` keeps what the others would delete.
 */
function packageRemover(inv: Invocation, an: Analysis): void {
  const targets: Word[] = [];
  let options = true;
  for (const w of inv.argv.slice(1)) {
    if (options && w.text === "--") options = false;
    else if (options && w.text.startsWith("-") && w.text.length > 1) {
      if (w.text === "--dry-run" || (inv.name.startsWith("del") && w.text === "-d")) return;
    } else if (!(inv.name.startsWith("del") && w.text.startsWith("!"))) targets.push(w);
  }
  judgeDeletion(`${inv.name} (rm -rf)`, targets, an, inv.stdinHint);
}

/** shred and its kin overwrite the files and devices they are given; `valueFlags` are the options that take a value. */
function overwriter(valueFlags: ReadonlySet<string>, fillsFreeSpace?: RegExp) {
  return (inv: Invocation, an: Analysis): void => {
    const parsed = parseArgs(inv.args, { valueFlags });
    if (parsed.positionals.length === 0) return;
    const free = fillsFreeSpace && inv.args.find((a) => fillsFreeSpace.test(a));
    if (free) {
      an.harmless(`${inv.name} ${free} fills a new directory, overwriting only free space`);
      return;
    }
    const targets = parsed.positionals.join(" ");
    if (isBackupPath(targets))
      an.destroysSafetyNet(
        `${inv.name} irrecoverably overwrites backups (${clip(targets)})`,
        "backup:delete",
      );
    else an.destroys(`${inv.name} irrecoverably overwrites ${clip(targets)}`, "file:delete");
  };
}

const shred = overwriter(flagSet("-n", "--iterations", "-s", "--size", "--random-source"));
const scrub = overwriter(
  flagSet("-p", "--pattern", "-b", "--blocksize", "-s", "--device-size", "-D", "--dirent"),
  /^(?:-X|--freespace)$/,
);

/**
 * dd and its forensic kin write the files named by their output operands (`of=`; dc3dd's `hof=`, `ofs=`, `wipe=`): a
 * device or a data file is overwritten.
 */
function ddCopy(outputKeys: readonly string[]) {
  return (inv: Invocation, an: Analysis): void => {
    const operands = inv.args
      .filter((a) => a.includes("="))
      .map((a): [string, string] => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]);
    const targets = operands.filter(([k]) => outputKeys.includes(k)).map(([, v]) => v);
    if (targets.length === 0) {
      an.harmless(`${inv.name} without ${outputKeys[0]}= writes to stdout`);
      return;
    }
    // What it copies is known from stdin or a file the line wrote, when no other operand (bs=, skip=, conv=…) cuts
    // or changes it.
    const input = new Map(operands).get("if");
    const plain = operands.every(([k]) => k === "if" || k === "of");
    const text = input === undefined ? stdinText(inv) : (an.written.find(literal(input))?.text ?? null);
    for (const target of targets) {
      analyzeWriteTarget(literal(target), false, an, inv.name);
      an.written.write(literal(target), plain ? text : null, commandText(inv));
    }
  };
}

const dd = ddCopy(["of"]);

/** Each mkfs's option that only shows what it would make (`mke2fs -n`, `mkfs.xfs -N`, `mkntfs --no-action`). */
const MKFS_DRY_RUN: [RegExp, RegExp][] = [
  [/^ext[234]$/, /^-n$/],
  [/^xfs$/, /^-N$/],
  [/^ntfs$/, /^(?:-n|--no-action)$/],
  [/^newfs$/, /^-N$/],
];

/** The filesystem a mkfs call makes: `mkfs.TYPE`, the family's own names, or `mkfs -t TYPE` (ext2 by default). */
function mkfsType(inv: Invocation): string {
  if (inv.name.startsWith("mkfs.")) return inv.name.slice(5);
  if (inv.name === "mke2fs") return "ext2";
  if (inv.name === "mkntfs") return "ntfs";
  if (inv.name.startsWith("newfs")) return "newfs";
  if (inv.name !== "mkfs") return inv.name;
  const at = inv.args.findIndex((a) => a === "-t" || a === "--type");
  return (
    (at >= 0 ? inv.args[at + 1] : inv.args.find((a) => a.startsWith("--type="))?.slice(7)) ?? "ext2"
  ).toLowerCase();
}

function mkfs(inv: Invocation, an: Analysis): void {
  const type = mkfsType(inv);
  const dryRun = inv.args.find((a) => MKFS_DRY_RUN.some(([t, option]) => t.test(type) && option.test(a)));
  if (dryRun) {
    an.harmless(`${inv.name} ${dryRun} only shows what it would do`);
    return;
  }
  const device = inv.args.find((a) => a.startsWith("/dev/") || (!a.startsWith("-") && a.includes("/")));
  if (!device && inv.args.every((a) => a.startsWith("-"))) return;
  an.destroys(`${inv.name} formats ${device ?? "a device"}, erasing its data`, "disk:format");
}

interface DiskToolSpec {
  /** What the tool does to the device when it writes. */
  verb: string;
  /** Options that only read or print; a call made of these alone writes nothing. */
  reads: RegExp;
  /** Options that make any call change nothing (`--no-act`). */
  noAct?: RegExp;
}

/**
 * Partition and signature tools: a call whose every option only reads (`sgdisk -p`, `sgdisk --backup=table.bak`,
 * `sfdisk -d`) writes nothing; one option that writes (`sgdisk -p --zap-all`) makes the whole call a write.
 */
function diskTool(spec: DiskToolSpec) {
  return (inv: Invocation, an: Analysis): void => {
    if (inv.args.length === 0) return;
    const options = inv.args.filter((a) => a.startsWith("-") && a !== "-");
    const noAct = spec.noAct && options.find((o) => spec.noAct!.test(o));
    if (noAct) {
      an.harmless(`${inv.name} ${noAct} changes nothing`);
      return;
    }
    if (options.length && options.every((o) => spec.reads.test(o))) return;
    an.destroys(`${inv.name} ${spec.verb}`, "disk:overwrite");
  };
}

const HELP_OR_VERSION = /^(?:-h|--help|-V|--version)$/;

/** wipefs lists signatures unless told to erase them (-a, --all, -o, --offset). */
function wipefs(inv: Invocation, an: Analysis): void {
  const erases = inv.args.some((a) => /^-[a-zA-Z]*[ao]/.test(a) || /^--(?:all|offset)(?:=|$)/.test(a));
  if (!erases) return;
  if (inv.args.some((a) => /^-[a-zA-Z]*n/.test(a) || a === "--no-act")) {
    an.harmless("wipefs --no-act erases nothing");
    return;
  }
  an.destroys("wipefs erases filesystem signatures", "disk:overwrite");
}

function truncate(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-s", "--size", "-r", "--reference") });
  const size = parsed.value("-s", "--size");
  if (size?.startsWith("+") || size?.startsWith(">")) {
    an.harmless("truncate only grows the file");
    return;
  }
  const files = parsed.positionals.join(" ");
  if (!files) return;
  if (isBackupPath(files))
    an.destroysSafetyNet(`truncate empties backups or logs (${clip(files)})`, "backup:delete");
  // Cutting a project's or scratch file to nothing empties it, judged as `: > file` is: a database or a file of
  // the agent's settings is asked about; a dev server's log or a scratch file is not. Elsewhere (a service's log
  // under /var/log, a file in the home directory) it stays asked about.
  else if (
    size !== undefined &&
    EMPTY_SIZE.test(size) &&
    inv.argv.every((w) => !w.dynamic && !w.glob) &&
    parsed.positionals.every(inProjectOrScratch)
  )
    for (const file of parsed.positionals) analyzeWriteTarget(literal(file), false, an, "truncate");
  else an.destroys(`truncate cuts ${clip(files)} to ${size ?? "another file's size"}`, "file:truncate");
}

/** A path inside the working directory (not climbing out of it) or under /tmp. */
function inProjectOrScratch(path: string): boolean {
  const clean = normalizePath(path).replace(/^\.\//, "");
  if (/^\/(?:private\/)?tmp\/./.test(clean)) return true;
  return !/^(?:\/|~|\.\.(?:\/|$))/.test(clean) && clean !== "." && clean !== "";
}

/** A size of nothing, in any unit: `0`, `0K`, `0MiB`. */
const EMPTY_SIZE = /^0+(?:[KMGTPEZY](?:i?B)?|[KMGTPEZY]?B)?$/i;

const FIND_VALUE_TESTS = new Set(
  "-name -iname -path -ipath -wholename -regex -iregex -type -xtype -mtime -mmin -atime -amin -ctime -cmin -newer -size -user -group -perm -maxdepth -mindepth -links -inum -samefile -fstype -printf -fprintf -fprint -fls -used -uid -gid -context".split(
    " ",
  ),
);

/**
 * What a match of `find START -name PATTERN` looks like: under its one start (`/tmp/pytest-*`, `$TMPDIR/build-*`), so
 * a scratch or regenerable start counts as it would in `rm START/PATTERN`. Only the pattern when find follows links
 * (-L, -H, -follow: a match may be anywhere a link leads), there are several starts or patterns, or the patterns are
 * -path ones (already whole paths).
 */
function matchWord(args: readonly string[], starts: readonly Word[], names: readonly string[]): Word {
  const pattern: Word = { text: names.join(" "), dynamic: false, glob: true };
  const followsLinks = args.some((a) => a === "-L" || a === "-follow" || a === "-H");
  const pathPatterns = args.some((a) => a === "-path" || a === "-ipath" || a === "-wholename");
  if (starts.length !== 1 || names.length !== 1 || followsLinks || pathPatterns) return pattern;
  const start = starts[0]!;
  return { text: `${start.text.replace(/\/+$/, "")}/${names[0]}`, dynamic: start.dynamic, glob: true };
}

/** Tests a printing find may use without widening what it matches past its one `-name` pattern. */
const FIND_NARROWING = new Set("-type -maxdepth -mindepth -mtime -mmin -size -name -iname".split(" "));

/**
 * What a `find START -name PATTERN -print0` line that feeds another command prints, as `rm START/PATTERN` would name
 * it; undefined for any other find (several starts or patterns, `-o`, `-path`, links followed, actions) and for a
 * stream whose names may split into other words (`-print` into a reader that splits at blanks).
 */
export function findOutput(producer: string, nulSeparated: boolean): Word | undefined {
  const [program, ...args] = producer.split(" ");
  if (program !== "find" || !nulSeparated) return undefined;
  const firstTest = args.findIndex((a) => /^[-(!]/.test(a));
  const starts = firstTest < 0 ? args : args.slice(0, firstTest);
  const names: string[] = [];
  for (let i = starts.length; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-print0" || a === "-prune") continue;
    if (!FIND_NARROWING.has(a) || args[i + 1] === undefined) return undefined;
    if (a === "-name" || a === "-iname") names.push(args[i + 1]!);
    i++;
  }
  if (starts.length !== 1 || names.length !== 1) return undefined;
  return matchWord(args, starts.map(literal), names);
}

function find(inv: Invocation, an: Analysis): void {
  const args = inv.argv.slice(1);
  const starts: Word[] = [];
  let i = 0;
  for (; i < args.length && !/^[-(!]/.test(args[i]!.text); i++) starts.push(args[i]!);
  const names: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i]!.text;
    if (a === "-name" || a === "-iname" || a === "-path" || a === "-ipath")
      names.push(args[i + 1]?.text ?? "");
    if (FIND_VALUE_TESTS.has(a)) {
      i++;
      continue;
    }
    if (a === "-delete") {
      const where = starts.length ? starts : [literal(".")];
      const pattern = names.join(" ");
      if (isBackupPath(`${where.map((w) => w.text).join(" ")} ${pattern}`)) {
        an.destroysSafetyNet(
          `find -delete removes backups (${clip(`${where.map((w) => w.text).join(" ")} ${pattern}`)})`,
          "backup:delete",
        );
      } else if (
        where.every((w) => !w.dynamic && isRegenerable(w.text)) ||
        (pattern && names.every((n) => isRegenerable(n)))
      ) {
        an.harmless("find -delete only removes regenerable files");
      } else
        an.destroys(
          `find -delete deletes every match under ${where.map((w) => w.text).join(" ")}`,
          "file:delete",
        );
    }
    if (a === "-exec" || a === "-execdir" || a === "-ok" || a === "-okdir") {
      const command: Word[] = [];
      for (i++; i < args.length && args[i]!.text !== ";" && args[i]!.text !== "+"; i++)
        command.push(args[i]!);
      // `{}` stands for each match: the -name pattern says what they look like, else any path under the start.
      const found = `${starts.map((w) => w.text).join(" ")} ${names.join(" ")}`.trim();
      const match: Word = names.length
        ? matchWord(inv.args, starts, names)
        : { text: starts.map((w) => w.text).join(" ") || ".", dynamic: true, glob: false };
      inv.run(
        command.map((w) =>
          w.text.includes("{}") ? { ...match, text: w.text.replace("{}", match.text) } : w,
        ),
        { stdinHint: found },
      );
    }
  }
}

function rsync(inv: Invocation, an: Analysis): void {
  const dryRun = inv.args.some((a) => a === "--dry-run" || /^-[a-zA-Z]*n[a-zA-Z]*$/.test(a));
  const deleting = inv.args.find((a) => /^--(delete|del$|delete-\w+|remove-source-files$)/.test(a));
  if (deleting && deleting !== "--remove-source-files") {
    if (dryRun) an.harmless(`rsync ${deleting} with --dry-run only lists what it would delete`);
    else an.destroys(`rsync ${deleting} removes destination files missing from the source`, "file:delete");
  } else if (!dryRun) copyOrMove(inv, an);
}

/** A crontab line's schedule: five fields, or an `@` nickname; the command follows. */
const CRON_SCHEDULE = /^\s*(?:@\w+|(?:\S+\s+){4}\S+)\s+/;

/** The commands of a crontab: each entry's command, up to its first unescaped `%` (the rest is its stdin). */
function judgeCrontabEntries(table: string, an: Analysis): void {
  for (const line of table.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#") || /^[A-Za-z_]\w*\s*=/.test(trimmed)) continue;
    const schedule = CRON_SCHEDULE.exec(trimmed);
    if (!schedule) continue;
    const command = trimmed.slice(schedule[0].length).split(/(?<!\\)%/)[0]!;
    if (command.trim()) an.nested.shell(command.replace(/\\%/g, "%"));
  }
}

function crontab(inv: Invocation, an: Analysis): void {
  if (inv.args.includes("-r"))
    an.destroys("crontab -r removes every cron job without confirmation", "cron:delete");
  else if (inv.args.some((a) => !a.startsWith("-") || a === "-"))
    an.destroys("crontab FILE replaces every cron job", "cron:overwrite");
  // `crontab -` installs the table on stdin, whose commands then run on their schedules.
  if (inv.args.includes("-") && inv.stdin) judgeCrontabEntries(inv.stdin.toString("utf8"), an);
}

/** Directories a database server keeps its live files in, and files that are whole databases. */
const LIVE_DATA =
  /^\/var\/lib\/(postgresql|pgsql|mysql|mariadb|mongodb|mongo|redis|cassandra|elasticsearch|opensearch|etcd|clickhouse|influxdb|neo4j|couchdb|rabbitmq)(\/|$)|^\/data\/db(\/|$)|\/pg_wal(\/|$)|\.(ibd|frm|myd|myi|sqlite3?|db|wal|tfstate)$/i;

/** Whether a path is a database's live files (or inside their directory), and not scratch or regenerable. */
export function isLiveData(path: string): boolean {
  return LIVE_DATA.test(path) && !path.startsWith("/tmp/") && !isRegenerable(path);
}

/** Where tar extracts (`-C dir`, `--directory=dir`), when it extracts; null when it does not or names no directory. */
function extractionDirectory(args: readonly string[]): string | null {
  const extracting = args.some(
    (a, i) =>
      a === "--extract" || a === "--get" || (/^-?[a-zA-Z]*x/.test(a) && (i === 0 || a.startsWith("-"))),
  );
  if (!extracting) return null;
  for (const [i, a] of args.entries()) {
    if (a === "-C" || a === "--directory") return args[i + 1] ?? null;
    if (a.startsWith("--directory=")) return a.slice("--directory=".length);
  }
  return null;
}

const operandWords = (inv: Invocation) => inv.argv.slice(1).filter((w) => !w.text.startsWith("-"));

function copyOrMove(inv: Invocation, an: Analysis): void {
  const operands = operandWords(inv);
  const target = operands.at(-1);
  copiesWritten(inv, operands, an);
  if (operands.length >= 2 && target) {
    // rsync names a remote destination `host:path`: the same live files, on that host.
    const path = normalizePath(inv.name === "rsync" ? target.text.replace(REMOTE_HOST, "") : target.text);
    if (inv.name === "mv" && /^\/dev\/null$/.test(target.text))
      an.destroys(`mv into /dev/null deletes ${operands[0]!.text}`, "file:delete");
    else if (inv.name === "cp" && backsUp(operands.slice(0, -1), target, path))
      an.harmless(`cp copies the database into the backup ${path}`);
    else if (isLiveData(path))
      an.destroys(`${inv.name} onto ${path} replaces a database's live files`, "database:overwrite");
    else if (AUDIT_PATH.test(path))
      an.destroysSafetyNet(
        `${inv.name} onto ${path} replaces the audit log or shell history`,
        "audit-log:delete",
      );
    else if (BLOCK_DEVICE.test(target.text)) analyzeWriteTarget(target, false, an, inv.name);
    // Copying nothing onto a file empties it, as `: > file` does (`cp /dev/null /etc/hosts`).
    else if (operands.slice(0, -1).some((s) => EMPTY_SOURCE.test(s.text)))
      analyzeWriteTarget(literal(path), false, an, inv.name);
    // rsync is how a deploy ships a host its environment file; its deletions are judged by its own rules.
    else if (holdsCredentials(path) && inv.name !== "rsync" && !keepsExisting(inv.args))
      an.destroys(
        `${inv.name} onto ${path} replaces credentials no repository keeps`,
        "credentials:overwrite",
      );
  }
}

/** `cp -n`, `mv --no-clobber`, `cp --update=none`: an existing target is left as it is. */
const keepsExisting = (args: readonly string[]): boolean => {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some(
    (a) => /^-[a-zA-Z]*n[a-zA-Z]*$/.test(a) || a === "--no-clobber" || a === "--update=none",
  );
};

const EMPTY_SOURCE = /^\/dev\/(?:null|zero)$/;

/**
 * `cp app.db backups/app.db`: copies of a database's files into a backup path written out in full. A target only
 * known at run time may land anywhere, and a source that is no database (`cp /dev/null backups/app.db`) is no backup.
 */
function backsUp(sources: readonly Word[], target: Word, path: string): boolean {
  return (
    !target.dynamic &&
    BACKUP_PATH.test(path) &&
    sources.length > 0 &&
    sources.every((s) => !s.dynamic && isLiveData(normalizePath(s.text)))
  );
}

const REMOTE_HOST = /^[\w.@-]+:(?=\/)/;
const TARGET_DIRECTORY = /^(?:-t|--target-directory)(?:=(.+))?$/;

/**
 * A copy, move or link of a file the command line wrote holds the same text (`cp a.sh b.sh && bash b.sh`); with
 * several sources, or `-t DIR`, the target is a directory.
 */
function copiesWritten(inv: Invocation, operands: readonly Word[], an: Analysis): void {
  const words = inv.argv.slice(1);
  const at = words.findIndex((w) => TARGET_DIRECTORY.test(w.text));
  if (at >= 0) {
    const glued = TARGET_DIRECTORY.exec(words[at]!.text)![1];
    const directory = glued === undefined ? words[at + 1] : { ...words[at]!, text: glued };
    if (directory)
      for (const source of operands) if (source !== directory) an.written.copy(source, directory, true);
    return;
  }
  if (operands.length < 2) return;
  const target = operands.at(-1)!;
  for (const source of operands.slice(0, -1)) an.written.copy(source, target, operands.length > 2);
}

/** ln -f/--force replaces whatever is at the link's path first, as cp does; without it ln refuses an existing path. */
function link(inv: Invocation, an: Analysis): void {
  if (inv.args.some((a) => a === "--force" || /^-[a-zA-Z]*f[a-zA-Z]*$/.test(a))) copyOrMove(inv, an);
  else copiesWritten(inv, operandWords(inv), an);
}

/** A long option as GNU getopt reads it: the name or an unambiguous prefix of it at least `min` characters long. */
const spells = (arg: string, option: string, min: number) => arg.length >= min && option.startsWith(arg);
/** The 7-Zip builds (7z, 7za, 7zr, 7zz) read their command line alike. */
const family = (name: string) => (/^7z[arz]?$/.test(name) ? "7z" : name);
/** 7z's and rar's command: the first word that is not a switch (7-Zip takes switches before it too). */
const archiveCommand = (args: readonly string[]) => args.find((a) => !a.startsWith("-"));
/** zip's two-letter options that begin with d only display progress (-db, -dc, -dd, -dg, -ds, -du, -dv, -df). */
const ZIP_DISPLAY = /[bcdfgsuv]/;

/** Whether a cluster of zip's short options (`-d`, `-qd`) holds its delete mode. */
function zipDeletes(arg: string): boolean {
  // -FS (file sync) deletes the entries whose files are gone from disk.
  if (arg === "-FS" || arg === "--filesync") return true;
  if (arg.startsWith("--")) return spells(arg, "--delete", 5);
  if (!/^-[a-zA-Z]+$/.test(arg)) return false;
  for (let i = 1; i < arg.length; i++) {
    if (arg[i] !== "d") continue;
    // -sd (show debug) and the display options are not deletion.
    if (arg[i - 1] === "s" || ZIP_DISPLAY.test(arg[i + 1] ?? "")) i++;
    else return true;
  }
  return false;
}

/** Archivers' modes that delete members from an archive in place: `7z d`, `rar d`, `zip -d`, `tar --delete`. */
function deletesFromArchive(inv: Invocation): boolean {
  const args = inv.args;
  // --del is ambiguous to tar (--delay-directory-restore); --dele is not.
  if (inv.name === "tar") return args.some((a) => spells(a, "--delete", 6));
  if (inv.name === "zip") return args.some(zipDeletes);
  return archiveCommand(args) === "d";
}

/** Archivers with a mode that deletes what they archive: tar --remove-files, zip -m, 7z -sdel, rar m. */
function archiver(inv: Invocation, an: Analysis): void {
  const args = inv.args;
  const name = family(inv.name);
  if (deletesFromArchive({ ...inv, name })) {
    const archive = inv.argv.slice(1).find((w) => /\.(zip|tar|tgz|gz|7z|rar|bz2|xz|jar)$/.test(w.text));
    judgeDeletion(
      `${inv.name} (deleting members of an archive)`,
      archive ? [archive] : inv.argv.slice(1, 2),
      an,
    );
    return;
  }
  const into = name === "tar" ? extractionDirectory(args) : null;
  if (into !== null && isLiveData(normalizePath(into)))
    an.destroys(
      `${inv.name} extracts an archive over a database's live files in ${into}`,
      "database:overwrite",
    );
  const moving =
    (name === "tar" && args.some((a) => spells(a, "--remove-files", 5))) ||
    (name === "zip" && args.some((a) => a === "--move" || /^-[a-zA-Z]*m/.test(a))) ||
    (name === "7z" && args.includes("-sdel")) ||
    ((name === "rar" || name === "7z") && (archiveCommand(args) === "m" || args.includes("-df")));
  if (!moving) return;
  const sources = inv.argv
    .slice(1)
    .filter((w) => !w.text.startsWith("-") && !/\.(zip|tar|tgz|gz|7z|rar|bz2|xz)$/.test(w.text));
  const kept = sources.filter((w) => !/^[mauxc]$/.test(w.text));
  judgeDeletion(`${inv.name} (deleting what it archives)`, kept.length ? kept : sources, an);
}

/** fd -x/-X runs a command per match (or once with all of them). */
function fd(inv: Invocation, _an: Analysis): void {
  const at = inv.argv.findIndex((w) => /^(-x|--exec|-X|--exec-batch)$/.test(w.text));
  if (at < 0) return;
  const command = inv.argv.slice(at + 1);
  const match: Word = { text: "{}", dynamic: true, glob: false };
  const words = command.some((w) => w.text.includes("{"))
    ? command.map((w) => (/\{[^}]*\}/.test(w.text) ? match : w))
    : [...command, match];
  inv.run(words);
}

/** tee writes what it reads into each file: known when its stdin is. */
function tee(inv: Invocation, an: Analysis): void {
  const append = inv.args.some((a) => a === "-a" || a === "--append");
  const text = stdinText(inv);
  for (const w of inv.argv.slice(1))
    if (!w.text.startsWith("-")) {
      analyzeWriteTarget(w, append, an, "tee");
      an.written.write(w, text, commandText(inv), append);
    }
}

/** The command as written, for the reasons about a file it wrote. */
function commandText(inv: Invocation): string {
  return [inv.argv[0]!.text, ...inv.args].join(" ");
}

/** A file opened for writing: harmless for ordinary files, destructive for disks, databases, system and audit files. */
export function analyzeWriteTarget(target: Word, append: boolean, an: Analysis, via = ">"): void {
  // Resolved first, so `/tmp/../dev/sda` is the disk and `/tmp/../var/log/audit/audit.log` the audit log.
  const path = normalizePath(target.text);
  if (HARMLESS_SINK.test(path)) return;
  const settings = agentSettingsAt(path, an);
  if (settings) reportAgentSettings(settings, `${via} writes`, an);
  if (BLOCK_DEVICE.test(path)) {
    an.destroys(`${via} writes straight onto the device ${path}, destroying its data`, "disk:overwrite");
    return;
  }
  if (append) return;
  if (AUDIT_PATH.test(path))
    an.destroysSafetyNet(`${via} truncates the audit log or shell history ${path}`, "audit-log:delete");
  else if (BACKUP_PATH.test(path) && via !== ">")
    an.destroysSafetyNet(`${via} overwrites the backup ${path}`, "backup:delete");
  else if (isDataFile(path) && !writesNewCopy(path, via))
    an.destroys(`${via} overwrites ${path}`, "file:overwrite");
  else if (holdsCredentials(path))
    an.destroys(`${via} overwrites ${path}, credentials no repository keeps`, "credentials:overwrite");
}

/** `> /tmp/app.db` writes into scratch, which deleting loses nothing of either. */
const writesNewCopy = (path: string, via: string): boolean =>
  via === ">" && /^\/(?:private\/)?tmp\//.test(path);

/** Text written into a file that switches a protection off: `echo 'prevent_destroy = false' >> main.tf`. */
export function analyzeWrittenSettings(path: string, text: string, an: Analysis): void {
  const off = protectionsEditedOff(text);
  if (off.length)
    an.destroysSafetyNet(
      `writes ${clip(off.join(", "))} into ${path}, switching a protection off`,
      "deletion-protection:disable",
    );
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

/**
 * sed prints unless told to edit in place (-i, --in-place) or to run or write something from its script (GNU's `e`
 * command and `s///e` flag, `w`, `W` and `s///w`): a destructive word in a plain sed script is text it searches for.
 * A script in a file (-f) is unseen, so it may run or write anything. In-place edits of source files are an agent's
 * daily work; of databases, system files or backups they are not.
 */
function sed(inv: Invocation, an: Analysis): void {
  const call = parseSed(inv.args);
  if (!call.sandbox && call.scriptFiles.length) {
    an.uncertain(
      `sed runs a script from ${clip(call.scriptFiles.join(" "))}, which may run commands or write files`,
      true,
    );
    return;
  }
  if (!call.sandbox && call.scripts.some(sedScriptRunsOrWrites)) {
    an.uncertain("sed's script runs a command or writes a file (e, w)", true);
    return;
  }
  if (!call.inPlace) {
    an.harmless("sed without -i only prints");
    return;
  }
  if (!analyzeInPlaceEdit("sed -i", call.scripts, call.files, an)) an.harmless("sed -i edits files in place");
}

/**
 * An in-place edit (sed -i, perl -pi, yq -i) of databases or backups destroys them; of infrastructure code or config,
 * one that writes a protection off (`deletion_protection = false`, `/prevent_destroy/d`) removes the safety net the
 * next apply would have kept. True when the edit is destructive.
 */
export function analyzeInPlaceEdit(
  tool: string,
  scripts: readonly string[],
  files: readonly string[],
  an: Analysis,
) {
  const before = an.findings.length;
  const off = scripts.flatMap(protectionsEditedOff);
  if (off.length)
    an.destroysSafetyNet(
      `${tool} rewrites ${clip(files.join(" ") || "its input")} switching a protection off (${clip(off.join(", "))})`,
      "deletion-protection:disable",
    );
  for (const file of files) an.written.edit(literal(file), tool);
  const rewritten = files.filter((a) => isDataFile(a) || isBackupPath(a));
  if (rewritten.length)
    an.destroys(`${tool} rewrites ${clip(rewritten.join(" "))} in place`, "file:overwrite");
  return an.findings.length > before;
}

const YQ_VALUES = flagSet(
  "-o",
  "--output-format",
  "-p",
  "--input-format",
  "-I",
  "--indent",
  "--expression",
  "--front-matter",
  "--arg",
  "--argjson",
);

/** yq prints unless told to edit in place (-i, --inplace, --in-place): `yq -i '.spec.deletionProtection = false' db.yaml`. */
function yq(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: YQ_VALUES });
  if (!parsed.has("-i", "--inplace", "--in-place")) return;
  const positionals = /^(e|eval|ea|eval-all)$/.test(parsed.positionals[0] ?? "")
    ? parsed.positionals.slice(1)
    : parsed.positionals;
  const expression = parsed.value("--expression");
  const [scripts, files] = expression
    ? [[expression], positionals]
    : [positionals.slice(0, 1), positionals.slice(1)];
  if (!analyzeInPlaceEdit("yq -i", scripts, files, an)) an.harmless("yq -i edits files in place");
}

export const fileCommands: CommandTable = {
  sed,
  yq,
  rm,
  unlink: rm,
  srm: rm,
  rimraf: packageRemover,
  del: packageRemover,
  "del-cli": packageRemover,
  "rm-cli": packageRemover,
  trash: (inv, an) => an.harmless(`${inv.name} moves files to the trash, where they can be restored`),
  // trash-cli's: what the trash held (older than the days given, if any) is deleted for good.
  "trash-empty": (inv, an) =>
    inv.args.some((a) => a === "--dry-run")
      ? an.harmless("trash-empty --dry-run only lists what it would delete")
      : an.destroys("trash-empty deletes what the trash holds for good", "file:delete"),
  shred,
  wipe: shred,
  scrub,
  dd,
  dcfldd: dd,
  sg_dd: dd,
  dc3dd: ddCopy(["of", "ofs", "hof", "hofs", "wipe", "hwipe"]),
  mkfs,
  mke2fs: mkfs,
  mkswap: mkfs,
  mkntfs: mkfs,
  mkdosfs: mkfs,
  mformat: mkfs,
  mkexfatfs: mkfs,
  mkreiserfs: mkfs,
  mkudffs: mkfs,
  newfs: mkfs,
  wipefs,
  sgdisk: diskTool({
    verb: "rewrites the partition table",
    reads:
      /^(?:-[pvbiLOhV?]+|--(?:print|verify|backup|info|list-types|print-mbr|help|version|usage)(?:=.*)?)$/,
  }),
  sfdisk: diskTool({
    verb: "rewrites the partition table",
    reads:
      /^(?:-[dlJVsgFhqo]+|--(?:dump|list|list-free|json|verify|show-size|show-geometry|help|version|quiet|bytes|output|color)(?:=.*)?)$/,
    noAct: /^(?:-[a-zA-Z]*n[a-zA-Z]*|--no-act)$/,
  }),
  parted: (inv, an) => {
    if (inv.args.some((a) => /^(rm|mklabel|mktable|mkpart|resizepart)$/.test(a)))
      an.destroys(`parted ${inv.args.join(" ")} changes partitions`, "disk:overwrite");
  },
  blkdiscard: diskTool({ verb: "discards every block on the device", reads: HELP_OR_VERSION }),
  truncate,
  find,
  rsync,
  crontab,
  tar: archiver,
  zip: archiver,
  "7z": archiver,
  "7za": archiver,
  "7zr": archiver,
  "7zz": archiver,
  rar: archiver,
  fd,
  fdfind: fd,
  cp: copyOrMove,
  mv: copyOrMove,
  install: copyOrMove,
  ln: link,
  tee,
};
