// Hosting platforms and their CLIs: railway, fly, heroku, supabase, vercel, netlify, doctl, hcloud, linode, vultr,
// openstack, oci, gh, wrangler, vault; and Algolia's.
import type { Analysis } from "../analysis.ts";
import { flagSet, type ParsedArgs, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, tailWords } from "../command.ts";
import { unseenSql } from "../unseen-sql.ts";
import { sqlFromStdin } from "./databases.ts";
import { secretWrite, vaultSecretWrites } from "./secret-writes.ts";
import { leadingWords } from "./unjudged-words.ts";
import { type VerbRule, verbCli } from "./verb-cli.ts";

/** `railway run cmd`, `heroku run cmd`: the command runs with the platform's credentials. */
const runsCommand = (sub: string, valueFlags: readonly string[] = []): VerbRule => ({
  when: (c) => c.inv.args.includes(sub) && c.path.concat(c.verb)[0] === sub,
  apply: (c) => {
    const from = c.inv.args.indexOf(sub);
    const parsed = parseArgs(c.inv.args.slice(from + 1), {
      valueFlags: flagSet(...valueFlags),
      stopAtPositional: true,
    });
    const words = tailWords(c.inv, parsed.rest.length);
    if (words.length) c.inv.run(words);
  },
  final: true,
});

const railway = verbCli("railway", {
  valueFlags: ["-s", "--service", "-e", "--environment", "-p", "--project"],
  verbs: { down: "destructive", up: "harmless", redeploy: "harmless" },
  rules: [
    runsCommand("run", ["-s", "--service", "-e", "--environment"]),
    {
      when: (c) => c.verb === "down",
      apply: (_c, an) => an.destroys("railway down removes the latest deployment", "deployment:delete"),
      final: true,
    },
    {
      when: (c) => c.verb === "up",
      apply: (_c, an) => an.harmless("railway up deploys", "deploy:create"),
      final: true,
    },
  ],
});

const fly = verbCli("fly", {
  valueFlags: ["-a", "--app", "-c", "--config", "-r", "--region", "-o", "--org", "-i", "--image"],
  rules: [
    secretWrite(/^secrets (?:set|import)\b/, null, "Fly keeps no earlier value of a secret"),
    {
      when: (c) => c.path[0] === "ssh" && c.inv.args.some((a) => a === "-C" || a === "--command"),
      apply: (c, an) => {
        const parsed = parseArgs(c.inv.args, {
          valueFlags: flagSet("-C", "--command", "-a", "--app", "-s", "--select"),
        });
        const command = parsed.value("-C", "--command");
        if (command) an.nested.shell(command);
      },
      final: true,
    },
    {
      when: (c) => c.verb === "deploy",
      apply: (_c, an) => an.harmless("fly deploy", "deploy:create"),
      final: true,
    },
    {
      // pg_restore's --clean: each object the dump holds is dropped from the target before it is recreated.
      when: (c) =>
        (c.path[0] === "postgres" || c.path[0] === "pg") &&
        c.inv.args.includes("import") &&
        c.inv.args.includes("--clean"),
      apply: (_c, an) =>
        an.destroys(
          "fly postgres import --clean drops the target's objects before importing",
          "database:overwrite",
        ),
      final: true,
    },
  ],
});

const heroku = verbCli("heroku", {
  colonSeparated: true,
  valueFlags: ["-a", "--app", "-r", "--remote", "--confirm"],
  verbs: {
    capture: "harmless",
    restore: "destructive",
    copy: "destructive",
    promote: "harmless",
    unschedule: "destructive",
  },
  rules: [
    runsCommand("run", ["-a", "--app", "-s", "--size", "-e", "--env"]),
    secretWrite(/^config:set\b/, "Heroku keeps the earlier config vars in its releases (heroku rollback)"),
    {
      when: (c) =>
        c.path[0] === "pg" && c.path[1] === "backups" && (c.verb === "restore" || c.verb === "copy"),
      apply: (_c, an) =>
        an.destroys(
          "heroku pg:backups:restore overwrites the database with the backup",
          "database:overwrite",
        ),
      final: true,
    },
    {
      when: (c) => c.path[0] === "pg" && c.verb === "copy",
      apply: (_c, an) => an.destroys("heroku pg:copy overwrites the target database", "database:overwrite"),
      final: true,
    },
    {
      when: (c) => c.path[0] === "pg" && c.path[1] === "backups" && c.verb === "capture",
      apply: (_c, an) => an.harmless("heroku pg:backups:capture takes a backup", "backup:create"),
      final: true,
    },
    {
      // `psql` is no verb, so it stays in the path (`pg:psql` splits into pg, psql).
      when: (c) => c.path[0] === "pg" && (c.verb === "psql" || c.path[1] === "psql"),
      apply: (c, an) => {
        const parsed = parseArgs(c.inv.args, {
          valueFlags: flagSet("-c", "--command", "-a", "--app", "-f", "--file"),
        });
        for (const sql of parsed.values("-c", "--command")) an.nested.sql(sql, "postgres");
        for (const file of parsed.values("-f", "--file")) unseenSql(an, "heroku pg:psql", file);
      },
      final: true,
    },
  ],
});

