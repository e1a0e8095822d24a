// Shared words: which verbs destroy, which resources are safety nets, and how to name an action `resource:verb`.

/** Verbs that delete, overwrite or make data unrecoverable when they are the operation itself. */
export const DESTRUCTIVE_VERBS: ReadonlySet<string> = new Set([
  "delete",
  "delete-batch",
  "del",
  "remove",
  "rm",
  "destroy",
  "drop",
  "purge",
  "wipe",
  "erase",
  "truncate",
  "terminate",
  "nuke",
  "obliterate",
  "shred",
  "uninstall",
  "deregister",
  "flush",
  "flushall",
  "flushdb",
  "prune",
  "unset",
  "reset",
  "clear",
  "teardown",
  "rb",
  "unpublish",
]);

/** Verbs that switch a protection off. */
export const DISABLING_VERBS: ReadonlySet<string> = new Set([
  "disable",
  "deactivate",
  "suspend",
  "stop-logging",
  "bypass",
]);

/** Verbs that only read. */
export const READ_VERBS: ReadonlySet<string> = new Set([
  "get",
  "list",
  "ls",
  "describe",
  "show",
  "status",
  "view",
  "read",
  "info",
  "inspect",
  "search",
  "lookup",
  "query",
  "logs",
  "log",
  "top",
  "diff",
  "plan",
  "preview",
  "validate",
  "explain",
  "history",
  "output",
  "whoami",
  "version",
  "help",
  "watch",
  "tail",
  "head",
  "check",
  "test",
  "export",
  "download",
  "dump",
]);

/**
 * Destructive-sounding words, as whole words of any text (`velero backup delete`, `terminate-cluster`): what makes a
 * command the rules do not judge uncertain. A second factor switched off (`npm profile disable-2fa`) counts too.
 */
export const DESTRUCTIVE_WORD =
  /(^|[^a-z])(delete|del|destroy|drop|purge|wipe|truncate|nuke|erase|teardown|obliterate|shred|flush|flushall|flushdb|format|reset|remove|rm|uninstall|prune|clobber|overwrite|unlink|rmrf|rmr|deltree|terminate|deregister|unpublish|cleanse|expunge|decommission|deprovision|(?:delete|destroy|drop|purge|wipe|remove|erase)all|(?:disable|deactivate|remove)-?(?:2fa|mfa|tfa|two-?factor|totp))([^a-z]|$)/i;

/**
 * Options a tool demands before it destroys, and only then: `--yes-i-really-mean-it` (ceph), `--please-destroy-my-drive`
 * and `--yes-i-know-what-i-am-doing` (hdparm), `--accept-data-loss`.
 */
const DESTRUCTION_CONFIRMED =
  /^--?[\w-]*(?:really-(?:really-)*mean-it|know-what-(?:i-am|im|you-are)-doing|destroy-my-|(?:accept|allow)-data-loss)/i;

/** The first argument that confirms a destruction the tool would otherwise refuse. */
export function confirmsDestruction(args: readonly string[]): string | undefined {
  return args.find((a) => DESTRUCTION_CONFIRMED.test(a));
}

/** The first destructive-sounding word in the text, lower-cased; API-style names (`DeleteDBInstance`) count too. */
export function destructiveWord(text: string): string | undefined {
  return DESTRUCTIVE_WORD.exec(camelCaseSplit(text))?.[2]?.toLowerCase();
}

/**
 * Words that destroy as a subcommand or option (`ceph-volume lvm zap`, `sgdisk --zap-all`) but also name harmless
 * programs (OWASP ZAP's `zap-cli`, `zap-baseline.py`): judged only among a call's arguments. Rolling a volume or
 * share back to its snapshot (`cinder revert-to-snapshot`, `manila revert-to-snapshot`) loses every later write.
 */
const DESTRUCTIVE_ARGUMENT_WORD = /(^|[^a-z])(zap|revert-to-snapshot)([^a-z]|$)/i;
/**
 * Verbs destructive only as a whole argument: too short to look for inside other words (`mc rb`, `s3cmd rb`), or
 * also a name or adjective inside them (`rq empty default` empties a queue; `empty.txt`, `--allow-empty` do not).
 */
const DESTRUCTIVE_ARGUMENT = /^(rb|empty)$/i;

/** An option that picks how output is printed (`--format json`, `-format=yaml`, `--output-format`), not a disk format. */
const OUTPUT_FORMAT_OPTION = /^--?(?:[\w-]*-)?format(?:=|$)/i;

/**
 * The first destructive-sounding word among a call's arguments, counting those that only destroy as arguments and
 * leaving out output-format options.
 */
export function destructiveArgumentWord(args: readonly string[]): string | undefined {
  return (
    destructiveWord(args.filter((a) => !OUTPUT_FORMAT_OPTION.test(a)).join(" ")) ??
    args
      .map((a) => DESTRUCTIVE_ARGUMENT_WORD.exec(a)?.[2] ?? DESTRUCTIVE_ARGUMENT.exec(a)?.[1])
      .find(Boolean)
      ?.toLowerCase()
  );
}

/** Words that name schema migrations, or a tool that only runs them (`umzug`, `yoyo`, `shmig`). */
const MIGRATION_WORD = /^(?:migrat\w*|umzug|yoyo|shmig)$/;
/** What a migration tool calls going back: each undoes what a migration made, dropping its tables and columns. */
const MIGRATION_REVERT = /^(?:down|rollback|revert|undo|redo|reset|fresh|refresh|downgrade)$/;

