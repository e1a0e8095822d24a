// az: verb-classified (`az group delete`), with management locks and storage protections as safety nets, and the SQL
// that `az postgres|mysql flexible-server execute --querytext` runs; AzCopy's removes and deleting syncs.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { unseenSql } from "../unseen-sql.ts";
import { secretWrite } from "./secret-writes.ts";
import {
  protectionFlagsOff,
  retentionFlag,
  safetyNetFlag,
  sqlFlags,
  verbCli,
  zeroRetentionFlags,
} from "./verb-cli.ts";

/** Audit, diagnostic and log-profile retention and storage analytics logging read 0 days as "never delete". */
const ZERO_KEEPS_FOREVER =
  /(?:^|\s)(?:audit-policy|diagnostic-settings|log-profiles|logging|metrics)(?:\s|$)/;

/** What an az restore, revert or import writes over, when it writes over the live resource. */
function overwritingRestore(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-")).join(" ");
  const option = (name: string) => {
    const at = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    const arg = args[at];
    return at < 0 || arg === undefined
      ? ""
      : arg.includes("=")
        ? arg.slice(arg.indexOf("=") + 1)
        : (args[at + 1] ?? "");
  };
  if (/^webapp config snapshot restore\b/.test(words))
    return "webapp config snapshot restore writes the snapshot over the app's files and settings";
  if (/^storage blob restore\b/.test(words))
    return "storage blob restore rolls the blobs back to the given time: later writes are lost";
  // An import loads an RDB file into a live cache: the keys it holds now are replaced by the file's.
  if (/^redis import(?:-method)?\b|^redisenterprise database import\b/.test(words))
    return `${words
      .split(" ")
      .slice(0, words.startsWith("redis ") ? 2 : 3)
      .join(" ")} replaces the cache's keys with the file's`;
  if (/^netappfiles volume revert\b/.test(words))
    return "netappfiles volume revert rolls the volume back to the snapshot: later writes are lost";
  if (/^backup restore\b/.test(words)) {
    if (/^overwrite$/i.test(option("--resolve-conflict")))
      return "backup restore --resolve-conflict Overwrite writes the backup over the files already there";
    if (/^originallocation$/i.test(option("--restore-mode")) && /^backup restore restore-disks\b/.test(words))
      return "backup restore restore-disks --restore-mode OriginalLocation replaces the VM's disks with the backup's";
  }
  return undefined;
}