const supabase = verbCli("supabase", {
  valueFlags: [
    "--project-ref",
    "--db-url",
    "-p",
    "--password",
    "--workdir",
    "-o",
    "--output",
    "--schema",
    "-s",
  ],
  verbs: { push: "harmless", start: "harmless", stop: "harmless", deploy: "harmless" },
  rules: [
    secretWrite(/^secrets set\b/, null, "Supabase keeps no earlier value of a secret"),
    {
      when: (c) => c.path[0] === "db" && c.verb === "reset",
      apply: (_c, an) =>
        an.destroys("supabase db reset recreates the database, wiping its data", "database:reset"),
      final: true,
    },
    {
      when: (c) => c.path[0] === "stop" || (c.verb === "stop" && c.inv.args.includes("--no-backup")),
      apply: (c, an) => {
        if (c.inv.args.includes("--no-backup"))
          an.destroys("supabase stop --no-backup deletes the local database volumes", "volume:delete");
      },
      final: true,
    },
  ],
});

const vercel = verbCli("vercel", {
  valueFlags: ["--token", "--scope", "-t", "-S", "--cwd"],
  verbs: { promote: "harmless", rollback: "harmless" },
});
const netlify = verbCli("netlify", { colonSeparated: true, valueFlags: ["--site", "--auth", "--dir", "-d"] });
/** Rebuilding or reinstalling a server, or restoring an image onto it, writes a fresh disk over the one it has. */
const REBUILDS = { rebuild: "destructive", reinstall: "destructive", restore: "destructive" } as const;
const doctl = verbCli("doctl", {
  valueFlags: ["--context", "-t", "--access-token", "-o", "--output", "--format", "--region"],
  verbs: REBUILDS,
  rules: [
    {
      // Untagged manifests may still be pulled by digest; garbage collection deletes them for good.
      when: (c) =>
        c.path.concat(c.verb).includes("garbage-collection") &&
        c.inv.args.includes("start") &&
        c.inv.args.includes("--include-untagged-manifests"),
      apply: (_c, an) =>
        an.destroys(
          "doctl registry garbage-collection start --include-untagged-manifests deletes untagged manifests",
          "image:delete",
        ),
      final: true,
    },
  ],
});
const hcloud = verbCli("hcloud", {
  valueFlags: ["--context", "-o", "--output", "--config"],
  verbs: REBUILDS,
});
const linode = verbCli("linode-cli", {
  valueFlags: ["--region", "--label", "--type", "--image"],
  verbs: REBUILDS,
  rules: [
    {
      // With overwrite the target Linode's disks and configs are deleted first; without it the backup's are added.
      when: (c) => c.inv.args.includes("backup-restore"),
      apply: (c, an) => {
        const overwrite = parseArgs(c.inv.args, { valueFlags: flagSet("--overwrite") }).value("--overwrite");
        if (overwrite === "true")
          an.destroys(
            "linode-cli linodes backup-restore --overwrite true deletes the target's disks first",
            "disk:overwrite",
          );
        else an.harmless("linode-cli linodes backup-restore adds the backup's disks", "disk:create");
      },
      final: true,
    },
  ],
});
const vultr = verbCli("vultr-cli", { valueFlags: ["-o", "--output", "--config"], verbs: REBUILDS });
const openstack = verbCli("openstack", {
  valueFlags: [
    "--os-cloud",
    "--os-project-name",
    "--os-region-name",
    "-f",
    "--format",
    "-c",
    "--column",
    "--image",
  ],
  // `openstack server restore` brings a soft-deleted server back: only rebuild writes over a disk.
  verbs: { rebuild: "destructive" },
  rules: [
    {
      // Reverting a volume or share to its snapshot loses every write made since.
      when: (c) => (c.path[0] === "volume" || c.path[0] === "share") && c.inv.args.includes("revert"),
      apply: (c, an) =>
        an.destroys(
          `openstack ${c.path[0]} revert rolls the ${c.path[0]} back to its snapshot: later writes are lost`,
          `${c.path[0]}:overwrite`,
        ),
      final: true,
    },
    {
      when: (c) => c.path[0] === "volume" && c.path[1] === "backup" && c.inv.args.includes("restore"),
      apply: (c, an) => openstackBackupRestore(c.inv.args, an),
      final: true,
    },
  ],
});