/**
 * The verb of a call that reverts schema migrations, for tools the rules do not know: glued to a migration word
 * (`migrate:down`, `migration:revert`, `migrateDown`) or a whole word of its own where another word or the program's
 * name names migrations (`db-migrate down`, `migrate-mongo down`, `sea-orm-cli migrate fresh`, `umzug down`). `down`
 * alone says nothing (`db:down` and `compose down` stop containers).
 */
export function revertsMigrations(words: readonly string[]): string | undefined {
  let migrations = false;
  let verb: string | undefined;
  for (const word of words) {
    const parts = splitWords(word);
    const migrationPart = parts.some((p) => MIGRATION_WORD.test(p));
    const revertPart = parts.find((p) => MIGRATION_REVERT.test(p));
    if (migrationPart && revertPart) return revertPart;
    migrations ||= migrationPart;
    if (!verb && MIGRATION_REVERT.test(word.toLowerCase())) verb = word.toLowerCase();
  }
  return migrations ? verb : undefined;
}

/**
 * Programs whose `format` lays out source code (`dart format .`, `dotnet format`, `prisma format`, `clang-format -i`),
 * and package managers, whose `format` and `format:check` scripts run the project's formatter: for them the word says
 * nothing about disks. Disk tools (`nvme format`, `mformat`, `fdformat`, `ubiformat`) are not among them, and keep it.
 */
const SOURCE_FORMATTERS = new Set(
  (
    "dart flutter gleam buf sqlfluff taplo csharpier prisma dotnet mix swift swift-format clang-format pg_format " +
    "ocamlformat elm-format google-java-format sql-formatter cmake-format yamlfmt mdformat biome rome crystal " +
    "npm yarn pnpm bun"
  ).split(" "),
);
const FORMAT_WORD = /(^|[^a-z])format(?=[^a-z]|$)/gi;

/** The call's words as the destructive-word checks should read them: a source formatter's `format` left out. */
export function wordsToJudge(program: string, words: readonly string[]): readonly string[] {
  return SOURCE_FORMATTERS.has(program) ? words.map((w) => w.replace(FORMAT_WORD, "$1")) : words;
}

/** `DeleteDBInstance` → `Delete DB Instance`: API-style action names (aliyun, tccli) carry their verb in camel case. */
export function camelCaseSplit(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
}

const SAFETY_NET_WORD =
  /(^|[^a-z])(backups?|bak|snapshots?|recovery-?points?|versioning|object-?lock|legal-?hold|retention|deletion-?protection|termination-?protection|audit|audit-?logs?|auditing|trails?|cloudtrail|pitr|point-?in-?time|continuous-?backups?|archive-?mode|wal-?archiving)([^a-z]|$)/;

/** True when the words name a safety net: backups, snapshots, versioning, object lock, deletion protection, audit logs, PITR. */
export function namesSafetyNet(text: string): boolean {
  return SAFETY_NET_WORD.test(text.toLowerCase());
}

/** Splits `volumeInstanceBackupDelete`, `delete_users_by_pk`, `delete-db-snapshot` into lower-case words. */
export function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const RESOURCE_ALIASES: [RegExp, string][] = [
  [/recovery-point|backup/, "backup"],
  [/snapshot/, "snapshot"],
  [/object-lock|legal-hold|retention/, "object-lock"],
  [/versioning/, "versioning"],
  [/deletion-protection|termination-protection/, "deletion-protection"],
  [/audit|trail/, "audit-log"],
  [
    /^(db|db-instance|db-cluster|databases?|sql-instances?|instances-sql|rds|pg|postgres|mysql|sql)$/,
    "database",
  ],
  [/^(volumes?|disks?|pvc|pv|persistentvolumeclaims?|persistentvolumes?|ebs)$/, "volume"],
  [/^(ns|namespaces?)$/, "namespace"],
  [/^(buckets?|s3)$/, "bucket"],
  [/^(variables?|vars?|config|configs|secrets?|env)$/, "variable"],
  [/^(services?|svc|apps?)$/, "service"],
  [/^(deployments?|deploys?)$/, "deployment"],
  [/^(environments?|envs?)$/, "environment"],
];

/** A catalogue-style resource name: singular, kebab-case, with common aliases folded (`db-snapshot` → `snapshot`). */
export function resourceName(words: readonly string[]): string {
  const joined = words.join("-");
  for (const [pattern, name] of RESOURCE_ALIASES) if (pattern.test(joined)) return name;
  const last = words.filter((w) => !/^\d+$/.test(w)).slice(-3);
  const name = last.map(singular).join("-");
  return /^[a-z][a-z0-9-]*$/.test(name) ? name : "resource";
}

export function singular(word: string): string {
  if (/(ss|us|is)$/.test(word)) return word;
  if (/(ch|sh|x|s)es$/.test(word)) return word.slice(0, -2);
  if (/ies$/.test(word)) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith("s")) return word.slice(0, -1);
  return word;
}

/** `resource:verb` with both halves made safe for the catalogue's name pattern. */
export function action(resource: string, verb: string): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^[^a-z]+|-+$/g, "") || "resource";
  return `${clean(resource)}:${clean(verb)}`;
}
