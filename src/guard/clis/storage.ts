// Volumes and devices below the filesystem: LVM, NVMe and SCSI commands, disk wipers, imagers, firmware writers and
// partition editors fed a script, whose names or options destroy data without a destructive-sounding word.
import type { Analysis } from "../analysis.ts";
import { flagSet, type ParsedArgs, parseArgs } from "../args.ts";
import { type CommandAnalyzer, type CommandTable, type Invocation, stdinText } from "../command.ts";
import { isBackupPath } from "../safety-net-paths.ts";
import { literal } from "../word.ts";
import { analyzeWriteTarget } from "./files.ts";
import { dryRunFlag, withSubcommandWords } from "./unjudged-words.ts";

const HELP_OR_VERSION = /^(?:-h|--help|-V|--version|-\?)$/;

/** Only asks for help or the version, or has no arguments at all. */
const onlyHelp = (inv: Invocation): boolean => inv.args.every((a) => HELP_OR_VERSION.test(a));

/** The LVM options that take a value, across its commands; any other option is a switch. */
const LVM_VALUE_FLAGS = flagSet(
  ..."-L --size -l --extents -n --name --type --config --commandprofile --profile -S --select".split(" "),
  ..."--poolmetadatasize -A --autobackup -i --stripes -I --stripesize -m --mirrors -R --regionsize".split(
    " ",
  ),
  "--reportformat",
  "--driverloaded",
);

/** LVM's `-t`/`--test`: every LVM command then runs without writing its metadata. */
const LVM_TEST = /^(?:-t|--test)$/;

/**
 * The sizes an LVM call is given (`-L 1G`, `-L-1G`, `--size=+10G`, `-l 50%VG`): a leading `-` shrinks, a leading `+`
 * grows, and an absolute size shrinks the volume whenever it is smaller than it is now.
 */
function lvmSizes(parsed: ParsedArgs): string[] {
  return parsed.values("-L", "--size", "-l", "--extents");
}

function volumes(parsed: ParsedArgs): string {
  return parsed.positionals.join(" ");
}

/** One LVM command, by its own name (`lvreduce`) or as `lvm lvreduce`. */
function lvmCommand(command: string, args: readonly string[], an: Analysis): void {
  const parsed = parseArgs(args, { valueFlags: LVM_VALUE_FLAGS });
  const test = args.find((a) => LVM_TEST.test(a));
  const judged = (destroys: () => void) => {
    if (test) an.harmless(`${command} ${test} changes nothing on disk`);
    else destroys();
  };
  switch (command) {
    case "lvremove":
      judged(() =>
        an.destroys(`lvremove deletes logical volumes ${volumes(parsed)}`.trim(), "volume:delete"),
      );
      return;
    case "vgremove":
      judged(() =>
        an.destroys(
          `vgremove deletes the volume group ${volumes(parsed)} and its volumes`.trim(),
          "volume:delete",
        ),
      );
      return;
    case "pvremove":
      judged(() => an.destroys("pvremove wipes a physical volume label", "volume:delete"));
      return;
    case "pvcreate":
      judged(() =>
        an.destroys(
          `pvcreate writes an LVM label over ${volumes(parsed) || "the device"}, as a format does`,
          "disk:format",
        ),
      );
      return;
    case "lvreduce":
      judged(() =>
        an.destroys(
          `lvreduce shrinks ${volumes(parsed) || "the volume"}, discarding the data past its new end`,
          "volume:truncate",
        ),
      );
      return;
    case "lvresize": {
      const sizes = lvmSizes(parsed);
      if (sizes.length === 0 || sizes.every((s) => s.startsWith("+"))) return;
      const shrinks = sizes.some((s) => s.startsWith("-"));
      judged(() => {
        const reason = `lvresize ${shrinks ? "shrinks" : "sets the size of"} ${volumes(parsed) || "the volume"}`;
        if (shrinks) an.destroys(`${reason}, discarding the data past its new end`, "volume:truncate");
        else
          an.uncertain(
            `${reason} to ${sizes.join(", ")}: smaller than it is now, the data past the new end is lost`,
            true,
            "volume:truncate",
          );
      });
      return;
    }
    case "lvconvert": {
      const merge = args.find((a) => /^--merge/.test(a));
      if (merge)
        judged(() =>
          an.destroys(
            `lvconvert ${merge} folds an image or snapshot back into its origin, discarding what was written since`,
            "volume:overwrite",
          ),
        );
      return;
    }
    case "vgcreate":
    case "vgextend": {
      // Each device becomes a physical volume; forced or answered yes, LVM wipes the filesystem or label it finds.
      const devices = parsed.positionals.slice(1);
      if (devices.length && parsed.has("-f", "--force", "-y", "--yes"))
        judged(() =>
          an.destroys(
            `${command} ${parsed.has("-f", "--force") ? "--force" : "--yes"} wipes what ${devices.join(" ")} held to make physical volumes of them`,
            "disk:format",
          ),
        );
      return;
    }
    case "vgreduce":
      if (parsed.has("--removemissing") && parsed.has("-f", "--force"))
        judged(() =>
          an.destroys(
            "vgreduce --removemissing --force deletes the volumes that used the missing devices",
            "volume:delete",
          ),
        );
      return;
  }
}

