// Framework and migration tools (prisma, rails, django, artisan, knex, alembic, flyway…) and task runners
// (npm scripts, make targets): resets, drops and rollbacks destroy data; migrations can.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandAnalyzer, type CommandTable, type Invocation, stdinText } from "../command.ts";
import { unseenSql } from "../unseen-sql.ts";
import { literal } from "../word.ts";

interface MigrationTool {
  /** Subcommands (joined with spaces, e.g. "migrate reset") that destroy data. */
  destroys: RegExp;
  /** Subcommands that apply migrations. */
  migrates?: RegExp;
  valueFlags?: readonly string[];
}

const MIGRATION_REASON = "applies schema migrations, which can drop or rewrite data without asking";

function migrationTool(spec: MigrationTool): CommandAnalyzer {
  const valueFlags = flagSet(...(spec.valueFlags ?? []));
  return (inv, an) => {
    const parsed = parseArgs(inv.args, { valueFlags });
    const sub = parsed.positionals.join(" ");
    if (parsed.has("--help", "-h") || !sub) return;
    if (spec.destroys.test(sub))
      an.destroys(`${inv.name} ${sub} destroys or rolls back data`, "database:reset");
    else if (spec.migrates?.test(sub)) an.destroys(`${inv.name} ${sub} ${MIGRATION_REASON}`, "db:migrate");
  };
}

function prisma(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet("--schema", "--file", "--url", "--name", "--from-url", "--to-url"),
  });
  const sub = parsed.positionals.slice(0, 2).join(" ");
  if (sub === "migrate reset")
    an.destroys("prisma migrate reset drops the database and reapplies migrations", "database:reset");
  else if (sub === "db push") {
    if (parsed.has("--force-reset"))
      an.destroys("prisma db push --force-reset wipes the database", "database:reset");
    else if (parsed.has("--accept-data-loss"))
      an.destroys("prisma db push --accept-data-loss drops columns or tables without asking", "db:migrate");
  } else if (sub === "migrate deploy") an.destroys(`prisma migrate deploy ${MIGRATION_REASON}`, "db:migrate");
  else if (sub === "db execute") {
    if (parsed.has("--stdin")) {
      const sql = stdinText(inv);
      if (sql !== null) an.nested.sql(sql, "postgres");
      else an.uncertain("prisma db execute runs SQL from stdin the guard cannot read", false);
    } else if (parsed.value("--file")) unseenSql(an, "prisma db execute", parsed.value("--file")!);
  }
}

const RAILS_DESTROYS =
  /^db:(drop|reset|purge|truncate_all|schema:load|structure:load|migrate:reset|migrate:redo|migrate:down|rollback|seed:replant|fixtures:load|setup)(\b|:|$)/;

function rails(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-e", "--environment", "-b", "-p") });
  const [sub, ...rest] = parsed.positionals;
  if (!sub) return;
  if (inv.vars.get("DISABLE_DATABASE_ENVIRONMENT_CHECK")?.text === "1" && /^db:/.test(sub)) {
    an.destroys(
      "DISABLE_DATABASE_ENVIRONMENT_CHECK=1 switches off Rails' guard against destroying a production database",
      "database:reset",
    );
  }
  if (RAILS_DESTROYS.test(sub))
    an.destroys(
      `${inv.name} ${sub} destroys or replaces database contents`,
      sub.startsWith("db:drop") ? "database:delete" : "database:reset",
    );
  else if (/^db:migrate$|^db:migrate:up$/.test(sub))
    an.destroys(`${inv.name} ${sub} ${MIGRATION_REASON}`, "db:migrate");
  else if (sub === "runner" || sub === "r") {
    const code = rest.join(" ");
    if (code) an.nested.code("ruby", code);
  } else if (sub === "dbconsole" || sub === "db") {
    const sql = stdinText(inv);
    if (sql !== null) an.nested.sql(sql);
  } else if (sub === "tmp:clear" || sub === "assets:clobber" || sub === "log:clear")
    an.harmless(`${inv.name} ${sub} clears regenerable files`);
}

