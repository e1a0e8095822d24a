// Framework and migration tools (prisma, rails, django, artisan, knex, alembic, flyway…), backends' data imports
// (strapi, convex) and task runners (npm scripts, make targets): resets, drops, rollbacks and replacing imports
// destroy data; migrations can.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandAnalyzer, type CommandTable, type Invocation, stdinText } from "../command.ts";
import { unseenSql } from "../unseen-sql.ts";
import { literal } from "../word.ts";
import { scriptFromStdin } from "../written-scripts.ts";
import { opaqueTarget, projectProgram } from "./opaque-targets.ts";
import { judgeLifecycleScripts, judgePackageScript, lifecycleCommand } from "./package-scripts.ts";
import { judgeJustRecipes } from "./task-files.ts";
import { dryRunFlag, leadingPositionals, leadingWords, withSubcommandWords } from "./unjudged-words.ts";

interface MigrationTool {
  /** Subcommands (joined with spaces, e.g. "migrate reset") that destroy data. */
  destroys: RegExp;
  /** Subcommands that apply migrations. */
  migrates?: RegExp;
  /** What makes a call only print the SQL it would run: a subcommand (`update-sql`) or a flag (`--sql`). */
  printsSql?: { subcommand?: RegExp; flags?: readonly string[] };
  valueFlags?: readonly string[];
  /** Go-style flags (`-path`, `-dir`): one dash, whole words. */
  singleDashLong?: boolean;
  /** How many leading words name a command the rules do not judge: 2 where commands sit under groups. */
  commandWords?: number;
}

const MIGRATION_REASON = "applies schema migrations, which can drop or rewrite data without asking";

function migrationTool(spec: MigrationTool): CommandAnalyzer {
  const valueFlags = flagSet(...(spec.valueFlags ?? []));
  return withSubcommandWords(
    migrationCommand(spec, valueFlags),
    leadingPositionals(spec.commandWords ?? 1, valueFlags, spec.singleDashLong),
  );
}

function migrationCommand(spec: MigrationTool, valueFlags: ReadonlySet<string>): CommandAnalyzer {
  return (inv, an) => {
    const parsed = parseArgs(inv.args, { valueFlags, singleDashLong: spec.singleDashLong });
    const sub = parsed.positionals.join(" ");
    if (parsed.has("--help", "-h") || !sub) return;
    const printsSql = spec.printsSql;
    if (
      printsSql?.subcommand?.test(parsed.positionals[0] ?? "") ||
      (printsSql?.flags && parsed.has(...printsSql.flags))
    ) {
      an.harmless(`${inv.name} ${sub} only prints the SQL it would run`);
      return;
    }
    if (spec.destroys.test(sub))
      an.destroys(`${inv.name} ${sub} destroys or rolls back data`, "database:reset");
    else if (spec.migrates?.test(sub)) an.destroys(`${inv.name} ${sub} ${MIGRATION_REASON}`, "db:migrate");
  };
}

/**
 * MikroORM: the schema commands only print their SQL unless `--run`; the migration commands that go down or start
 * afresh drop what the migrations made.
 */
function mikroOrm(inv: Invocation, an: Analysis): void {
  const sub = inv.args.find((a) => !a.startsWith("-")) ?? "";
  if (/^schema:(?:drop|fresh|update)$/.test(sub)) {
    if (inv.args.includes("--run") || inv.args.includes("-r"))
      an.destroys(
        `mikro-orm ${sub} --run ${sub === "schema:update" ? MIGRATION_REASON : "drops the schema"}`,
        "database:reset",
      );
    else an.harmless(`mikro-orm ${sub} without --run only prints its SQL`);
  } else if (/^migration:(?:down|fresh)$/.test(sub))
    an.destroys(`mikro-orm ${sub} destroys or rolls back data`, "database:reset");
  else if (sub === "migration:up") an.destroys(`mikro-orm ${sub} ${MIGRATION_REASON}`, "db:migrate");
}

/**
 * A CLI whose restore commands (`strapi import`, `strapi transfer --to`) empty the target before loading into it;
 * `--dry-run` is the only form that writes nothing.
 */