/** LVM's commands that can lose data; the others (lvs, lvcreate, lvextend, vgchange…) are judged by their words. */
const LVM_COMMANDS = [
  "lvremove",
  "vgremove",
  "pvremove",
  "pvcreate",
  "lvreduce",
  "lvresize",
  "lvconvert",
  "vgreduce",
  "vgcreate",
  "vgextend",
];

/**
 * `lvm COMMAND …` runs COMMAND; `lvm` alone reads commands from stdin, one a line, judged as typed and asked about
 * when the guard cannot read them.
 */
function lvm(inv: Invocation, an: Analysis): void {
  if (inv.args.length) {
    inv.run(inv.argv.slice(1));
    return;
  }
  const text = stdinText(inv);
  if (text === null) {
    if (inv.piped)
      an.uncertain(`lvm runs commands from stdin the guard cannot read (${inv.stdinHint})`, true);
    return;
  }
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length && !words[0]!.startsWith("#"))
      inv.run(words.map(literal), { stdin: null, piped: false });
  }
}

/** debugfs requests that write the filesystem they open: delete, free, clear or rewrite inodes, blocks and entries. */
const DEBUGFS_WRITES =
  /^(?:rm|unlink|kill_file|clri|freei|freeb|freefrag|setb|seti|zap_block|zap|punch|truncate|write|mkdir|rmdir|ln|link|mknod|symlink|set_inode_field|sif|set_super_value|ssv|set_bg|set_block_group|copy_inode|fallocate|expand_dir|expand|dirty|set_mmp_value|smmp|journal_write|jw|journal_run|jr|undel|undelete|ea_set|ea_rm|inode_align|htree_dump_fix)$/;

/**
 * debugfs: read-only unless `-w`; then the requests it is given (`-R request`, or a file of them with `-f`, or
 * stdin) are judged, and those that write can corrupt or delete what the filesystem holds.
 */
function debugfs(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-R", "-f", "-b", "-s", "-d", "-z", "-D") });
  if (!parsed.has("-w")) return;
  const requests = [...parsed.values("-R")];
  const file = parsed.value("-f");
  if (requests.length === 0) {
    const text = file === "-" || file === undefined ? stdinText(inv) : null;
    if (text === null) {
      an.uncertain(
        `debugfs -w runs requests the guard cannot read (${file ?? "stdin"}) on ${parsed.positionals[0] ?? "a filesystem"}`,
        true,
        "disk:overwrite",
      );
      return;
    }
    requests.push(...text.split("\n"));
  }
  const writes = requests.map((r) => r.trim().split(/\s+/)[0] ?? "").filter((r) => DEBUGFS_WRITES.test(r));
  if (writes.length)
    an.destroys(
      `debugfs -w ${writes.join(", ")} writes ${parsed.positionals[0] ?? "the filesystem"} directly, bypassing its checks`,
      "disk:overwrite",
    );
}

