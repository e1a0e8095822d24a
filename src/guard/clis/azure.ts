// az: verb-classified (`az group delete`), with management locks and storage protections as safety nets, and the SQL
// that `az postgres|mysql flexible-server execute --querytext` runs.
import type { CommandTable } from "../command.ts";
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

export const azureCommands: CommandTable = { az };