const az = verbCli("az", {
  valueFlags: [
    "-g",
    "--resource-group",
    "-n",
    "--name",
    "--subscription",
    "-o",
    "--output",
    "--query",
    "-l",
    "--location",
    "--lock-type",
    "--account-name",
    "--vault-name",
    "--server",
    "--querytext",
    "--backup-retention",
    "--retention-days",
    "--policy",
  ],
  safetyNetWords: /(^|\s)(lock|locks|ltr-backup|protection|diagnostic-settings)(\s|$)/,
  rules: [
    secretWrite(
      /^keyvault secret set\b/,
      "Key Vault keeps the earlier value as an older version of the secret",
    ),
    sqlFlags(["--querytext"]),
    {
      // Restores written over the live resource. Restores that make a new server, database or account
      // (`az sql db restore --dest-name`, `az postgres flexible-server restore`, `az cosmosdb restore`) are not.
      when: (c) => overwritingRestore(c.inv.args) !== undefined,
      apply: (c, an) => an.destroys(`az ${overwritingRestore(c.inv.args)}`, "resource:overwrite"),
      final: true,
    },
    {
      // `flexible-server execute` spells --querytext -q, and runs the SQL in --file-path (-f), which is unseen.
      when: (c) => {
        const at = c.inv.args.indexOf("flexible-server");
        return at >= 0 && c.inv.args[at + 1] === "execute";
      },
      apply: (c, an) => {
        const args = c.inv.args;
        args.forEach((a, i) => {
          if (a === "-q" && args[i + 1] !== undefined) an.nested.sql(args[i + 1]!);
          else if (a.startsWith("-q") && a.length > 2) an.nested.sql(a.slice(2).replace(/^=/, ""));
          else if (/^(?:-f|--file-path)(?:=|$)/.test(a))
            unseenSql(
              an,
              "az … flexible-server execute",
              a.includes("=") ? a.slice(a.indexOf("=") + 1) : (args[i + 1] ?? ""),
            );
        });
      },
    },
    safetyNetFlag(["--enable-versioning false"], "turns blob versioning off", "versioning:disable"),
    safetyNetFlag(
      ["--enable-delete-retention false", "--enable-container-delete-retention false"],
      "turns soft delete off",
      "versioning:disable",
    ),
    safetyNetFlag(
      ["--delete-backup-data", "--delete-backup-data true"],
      "deletes the backup data",
      "backup:delete",
    ),
    safetyNetFlag(
      ["--enable-purge-protection false", "--enable-soft-delete false"],
      "turns purge protection off",
      "deletion-protection:disable",
    ),
    retentionFlag(
      ["--backup-retention", "--retention-days"],
      "keeps next to no backups or logs",
      "backup:disable",
      ZERO_KEEPS_FOREVER,
    ),
    zeroRetentionFlags(ZERO_KEEPS_FOREVER),
    protectionFlagsOff(),
    {
      // Lifecycle management rules: a `delete` action removes blobs, versions or snapshots past an age; rules read
      // from a file (`@policy.json`) are out of sight.
      when: (c) => c.path.includes("management-policy") && c.parsed.value("--policy") !== undefined,
      apply: (c, an) => {
        const policy = c.parsed.value("--policy") ?? "";
        if (!policy.startsWith("@") && !/"delete"\s*:/i.test(policy))
          an.harmless("az storage account management-policy rules that only move blobs between tiers");
        else
          an.destroys(
            "az storage account management-policy rules can delete blobs past an age",
            "object:delete",
          );
      },
      final: true,
    },
    {
      // Complete mode deletes every resource in the scope that the template does not declare.
      when: (c) =>
        c.path[0] === "deployment" &&
        c.path.includes("create") &&
        /^complete$/i.test(c.parsed.value("--mode") ?? c.inv.args[c.inv.args.indexOf("--mode") + 1] ?? ""),
      apply: (_c, an) =>
        an.destroys(
          "az deployment create --mode Complete deletes the resources its template does not declare",
          "resource:delete",
        ),
      final: true,
    },
  ],
});

/**
 * AzCopy: `remove` deletes blobs and files; `sync --delete-destination=true` deletes what the source lacks (`prompt`
 * asks first); copies write over the destination's files by default, as any copy does.
 */
function azcopy(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet(
      "--delete-destination",
      "--overwrite",
      "--log-level",
      "--include-pattern",
      "--exclude-pattern",
    ),
  });
  const sub = parsed.positionals[0] ?? "";
  const target = parsed.positionals[sub === "sync" ? 2 : 1] ?? "";
  const shown = `azcopy ${sub} ${target.replace(/\?.*$/, "")}`.trim();
  if (parsed.has("--dry-run")) an.harmless(`${shown} --dry-run only lists what it would do`);
  else if (sub === "rm" || sub === "remove")
    an.destroys(`${shown} deletes the blobs or files`, "object:delete");
  else if (sub === "sync") {
    const deletes = (parsed.value("--delete-destination") ?? "false").toLowerCase();
    if (deletes === "true")
      an.destroys(`${shown} --delete-destination=true deletes what the source lacks`, "object:delete");
    else if (deletes === "prompt")
      an.uncertain(`${shown} --delete-destination=prompt asks before deleting what the source lacks`, false);
    else an.harmless(`${shown} copies changed files, deleting nothing`);
  } else if (sub === "jobs") an.harmless("azcopy jobs manages AzCopy's own job plans and logs");
  else an.harmless(`${shown} deletes nothing`);
}

export const azureCommands: CommandTable = { az, azcopy };