/**
 * `openstack volume backup restore BACKUP [VOLUME] [--force]`: with --force the backup is written over an existing
 * volume. A named volume without it is a new one on current clients, which refuse an existing one, but older clients
 * restored over it: asked. With no volume, a new one is made.
 */
function openstackBackupRestore(args: readonly string[], an: Analysis): void {
  const operands = args.slice(args.indexOf("restore") + 1).filter((a) => !a.startsWith("-"));
  if (args.includes("--force"))
    an.destroys(
      `openstack volume backup restore --force writes the backup over volume ${operands[1] ?? ""}`.trim(),
      "volume:overwrite",
    );
  else if (operands[1])
    an.uncertain(
      `openstack volume backup restore into ${operands[1]}: older clients write the backup over an existing volume`,
      true,
      "volume:overwrite",
    );
  else an.harmless("openstack volume backup restore makes a new volume", "volume:create");
}
/** `oci kms management vault schedule-deletion`, `oci vault secret schedule-secret-deletion`: gone when the wait ends. */
const SCHEDULES_DELETION = /^schedule-(?:[a-z]+-)*deletion$/;
/**
 * PlanetScale: `pscale shell DB BRANCH` runs the MySQL on its stdin, and `database restore-dump --overwrite-tables`
 * drops each table the dump holds before loading it; the rest by their verbs.
 */
const pscale = verbCli("pscale", {
  valueFlags: ["--org", "--service-token", "--service-token-id", "-f", "--format", "--dir"],
  rules: [
    {
      when: (c) => c.path[0] === "shell",
      apply: (c, an) => sqlFromStdin(c.inv, an, "mysql"),
      final: true,
    },
    {
      when: (c) =>
        c.path[0] === "database" && c.path[1] === "restore-dump" && c.parsed.has("--overwrite-tables"),
      apply: (_c, an) =>
        an.destroys(
          "pscale database restore-dump --overwrite-tables drops the tables before loading them",
          "table:overwrite",
        ),
      final: true,
    },
  ],
});

/** Neon: a branch restored to a point in its own history loses what came after, unless it is kept under a name. */
const neonctl = verbCli("neonctl", {
  valueFlags: ["--project-id", "--api-key", "-o", "--output", "--context-file", "--preserve-under-name"],
  rules: [
    {
      when: (c) => c.path[0] === "branches" && c.inv.args.includes("restore"),
      apply: (c, an) =>
        c.parsed.has("--preserve-under-name")
          ? an.harmless("neonctl branches restore keeps the branch's current state under another name")
          : an.destroys(
              "neonctl branches restore rewinds the branch: what was written after that point is lost",
              "branch:overwrite",
            ),
      final: true,
    },
  ],
});
const oci = verbCli("oci", {
  valueFlags: ["--profile", "--region", "--config-file", "--output", "--query", "-c", "--compartment-id"],
  rules: [
    {
      // These print the JSON a call would take and make no call.
      when: (c) =>
        leadingWords(c.inv.args).some(
          (a) => a === "--generate-full-command-json-input" || a.startsWith("--generate-param-json-input"),
        ),
      apply: (_c, an) => an.harmless("oci --generate-…-json-input only prints the input the call would take"),
      final: true,
    },
    {
      when: (c) => c.inv.args.some((a) => SCHEDULES_DELETION.test(a)),
      apply: (c, an) =>
        an.destroys(
          `oci ${c.inv.args.find((a) => SCHEDULES_DELETION.test(a))} deletes the resource when its waiting period ends`,
          "resource:delete",
        ),
      final: true,
    },
  ],
});
/** Firebase commands that write over what is there, by their full colon-joined name. */
const FIREBASE_OVERWRITES: Readonly<Record<string, [reason: string, action: string]>> = {
  "database:set": ["replaces everything at the path", "record:overwrite"],
  // The Auth API overwrites an account whose uid the file also holds: its password hash, email and providers.
  "auth:import": ["overwrites each existing user whose uid the file holds", "user:overwrite"],
};

