// aws: operations are named verb-resource (delete-db-snapshot), so the verb classifies most of them; a rule table
// covers the flags that quietly remove a safety net (--skip-final-snapshot, versioning Suspended, PITR off…).
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { unseenSql, valueFile } from "../unseen-sql.ts";
import { action, namesSafetyNet, resourceName, splitWords } from "../vocabulary.ts";
import { PROTECTION_WORD, protectionsOff } from "./protection-flags.ts";
import { judgeSecretWrite } from "./secret-writes.ts";
import { withSubcommandWords } from "./unjudged-words.ts";
import { shortRetentions } from "./zero-retention.ts";

const RETENTION_WORD = /retent|retain|deleteafter|backtrack/i;

const GLOBAL_VALUES = flagSet(
  "--profile",
  "--region",
  "--output",
  "--endpoint-url",
  "--query",
  "--color",
  "--ca-bundle",
  "--cli-read-timeout",
  "--cli-connect-timeout",
  "--cli-binary-format",
  "--cli-input-json",
  "--cli-input-yaml",
);

interface AwsCall {
  service: string;
  operation: string;
  flags: Map<string, string | true>;
  positionals: string[];
  /** Every argument, for payloads such as PointInTimeRecoveryEnabled=false. */
  text: string;
  /** A list option's values: `--sqls 'SELECT 1' 'TRUNCATE t'` takes every argument up to the next option. */
  lists: Map<string, string[]>;
}

/** aws option values follow the option; a following `--x` means it was a switch. */
function readOperationArgs(args: readonly string[]): Pick<AwsCall, "flags" | "positionals" | "lists"> {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  const lists = new Map<string, string[]>();
  let list: string[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      positionals.push(a);
      list?.push(a);
    } else if (a.includes("=")) {
      flags.set(a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1));
      list = null;
    } else if (i + 1 < args.length && !args[i + 1]!.startsWith("--") && !S3_SWITCHES.has(a)) {
      flags.set(a, args[++i]!);
      list = [args[i]!];
      lists.set(a, list);
    } else {
      flags.set(a, true);
      list = null;
    }
  }
  return { flags, positionals, lists };
}

const S3_SWITCHES = new Set([
  "--recursive",
  "--force",
  "--dryrun",
  "--quiet",
  "--delete",
  "--exact-timestamps",
  "--size-only",
  "--follow-symlinks",
  "--no-follow-symlinks",
  "--human-readable",
  "--summarize",
  "--only-show-errors",
  "--no-progress",
  "--request-payer",
]);

type AwsRule = { when: (c: AwsCall) => boolean; apply: (c: AwsCall, an: Analysis) => void };

const has = (c: AwsCall, flag: string) => c.flags.has(flag);
const flagValue = (c: AwsCall, flag: string) => {
  const v = c.flags.get(flag);
  return typeof v === "string" ? v : undefined;
};