function dataTransfer(name: string, replacing: RegExp, what: string): CommandAnalyzer {
  const valueFlags = flagSet(
    "-f",
    "--file",
    "--to",
    "--from",
    "--to-token",
    "--from-token",
    "--key",
    "--exclude",
    "--only",
  );
  return withSubcommandWords(
    (inv, an) => {
      const parsed = parseArgs(inv.args, { valueFlags });
      const sub = parsed.positionals[0] ?? "";
      if (!replacing.test(sub)) return;
      if (parsed.has("--dry-run")) an.harmless(`${name} ${sub} --dry-run writes nothing`);
      else an.destroys(`${name} ${sub} ${what}`, "database:overwrite");
    },
    leadingPositionals(1, valueFlags),
  );
}

/**
 * `convex import --replace` replaces the tables it imports, `--replace-all` every table; without them an import
 * into a table that holds documents is refused, and `--append` adds.
 */
function convexImport(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet("--table", "--format", "--deployment-name", "--env-file"),
  });
  if (parsed.positionals[0] !== "import") return;
  if (parsed.has("--replace-all"))
    an.destroys(
      "convex import --replace-all replaces every table's documents with the file's",
      "table:overwrite",
    );
  else if (parsed.has("--replace"))
    an.destroys("convex import --replace replaces the imported tables' documents", "table:overwrite");
  else an.harmless("convex import without --replace adds documents or refuses a table that holds some");
}

const PRISMA_VALUES = flagSet("--schema", "--file", "--url", "--name", "--from-url", "--to-url");

function prisma(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: PRISMA_VALUES });
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

const RAILS_VALUES = flagSet("-e", "--environment", "-b", "-p");

function rails(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: RAILS_VALUES });
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

const DJANGO_VALUES = flagSet("-c", "--command", "--settings", "--database");