function django(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-c", "--command", "--settings", "--database") });
  const [sub, app, target] = parsed.positionals;
  if (sub === "flush" || sub === "reset_db" || sub === "reset_schema")
    an.destroys(`manage.py ${sub} deletes every row`, "database:reset");
  else if (sub === "migrate") {
    if (target === "zero")
      an.destroys(
        `manage.py migrate ${app} zero unapplies every migration, dropping its tables`,
        "database:reset",
      );
    else an.destroys(`manage.py migrate ${MIGRATION_REASON}`, "db:migrate");
  } else if (sub === "shell" && parsed.value("-c", "--command"))
    an.nested.code("python", parsed.value("-c", "--command")!);
  else if (sub === "dbshell") {
    const sql = stdinText(inv);
    if (sql !== null) an.nested.sql(sql);
  }
}

function artisan(inv: Invocation, an: Analysis): void {
  const sub = inv.args.find((a) => !a.startsWith("-")) ?? "";
  if (/^(migrate:(fresh|reset|refresh|rollback)|db:wipe)$/.test(sub))
    an.destroys(`artisan ${sub} drops or rolls back tables`, "database:reset");
  else if (sub === "migrate") an.destroys(`artisan migrate ${MIGRATION_REASON}`, "db:migrate");
  else if (sub === "tinker") {
    const code = inv.args.find((a) => a.startsWith("--execute="))?.slice("--execute=".length);
    if (code) an.nested.code("php", code);
  }
}

const SCRIPT_WORDS =
  /(^|[^a-z])(drop|reset|wipe|purge|destroy|truncate|nuke|teardown|fresh|rollback|undo|delete|remove|flush|erase|prune)([^a-z]|$)/i;

/** A package script or make target is opaque; its name is all there is to go on. */
function opaqueTarget(tool: string, target: string, an: Analysis): void {
  const word = SCRIPT_WORDS.exec(target)?.[2];
  if (word) an.uncertain(`${tool} ${target} runs a script whose name says "${word.toLowerCase()}"`, true);
}

const NPM_BUILTINS = new Set(
  "install i ci add remove rm uninstall un update up upgrade outdated ls list audit test t start build init create publish pack version view info login logout whoami config cache dedupe prune link unlink rebuild fund doctor help search ping why explain set-script pkg query dlx exec x".split(
    " ",
  ),
);

const PACKAGE_MANAGER_FLAGS = flagSet(
  "-w",
  "--workspace",
  "--filter",
  "-F",
  "-C",
  "--cwd",
  "--dir",
  "--prefix",
);
/** A file bun runs rather than a package script: a path, or a name with a script's extension. */
const SCRIPT_FILE = /\/|\.(?:[cm]?[jt]sx?)$/;

/** Bun is a runtime too: `bun -e`/`--eval` and `-p`/`--print` run JavaScript as node's do. */
const BUN_CODE_FLAGS = ["-e", "--eval", "-p", "--print"];
const BUN_FLAGS = flagSet(...BUN_CODE_FLAGS, "-r", "--preload", "--cwd", "--env-file", "--config", "-c");

function packageManager(inv: Invocation, an: Analysis): void {
  const bun = inv.name === "bun";
  const parsed = parseArgs(inv.args, { valueFlags: bun ? BUN_FLAGS : PACKAGE_MANAGER_FLAGS });
  const code = bun ? parsed.values(...BUN_CODE_FLAGS) : [];
  if (code.length) {
    const source = code.join("\n");
    an.note(source);
    an.nested.code("node", source);
    return;
  }
  const [sub, ...rest] = parsed.positionals;
  if (!sub) return;
  if (sub === "unpublish") {
    an.destroys(`${inv.name} unpublish deletes a published package version`, "package:delete");
    return;
  }
  if (sub === "run" || sub === "run-script") {
    // `bun run ./x.ts` runs a file, as `bun ./x.ts` and `node ./x.js` do; a bare name is a package script.
    if (bun && rest[0] && SCRIPT_FILE.test(rest[0])) inv.run(inv.argv.slice(1 + inv.args.indexOf(rest[0])));
    else if (rest[0]) opaqueTarget(`${inv.name} run`, rest[0], an);
    return;
  }
  if (sub === "exec" || sub === "x" || sub === "dlx") {
    // `npm exec [--yes] [--package=p] [--] cmd args` reads its command line as npx does.
    const from = inv.args.indexOf(sub);
    inv.run([literal("npx"), ...inv.argv.slice(2 + from)]);
    return;
  }
  if (inv.name !== "npm" && !NPM_BUILTINS.has(sub)) {
    // `yarn prisma migrate reset` runs a binary; `yarn db:reset` runs a script.
    opaqueTarget(inv.name, sub, an);
    if (!/[:]/.test(sub)) inv.run([literal(sub), ...inv.argv.slice(2 + inv.args.indexOf(sub))]);
  }
}