/** MinIO's client's commands; `mc` without one is Midnight Commander, a file manager. */
const MINIO_COMMANDS =
  /^(?:alias|ls|mb|rb|cp|mv|rm|mirror|cat|head|pipe|find|du|stat|tree|diff|version|retention|legalhold|ilm|anonymous|policy|encrypt|event|replicate|tag|undo|admin|share|od|ready|ping|batch|quota|sql|support|license|idp|watch)$/;

/**
 * mc (MinIO): versioning suspended, retention or legal holds cleared, objects expired within a day, a bucket opened
 * to anonymous users, a mirror that removes or overwrites at the destination. rm and rb are judged by their words.
 */
function minioClient(inv: Invocation, an: Analysis): void {
  const words = inv.args.filter((a) => !a.startsWith("-"));
  const [command = "", sub = "", value = ""] = words;
  if (!MINIO_COMMANDS.test(command)) return;
  // mirror, rm, cp and mv take --dry-run: they list what they would do and do nothing.
  const dryRun = dryRunFlag(inv.args);
  if (dryRun) {
    an.harmless(`mc ${command} ${dryRun} only reports`);
    return;
  }
  const flag = (name: string) =>
    inv.args.flatMap((a, i) =>
      a === name ? [inv.args[i + 1] ?? ""] : a.startsWith(`${name}=`) ? [a.slice(name.length + 1)] : [],
    );
  if (command === "version" && sub === "suspend")
    an.destroysSafetyNet("mc version suspend makes overwrites and deletes permanent", "versioning:disable");
  else if ((command === "retention" || command === "legalhold") && sub === "clear")
    an.destroysSafetyNet(
      `mc ${command} clear lifts the lock that keeps objects from deletion`,
      "object-lock:disable",
    );
  else if (command === "ilm") {
    const days = [
      ...flag("--expire-days"),
      ...flag("--noncurrent-expire-days"),
      ...flag("--noncurrentversion-expiration-days"),
    ];
    if (days.some((d) => /^\d+$/.test(d) && Number(d) <= 1))
      an.destroysSafetyNet(`mc ilm expires objects within a day (${days.join(", ")})`, "backup:delete");
  } else if (
    (command === "anonymous" || command === "policy") &&
    sub === "set" &&
    /^(?:public|download|upload)$/.test(value)
  )
    an.destroys(`mc ${command} set ${value} opens the bucket to anonymous users`, "access:public");
  else if (command === "mirror" && inv.args.some((a) => a === "--remove" || a === "--overwrite"))
    an.destroys(
      "mc mirror --remove or --overwrite deletes or replaces objects at the destination",
      "object:delete",
    );
}

/** resize2fs DEVICE [SIZE]: with a size or -M it may shrink the filesystem, moving data that a cut-short run loses. */
function resize2fs(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-d", "-S", "-z", "-b", "-s") });
  if (parsed.has("-P")) {
    an.harmless("resize2fs -P only prints the minimum size");
    return;
  }
  const size = parsed.positionals[1];
  if (parsed.has("-M"))
    an.destroys("resize2fs -M shrinks the filesystem to its minimum size", "volume:truncate");
  else if (size && !size.startsWith("+"))
    an.uncertain(
      `resize2fs sets ${parsed.positionals[0]}'s size to ${size}: smaller than it is now, it shrinks the filesystem`,
      true,
      "volume:truncate",
    );
}

/** xfs_repair -L zeroes a dirty log: the metadata changes it held are lost, and files with them. */
function xfsRepair(inv: Invocation, an: Analysis): void {
  if (inv.args.includes("-n")) an.harmless("xfs_repair -n only checks");
  else if (inv.args.includes("-L"))
    an.destroys("xfs_repair -L zeroes the log, discarding the metadata changes it holds", "disk:overwrite");
}

/** badblocks -w writes test patterns over the whole device; -n (non-destructive) and the default read-only test keep it. */
function badblocks(inv: Invocation, an: Analysis): void {
  if (inv.args.some((a) => /^-[a-zA-Z]*w/.test(a)))
    an.destroys("badblocks -w writes test patterns over every block of the device", "disk:overwrite");
}

