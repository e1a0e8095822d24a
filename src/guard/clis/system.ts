// The host itself: firewalls and MAC switched off, audit daemons stopped, logs vacuumed, volumes, pools and backup
// repositories destroyed.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, stdinText } from "../command.ts";
import { normalizePath } from "../paths.ts";
import { isLiveData } from "./files.ts";
import { frameworkCommands } from "./frameworks.ts";
import { leadingWords, withSubcommandWords } from "./unjudged-words.ts";

const AUDIT_SERVICES =
  /^(auditd|rsyslog|syslog|syslog-ng|systemd-journald|journald|falco|osqueryd|wazuh-agent|auditbeat)(\.service)?$/;

/** Services that keep intruders out or contain them: firewalls, mandatory access control, intrusion prevention. */
const PROTECTION_SERVICES =
  /^(ufw|firewalld|nftables|iptables|ip6tables|netfilter-persistent|apparmor|fail2ban|crowdsec|sshguard|clamav-daemon|clamd)(\.service)?$/;

/**
 * iptables and ip6tables: rules flushed (-F) or deleted (-D), chains deleted (-X), a default policy that lets
 * everything through (-P INPUT ACCEPT). Their other words are chains and targets (`-j DROP` adds a rule).
 */
function iptables(inv: Invocation, an: Analysis): void {
  const opened = inv.args.some(
    (a, i) => (a === "-P" || a === "--policy") && /^ACCEPT$/i.test(inv.args[i + 2] ?? ""),
  );
  const removed = inv.args.find((a) => /^(-F|--flush|-X|--delete-chain|-D|--delete)$/.test(a));
  if (removed)
    an.destroys(
      `${inv.name} ${removed} ${/^-(F|-flush)$/.test(removed) ? "flushes the firewall rules" : "deletes firewall rules or chains"}`,
      "firewall:disable",
    );
  else if (opened) an.destroys(`${inv.name} -P … ACCEPT lets through what no rule stops`, "firewall:disable");
  else an.harmless(`${inv.name} flushes, deletes and opens nothing`);
}

/** nft: `flush ruleset`, `flush table|chain`, `delete|destroy table|chain|rule|set`. */
function nft(inv: Invocation, an: Analysis): void {
  const verb = inv.args.find((a) => !a.startsWith("-"));
  if (verb === "flush" || verb === "delete" || verb === "destroy")
    an.destroys(
      `nft ${verb} ${inv.args[inv.args.indexOf(verb) + 1] ?? ""} removes firewall rules`.trim(),
      "firewall:disable",
    );
}

/** ufw: switched off, reset, rules deleted, or a default policy that allows what no rule denies. */
function ufw(inv: Invocation, an: Analysis): void {
  const [verb, ...rest] = inv.args.filter((a) => !a.startsWith("-"));
  if (verb === "disable" || verb === "reset" || verb === "delete")
    an.destroys(
      `ufw ${verb} ${verb === "delete" ? "removes a firewall rule" : "turns the firewall off"}`,
      "firewall:disable",
    );
  else if (verb === "default" && rest[0] === "allow")
    an.destroys("ufw default allow lets through what no rule denies", "firewall:disable");
}

/**
 * Units that take the backups or snapshots a recovery needs: named for it (`backup.timer`, `db-snapshot.service`) or
 * for a backup tool (`borgmatic.timer`, `pgbackrest-full@main.service`, `sanoid.timer`).
 */
const BACKUP_UNITS =
  /^[\w@.-]*?(?:backups?|snapshots?|restic|borg|borgmatic|pgbackrest|barman|wal-g|walg|sanoid|zfs-auto-snapshot|autorestic|duplicity|duplicati|bacula|bareos|kopia|velero|timeshift|snapper-timeline|rsnapshot|automysqlbackup|pg_dump|mysqldump|mongodump)[\w@.-]*$/i;

/** systemctl clean's kinds that hold a service's data or logs (the default, cache and runtime, are regenerable). */
const KEPT_STATE = /(^|,)(state|logs|configuration|fdstore|all)(,|$)/;