function taskRunner(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet("-f", "-C", "-j", "--file", "--directory", "--justfile", "-t", "--taskfile"),
  });
  for (const target of parsed.positionals.filter((p) => !p.includes("="))) opaqueTarget(inv.name, target, an);
}

/** `gem yank` deletes a published version for good: the same version number can never be pushed again. */
function gem(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-v", "--version", "--host", "-k", "--key") });
  if (parsed.positionals[0] === "yank")
    an.destroys(
      "gem yank deletes a published gem version; its number can never be pushed again",
      "package:delete",
    );
}

const dotnetMigrations = migrationTool({ destroys: /^ef database drop/, migrates: /^ef database update/ });

function dotnet(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-s", "--source", "-k", "--api-key") });
  if (parsed.positionals[0] === "nuget" && parsed.positionals[1] === "delete")
    an.destroys("dotnet nuget delete deletes or unlists a published package version", "package:delete");
  else dotnetMigrations(inv, an);
}

export const frameworkCommands: CommandTable = {
  prisma,
  rails,
  rake: rails,
  "manage.py": django,
  "django-admin": django,
  artisan,
  npm: packageManager,
  yarn: packageManager,
  pnpm: packageManager,
  bun: packageManager,
  make: taskRunner,
  just: taskRunner,
  task: taskRunner,
  mage: taskRunner,
  invoke: taskRunner,
  knex: migrationTool({
    destroys: /^migrate:(rollback|down)|^seed:run --specific/,
    migrates: /^migrate:(latest|up)/,
  }),
  sequelize: migrationTool({ destroys: /^db:(drop|migrate:undo|seed:undo)/, migrates: /^db:migrate$/ }),
  "sequelize-cli": migrationTool({ destroys: /^db:(drop|migrate:undo|seed:undo)/, migrates: /^db:migrate$/ }),
  typeorm: migrationTool({
    destroys: /^(schema:drop|schema:sync|migration:revert)/,
    migrates: /^migration:run/,
  }),
  "drizzle-kit": migrationTool({ destroys: /^drop/, migrates: /^(push|migrate)/ }),
  alembic: migrationTool({
    destroys: /^downgrade/,
    migrates: /^upgrade/,
    valueFlags: ["-c", "--config", "-n", "--name", "-x"],
  }),
  flyway: migrationTool({ destroys: /^(clean|undo)/, migrates: /^migrate/ }),
  liquibase: migrationTool({ destroys: /^(dropall|drop-all|rollback)/i, migrates: /^update/ }),
  dbmate: migrationTool({
    destroys: /^(drop|rollback|down)/,
    migrates: /^(up|migrate)/,
    valueFlags: ["-u", "--url", "-d", "--migrations-dir", "-e", "--env"],
  }),
  goose: migrationTool({
    destroys: /(^|\s)(down|down-to|reset|redo)(\s|$)/,
    migrates: /(^|\s)(up|up-to|up-by-one)(\s|$)/,
    valueFlags: ["-dir", "-table"],
  }),
  migrate: migrationTool({
    destroys: /(^|\s)(drop|down)(\s|$)/,
    migrates: /(^|\s)up(\s|$)/,
    valueFlags: ["-path", "-database", "-source"],
  }),
  diesel: migrationTool({
    destroys: /^(database (reset|drop)|migration (revert|redo))/,
    migrates: /^migration run/,
    valueFlags: ["--database-url"],
  }),
  sqlx: migrationTool({
    destroys: /^(database (drop|reset)|migrate revert)/,
    migrates: /^migrate run/,
    valueFlags: ["--database-url", "-D", "--source"],
  }),
  mix: migrationTool({ destroys: /^ecto\.(drop|reset|rollback)/, migrates: /^ecto\.migrate/ }),
  dotnet,
  gem,
};