/** Each service's spelling of a deletion or termination protection switch: rds, dynamodb, cloudformation… */
const PROTECTION_FLAG = /^--(no-)?(?:enable-)?(?:deletion|termination)-protection(?:-enabled)?$/;
/** The same setting as an attribute or payload field: `Key=deletion_protection.enabled,Value=false`. */
const PROTECTION_FIELD_OFF =
  /(?:deletion|termination)[_.-]?protection(?:[_.-]?enabled)?["']?\s*(?:[,:=]\s*(?:Value=)?)["']?false\b/i;

function switchesProtectionFlagOff(c: AwsCall): boolean {
  for (const [flag, value] of c.flags) {
    const m = PROTECTION_FLAG.exec(flag);
    // `--no-…` is a switch; a value after it would be the next argument, misread, and changes nothing.
    if (m && (m[1] !== undefined || (value !== true && /^false$/i.test(value)))) return true;
  }
  return PROTECTION_FIELD_OFF.test(c.text);
}

/** Threat detection and compliance monitoring: switched off, intrusions and drift go unseen. */
const MONITORING_SERVICES =
  /^(?:guardduty|securityhub|macie2?|inspector2?|detective|config|access-analyzer)$/;

/** Checked before the verb: flags and payloads that remove safety nets whatever the operation is called. */
const SAFETY_NET_RULES: AwsRule[] = [
  {
    when: (c) =>
      MONITORING_SERVICES.test(c.service) &&
      (c.operation.startsWith("stop-") ||
        has(c, "--no-enable") ||
        /^false$/i.test(flagValue(c, "--enable") ?? "") ||
        /^(?:disabled|paused)$/i.test(flagValue(c, "--status") ?? flagValue(c, "--control-status") ?? "")),
    apply: (c, an) =>
      an.destroys(
        `${c.service} ${c.operation} switches threat detection or monitoring off`,
        "monitoring:disable",
      ),
  },
  {
    // Data Lifecycle Manager policies take EBS snapshots; a schedule named for backups takes them too.
    when: (c) =>
      /^disabled$/i.test(flagValue(c, "--state") ?? "") &&
      (c.service === "dlm" || (c.service === "scheduler" && namesSafetyNet(c.text))),
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.service} ${c.operation} --state DISABLED stops scheduled backups`,
        "backup:disable",
      ),
  },
  {
    when: (c) => has(c, "--skip-final-snapshot") || has(c, "--skip-final-cluster-snapshot"),
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.operation} with --skip-final-snapshot deletes with no final snapshot`,
        "snapshot:skip",
      ),
  },
  {
    when: (c) => has(c, "--delete-automated-backups"),
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.operation} --delete-automated-backups deletes the automated backups`,
        "backup:delete",
      ),
  },
  {
    when: switchesProtectionFlagOff,
    apply: (c, an) =>
      an.destroysSafetyNet(`${c.operation} turns deletion protection off`, "deletion-protection:disable"),
  },
  {
    when: (c) => has(c, "--no-disable-api-termination"),
    apply: (c, an) =>
      an.destroysSafetyNet(`${c.operation} turns termination protection off`, "deletion-protection:disable"),
  },
  {
    when: (c) => flagValue(c, "--backup-retention-period") === "0",
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.operation} --backup-retention-period 0 turns automated backups off`,
        "backup:disable",
      ),
  },
  {
    // Protections switched off by flags named for them (`--disable-backup-retention`, `--no-…-protection`).
    when: (c) => PROTECTION_WORD.test(c.text) && protectionsOff(c.flags).length > 0,
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.operation} ${protectionsOff(c.flags).join(", ")} switches a protection off`,
        "deletion-protection:disable",
      ),
  },
  {
    // Snapshot, log and backup retention cut to a day or less in any spelling (`--snapshot-retention-limit 0`, JSON plans).
    when: (c) => RETENTION_WORD.test(c.text) && shortRetentions(c.flags).length > 0,
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.operation} ${shortRetentions(c.flags).join(", ")} keeps a day or less to recover from`,
        "backup:disable",
      ),
  },
  {
    // An option that deletes as part of another operation (`create-replace-root-volume-task
    // --delete-replaced-root-volume`, `--force-delete-…`); deleting an attachment with its instance later is not now.
    when: (c) => deletingOptions(c).length > 0,
    apply: (c, an) =>
      an.destroys(`${c.operation} ${deletingOptions(c).join(" ")} deletes`, "resource:delete"),
  },
  {
    // SQS counts a queue's retention in seconds: a day or less drops every older message now.
    when: (c) => c.service === "sqs" && sqsRetentionSeconds(c.text) <= ONE_DAY_SECONDS,
    apply: (c, an) =>
      an.destroys(
        `sqs ${c.operation} MessageRetentionPeriod=${sqsRetentionSeconds(c.text)} drops messages older than that`,
        "message:delete",
      ),
  },
  {
    // Control-plane logs (api, audit, authenticator…) switched off: what the cluster is asked to do goes unrecorded.
    when: (c) => c.service === "eks" && /"?enabled"?\s*[:=]\s*false/i.test(flagValue(c, "--logging") ?? ""),
    apply: (c, an) =>
      an.destroysSafetyNet(`eks ${c.operation} switches control-plane logging off`, "audit-log:disable"),
  },
  {
    when: (c) => /PointInTimeRecoveryEnabled\W+false/i.test(c.text),
    apply: (_c, an) => an.destroysSafetyNet("turns point-in-time recovery off", "backup:disable"),
  },
  {
    when: (c) => has(c, "--bypass-governance-retention"),
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.operation} --bypass-governance-retention deletes through object lock`,
        "object-lock:disable",
      ),
  },
  {
    // Operations that write a snapshot or an image back over the live resource; the other restores make a new one.
    when: (c) => OVERWRITING_RESTORES.has(`${c.service} ${c.operation}`),
    apply: (c, an) =>
      an.destroys(
        `${c.service} ${c.operation} ${OVERWRITING_RESTORES.get(`${c.service} ${c.operation}`)}`,
        "resource:overwrite",
      ),
  },
  {
    when: (c) =>
      has(c, "--force-delete-without-recovery") || flagValue(c, "--recovery-window-in-days") === "0",
    apply: (_c, an) => an.destroysSafetyNet("deletes the secret with no recovery window", "variable:delete"),
  },
  {
    when: (c) =>
      c.operation === "put-bucket-versioning" && /Status\W+Suspended|MFADelete\W+Disabled/i.test(c.text),
    apply: (_c, an) =>
      an.destroysSafetyNet(
        "suspends bucket versioning, so overwrites and deletes become permanent",
        "versioning:disable",
      ),
  },
  {
    when: (c) =>
      c.operation === "put-object-lock-configuration" ||
      c.operation === "put-object-retention" ||
      c.operation === "put-object-legal-hold",
    apply: (c, an) =>
      an.destroysSafetyNet(`${c.operation} can shorten or lift object lock`, "object-lock:disable"),
  },
  {
    when: (c) =>
      c.service === "cloudtrail" &&
      /^(stop-logging|delete-trail|update-trail|put-event-selectors)$/.test(c.operation),
    apply: (c, an) =>
      c.operation === "update-trail" && [...c.flags.keys()].every((f) => TRAIL_STRENGTHENING.test(f))
        ? an.harmless("cloudtrail update-trail only widens or hardens what the trail records")
        : c.operation === "update-trail" || c.operation === "put-event-selectors"
          ? an.uncertain(
              `cloudtrail ${c.operation} may narrow what the audit trail records`,
              true,
              "audit-log:update",
            )
          : an.destroysSafetyNet(`cloudtrail ${c.operation} stops the audit trail`, "audit-log:disable"),
  },
  {
    when: (c) =>
      c.service === "configservice" &&
      /^(stop-configuration-recorder|delete-configuration-recorder|delete-delivery-channel)$/.test(
        c.operation,
      ),
    apply: (c, an) =>
      an.destroysSafetyNet(
        `configservice ${c.operation} stops recording configuration changes`,
        "audit-log:disable",
      ),
  },
  {
    when: (c) =>
      c.operation === "put-bucket-lifecycle-configuration" || c.operation === "put-bucket-lifecycle",
    apply: (c, an) => {
      const rules = flagValue(c, "--lifecycle-configuration");
      // Rules written inline with no expiration only move objects between storage classes or abort stale uploads.
      if (rules !== undefined && !RULES_FROM_FILE.test(rules) && !EXPIRES.test(rules))
        an.harmless("lifecycle rules that only transition objects or abort incomplete uploads");
      else an.destroys("lifecycle rules can expire and delete objects", "object:delete");
    },
  },
  {
    when: (c) =>
      c.service === "ecr" &&
      c.operation === "put-lifecycle-policy" &&
      EXPIRES_TAGGED_IMAGES.test(flagValue(c, "--lifecycle-policy-text") ?? ""),
    apply: (_c, an) =>
      an.destroys(
        "the ECR lifecycle policy expires tagged images, which deployments may still run",
        "image:delete",
      ),
  },
];

/** Restores that write over the live resource, and what they lose. */
const OVERWRITING_RESTORES: ReadonlyMap<string, string> = new Map([
  ["fsx restore-volume-from-snapshot", "rolls the volume back to the snapshot: later writes are lost"],
  [
    "workspaces restore-workspace",
    "recreates the WorkSpace's volumes from its last snapshot: later changes are lost",
  ],
  [
    "workspaces rebuild-workspaces",
    "recreates the WorkSpace's volumes from its image and backup: later changes are lost",
  ],
]);

/** Options whose name says the call deletes something besides its own operation. */
const DELETING_OPTION = /^--(?:force-)?delete-(?!on-termination$)[\w-]+$|^--force-delete$/;

function deletingOptions(c: AwsCall): string[] {
  return [...c.flags]
    .filter(([flag, value]) => DELETING_OPTION.test(flag) && !(value !== true && /^false$/i.test(value)))
    .map(([flag]) => flag);
}

const ONE_DAY_SECONDS = 86400;
const SQS_RETENTION = /MessageRetentionPeriod["']?\s*[:=,]\s*["']?(\d+)/i;

/** The retention an SQS attribute list sets, in seconds; Infinity when it sets none. */
function sqsRetentionSeconds(text: string): number {
  const m = SQS_RETENTION.exec(text);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

/** update-trail flags that name the trail or only add to what it records and how it is protected. */
const TRAIL_STRENGTHENING =
  /^--(?:name|region|profile|output|enable-log-file-validation|is-multi-region-trail|include-global-service-events|is-organization-trail|kms-key-id)$/;

/** ECR lifecycle rules that expire tagged images (`"tagStatus":"any"` or `"tagged"`): images a deployment may run. */
const EXPIRES_TAGGED_IMAGES =
  /tagStatus\W+(?:any|tagged)\b[\s\S]*\bexpire\b|\bexpire\b[\s\S]*tagStatus\W+(?:any|tagged)\b/i;

/** `file://rules.json`, `fileb://…`, or a URL: the rules are out of the guard's sight. */
const RULES_FROM_FILE = /^(?:file|fileb|https?):\/\//i;
/** Expiration, NoncurrentVersionExpiration, ExpiredObjectDeleteMarker: the rule deletes objects or versions. */
const EXPIRES = /expir/i;