function serviceControl(inv: Invocation, an: Analysis): void {
  const verbIndex = inv.args.findIndex((a) => /^(stop|disable|mask|kill)$/.test(a));
  const units = verbIndex >= 0 ? inv.args.slice(verbIndex + 1).filter((a) => !a.startsWith("-")) : [];
  const serviceForm = inv.name === "service" && /^(stop)$/.test(inv.args[1] ?? "") ? [inv.args[0] ?? ""] : [];
  for (const unit of [...units, ...serviceForm]) {
    if (AUDIT_SERVICES.test(unit))
      an.destroysSafetyNet(`${inv.name} stops the audit/log service ${unit}`, "audit-log:disable");
    else if (PROTECTION_SERVICES.test(unit))
      an.destroys(`${inv.name} stops the protection service ${unit}`, "firewall:disable");
    else if (BACKUP_UNITS.test(unit))
      an.destroysSafetyNet(`${inv.name} stops the backups ${unit} takes`, "backup:disable");
  }
  const verb = inv.args.find((a) => !a.startsWith("-"));
  if (inv.name !== "systemctl") return;
  if (verb === "clean") {
    const what = inv.args.flatMap((a, i) =>
      a.startsWith("--what=") ? [a.slice(7)] : a === "--what" ? [inv.args[i + 1] ?? ""] : [],
    );
    if (what.some((w) => KEPT_STATE.test(w)))
      an.destroys(`systemctl clean --what=${what.join(",")} deletes the service's kept data`, "file:delete");
  } else if (verb === "reset-failed") an.harmless("systemctl reset-failed only clears failure records");
}

/**
 * restic's and borg's `-n`/`--dry-run` (alone or among flags that take no value: `-vn`, `--list -n`) print what a
 * forget, prune, delete or recreate would remove and remove nothing; after `--` come operands.
 */
const BACKUP_DRY_RUN = /^(?:--dry-run|-[vspn]*n[vspn]*)$/;
const backupDryRun = (inv: Invocation) => leadingWords(inv.args).find((a) => BACKUP_DRY_RUN.test(a));

const resticDeletes = (inv: Invocation, an: Analysis) => {
  const dryRun = backupDryRun(inv);
  if (dryRun) {
    an.harmless(`${inv.name} ${dryRun} only prints what it would forget or prune`);
    return;
  }
  const text = inv.args.join(" ");
  // `rewrite --forget` and `repair snapshots --forget` replace snapshots and forget the originals.
  if (
    /(^|\s)(forget|prune)(\s|$)/.test(text) ||
    (/(^|\s)(rewrite|repair)(\s|$)/.test(text) && inv.args.includes("--forget"))
  )
    an.destroysSafetyNet(`${inv.name} deletes backup snapshots`, "backup:delete");
};

const destroysWith =
  (pattern: RegExp, reason: string, actionName: string, safetyNet = false) =>
  (inv: Invocation, an: Analysis): void => {
    if (!pattern.test(inv.args.join(" "))) return;
    if (safetyNet) an.destroysSafetyNet(`${inv.name} ${reason}`, actionName);
    else an.destroys(`${inv.name} ${reason}`, actionName);
  };

/** diskutil: erase, zero, partition and reformat verbs destroy a disk; list and info only read. */
function diskutil(inv: Invocation, an: Analysis): void {
  const verb = inv.args.find((a) => !a.startsWith("-"))?.toLowerCase() ?? "";
  if (
    /^(erase|zero|secureerase|randomdisk|reformat|partitiondisk|splitpartition|mergepartitions|apfs)/.test(
      verb,
    )
  ) {
    const apfs = verb === "apfs" ? (inv.args[1] ?? "").toLowerCase() : "";
    if (verb !== "apfs" || /^(delete|erase)/.test(apfs))
      an.destroys(`diskutil ${verb}${apfs ? ` ${apfs}` : ""} erases a disk or volume`, "disk:format");
  }
}

