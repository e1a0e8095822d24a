// az: verb-classified (`az group delete`), with management locks and storage protections as safety nets, and the SQL
// that `az postgres|mysql flexible-server execute --querytext` runs.
import type { CommandTable } from "../command.ts";
import { retentionFlag, safetyNetFlag, sqlFlags, verbCli } from "./verb-cli.ts";

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
  ],
  safetyNetWords: /(^|\s)(lock|locks|ltr-backup|protection|diagnostic-settings)(\s|$)/,
  rules: [
    sqlFlags(["--querytext"]),
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
    ),
  ],
});

export const azureCommands: CommandTable = { az };
