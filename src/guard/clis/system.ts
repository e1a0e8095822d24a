// The host itself: firewalls and MAC switched off, audit daemons stopped, logs vacuumed, volumes, pools and backup
// repositories destroyed.
import type { Analysis } from "../analysis.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { normalizePath } from "../paths.ts";
import { isLiveData } from "./files.ts";

const AUDIT_SERVICES =
  /^(auditd|rsyslog|syslog|syslog-ng|systemd-journald|journald|falco|osqueryd|wazuh-agent|auditbeat)(\.service)?$/;

function firewall(inv: Invocation, an: Analysis): void {
  if (
    inv.args.some((a) => a === "-F" || a === "--flush" || a === "-X" || a === "--delete-chain") ||
    (inv.args[0] === "flush" && inv.args[1] === "ruleset")
  ) {
    an.destroys(`${inv.name} flushes the firewall rules`, "firewall:disable");
  }
}

function serviceControl(inv: Invocation, an: Analysis): void {
  const verbIndex = inv.args.findIndex((a) => /^(stop|disable|mask|kill)$/.test(a));
  const units = verbIndex >= 0 ? inv.args.slice(verbIndex + 1).filter((a) => !a.startsWith("-")) : [];
  const serviceForm = inv.name === "service" && /^(stop)$/.test(inv.args[1] ?? "") ? [inv.args[0] ?? ""] : [];
  for (const unit of [...units, ...serviceForm]) {
    if (AUDIT_SERVICES.test(unit))
      an.destroysSafetyNet(`${inv.name} stops the audit/log service ${unit}`, "audit-log:disable");
  }
}

const resticDeletes = (inv: Invocation, an: Analysis) => {
  if (/(^|\s)(forget|prune)(\s|$)/.test(inv.args.join(" ")))
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

export const systemCommands: CommandTable = {
  diskutil,
  spctl: destroysWith(
    /--master-disable|--global-disable|--disable/,
    "switches macOS Gatekeeper assessment off",
    "firewall:disable",
  ),
  csrutil: destroysWith(/^disable\b/, "switches System Integrity Protection off", "firewall:disable"),
  iptables: firewall,
  ip6tables: firewall,
  nft: firewall,
  ufw: destroysWith(/^(disable|reset)\b/, "turns the firewall off", "firewall:disable"),
  setenforce: destroysWith(/^(0|permissive)$/i, "switches SELinux enforcement off", "selinux:disable"),
  auditctl: destroysWith(
    /(^|\s)(-D|-e\s*0)(\s|$)/,
    "deletes or disables the audit rules",
    "audit-log:disable",
    true,
  ),
  systemctl: serviceControl,
  service: serviceControl,
  journalctl: destroysWith(
    /--vacuum-(size|time|files)|--rotate.*--vacuum/,
    "deletes journal logs",
    "log:delete",
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
  zfs: (inv, an) => {
    if (inv.args[0] === "destroy") {
      const target = inv.args
        .filter((a) => !a.startsWith("-"))
        .slice(1)
        .join(" ");
      if (target.includes("@"))
        an.destroysSafetyNet(`zfs destroy deletes the snapshot ${target}`, "snapshot:delete");
      else an.destroys(`zfs destroy deletes the dataset ${target}`, "volume:delete");
    } else if (inv.args[0] === "rollback")
      an.destroys("zfs rollback discards everything written since the snapshot", "volume:overwrite");
  },
  zpool: destroysWith(/^(destroy|labelclear)\b/, "destroys a storage pool", "volume:delete"),
  lvremove: (inv, an) =>
    an.destroys(
      `lvremove deletes logical volumes ${inv.args.filter((a) => !a.startsWith("-")).join(" ")}`.trim(),
      "volume:delete",
    ),
  vgremove: (_inv, an) => an.destroys("vgremove deletes a volume group", "volume:delete"),
  pvremove: (_inv, an) => an.destroys("pvremove wipes a physical volume label", "volume:delete"),
  btrfs: destroysWith(/subvolume\s+delete/, "deletes subvolumes (and snapshots)", "volume:delete"),
  mdadm: destroysWith(/--zero-superblock/, "erases RAID metadata", "disk:overwrite"),
  cryptsetup: destroysWith(
    /(^|\s)(luksErase|erase|luksKillSlot)(\s|$)/,
    "destroys encryption keys, making the data unrecoverable",
    "disk:overwrite",
  ),
  restic: (inv, an) => {
    resticDeletes(inv, an);
    // `restore --target DIR` writes the snapshot's files over what DIR holds now.
    if (!inv.args.includes("restore") || inv.args.includes("--dry-run")) return;
    const at = inv.args.findIndex((a) => a === "--target" || a === "-t");
    const target = at >= 0 ? inv.args[at + 1] : inv.args.find((a) => a.startsWith("--target="))?.slice(9);
    if (target && (normalizePath(target) === "/" || isLiveData(normalizePath(target))))
      an.destroys(
        `restic restore writes a snapshot over the current files in ${target}`,
        "database:overwrite",
      );
  },
  "gitlab-backup": (inv, an) => {
    if (inv.args[0] === "restore")
      an.destroys(
        "gitlab-backup restore overwrites GitLab's database and repositories with the backup",
        "database:overwrite",
      );
  },
  "gitlab-rake": (inv, an) => {
    if (inv.args.some((a) => /^gitlab:backup:restore\b/.test(a)))
      an.destroys(
        "gitlab:backup:restore overwrites GitLab's database and repositories with the backup",
        "database:overwrite",
      );
  },
  velero: (inv, an) => {
    // Velero leaves resources that already exist alone unless told to update them.
    if (
      inv.args[0] === "restore" &&
      inv.args.some(
        (a, i) =>
          /^--existing-resource-policy(=update)?$/.test(a) &&
          (a.endsWith("=update") || inv.args[i + 1] === "update"),
      )
    )
      an.destroys(
        "velero restore --existing-resource-policy=update overwrites the cluster's current resources with the backup's",
        "resource:replace",
      );
  },
  borg: destroysWith(/(^|\s)(delete|prune|compact)(\s|$)/, "deletes backup archives", "backup:delete", true),
  tmutil: destroysWith(
    /(^|\s)(delete|deletelocalsnapshots|disable)(\s|$)/,
    "deletes or disables Time Machine backups",
    "backup:delete",
    true,
  ),
  snapper: destroysWith(
    /(^|\s)(delete|rm|remove)(\s|$)/,
    "deletes filesystem snapshots",
    "snapshot:delete",
    true,
  ),
  timeshift: destroysWith(/--delete/, "deletes system snapshots", "snapshot:delete", true),
  kopia: destroysWith(
    /snapshot\s+(delete|expire)|maintenance\s+run\s+--full/,
    "deletes backup snapshots",
    "backup:delete",
    true,
  ),
  duplicity: destroysWith(
    /(^|\s)remove-(older-than|all-but-n-full|all-inc-of-but-n-full)(\s|$)/,
    "deletes old backups",
    "backup:delete",
    true,
  ),
};