/** cryptsetup verbs that destroy keys or headers (the data becomes unreadable) or format the device. */
const CRYPTSETUP_DESTROYS: Record<string, string> = {
  luksformat: "formats the device, destroying what it holds",
  erase: "destroys every key slot, making the data unrecoverable",
  lukserase: "destroys every key slot, making the data unrecoverable",
  lukskillslot: "destroys a key slot; without another key the data is unrecoverable",
  luksremovekey: "destroys a key; without another one the data is unrecoverable",
  luksheaderrestore: "writes a saved header over the device's, replacing its keys",
};

function cryptsetup(inv: Invocation, an: Analysis): void {
  for (const arg of inv.args) {
    const reason = CRYPTSETUP_DESTROYS[arg.toLowerCase()];
    if (reason) an.destroys(`cryptsetup ${arg} ${reason}`, "disk:overwrite");
  }
}

/** zfs: datasets and snapshots destroyed, a rollback, a receive forced over the dataset (-F rolls it back first). */
function zfs(inv: Invocation, an: Analysis): void {
  const verb = inv.args[0];
  // destroy's and receive's -n (in a cluster: `-nv`, `-nvr`) is a dry run: it reports what would go and keeps it.
  if (
    (verb === "destroy" || verb === "receive" || verb === "recv") &&
    leadingWords(inv.args).some((a) => /^-[a-zA-Z]*n/.test(a))
  ) {
    an.harmless(`zfs ${verb} -n only reports what it would do`);
    return;
  }
  if (verb === "destroy") {
    const target = inv.args
      .filter((a) => !a.startsWith("-"))
      .slice(1)
      .join(" ");
    if (target.includes("@"))
      an.destroysSafetyNet(`zfs destroy deletes the snapshot ${target}`, "snapshot:delete");
    else an.destroys(`zfs destroy deletes the dataset ${target}`, "volume:delete");
  } else if (verb === "rollback")
    an.destroys("zfs rollback discards everything written since the snapshot", "volume:overwrite");
  else if ((verb === "receive" || verb === "recv") && inv.args.some((a) => /^-[a-zA-Z]*F/.test(a)))
    an.destroys(
      `zfs ${verb} -F rolls the dataset back and destroys snapshots the stream does not have`,
      "volume:overwrite",
    );
}

/** zpool: pools destroyed, labels cleared, and devices forced (-f) into a pool over whatever they held. */
function zpool(inv: Invocation, an: Analysis): void {
  const verb = inv.args[0] ?? "";
  if (verb === "destroy" || verb === "labelclear")
    an.destroys(`zpool ${verb} destroys a storage pool`, "volume:delete");
  else if (/^(create|add|attach|replace)$/.test(verb) && inv.args.some((a) => /^-[a-zA-Z]*f/.test(a)))
    an.destroys(`zpool ${verb} -f writes over whatever the devices held`, "disk:format");
}

/** btrfs: subvolumes deleted, and the rescue and repair modes that rewrite a filesystem's metadata. */
function btrfs(inv: Invocation, an: Analysis): void {
  const text = inv.args.join(" ");
  if (/subvolume\s+delete/.test(text))
    an.destroys("btrfs deletes subvolumes (and snapshots)", "volume:delete");
  else if (/device\s+add\b/.test(text) && inv.args.some((a) => a === "--force" || /^-[a-zA-Z]*f/.test(a)))
    an.destroys("btrfs device add -f writes over the filesystem the device held", "disk:format");
  else if (
    /rescue\s+(zero-log|chunk-recover|super-recover)|check\b.*\s--(repair|init-csum-tree|init-extent-tree)\b/.test(
      text,
    )
  )
    an.destroys("btrfs rewrites the filesystem's metadata, which can lose data", "disk:overwrite");
}