const DELETE_VERBS = new Set([
  "delete",
  "remove",
  "terminate",
  "purge",
  "deregister",
  "destroy",
  "release",
  "cancel",
]);
const HARMLESS_AFTER_CANCEL =
  /^cancel-(key-deletion|export|import|spot|bundle|conversion|capacity|reserved|steps|job|update|rotate-secret)/;

function s3(c: AwsCall, an: Analysis): void {
  if (has(c, "--dryrun")) {
    an.harmless(`aws s3 ${c.operation} --dryrun changes nothing`);
    return;
  }
  const target = c.positionals.at(-1) ?? "";
  switch (c.operation) {
    case "rm":
      if (namesSafetyNet(target.replace(/[/:_.-]/g, " ")))
        an.destroysSafetyNet(`aws s3 rm deletes backups (${target})`, "backup:delete");
      else
        an.destroys(
          `aws s3 rm deletes ${has(c, "--recursive") ? `every object under ${target}` : target}`,
          "object:delete",
        );
      return;
    case "rb":
      an.destroys(
        `aws s3 rb deletes the bucket ${target}${has(c, "--force") ? " and every object in it" : ""}`,
        "bucket:delete",
      );
      return;
    case "sync":
      if (has(c, "--delete"))
        an.destroys(
          `aws s3 sync --delete removes objects under ${target} missing from the source`,
          "object:delete",
        );
      return;
    case "mv":
    case "cp":
    case "ls":
    case "mb":
    case "presign":
      return;
  }
}