function django(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: DJANGO_VALUES });
  const [sub, app, target] = parsed.positionals;
  if (sub === "flush" || sub === "reset_db" || sub === "reset_schema")
    an.destroys(`manage.py ${sub} deletes every row`, "database:reset");
  else if (sub === "migrate") {
    // --plan lists what would be applied; --check exits non-zero when something is unapplied: neither migrates.
    if (parsed.has("--plan", "--check"))
      an.harmless(`manage.py migrate ${parsed.has("--plan") ? "--plan" : "--check"} only reports`);
    else if (target === "zero")
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

/** Laravel's migration commands that take --pretend: they print the SQL they would run and run none. */
const ARTISAN_PRETENDS = /^migrate(?::(?:rollback|reset))?$/;

function artisan(inv: Invocation, an: Analysis): void {
  const sub = inv.args.find((a) => !a.startsWith("-")) ?? "";
  if (ARTISAN_PRETENDS.test(sub) && leadingWords(inv.args).includes("--pretend")) {
    an.harmless(`artisan ${sub} --pretend only prints the SQL it would run`);
    return;
  }
  if (/^(migrate:(fresh|reset|refresh|rollback)|db:wipe)$/.test(sub))
    an.destroys(`artisan ${sub} drops or rolls back tables`, "database:reset");
  else if (
    /^(queue:(clear|flush|forget|prune-failed|prune-batches)|horizon:(clear|forget)|model:prune)$/.test(sub)
  )
    an.destroys(`artisan ${sub} deletes queued jobs or records`, "record:delete");
  else if (sub === "migrate") an.destroys(`artisan migrate ${MIGRATION_REASON}`, "db:migrate");
  else if (sub === "tinker") {
    const code = inv.args.find((a) => a.startsWith("--execute="))?.slice("--execute=".length);
    if (code) an.nested.code("php", code);
  }
}

/**
 * Package-manager commands that only change what the project has installed or cached, which an install brings back:
 * `npm uninstall x`, `npm prune`, `npm cache clean`.
 */
const REINSTALLABLE = new Set(["remove", "rm", "r", "uninstall", "un", "unlink", "prune", "dedupe", "cache"]);

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
const ANOTHER_PACKAGE = ["-w", "--workspace", "--filter", "-F", "-C", "--cwd", "--dir", "--prefix"];
/** npm's flags for a command's usage (`npm unpublish -h`): it prints how to call the command and does nothing else. */
const USAGE_FLAG = /^(?:-h|-H|-\?|--help|--usage)$/;

/** A usage flag before any `--` (after it, words belong to the package, not to npm). */
function asksForUsage(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some((a) => USAGE_FLAG.test(a));
}

/** Package-manager commands that run the package script of a fixed name (`npm t` runs `test`). */
const SCRIPT_BUILTINS = new Map([
  ["test", "test"],
  ["t", "test"],
  ["tst", "test"],
  ["start", "start"],
  ["stop", "stop"],
  ["restart", "restart"],
]);

/** Package-manager commands that install the project's dependencies (and, given no package, run its install scripts). */
/** The words after `word` that a package manager appends to the script it runs, `--` dropped. */
function argumentsAfter(inv: Invocation, word: string): string[] {
  const after = inv.args.slice(inv.args.indexOf(word) + 1);
  return after[0] === "--" ? after.slice(1) : after;
}

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
  // The package.json in the command's directory, unless a flag points it at another package.
  const inProject = !parsed.has(...ANOTHER_PACKAGE);
  // A bare `yarn` installs. Installing the project's dependencies runs its own install and prepare scripts, unless
  // told not to; installing another package leaves them alone.
  const lifecycle = sub === undefined ? (inv.name === "yarn" ? "install" : undefined) : lifecycleCommand(sub);
  const named = (lifecycle === "install" || lifecycle === "ci") && rest.length > 0;
  if (lifecycle && !named && inProject && !parsed.has("--ignore-scripts"))
    judgeLifecycleScripts(`${inv.name} ${sub ?? ""}`.trim(), lifecycle, an);
  if (!sub) return;
  if (REINSTALLABLE.has(sub)) {
    an.harmless(`${inv.name} ${sub} only changes installed or cached packages, which an install brings back`);
    return;
  }
  // pnpm's content-addressed store: prune drops packages no project links to, which an install downloads again.
  if (
    inv.name === "pnpm" &&
    sub === "store" &&
    (rest[0] === "prune" || rest[0] === "status" || rest[0] === "path")
  ) {
    an.harmless(`pnpm store ${rest[0]} only changes the package cache`);
    return;
  }
  // `npm access set status=public` (older npm: `npm access public`) publishes a private package to everyone.
  if (
    sub === "access" &&
    !dryRunFlag(inv.args) &&
    (rest[0] === "public" || (rest[0] === "set" && /^status=public$/i.test(rest[1] ?? "")))
  ) {
    an.destroys(`${inv.name} access makes ${rest.at(-1) ?? "the package"} public`, "access:public");
    return;
  }
  // `npm access set mfa=none`: publishing the package no longer needs a second factor.
  if (sub === "access" && rest[0] === "set" && /^mfa=none$/i.test(rest[1] ?? "")) {
    an.destroys(`${inv.name} access set mfa=none lets the package be published without 2FA`, "mfa:disable");
    return;
  }
  if (sub === "unpublish") {
    if (asksForUsage(inv.args)) {
      an.harmless(`${inv.name} unpublish -h only prints usage`);
      return;
    }
    const dryRun = dryRunFlag(inv.args);
    if (dryRun) {
      an.harmless(`${inv.name} unpublish ${dryRun} only reports what it would remove`);
      return;
    }
    an.destroys(`${inv.name} unpublish deletes a published package version`, "package:delete");
    return;
  }
  if (sub === "run" || sub === "run-script" || (inv.name === "npm" && (sub === "rum" || sub === "urn"))) {
    // `bun run ./x.ts` runs a file, as `bun ./x.ts` and `node ./x.js` do; `bun run -` the program on stdin; a bare
    // name is a package script.
    if (bun && rest[0] === "-") scriptFromStdin(inv, an, (source) => an.nested.code("node", source));
    else if (bun && rest[0] && SCRIPT_FILE.test(rest[0]))
      inv.run(inv.argv.slice(1 + inv.args.indexOf(rest[0])));
    else if (rest[0]) {
      opaqueTarget(`${inv.name} run`, rest[0], an);
      if (inProject) judgePackageScript(`${inv.name} run`, rest[0], argumentsAfter(inv, rest[0]), an);
    }
    return;
  }
  const builtin = SCRIPT_BUILTINS.get(sub);
  if (builtin && !bun && inProject)
    judgePackageScript(`${inv.name} ${sub}`, builtin, argumentsAfter(inv, sub), an);
  if (sub === "exec" || sub === "x" || sub === "dlx") {
    // `npm exec [--yes] [--package=p] [--] cmd args` reads its command line as npx does.
    const from = inv.args.indexOf(sub);
    inv.run([literal("npx"), ...inv.argv.slice(2 + from)]);
    return;
  }
  if (inv.name !== "npm" && !NPM_BUILTINS.has(sub)) {
    // `yarn prisma migrate reset` runs a binary; `yarn db:reset` runs a script.
    opaqueTarget(inv.name, sub, an);
    if (inProject) judgePackageScript(inv.name, sub, argumentsAfter(inv, sub), an);
    // A script named `format` lays out the project's code; no package ships a program by that name.
    if (!/[:]/.test(sub) && sub !== "format")
      inv.run([literal(sub), ...inv.argv.slice(2 + inv.args.indexOf(sub))]);
  }
}

