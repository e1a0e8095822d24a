// gcloud and gsutil: verb-classified, plus the flags that switch backups, PITR, versioning or deletion protection off,
// and the SQL that `gcloud spanner databases execute-sql --sql` runs.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { unseenSql } from "../unseen-sql.ts";
import { namesSafetyNet } from "../vocabulary.ts";
import { sqlFromStdin } from "./databases.ts";
import {
  protectionFlagsOff,
  retentionFlag,
  safetyNetFlag,
  sqlFlags,
  verbCli,
  zeroRetentionFlags,
} from "./verb-cli.ts";

const OVERWRITING_RESTORES: [RegExp, string, string][] = [
  [/^datastore import\b/, "datastore import overwrites the entities it holds copies of", "entity:overwrite"],
  [
    /^filestore instances restore\b/,
    "filestore instances restore writes the backup over the instance's file share",
    "file-share:overwrite",
  ],
  [
    /^redis instances import\b/,
    "redis instances import replaces every key the instance holds with the file's",
    "database:overwrite",
  ],
  [
    /^netapp volumes revert\b/,
    "netapp volumes revert rolls the volume back to the snapshot: later writes are lost",
    "volume:overwrite",
  ],
];

const gcloud = verbCli("gcloud", {
  valueFlags: [
    "--project",
    "--region",
    "--zone",
    "--format",
    "--filter",
    "--account",
    "--configuration",
    "--instance",
    "--database",
    "--impersonate-service-account",
    "--verbosity",
    "--billing-project",
    "--limit",
    "--sort-by",
    "--page-size",
    "--cluster",
    "--sql",
    "--query-mode",
    "--ddl",
    "--ddl-file",
    "--retained-backups-count",
    "--retained-transaction-log-days",
  ],
  rules: [
    {
      // A Cloud Scheduler job that takes backups, paused: the backups stop until someone notices.
      when: (c) =>
        c.path[0] === "scheduler" &&
        c.inv.args.includes("pause") &&
        namesSafetyNet(c.inv.args.filter((a) => !a.startsWith("-")).join(" ")),
      apply: (_c, an) =>
        an.destroysSafetyNet("gcloud scheduler jobs pause stops scheduled backups", "backup:disable"),
      final: true,
    },
    {
      // Spanner's PLAN mode returns the query plan and runs nothing (PROFILE runs the statement).
      when: (c) => c.parsed.value("--query-mode")?.toUpperCase() === "PLAN",
      apply: (_c, an) =>
        an.harmless("gcloud spanner databases execute-sql --query-mode=PLAN only plans the SQL"),
      final: true,
    },
    sqlFlags(["--sql", "--ddl"]),
    {
      // `gcloud sql connect` opens psql or mysql on the instance: SQL on its stdin runs there.
      when: (c) => c.path[0] === "sql" && (c.path[1] === "connect" || c.verb === "connect"),
      apply: (c, an) => sqlFromStdin(c.inv, an, "postgres"),
    },
    {
      when: (c) => c.parsed.has("--ddl-file"),
      apply: (c, an) =>
        unseenSql(an, "gcloud spanner databases ddl update", c.parsed.value("--ddl-file") ?? ""),
    },
    {
      // Restores and imports into a live instance or database write over what it holds now.
      when: (c) =>
        /^(?:sql backups restore|sql instances restore-backup|sql import sql|firestore import)\b/.test(
          c.parsed.positionals.join(" "),
        ),
      apply: (c, an) => {
        const words = c.parsed.positionals.join(" ");
        if (words.startsWith("sql import"))
          unseenSql(an, "gcloud sql import sql", c.parsed.positionals[4] ?? "");
        else if (words.startsWith("firestore"))
          an.destroys(
            "gcloud firestore import overwrites the documents it holds copies of",
            "document:overwrite",
          );
        else
          an.destroys(
            `gcloud ${words.split(" ").slice(0, 3).join(" ")} writes the backup over the target instance's current data`,
            "database:overwrite",
          );
      },
    },
    {
      // More writes over a live resource; the restores that make a new database or table (firestore databases
      // restore, spanner databases restore, bigtable instances tables restore) are left to the verb reading.
      when: (c) => OVERWRITING_RESTORES.some(([path]) => path.test(c.parsed.positionals.join(" "))),
      apply: (c, an) => {
        const [, reason, actionName] = OVERWRITING_RESTORES.find(([path]) =>
          path.test(c.parsed.positionals.join(" ")),
        )!;
        an.destroys(`gcloud ${reason}`, actionName);
      },
      final: true,
    },
    {
      // `gcloud dns record-sets import --delete-all-existing`: every record the file does not hold is deleted.
      when: (c) => c.parsed.has("--delete-all-existing"),
      apply: (_c, an) =>
        an.destroys(
          "gcloud dns record-sets import --delete-all-existing deletes the zone's records before importing",
          "record:delete",
        ),
      final: true,
    },
    safetyNetFlag(["--no-backup", "--backup false"], "turns automated backups off", "backup:disable"),
    safetyNetFlag(
      ["--no-enable-point-in-time-recovery", "--no-enable-bin-log"],
      "turns point-in-time recovery off",
      "backup:disable",
    ),
    retentionFlag(
      ["--retained-backups-count", "--retained-transaction-log-days"],
      "keeps next to no backups or transaction logs",
      "backup:disable",
    ),
    safetyNetFlag(
      ["--no-deletion-protection", "--deletion-protection false"],
      "turns deletion protection off",
      "deletion-protection:disable",
    ),
    safetyNetFlag(
      ["--no-versioning", "--clear-soft-delete", "--soft-delete-duration 0", "--soft-delete-duration 0s"],
      "turns versioning or soft delete off",
      "versioning:disable",
    ),
    safetyNetFlag(["--clear-retention-period"], "removes the retention policy", "object-lock:disable"),
    zeroRetentionFlags(),
    protectionFlagsOff(),
    {
      // The disk then goes with its instance: deleting the VM deletes the data. `--auto-delete` is the default.
      when: (c) => c.path.includes("set-disk-auto-delete"),
      apply: (c, an) =>
        c.parsed.has("--no-auto-delete")
          ? an.harmless("gcloud compute instances set-disk-auto-delete --no-auto-delete keeps the disk")
          : an.destroysSafetyNet(
              "gcloud compute instances set-disk-auto-delete --auto-delete: the disk is deleted with its instance",
              "disk:delete",
            ),
      final: true,
    },
    {
      // Like gsutil rsync -d: what the source lacks is deleted from the destination.
      when: (c) => c.path[0] === "storage" && c.inv.args.includes("rsync"),
      apply: (c, an) =>
        c.parsed.has("--delete-unmatched-destination-objects") && !c.parsed.has("--dry-run")
          ? an.destroys(
              "gcloud storage rsync --delete-unmatched-destination-objects deletes destination objects missing from the source",
              "object:delete",
            )
          : an.harmless("gcloud storage rsync copies without deleting"),
      final: true,
    },
    {
      // Lifecycle rules from a file the guard cannot read may expire and delete objects, as gsutil lifecycle set may.
      when: (c) =>
        c.path[0] === "storage" &&
        c.inv.args.includes("update") &&
        c.inv.args.some((a) => a === "--lifecycle-file" || a.startsWith("--lifecycle-file=")),
      apply: (_c, an) =>
        an.destroys(
          "gcloud storage buckets update --lifecycle-file can expire and delete objects",
          "object:delete",
        ),
    },
    {
      // Seeking to a time marks every message published before it acknowledged: the backlog is gone. A snapshot
      // brings back the acknowledgements it recorded, losing nothing.
      when: (c) =>
        c.path[0] === "pubsub" &&
        c.inv.args.includes("seek") &&
        c.inv.args.some((a) => /^--time(?:=|$)/.test(a)),
      apply: (_c, an) =>
        an.destroys(
          "gcloud pubsub subscriptions seek --time acknowledges every message published before that time",
          "message:delete",
        ),
      final: true,
    },
    {
      // A secret given a time to live or an expiry is deleted, every version, when it comes.
      when: (c) =>
        c.path[0] === "secrets" &&
        c.inv.args.includes("update") &&
        c.inv.args.some((a) => /^--(?:ttl|expire-time)(?:=|$)/.test(a)),
      apply: (_c, an) =>
        an.destroys(
          "gcloud secrets update --ttl/--expire-time schedules the secret's deletion",
          "secret:delete",
        ),
      final: true,
    },
    {
      when: (c) => c.path[0] === "storage" && (c.verb === "rm" || c.verb === "delete"),
      apply: (c, an) => {
        const target = c.names.join(" ");
        if (namesSafetyNet(target.replace(/[/:_.-]/g, " ")))
          an.destroysSafetyNet(`gcloud storage rm deletes backups (${target})`, "backup:delete");
        else an.destroys(`gcloud storage rm deletes ${target}`, "object:delete");
      },
      final: true,
    },
  ],
});