const firebase = verbCli("firebase", {
  colonSeparated: true,
  valueFlags: ["--project", "-P", "--token", "--only", "--except", "--hash-algo", "--hash-key", "--rounds"],
  rules: [
    {
      when: (c) => FIREBASE_OVERWRITES[c.parsed.positionals[0] ?? ""] !== undefined,
      apply: (c, an) => {
        const command = c.parsed.positionals[0]!;
        const [reason, actionName] = FIREBASE_OVERWRITES[command]!;
        an.destroys(`firebase ${command} ${reason}`, actionName);
      },
      final: true,
    },
  ],
});

/** Flags of `gh api` that take a value; `gh` itself also takes these (and -R/--repo) before the subcommand. */
const GH_API_VALUE_FLAGS = [
  "-X",
  "--method",
  "-H",
  "--header",
  "-f",
  "--field",
  "-F",
  "--raw-field",
  "--input",
  "--hostname",
  "-q",
  "--jq",
  "-t",
  "--template",
];

const gh = verbCli("gh", {
  valueFlags: [
    "-R",
    "--repo",
    ...GH_API_VALUE_FLAGS,
    // Search terms and filters, whose values are no verbs (`gh pr list --search delete`).
    "--search",
    "--label",
    "--state",
    "--limit",
    "--author",
    "--assignee",
    "--base",
    "--head",
    "--title",
    "--body",
    "--json",
    "--milestone",
    "--reviewer",
    "--workflow",
    "--branch",
    "--event",
    "--status",
    "--user",
    "--commit",
    "--owner",
    "--topic",
    "--visibility",
    "--sort",
    "--order",
    "--match",
    "--org",
    "--mention",
    "--created",
    "--language",
    "--app",
    "--env",
  ],
  verbs: { close: "harmless", merge: "harmless", archive: "harmless" },
  rules: [
    secretWrite(/^secret set\b/, null, "GitHub keeps no earlier value of a secret"),
    {
      // Closing a pull request unmerged and deleting its branch loses the commits only that branch held; after a
      // merge (`gh pr merge -d`) the base keeps them.
      when: (c) => c.path[0] === "pr" && c.verb === "close" && c.parsed.has("-d", "--delete-branch"),
      apply: (_c, an) =>
        an.destroys(
          "gh pr close --delete-branch deletes the unmerged branch of the pull request, with the commits only it holds",
          "branch:delete",
        ),
      final: true,
    },
    {
      // Actions caches are rebuilt by the next run that misses them (`gh cache`, and the older `gh actions-cache`).
      when: (c) => /^(?:actions-)?cache$/.test(c.inv.args.find((a) => !a.startsWith("-")) ?? ""),
      apply: (_c, an) => an.harmless("gh cache delete removes a regenerable CI cache"),
      final: true,
    },
    apiRequest("https://api.github.com"),
  ],
});

/**
 * `gh api PATH` and `glab api PATH`: the request they send, a POST when fields are given, `graphql` as GraphQL. A
 * relative path is the forge's REST API.
 */
function apiRequest(base: string): VerbRule {
  return {
    when: (c) => c.inv.args[0] === "api",
    apply: (c, an) => {
      const parsed = parseArgs(c.inv.args.slice(1), {
        valueFlags: flagSet(...GH_API_VALUE_FLAGS, "--cache"),
      });
      const fields = parsed.values("-f", "--field", "-F", "--raw-field");
      const method =
        parsed.value("-X", "--method") ?? (fields.length || parsed.has("--input") ? "POST" : "GET");
      const path = parsed.positionals[0] ?? "";
      if (path === "graphql") {
        const query = fields.find((f) => f.startsWith("query="))?.slice("query=".length);
        if (query) an.nested.graphql(query);
        return;
      }
      an.nested.http({
        method,
        url: path.startsWith("http") ? path : `${base}/${path.replace(/^\//, "")}`,
        body: fields.join("&"),
      });
    },
    final: true,
  };
}