/** Package-manager commands whose second word is a subcommand of theirs (`npm dist-tag rm`, `pnpm store prune`). */
const PACKAGE_GROUPS = new Set(
  "cache dist-tag owner team org hook access token pkg config store pm profile".split(" "),
);

/** A package manager's command (the names after it are packages and scripts), and a group's own subcommand. */
function packageSubcommandWords(inv: Invocation): readonly string[] {
  const valueFlags = inv.name === "bun" ? BUN_FLAGS : PACKAGE_MANAGER_FLAGS;
  const words = parseArgs(leadingWords(inv.args), { valueFlags }).positionals;
  return words.slice(0, PACKAGE_GROUPS.has(words[0] ?? "") ? 2 : 1);
}

function taskRunner(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet(
      "-f",
      "-C",
      "-j",
      "--file",
      "--directory",
      "--justfile",
      "-t",
      "--taskfile",
      "-d",
      "--working-directory",
    ),
  });
  for (const target of parsed.positionals.filter((p) => !p.includes("="))) opaqueTarget(inv.name, target, an);
  // just's recipes in the command's directory, unless it is pointed at another.
  if (inv.name === "just" && !parsed.has("-d", "--working-directory"))
    judgeJustRecipes(an, parsed.positionals, parsed.value("-f", "--justfile"));
}

const GEM_VALUES = flagSet("-v", "--version", "--host", "-k", "--key");

/** `gem yank` deletes a published version for good: the same version number can never be pushed again. */
function gem(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: GEM_VALUES });
  const sub = parsed.positionals[0];
  if (sub === "yank")
    an.destroys(
      "gem yank deletes a published gem version; its number can never be pushed again",
      "package:delete",
    );
  else if (sub === "uninstall" || sub === "cleanup")
    an.harmless(`gem ${sub} only removes installed gems, which an install brings back`);
}

const dotnetMigrations = migrationTool({ destroys: /^ef database drop/, migrates: /^ef database update/ });

const DOTNET_VALUES = flagSet(
  ..."-s --source -k --api-key -p --project -c --configuration -f --framework -r --runtime -a --arch --os --launch-profile".split(
    " ",
  ),
);

function dotnet(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: DOTNET_VALUES });
  const [sub, second, third] = parsed.positionals;
  if (sub === "nuget" && second === "delete")
    an.destroys("dotnet nuget delete deletes or unlists a published package version", "package:delete");
  else if (sub === "ef" && second === "migrations" && third === "remove") {
    // --force reverts the migration on the database when it was applied; without it EF refuses.
    if (parsed.has("-f", "--force"))
      an.destroys("dotnet ef migrations remove --force reverts an applied migration", "database:reset");
    else an.harmless("dotnet ef migrations remove deletes a migration not yet applied");
  }
  // Project references and installed tools or templates: brought back at will.
  else if (sub === "remove" || second === "uninstall")
    an.harmless(`dotnet ${sub} ${second ?? ""} changes only the project or local tools`.trim());
  // `dotnet run [--project P] [-- arguments]` runs the project's program.
  else if (sub === "run")
    projectProgram("dotnet run", parsed.value("--project", "-p") ?? "(the project here)", parsed.rest, an);
  else dotnetMigrations(inv, an);
}

const SYMFONY_VALUES = flagSet("-e", "--env", "--em", "--connection", "--conn", "--configuration", "--db");
/** Doctrine Migrations' version aliases that lie behind the current one: migrating to them runs the downs. */
const EARLIER_VERSION = /^(?:prev|first|0|current-\d+)$/;