/** NVMe commands that erase, overwrite or deallocate a namespace's blocks. */
const NVME_DESTROYS: Record<string, [string, string]> = {
  format: ["formats the namespace, erasing its data", "disk:format"],
  sanitize: ["sanitizes the device, erasing every namespace's data", "disk:overwrite"],
  "delete-ns": ["deletes the namespace with its data", "volume:delete"],
  "write-zeroes": ["writes zeroes over the blocks", "disk:overwrite"],
  "write-uncor": ["marks the blocks unreadable, losing their data", "disk:overwrite"],
  write: ["writes over the namespace's blocks", "disk:overwrite"],
};

function nvme(inv: Invocation, an: Analysis): void {
  const command = inv.args[0] ?? "";
  const destroys = NVME_DESTROYS[command];
  if (destroys) an.destroys(`nvme ${command} ${destroys[0]}`, destroys[1]);
  else if (command === "dsm" && inv.args.some((a) => /^(?:-d|--ad|--deallocate)$/.test(a)))
    an.destroys("nvme dsm --ad deallocates the blocks, discarding their data", "disk:overwrite");
  else if (command === "admin-passthru" || command === "io-passthru")
    an.uncertain(`nvme ${command} sends a raw command the guard cannot read`, true, "disk:overwrite");
  else if (/-log$|^(?:list|id-|get-|show-)/.test(command))
    an.harmless(`nvme ${command} only reads from the device`);
  else if (command === "reset" || command === "subsystem-reset")
    an.harmless(`nvme ${command} resets the controller, not the data on it`);
}

/** sg3_utils commands that write blocks, erase or format a SCSI device; sg_format only reports without --format. */
function sgWrites(inv: Invocation, an: Analysis): void {
  if (onlyHelp(inv)) return;
  if (inv.name === "sg_format" && !inv.args.some((a) => /^(?:-F|--format)$|^-[a-zA-Z]*F/.test(a))) {
    an.harmless("sg_format without --format only reports the format");
    return;
  }
  an.destroys(`${inv.name} writes over, unmaps or erases the device's blocks`, "disk:overwrite");
}

/** Whole-disk wipers: every call erases the devices it names, or those it finds. */
function diskWiper(inv: Invocation, an: Analysis): void {
  if (onlyHelp(inv)) return;
  const devices = inv.args.filter((a) => !a.startsWith("-")).join(" ");
  an.destroys(`${inv.name} erases ${devices || "every disk it finds"}`, "disk:overwrite");
}

/** sdelete deletes and overwrites files; -c and -z only clean the free space of a drive. */
function sdelete(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-p") });
  const what = parsed.positionals.join(" ");
  if (!what) return;
  if (parsed.has("-c", "-z")) an.harmless(`${inv.name} -c/-z only cleans free space`);
  else if (isBackupPath(what))
    an.destroysSafetyNet(`${inv.name} irrecoverably deletes backups (${what})`, "backup:delete");
  else an.destroys(`${inv.name} irrecoverably deletes ${what}`, "file:delete");
}

/** fallocate's modes that discard a file's bytes: punching a hole, collapsing or zeroing a range. */
function fallocate(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-o", "--offset", "-l", "--length") });
  const mode = parsed.flags.find(([f]) =>
    /^(?:-p|--punch-hole|-c|--collapse-range|-z|--zero-range)$/.test(f),
  )?.[0];
  const file = parsed.positionals.join(" ");
  if (!mode || !file) return;
  if (isBackupPath(file))
    an.destroysSafetyNet(`fallocate ${mode} discards part of the backup ${file}`, "backup:delete");
  else an.destroys(`fallocate ${mode} discards a range of ${file}'s bytes`, "file:overwrite");
}

/** flashrom -w writes and -E erases the chip's firmware; -r reads and -v verifies. */
function flashrom(inv: Invocation, an: Analysis): void {
  const op = inv.args.find((a) => /^(?:-w|--write|-E|--erase)(?:=|$)/.test(a));
  if (op) an.destroys(`flashrom ${op} overwrites the chip's firmware`, "firmware:overwrite");
}