/** GitLab's CLI: its verbs as gh's are read, and `glab api` as the request it sends. */
const glab = verbCli("glab", {
  valueFlags: ["-R", "--repo", "-g", "--group", ...GH_API_VALUE_FLAGS],
  rules: [apiRequest("https://gitlab.com/api/v4")],
});

/** rclone dedupe's modes that keep one copy and delete the others; interactive (the default), rename and list do not. */
const DEDUPE_DELETES = /^(?:newest|oldest|largest|smallest|first|skip)$/;

function dedupeDeletes(args: readonly string[], operands: readonly string[]): boolean {
  const at = args.findIndex((a) => a === "--dedupe-mode" || a.startsWith("--dedupe-mode="));
  const mode = at < 0 ? operands[0] : args[at]!.includes("=") ? args[at]!.split("=")[1] : args[at + 1];
  return DEDUPE_DELETES.test(mode ?? "");
}

const wrangler = verbCli("wrangler", {
  valueFlags: ["--env", "-e", "--config", "-c", "--command", "--file", "--name"],
  rules: [
    secretWrite(/^(?:pages )?secret (?:put|bulk)\b/, null, "Cloudflare keeps no earlier value of a secret"),
    {
      // Time Travel restores the database as it was at an earlier moment: every write since then is lost.
      when: (c) =>
        c.path[0] === "d1" && c.path[1] === "time-travel" && [...c.path, c.verb].includes("restore"),
      apply: (c, an) => {
        const words = [...c.path, c.verb, ...c.names].filter(Boolean);
        const database = words[words.indexOf("restore") + 1] ?? "the database";
        an.destroys(
          `wrangler d1 time-travel restore rewinds ${database}: later writes are lost`,
          "database:overwrite",
        );
      },
      final: true,
    },
    {
      when: (c) => c.path[0] === "d1" && (c.verb === "execute" || c.path[1] === "execute"),
      apply: (c, an) => {
        const parsed = parseArgs(c.inv.args, {
          valueFlags: flagSet("--command", "--file", "--env", "-e", "--config", "-c"),
        });
        const sql = parsed.value("--command");
        if (sql) an.nested.sql(sql, "sqlite");
        else if (parsed.value("--file")) unseenSql(an, "wrangler d1 execute", parsed.value("--file")!);
      },
      final: true,
    },
  ],
});

const vault = verbCli("vault", {
  singleDashLong: true,
  valueFlags: [
    "-address",
    "-namespace",
    "-format",
    "-field",
    "-mount",
    "-path",
    "-versions",
    "-output-curl-string",
  ],
  verbs: { destroy: "destructive", revoke: "destructive" },
  safetyNetWords: /(^|\s)audit(\s|$)/,
  rules: [
    ...vaultSecretWrites,
    {
      when: (c) => c.path.includes("snapshot") && c.verb !== "save" && c.inv.args.includes("restore"),
      apply: (_c, an) =>
        an.destroys(
          "vault operator raft snapshot restore replaces all of Vault's data",
          "database:overwrite",
        ),
      final: true,
    },
  ],
});

function vaultDisable(inv: Invocation, an: Analysis): void {
  // `vault secrets disable path/` deletes every secret under the mount; `vault audit disable` stops the audit log.
  const [group, verb, path] = inv.args.filter((a) => !a.startsWith("-"));
  if (verb !== "disable") vault(inv, an);
  else if (group === "audit")
    an.destroysSafetyNet(`vault audit disable ${path ?? ""} stops the audit log`.trim(), "audit-log:disable");
  else if (group === "secrets")
    an.destroys(
      `vault secrets disable ${path ?? ""} deletes every secret in the mount`.trim(),
      "variable:delete",
    );
  else vault(inv, an);
}

/**
 * Algolia: `indices clear` and `rules|synonyms clear` delete every record, rule or synonym; `indices copy` and
 * `indices move` replace the destination index when it exists.
 */
const algolia = verbCli("algolia", {
  valueFlags: [
    "--profile",
    "-p",
    "--application-id",
    "--api-key",
    "-o",
    "--output",
    "-F",
    "--file",
    "-s",
    "--scope",
  ],
  verbs: { copy: "destructive", move: "destructive" },
  rules: [
    {
      when: (c) => c.verb === "" && c.path.includes("import"),
      apply: (c, an) => algoliaImport(c.path.slice(0, c.path.indexOf("import")).join(" "), c.parsed, an),
      final: true,
    },
  ],
});