/**
 * Symfony's `bin/console` with Doctrine's commands: dropping the schema or database only with --force (without it,
 * and with --dump-sql alone, they print and stop), migrating down to an earlier version, loading fixtures (which
 * purge the database unless --append), SQL run as given. The console's other commands are the project's own and are
 * judged by their words, as a program without rules is.
 */
function symfonyConsole(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(leadingWords(inv.args), { valueFlags: SYMFONY_VALUES });
  const [sub = "", target] = parsed.positionals;
  if (!sub.startsWith("doctrine:")) return;
  const shown = `console ${sub}`;
  const force = parsed.has("--force", "-f");
  const printsOnly = parsed.has("--dry-run", "--write-sql");
  switch (sub) {
    case "doctrine:database:drop":
    case "doctrine:schema:drop":
    case "doctrine:mongodb:schema:drop":
      if (force) an.destroys(`${shown} --force drops the ${sub.split(":")[1]}`, "database:delete");
      else an.harmless(`${shown} without --force only prints what it would drop`);
      return;
    case "doctrine:schema:update":
      if (force) an.destroys(`${shown} --force ${MIGRATION_REASON}`, "db:migrate");
      else an.harmless(`${shown} without --force only prints the SQL it would run`);
      return;
    case "doctrine:migrations:migrate":
    case "doctrine:migrations:execute":
      if (printsOnly) an.harmless(`${shown} with --dry-run or --write-sql runs no migration`);
      else if (parsed.has("--down") || EARLIER_VERSION.test(target ?? ""))
        an.destroys(`${shown} migrates down, dropping what the migrations made`, "database:reset");
      else an.destroys(`${shown} ${MIGRATION_REASON}`, "db:migrate");
      return;
    case "doctrine:fixtures:load":
    case "doctrine:mongodb:fixtures:load":
      if (!parsed.has("--append", "-a"))
        an.destroys(`${shown} purges the database before loading fixtures (no --append)`, "database:reset");
      return;
    case "doctrine:query:sql":
    case "dbal:run-sql":
      if (target !== undefined) an.nested.sql(target);
      return;
  }
}

const packageManagerJudged = withSubcommandWords(packageManager, packageSubcommandWords);
/** A target's name is all a task runner's words say, and the rule reads it. */
const taskRunnerJudged = withSubcommandWords(taskRunner, () => []);
const railsJudged = withSubcommandWords(rails, leadingPositionals(1, RAILS_VALUES));
const djangoJudged = withSubcommandWords(django, leadingPositionals(1, DJANGO_VALUES));