/** Velero: backups, schedules and backup locations deleted or paused, Velero removed, restores over live resources. */
function velero(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet("-n", "--namespace", "--kubeconfig", "--kubecontext", "--features"),
  });
  const [group = "", verb] = parsed.positionals;
  if (verb === "delete" && /^(backups?|schedules?|backup-locations?|snapshot-locations?)$/.test(group))
    an.destroysSafetyNet(`velero ${group} delete deletes backups or what takes them`, "backup:delete");
  else if (/^schedules?$/.test(group) && verb === "pause")
    an.destroysSafetyNet("velero schedule pause stops the scheduled backups", "backup:disable");
  else if (group === "uninstall")
    an.destroysSafetyNet(
      "velero uninstall removes Velero with its schedules and backup records",
      "backup:disable",
    );
  else if (
    group === "restore" &&
    inv.args.some(
      (a, i) =>
        /^--existing-resource-policy(=update)?$/.test(a) &&
        (a.endsWith("=update") || inv.args[i + 1] === "update"),
    )
  )
    // Velero leaves resources that already exist alone unless told to update them.
    an.destroys(
      "velero restore --existing-resource-policy=update overwrites the cluster's current resources with the backup's",
      "resource:replace",
    );
}

/** restic's commands; any other word is an option's value or an argument. */
const RESTIC_COMMANDS = new Set(
  (
    "backup cache cat check copy diff dump find forget generate help init key list ls migrate mount prune recover " +
    "repair restore rewrite self-update snapshots stats tag unlock version"
  ).split(" "),
);
const RESTIC_GROUPS = new Set(["key", "repair", "cache", "list"]);

function restic(inv: Invocation, an: Analysis): void {
  resticDeletes(inv, an);
  // `restore --target DIR` writes the snapshot's files over what DIR holds now.
  if (!inv.args.includes("restore") || inv.args.includes("--dry-run")) return;
  const at = inv.args.findIndex((a) => a === "--target" || a === "-t");
  const target = at >= 0 ? inv.args[at + 1] : inv.args.find((a) => a.startsWith("--target="))?.slice(9);
  if (target && (normalizePath(target) === "/" || isLiveData(normalizePath(target))))
    an.destroys(`restic restore writes a snapshot over the current files in ${target}`, "database:overwrite");
}

/** gitlab-rake: a backup restore, gitlab:setup (which reseeds the database), cleanups, and Rails' db: tasks. */
function gitlabRake(inv: Invocation, an: Analysis): void {
  const tasks = inv.args.filter((a) => /^[\w-]+:[\w:-]+/.test(a));
  const dryRun = inv.args
    .find((a) => /^DRY_RUN=/.test(a))
    ?.slice(8)
    .toLowerCase();
  for (const task of tasks) {
    if (/^gitlab:backup:restore\b/.test(task))
      an.destroys(
        "gitlab:backup:restore overwrites GitLab's database and repositories with the backup",
        "database:overwrite",
      );
    else if (/^gitlab:setup\b/.test(task))
      an.destroys("gitlab:setup drops GitLab's database and seeds a new one", "database:reset");
    else if (/^gitlab:cleanup:/.test(task)) {
      if (dryRun === "true") an.harmless(`${task} DRY_RUN=true only lists what it would delete`);
      else if (dryRun === "false")
        an.destroys(`${task} DRY_RUN=false deletes files or records`, "file:delete");
      else an.uncertain(`${task} may delete files or records`, true, "file:delete");
    }
  }
  frameworkCommands.rake!(inv, an);
}

/**
 * launchctl: a job unloaded, booted out, disabled or removed that takes backups (`com.example.backup`,
 * `com.apple.backupd-auto`) or keeps the audit trail (`com.apple.auditd`).
 */