function gsutil(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-o", "-h", "-u", "-p") });
  const [sub, ...rest] = parsed.positionals;
  const target = rest.join(" ");
  switch (sub) {
    case "rm":
      if (namesSafetyNet(target.replace(/[/:_.-]/g, " ")))
        an.destroysSafetyNet(`gsutil rm deletes backups (${target})`, "backup:delete");
      else an.destroys(`gsutil rm deletes ${target}`, "object:delete");
      break;
    case "rb":
      an.destroys(`gsutil rb deletes the bucket ${target}`, "bucket:delete");
      break;
    case "rsync":
      if (
        inv.args.some((a) => /^-[a-zA-Z]*d[a-zA-Z]*$/.test(a)) &&
        !inv.args.some((a) => /^-[a-zA-Z]*n[a-zA-Z]*$/.test(a))
      )
        an.destroys("gsutil rsync -d deletes destination objects missing from the source", "object:delete");
      break;
    case "versioning":
      if (rest[0] === "set" && rest[1] === "off")
        an.destroysSafetyNet(
          "gsutil versioning set off makes overwrites and deletes permanent",
          "versioning:disable",
        );
      break;
    case "retention":
      if (/^(clear|temp|event)$/.test(rest[0] ?? "") && (rest[0] === "clear" || rest[1] === "release"))
        an.destroysSafetyNet(
          `gsutil retention ${rest.slice(0, 2).join(" ")} lifts retention`,
          "object-lock:disable",
        );
      break;
    case "lifecycle":
      if (rest[0] === "set")
        an.destroys("gsutil lifecycle set can expire and delete objects", "object:delete");
      break;
  }
}

export const gcloudCommands: CommandTable = { gcloud, gsutil };