/**
 * Device imagers: what they write is an option's value (partclone's -o, -O; ntfsclone's -o, -O) or an operand
 * (ddrescue's outfile, e2image's destination), judged as a `>` onto it is; devices are overwritten.
 */
function imager(outputs: (inv: Invocation) => readonly string[]): CommandAnalyzer {
  return (inv, an) => {
    for (const target of outputs(inv)) analyzeWriteTarget(literal(target), false, an, inv.name);
  };
}

const partcloneOutputs = (inv: Invocation): string[] =>
  parseArgs(inv.args, {
    valueFlags: flagSet("-o", "--output", "-O", "--overwrite", "-s", "--source", "-L", "--logfile"),
  }).values("-o", "--output", "-O", "--overwrite");

const ntfscloneOutputs = (inv: Invocation): string[] =>
  parseArgs(inv.args, { valueFlags: flagSet("-o", "--output", "-O", "--overwrite") }).values(
    "-o",
    "--output",
    "-O",
    "--overwrite",
  );

const DDRESCUE_VALUE_FLAGS = flagSet(..."-a -b -c -e -E -F -H -i -K -l -m -o -r -s -T -x -Z".split(" "));
const ddrescueOutputs = (inv: Invocation): string[] =>
  parseArgs(inv.args, { valueFlags: DDRESCUE_VALUE_FLAGS }).positionals.slice(1, 2);

/** e2image SOURCE DEST writes DEST; with -I it writes the image's metadata back onto the device SOURCE names. */
function e2image(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-b", "-B", "-o", "-O") });
  const [device, dest] = parsed.positionals;
  if (parsed.has("-I") && device)
    an.destroys(`e2image -I writes saved metadata over ${device}`, "disk:overwrite");
  else if (dest) analyzeWriteTarget(literal(dest), false, an, "e2image");
}

/**
 * fdisk and gdisk read their commands from stdin: a script with `w` writes the new table, one the guard cannot read
 * may. Without stdin they wait for a terminal and change nothing.
 */
function partitionEditor(inv: Invocation, an: Analysis): void {
  if (inv.args.some((a) => /^(?:-l|--list|-L|--list-details)$/.test(a))) return;
  const text = stdinText(inv);
  if (text !== null) {
    if (text.split("\n").some((line) => /^\s*w\s*$/i.test(line)))
      an.destroys(`${inv.name} writes the partition table its script builds`, "disk:overwrite");
    else an.harmless(`${inv.name}'s script never writes (w)`);
  } else if (inv.piped)
    an.uncertain(
      `${inv.name} runs partition commands from stdin the guard cannot read (${inv.stdinHint})`,
      true,
    );
}

export const storageCommands: CommandTable = {
  ...Object.fromEntries(
    LVM_COMMANDS.map((command): [string, CommandAnalyzer] => [
      command,
      (inv, an) => lvmCommand(command, inv.args, an),
    ]),
  ),
  lvm,
  mc: minioClient,
  debugfs,
  resize2fs,
  xfs_repair: xfsRepair,
  badblocks,
  nvme: withSubcommandWords(nvme, (inv) => inv.args.filter((a) => !a.startsWith("-")).slice(0, 2)),
  sg_format: sgWrites,
  sg_sanitize: sgWrites,
  sg_unmap: sgWrites,
  sg_write_same: sgWrites,
  sg_write_long: sgWrites,
  sg_write_verify: sgWrites,
  sg_write_x: sgWrites,
  sg_write_buffer: sgWrites,
  sg_compare_and_write: sgWrites,
  nwipe: diskWiper,
  sdelete,
  sdelete64: sdelete,
  fallocate,
  flashrom,
  partclone: imager(partcloneOutputs),
  ntfsclone: imager(ntfscloneOutputs),
  ddrescue: imager(ddrescueOutputs),
  e2image,
  fdisk: partitionEditor,
  gdisk: partitionEditor,
};