export const frameworkCommands: CommandTable = {
  prisma: withSubcommandWords(prisma, leadingPositionals(2, PRISMA_VALUES)),
  rails: railsJudged,
  rake: railsJudged,
  "manage.py": djangoJudged,
  "django-admin": djangoJudged,
  artisan: withSubcommandWords(artisan, leadingPositionals(1)),
  console: symfonyConsole,
  // The Symfony CLI's `symfony console …` runs bin/console with the project's environment.
  symfony: (inv) => {
    if (inv.args[0] === "console") inv.run(inv.argv.slice(1));
  },
  npm: packageManagerJudged,
  yarn: packageManagerJudged,
  pnpm: packageManagerJudged,
  bun: packageManagerJudged,
  make: taskRunnerJudged,
  just: taskRunnerJudged,
  task: taskRunnerJudged,
  mage: taskRunnerJudged,
  invoke: taskRunnerJudged,
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
    // Offline mode: `alembic upgrade head --sql` writes the migration's SQL to stdout instead of running it.
    printsSql: { flags: ["--sql"] },
    valueFlags: ["-c", "--config", "-n", "--name", "-x"],
  }),
  flyway: migrationTool({ destroys: /^(clean|undo)/, migrates: /^migrate/ }),
  liquibase: migrationTool({
    destroys: /^(dropall|drop-all|rollback)/i,
    migrates: /^update/,
    // `update-sql`, `rollback-to-tag-sql`, `updateSQL`: print what the command would run.
    printsSql: { subcommand: /^[\w-]*-?sql$/i },
  }),
  dbmate: migrationTool({
    destroys: /^(drop|rollback|down)/,
    migrates: /^(up|migrate)/,
    valueFlags: ["-u", "--url", "-d", "--migrations-dir", "-e", "--env"],
  }),
  goose: migrationTool({
    destroys: /(^|\s)(down|down-to|reset|redo)(\s|$)/,
    migrates: /(^|\s)(up|up-to|up-by-one)(\s|$)/,
    valueFlags: ["-dir", "-table"],
    singleDashLong: true,
  }),
  migrate: migrationTool({
    destroys: /(^|\s)(drop|down)(\s|$)/,
    migrates: /(^|\s)up(\s|$)/,
    valueFlags: ["-path", "-database", "-source"],
    singleDashLong: true,
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
  atlas: migrationTool({
    destroys: /^(schema clean|migrate down)/,
    migrates: /^(schema apply|migrate apply)/,
    // `schema apply`, `migrate apply` and `migrate down` print the SQL they would run with --dry-run.
    printsSql: { flags: ["--dry-run"] },
    valueFlags: [
      "-u",
      "--url",
      "--dev-url",
      "--to",
      "--env",
      "--dir",
      "-c",
      "--config",
      "--var",
      "-s",
      "--schema",
    ],
  }),
  sqitch: migrationTool({
    destroys: /^(revert|rebase|checkout)/,
    migrates: /^deploy/,
    valueFlags: ["-t", "--target", "--to", "--to-change", "--db-uri", "--plan-file", "-C", "--chdir"],
  }),
  hasura: migrationTool({
    destroys: /^(metadata (clear|reset)|migrate (delete|squash --delete-source))/,
    migrates: /^(migrate apply|metadata apply|deploy)/,
    // `migrate apply --dry-run` prints the SQL; `metadata apply --dry-run` the metadata it would apply.
    printsSql: { flags: ["--dry-run"] },
    valueFlags: [
      "--endpoint",
      "--admin-secret",
      "--database-name",
      "--project",
      "--envfile",
      "--version",
      "--goto",
      "--down",
      "--up",
    ],
  }),
  // Flask-Migrate's `flask db` runs Alembic.
  flask: migrationTool({
    destroys: /^db downgrade\b/,
    migrates: /^db upgrade\b/,
    printsSql: { flags: ["--sql"] },
    valueFlags: ["-A", "--app", "-e", "--env-file", "-d", "--directory", "-x", "--x-arg", "--tag"],
  }),
  pocketbase: migrationTool({
    destroys: /^migrate down\b/,
    migrates: /^migrate(?: up)?$/,
    // `pocketbase superuser delete`, `pocketbase admin delete`: a group, then its command.
    commandWords: 2,
    valueFlags: ["--dir", "--migrationsDir", "--hooksDir", "--publicDir", "--http"],
  }),
  directus: migrationTool({
    destroys: /^database migrate:down\b/,
    migrates: /^database migrate:(?:latest|up)\b/,
  }),
  payload: migrationTool({
    destroys: /^migrate:(?:down|reset|fresh|refresh)\b/,
    migrates: /^migrate$/,
  }),
  strapi: dataTransfer(
    "strapi",
    /^(?:import|transfer)$/,
    "deletes the target's existing data and uploads first",
  ),
  convex: convexImport,
  "node-pg-migrate": migrationTool({
    destroys: /^(down|redo)/,
    migrates: /^up/,
    valueFlags: [
      "-d",
      "--database-url-var",
      "-m",
      "--migrations-dir",
      "-t",
      "--migrations-table",
      "-f",
      "--config-file",
    ],
  }),
  "mikro-orm": mikroOrm,
  skeema: (inv, an) => {
    if (inv.args[0] === "push" && inv.args.includes("--allow-unsafe") && !inv.args.includes("--dry-run"))
      an.destroys(
        "skeema push --allow-unsafe drops the tables and columns the files no longer have",
        "db:migrate",
      );
  },
  mix: migrationTool({ destroys: /^ecto\.(drop|reset|rollback)/, migrates: /^ecto\.migrate/ }),
  dotnet: withSubcommandWords(dotnet, (inv) => {
    const words = parseArgs(leadingWords(inv.args), { valueFlags: DOTNET_VALUES }).positionals;
    return words.slice(0, words[0] === "ef" ? 3 : 2);
  }),
  gem: withSubcommandWords(gem, leadingPositionals(1, GEM_VALUES)),
};