function launchctl(inv: Invocation, an: Analysis): void {
  const [verb = "", ...rest] = inv.args.filter((a) => !a.startsWith("-"));
  if (!/^(?:unload|bootout|disable|remove|stop|kill)$/.test(verb)) return;
  for (const job of rest) {
    const name = job.replace(/^.*\//, "").replace(/\.plist$/, "");
    if (/backup|snapshot|timemachine|\b(?:restic|borg|arq|kopia)\b/i.test(name))
      an.destroysSafetyNet(`launchctl ${verb} stops the backups ${name} takes`, "backup:disable");
    else if (/(?:^|\.)auditd?$|syslogd$/i.test(name))
      an.destroysSafetyNet(`launchctl ${verb} stops the audit/log service ${name}`, "audit-log:disable");
  }
}

/** wevtutil: an event log cleared (`cl`, `clear-log`) or switched off (`sl … /e:false`). */
function wevtutil(inv: Invocation, an: Analysis): void {
  const verb = (inv.args[0] ?? "").toLowerCase();
  if (verb === "cl" || verb === "clear-log")
    an.destroysSafetyNet(
      `wevtutil ${verb} ${inv.args[1] ?? ""} deletes an event log`.trim(),
      "audit-log:delete",
    );
  else if (
    (verb === "sl" || verb === "set-log") &&
    inv.args.some((a) => /^\/e(?:nabled)?:(?:false|0)$/i.test(a))
  )
    an.destroysSafetyNet(`wevtutil ${verb} switches an event log off`, "audit-log:disable");
}

/** netsh: the Windows firewall turned off, reset to its defaults (its rules gone) or rules deleted. */
function netsh(inv: Invocation, an: Analysis): void {
  const text = inv.args.join(" ").toLowerCase();
  if (
    /\badvfirewall\s+set\s+\S+\s+state\s+off\b/.test(text) ||
    /\bfirewall\s+set\s+opmode\s+(?:mode\s*=\s*)?disable/.test(text)
  )
    an.destroys("netsh turns the Windows firewall off", "firewall:disable");
  else if (/\badvfirewall\s+reset\b/.test(text))
    an.destroys(
      "netsh advfirewall reset removes every firewall rule added since installation",
      "firewall:disable",
    );
  else if (/\b(?:advfirewall\s+)?firewall\s+delete\s+(?:rule|allowedprogram|portopening)\b/.test(text))
    an.destroys("netsh deletes firewall rules", "firewall:disable");
}

/** auditpol: the audit policy cleared or removed, or categories set to audit nothing. */
function auditpol(inv: Invocation, an: Analysis): void {
  const text = inv.args.join(" ").toLowerCase();
  if (/(?:^|\s)\/(?:clear|remove)\b/.test(text) || /\/(?:success|failure):disable\b/.test(text))
    an.destroysSafetyNet("auditpol clears or switches off the audit policy", "audit-log:disable");
}

/** bcdedit: Windows recovery switched off, or boot failures ignored, so a damaged system cannot be repaired. */
function bcdedit(inv: Invocation, an: Analysis): void {
  const text = inv.args.join(" ").toLowerCase();
  if (
    /\brecoveryenabled\s+(?:no|off|false|0)\b/.test(text) ||
    /\bbootstatuspolicy\s+ignoreallfailures\b/.test(text)
  )
    an.destroysSafetyNet("bcdedit switches Windows recovery off", "backup:disable");
  else if (/(?:^|\s)\/delete(?:\s|$)/.test(text))
    an.destroys("bcdedit deletes a boot entry", "disk:overwrite");
}

/** ldapdelete removes directory entries (`-r`: whole subtrees); `-n` only shows what it would do. */
function ldapdelete(inv: Invocation, an: Analysis): void {
  if (inv.args.some((a) => /^-[a-zA-Z]*n[a-zA-Z]*$/.test(a))) {
    an.harmless("ldapdelete -n only shows what it would delete");
    return;
  }
  const subtree = inv.args.some((a) => /^-[a-zA-Z]*r[a-zA-Z]*$/.test(a));
  an.destroys(
    `ldapdelete deletes directory entries${subtree ? " and everything below them" : ""}`,
    "ldap:delete",
  );
}

/** ldapmodify and ldapadd given LDIF on stdin: entries deleted (`changetype: delete`) or attributes removed. */
function ldapmodify(inv: Invocation, an: Analysis): void {
  const file = inv.args.flatMap((a, i) =>
    a === "-f" ? [inv.args[i + 1] ?? ""] : a.startsWith("-f") && a.length > 2 ? [a.slice(2)] : [],
  )[0];
  if (file !== undefined) {
    // The LDIF is a file the guard does not read: asked about, and destructive when its name says so.
    an.uncertain(
      `${inv.name} applies the changes in ${file}, which the guard cannot read`,
      /delete|remove|purge|drop|wipe/i.test(file),
      "ldap:modify",
    );
    return;
  }
  const text = stdinText(inv);
  if (text === null) return;
  if (/^changetype:\s*delete\s*$/im.test(text))
    an.destroys(`${inv.name} deletes directory entries`, "ldap:delete");
  else if (/^delete:\s*\S+/im.test(text))
    an.destroys(`${inv.name} removes attributes from directory entries`, "ldap:delete");
}

/** postsuper -d deletes queued mail (`ALL`: every message in the queue); -p and -s only tidy. */
function postsuper(inv: Invocation, an: Analysis): void {
  const at = inv.args.findIndex((a) => /^-[a-zA-Z]*d$/.test(a));
  if (at >= 0)
    an.destroys(`postsuper -d ${inv.args[at + 1] ?? ""} deletes queued mail`.trim(), "mail:delete");
}

/** Puppet resources set absent: `puppet resource file /srv ensure=absent`, `puppet apply -e "… ensure => absent"`. */
function puppet(inv: Invocation, an: Analysis): void {
  const [sub, type = "", name = ""] = inv.args.filter((a) => !a.startsWith("-"));
  const text = inv.args.join(" ");
  if (inv.args.includes("--noop")) {
    an.harmless("puppet --noop only reports what it would change");
    return;
  }
  if (sub === "resource" && inv.args.some((a) => /^ensure=(?:absent|purged)$/.test(a)))
    an.destroys(
      `puppet resource ${type} ${name} ensure=absent removes it`.replace(/\s+/g, " "),
      "file:delete",
    );
  else if (sub === "apply" && /ensure\s*=>\s*['"]?(?:absent|purged)\b|purge\s*=>\s*true/.test(text))
    an.destroys("puppet apply removes what its manifest sets absent or purges", "file:delete");
}

/** vssadmin and wmic: Windows' volume shadow copies deleted, or their storage shrunk until they are. */
function shadowCopies(inv: Invocation, an: Analysis): void {
  const text = inv.args.join(" ").toLowerCase();
  if (/\bdelete\s+shadows\b|\bshadowcopy\b.*\bdelete\b|\bresize\s+shadowstorage\b/.test(text))
    an.destroysSafetyNet(`${inv.name} deletes volume shadow copies`, "snapshot:delete");
}

/** wbadmin: backups, their catalog or system state backups deleted. */
function wbadmin(inv: Invocation, an: Analysis): void {
  const [verb = "", what = ""] = inv.args.map((a) => a.toLowerCase());
  if (verb === "delete" && /^(?:catalog|backup|systemstatebackup)$/.test(what))
    an.destroysSafetyNet(`wbadmin delete ${what} deletes Windows backups`, "backup:delete");
}

export const systemCommands: CommandTable = {
  ldapdelete,
  ldapmodify,
  ldapadd: ldapmodify,
  postsuper,
  puppet,
  vssadmin: shadowCopies,
  wmic: shadowCopies,
  wbadmin,
  launchctl,
  wevtutil,
  netsh,
  auditpol,
  bcdedit,
  diskutil,
  spctl: destroysWith(
    /--master-disable|--global-disable|--disable|kext-consent\s+disable/,
    "switches macOS Gatekeeper assessment off",
    "firewall:disable",
  ),
  csrutil: destroysWith(
    /(^|\s)disable\b|--without\b/,
    "switches System Integrity Protection off",
    "firewall:disable",
  ),
  iptables,
  ip6tables: iptables,
  nft,
  ufw,
  setenforce: destroysWith(/^(0|permissive)$/i, "switches SELinux enforcement off", "selinux:disable"),
  auditctl: destroysWith(
    /(^|\s)(-D|-d|-W|-e\s*0)(\s|$)/,
    "deletes or disables the audit rules",
    "audit-log:disable",
    true,
  ),
  // `systemctl VERB UNIT…`, `service UNIT ACTION`: the units are names.
  systemctl: withSubcommandWords(serviceControl, (inv) =>
    inv.args.filter((a) => !a.startsWith("-")).slice(0, 1),
  ),
  service: withSubcommandWords(serviceControl, (inv) =>
    inv.args.filter((a) => !a.startsWith("-")).slice(1, 2),
  ),
  // journalctl has no subcommands: its words are units, fields and times.
  journalctl: withSubcommandWords(
    destroysWith(/--vacuum-(size|time|files)|--rotate.*--vacuum/, "deletes journal logs", "log:delete"),
    () => [],
  ),
  history: destroysWith(/(^|\s)-[a-z]*[cd]/, "erases shell history", "history:delete"),
  chattr: destroysWith(
    /(^|\s)-[a-zA-Z]*[ia]/,
    "removes the immutable/append-only protection",
    "file:unprotect",
  ),
  userdel: destroysWith(
    /(^|\s)(-r|--remove)(\s|$)/,
    "deletes the user and their home directory",
    "user:delete",
  ),
  deluser: destroysWith(/--remove-(home|all-files)/, "deletes the user's files", "user:delete"),
  zfs,
  zpool,
  btrfs,
  mdadm: destroysWith(
    /--zero-superblock|(^|\s)(--create|-C|--build|-B)(\s|$)/,
    "erases RAID metadata or writes new metadata over the member devices",
    "disk:overwrite",
  ),
  cryptsetup,
  restic: withSubcommandWords(restic, (inv) => {
    // The command is the first of restic's own words; before it stand global options' values (`-r repo`).
    const at = inv.args.findIndex((a) => RESTIC_COMMANDS.has(a));
    return at < 0
      ? leadingWords(inv.args)
      : inv.args.slice(at, RESTIC_GROUPS.has(inv.args[at]!) ? at + 2 : at + 1);
  }),
  "gitlab-backup": (inv, an) => {
    if (inv.args[0] === "restore")
      an.destroys(
        "gitlab-backup restore overwrites GitLab's database and repositories with the backup",
        "database:overwrite",
      );
  },
  "gitlab-rake": gitlabRake,
  velero,
  borg: (inv, an) => {
    const dryRun = backupDryRun(inv);
    if (dryRun) an.harmless(`borg ${dryRun} only prints what it would delete or rewrite`);
    else
      destroysWith(
        /(^|\s)(delete|rdelete|repo-delete|prune|compact|recreate)(\s|$)/,
        "deletes backup archives or rewrites them",
        "backup:delete",
        true,
      )(inv, an);
  },
  tmutil: destroysWith(
    /(^|\s)(delete\w*|thinlocalsnapshots|disable\w*|removedestination)(\s|$)/,
    "deletes or disables Time Machine backups",
    "backup:delete",
    true,
  ),
  snapper: (inv, an) => {
    destroysWith(
      /(^|\s)(delete|rm|remove|delete-config|cleanup)(\s|$)/,
      "deletes filesystem snapshots",
      "snapshot:delete",
      true,
    )(inv, an);
    destroysWith(
      /(^|\s)undochange(\s|$)/,
      "writes a snapshot's files over the current ones",
      "file:overwrite",
    )(inv, an);
  },
  timeshift: (inv, an) => {
    destroysWith(/--delete/, "deletes system snapshots", "snapshot:delete", true)(inv, an);
    destroysWith(/--restore/, "writes a snapshot over the system", "volume:overwrite")(inv, an);
  },
  kopia: destroysWith(
    /snapshot\s+(delete|expire|rm)|snapshot\s+gc\b.*--delete|(content|blob|manifest)\s+(delete|rm|remove)|maintenance\s+run\s+--full/,
    "deletes backup snapshots",
    "backup:delete",
    true,
  ),
  // duplicity's remove-* commands only list the backup chains they would delete unless `--force` is given.
  duplicity: (inv, an) => {
    const removes = /(^|\s)remove-(older-than|all-but-n-full|all-inc-of-but-n-full)(\s|$)/.test(
      inv.args.join(" "),
    );
    if (!removes) return;
    if (inv.args.includes("--force") && !inv.args.includes("--dry-run"))
      an.destroysSafetyNet("duplicity --force deletes old backups", "backup:delete");
    else an.harmless("duplicity without --force only lists the backups it would delete");
  },
};