function ssmSendCommand(c: AwsCall, an: Analysis): void {
  const params = flagValue(c, "--parameters") ?? "";
  const m = /commands\s*[=:]\s*\[?(.*?)\]?\s*}?\s*$/is.exec(params);
  if (!m) {
    an.uncertain("ssm send-command runs commands on instances the guard cannot see", false);
    return;
  }
  const commands = m[1]!.split(/",\s*"/).map((s) => s.replace(/^\s*["']|["']\s*$/g, ""));
  for (const command of commands) an.nested.shell(command);
}

/** Secrets Manager and Parameter Store keep the value a write replaces as an earlier version. */
function secretWrite(c: AwsCall, an: Analysis): boolean {
  const shown = `aws ${c.service} ${c.operation}`;
  if (c.service === "secretsmanager" && /^(put-secret-value|update-secret)$/.test(c.operation))
    judgeSecretWrite(shown, "Secrets Manager keeps the earlier value as its AWSPREVIOUS version", "", an);
  else if (c.service === "ssm" && c.operation === "put-parameter" && has(c, "--overwrite"))
    judgeSecretWrite(shown, "Parameter Store keeps the parameter's earlier versions in its history", "", an);
  else return false;
  return true;
}

/** Operations that only read. */
const READ_ONLY_OPERATION =
  /^(?:describe|list|get|head|lookup|search|query|scan|select|batch-get|estimate|validate|test|simulate|preview)(?:-|$)/;

const SQL_FLAGS = ["--query-string", "--sql", "--sqls", "--query-statement", "--statement"];
const SAVES_QUERY = /^(?:create|update)-(?:named-query|prepared-statement)$/;

function readCarriedSql(call: AwsCall, an: Analysis): void {
  for (const flag of SQL_FLAGS) {
    // Equals-joined (`--sql=…`) values have no list entry.
    const values = call.lists.get(flag) ?? [flagValue(call, flag)];
    for (const sql of values) {
      if (typeof sql !== "string") continue;
      const file = valueFile(sql);
      if (file) unseenSql(an, `aws ${call.service} ${call.operation}`, file);
      else an.nested.sql(sql);
    }
  }
}

/**
 * `aws rds delete-db-instance help`: an operation, or a customised command, whose only argument is `help` prints its
 * help page. s3's own commands are left out: their parser takes paths first.
 */
const asksForHelpPage = (service: string, rest: readonly string[]): boolean =>
  service !== "s3" && rest.length === 1 && rest[0] === "help";

function aws(inv: Invocation, an: Analysis): void {
  const global = parseArgs(inv.args, { valueFlags: GLOBAL_VALUES, stopAtPositional: true });
  const [service, operation, ...rest] = global.rest;
  if (!service || !operation) return;
  if (asksForHelpPage(service, rest)) {
    an.harmless(`aws ${service} ${operation} help only prints the help page`);
    return;
  }
  const call: AwsCall = { service, operation, ...readOperationArgs(rest), text: rest.join(" ") };
  // Prints a JSON or YAML template of the input, or a sample of the output, and calls nothing.
  if (has(call, "--generate-cli-skeleton")) {
    an.harmless(`aws ${service} ${operation} --generate-cli-skeleton only prints a template`);
    return;
  }
  if (has(call, "--dry-run")) {
    an.harmless(`aws ${service} ${operation} --dry-run changes nothing`);
    return;
  }
  const before = an.findings.length;
  // Parameters from a file: protections switched off or a restore's target may be in it, out of the guard's sight.
  const input = flagValue(call, "--cli-input-json") ?? flagValue(call, "--cli-input-yaml");
  if (typeof input === "string" && /^fileb?:\/\//.test(input) && !READ_ONLY_OPERATION.test(operation))
    an.uncertain(
      `aws ${service} ${operation} takes its parameters from ${input}, which the guard cannot read`,
      false,
    );
  for (const rule of SAFETY_NET_RULES) if (rule.when(call)) rule.apply(call, an);
  if (service === "s3") {
    s3(call, an);
    return;
  }
  if (service === "ssm" && operation === "send-command") ssmSendCommand(call, an);
  // SQL carried in a query service's flags: Athena, Redshift Data, RDS Data, Timestream, Keyspaces. A named query
  // or prepared statement is only stored: what runs it later is judged then.
  // CloudWatch Logs Insights (`logs start-query --query-string 'fields … | filter …'`) has no statement that writes.
  if (!SAVES_QUERY.test(operation) && service !== "logs") readCarriedSql(call, an);
  if (service === "logs" && operation === "put-retention-policy") {
    const days = Number(flagValue(call, "--retention-in-days"));
    if (Number.isFinite(days) && days < 30)
      an.destroys(
        `logs put-retention-policy keeps only ${days} day(s): older log events are deleted`,
        "log:delete",
      );
  }
  if (/Action\W+DELETE/.test(call.text))
    an.destroys(`${service} ${operation} includes a DELETE change`, "record:delete");
  if (service === "dynamodb" && /^(?:batch-write-item|transact-write-items)$/.test(operation)) {
    const items = flagValue(call, "--request-items") ?? flagValue(call, "--transact-items") ?? "";
    if (/DeleteRequest|"Delete"|\bDelete\s*=/.test(items))
      an.destroys(`dynamodb ${operation} deletes items`, "item:delete");
    else if (!items || /^fileb?:\/\//.test(items))
      an.uncertain(
        `dynamodb ${operation} writes items from ${items || "input"} the guard cannot read`,
        true,
        "item:delete",
      );
  }
  if (operation === "cancel-spot-fleet-requests" && has(call, "--terminate-instances"))
    an.destroys(
      "ec2 cancel-spot-fleet-requests --terminate-instances terminates the fleet's instances",
      "instance:delete",
    );
  if (an.findings.length > before) return;
  if (secretWrite(call, an)) return;

  const words = splitWords(operation);
  const verb = words[0] === "batch" ? (words[1] ?? "") : (words[0] ?? "");
  const resourceWords = words.slice(words[0] === "batch" ? 2 : 1);
  if (operation === "schedule-key-deletion") {
    an.destroys("schedule-key-deletion makes everything encrypted with the key unrecoverable", "key:delete");
  } else if (
    DELETE_VERBS.has(verb) &&
    !HARMLESS_AFTER_CANCEL.test(operation) &&
    verb !== "release" &&
    verb !== "cancel"
  ) {
    const resource = resourceName(resourceWords);
    if (namesSafetyNet(operation))
      an.destroysSafetyNet(`aws ${service} ${operation} deletes a safety net`, action(resource, "delete"));
    else an.destroys(`aws ${service} ${operation}`, action(resource, "delete"));
  } else if (verb === "disable" || verb === "deactivate" || operation === "stop-logging") {
    const resource = resourceName(resourceWords);
    if (namesSafetyNet(operation))
      an.destroysSafetyNet(
        `aws ${service} ${operation} switches a safety net off`,
        action(resource, "disable"),
      );
    else an.destroys(`aws ${service} ${operation} switches a protection off`, action(resource, "disable"));
  } else if (verb === "close" && resourceWords.join("-") === "account") {
    // Organizations' close-account: the member account and every resource in it are shut down and then deleted.
    an.destroys(
      `aws ${service} ${operation} closes the account, ending every resource in it`,
      "account:close",
    );
  } else if (operation === "purge-queue" || (service === "sqs" && verb === "purge")) {
    an.destroys("sqs purge-queue deletes every message", "queue:purge");
  } else if (/^(create|copy)-.*(snapshot|backup)/.test(operation) || operation === "start-backup-job") {
    an.harmless(
      `aws ${service} ${operation} takes a backup`,
      namesSafetyNet(operation) && operation.includes("snapshot") ? "snapshot:create" : "backup:create",
    );
  }
}

/**
 * The service and operation name what aws does; the verb is not always first (`cognito-idp admin-delete-user`,
 * `rds reset-db-parameter-group`). The rest are option values.
 */
const awsJudged = withSubcommandWords(aws, (inv) =>
  parseArgs(inv.args, { valueFlags: GLOBAL_VALUES, stopAtPositional: true }).rest.slice(0, 2),
);

export const awsCommands: CommandTable = { aws: awsJudged, awslocal: awsJudged };