/**
 * What each `algolia … import` clears before it loads the file, by the flag that says so (each command spells it
 * with its own short letter).
 */
const ALGOLIA_IMPORT_CLEARS: Readonly<Record<string, [flags: string[], what: string][]>> = {
  rules: [[["-c", "--clear-existing-rules"], "rule"]],
  synonyms: [[["-r", "--replace-existing-synonyms"], "synonym"]],
  "indices config": [
    [["-r", "--clear-existing-rules"], "rule"],
    [["-o", "--clear-existing-synonyms"], "synonym"],
  ],
};

/**
 * `algolia objects import` saves each record whole: one whose objectID the index holds is replaced, attributes the
 * file lacks included. Rules, synonyms and configuration are imported beside what is there unless a flag clears it.
 */
function algoliaImport(group: string, parsed: ParsedArgs, an: Analysis): void {
  if (parsed.has("--dry-run")) {
    an.harmless(`algolia ${group} import --dry-run sends nothing`);
    return;
  }
  if (group === "objects") {
    an.destroys(
      "algolia objects import replaces the records whose objectID the index holds",
      "record:overwrite",
    );
    return;
  }
  const cleared = (ALGOLIA_IMPORT_CLEARS[group] ?? []).filter(([flags]) => switchedOn(parsed, flags));
  if (cleared.length)
    for (const [flags, what] of cleared)
      an.destroys(
        `algolia ${group} import ${flags[1]} deletes every ${what} of the index first`,
        `${what}:delete`,
      );
  else an.harmless(`algolia ${group} import adds to what is there`);
}

/** A boolean switch given and not set to false (`--clear-existing-rules=false`). */
function switchedOn(parsed: ParsedArgs, names: readonly string[]): boolean {
  return parsed.flags.some(([name, value]) => names.includes(name) && value !== "false");
}

export const paasCommands: CommandTable = {
  algolia,
  railway,
  fly,
  flyctl: fly,
  heroku,
  supabase,
  vercel,
  netlify,
  doctl,
  hcloud,
  "linode-cli": linode,
  "vultr-cli": vultr,
  openstack,
  neonctl,
  pscale,
  oci,
  firebase,
  gh,
  glab,
  wrangler,
  vault: vaultDisable,
  render: verbCli("render", { valueFlags: ["-o", "--output"] }),
  // Dokku's commands are Heroku's shape: `apps:destroy`, `config:unset`, `postgres:destroy`, `postgres:export`.
  dokku: verbCli("dokku", { colonSeparated: true }),
  scw: verbCli("scw", { valueFlags: ["-o", "--output", "-p", "--profile"] }),
  rclone: (inv, an) => {
    const [sub, ...operands] = inv.args.filter((a) => !a.startsWith("-"));
    const dry = inv.args.some((a) => a === "--dry-run" || a === "-n");
    if (dry) {
      an.harmless(`rclone${sub ? ` ${sub}` : ""} --dry-run changes nothing`);
      return;
    }
    if (sub && /^(delete|deletefile|purge|rmdir|rmdirs|cleanup)$/.test(sub))
      an.destroys(`rclone ${sub} deletes remote files`, "object:delete");
    else if (sub === "sync" || sub === "bisync")
      an.destroys(`rclone ${sub} deletes destination files missing from the source`, "object:delete");
    else if (sub === "dedupe" && dedupeDeletes(inv.args, operands))
      an.destroys("rclone dedupe keeps one copy of each duplicate and deletes the rest", "object:delete");
  },
  s3cmd: (inv, an) => {
    const sub = inv.args.find((a) => !a.startsWith("-"));
    // `-n`/`--dry-run` is one of s3cmd's global options: it lists what would be sent or deleted and does neither.
    if (inv.args.some((a) => a === "--dry-run" || a === "-n")) {
      an.harmless(`s3cmd${sub ? ` ${sub}` : ""} --dry-run changes nothing`);
      return;
    }
    if (sub && /^(del|rm|rb|delete)$/.test(sub))
      an.destroys(
        `s3cmd ${sub} deletes ${sub === "rb" ? "a bucket" : "objects"}`,
        sub === "rb" ? "bucket:delete" : "object:delete",
      );
    else if (sub === "sync" && inv.args.includes("--delete-removed"))
      an.destroys("s3cmd sync --delete-removed deletes destination objects", "object:delete");
  },
};
