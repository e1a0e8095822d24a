// Database clients: SQL handed to psql/mysql/sqlite3 (by flag, argument, heredoc or pipe), Mongo shell code,
// and the dump/restore/drop tools around them.
import type { Analysis, PsqlClient, SqlClient, SqlDialect } from "../analysis.ts";
import { type ArgSpec, flagSet, type ParsedArgs, parseArgs } from "../args.ts";
import { type CommandAnalyzer, type CommandTable, type Invocation, stdinText } from "../command.ts";
import { shellQuoted } from "../shell-quote.ts";
import { reachesOutsideDatabase } from "../sql/meta-commands.ts";
import { unreadableFlagValues } from "../unreadable-code.ts";
import { DESTRUCTIVE_SQL_NAME, unseenSql } from "../unseen-sql.ts";
import { action } from "../vocabulary.ts";
import { literal } from "../word.ts";
import {
  judgeProjectFile,
  judgeWrittenFile,
  namesStdin,
  optionPath,
  unseenWrite,
} from "../written-scripts.ts";
import { cypherCommands } from "./cypher.ts";
import { redisCommands } from "./redis.ts";
import { withSubcommandWords } from "./unjudged-words.ts";
import { verbCli } from "./verb-cli.ts";

const SUSPICIOUS_FILE = DESTRUCTIVE_SQL_NAME;

interface SqlClientSpec extends ArgSpec {
  dialect: SqlDialect;
  /** The client when it reads commands of its own among the SQL, with what its command line sets for them. */
  client?: SqlClient | ((parsed: ParsedArgs) => SqlClient);
  /** Flags whose value is SQL. */
  sqlFlags: readonly string[];
  /** A flag's SQL the client sends to the server as it stands, without reading its own commands in it. */
  sentWhole?: (sql: string) => boolean;
  /** Flags whose value names a file of SQL. */
  fileFlags?: readonly string[];
  /** SQL may also come as positionals after the first (sqlite3 DB "SQL"). */
  sqlPositionalsFrom?: number;
  /** Leading subcommand words to skip (`cockroach sql`). */
  skipArgs?: number;
  /** Flags naming a file the client writes its output into, emptying it first; `|command` pipes it to a command. */
  outputFlags?: readonly string[];
  /** Flags naming a file the client appends its output to. */
  appendFlags?: readonly string[];
}

function sqlClient(spec: SqlClientSpec): CommandAnalyzer {
  const valueFlags = new Set([...(spec.valueFlags ?? []), ...spec.sqlFlags, ...(spec.fileFlags ?? [])]);
  return (inv, an) => {
    const parsed = parseArgs(spec.skipArgs ? inv.args.slice(spec.skipArgs) : inv.args, {
      ...spec,
      valueFlags,
    });
    if (parsed.has("--help", "-?", "--version", "-V")) return;
    const before = an.findings.length;
    const sql = runSql(inv, an, spec, parsed);
    if (readOnlySession(inv, sql))
      an.neutralise(
        before,
        `${inv.name} runs in a read-only session, where the server refuses writes`,
        (f) => !/^(file|disk|cron):/.test(f.action ?? ""),
      );
    // What the client writes on this host, as a shell's redirection of its output would.
    for (const file of parsed.values(...(spec.outputFlags ?? [])))
      an.nested.shell(
        file.startsWith("|") ? `${inv.name} | ${file.slice(1)}` : `${inv.name} > ${shellQuoted(file)}`,
      );
    for (const file of parsed.values(...(spec.appendFlags ?? [])))
      an.nested.shell(`${inv.name} >> ${shellQuoted(file)}`);
  };
}

/**
 * Read-only sessions: the server refuses every write, whatever the SQL says. SQLite's shell opens a `file:` URI
 * with `mode=ro` or `immutable=1` read-only, and a database it attaches cannot be opened for writing either.
 */
const READ_ONLY =
  /^--?readonly$|\boptions=.*default_transaction_read_only\s*(=|%3D)\s*(on|true|1)\b|\btarget_session_attrs=(?:read-only|standby)\b|^file:[^\s?#]*\?(?:[^\s#&]*&)*(?:mode=ro|immutable=1)(?:[&#]\S*)?$/i;
/** PGOPTIONS='-c default_transaction_read_only=on' (a psql `--set` of that name is only a client variable). */
const READ_ONLY_OPTIONS = /default_transaction_read_only\s*=\s*(on|true|1)\b/i;

/** A connection option that switches a read-only default back off. */
const READ_WRITE_AGAIN = /\bread\s+write\b|read_only\s*(?:=|to)\s*'?(?:off|false|0)\b/i;
/**
 * SQL that may make the session writable: any mention of the read-only settings (`= no`, `TO "off"`), READ WRITE
 * however spaced, set_config, and SQL built as it runs (EXECUTE in a DO block, `\gexec`); or a reconnection (`\c`),
 * which may pass other options.
 */
const SQL_MAY_WRITE_AGAIN = /read_only|\bwrite\b|set_config|\bexecute\b|\\gexec|\\c(?:onnect)?\b/i;

function readOnlySession(inv: Invocation, sql: readonly string[]): boolean {
  // A client command running a shell command or writing a file (`\!`, `\o |…`, `.shell`, `\copy … to`), and a
  // server's COPY to a program or file, are not covered by the session's read-only mode.
  const texts = [...inv.args, stdinText(inv) ?? ""];
  if (texts.some((a) => reachesOutsideDatabase(a) || READ_WRITE_AGAIN.test(a))) return false;
  if (sql.some((text) => SQL_MAY_WRITE_AGAIN.test(text))) return false;
  return (
    inv.args.some((a) => READ_ONLY.test(a)) ||
    READ_ONLY_OPTIONS.test(inv.vars.get("PGOPTIONS")?.text ?? "") ||
    /^(?:read-only|standby)$/.test(inv.vars.get("PGTARGETSESSIONATTRS")?.text ?? "")
  );
}

/** Judges the SQL the client runs; returns the texts of it the guard could read. */
function runSql(
  inv: Invocation,
  an: Analysis,
  spec: SqlClientSpec,
  parsed: ReturnType<typeof parseArgs>,
): string[] {
  const read: string[] = [];
  const client = typeof spec.client === "function" ? spec.client(parsed) : spec.client;
  const run = (sql: string, sqlClient: SqlClient | undefined) => {
    read.push(sql);
    an.nested.sql(sql, spec.dialect, sqlClient);
  };
  const fromStdin = () => {
    read.push(stdinText(inv) ?? "");
    sqlFromStdin(inv, an, spec.dialect, client);
  };
  let found = false;
  for (const sql of parsed.values(...spec.sqlFlags)) {
    found = true;
    run(sql, spec.sentWhole?.(sql) ? undefined : client);
  }
  if (spec.sqlPositionalsFrom !== undefined && parsed.positionals.length > spec.sqlPositionalsFrom) {
    found = true;
    run(parsed.positionals.slice(spec.sqlPositionalsFrom).join(" "), client);
  }
  for (const file of parsed.values(...(spec.fileFlags ?? []))) {
    found = true;
    if (file === "-" || namesStdin(file)) fromStdin();
    else unseenSql(an, inv.name, file, spec.dialect, client);
  }
  if (!found) fromStdin();
  return read;
}

/** SQL on stdin: read when the guard knows it (heredoc, here-string), else asked about. */
export function sqlFromStdin(inv: Invocation, an: Analysis, dialect: SqlDialect, client?: SqlClient): void {
  const sql = stdinText(inv);
  if (sql !== null) an.nested.sql(sql, dialect, client);
  else if (inv.piped && inv.stdinWritten) unseenWrite(an, inv.name, inv.stdinHint, inv.stdinWritten);
  else if (inv.piped) {
    const hint = inv.stdinHint;
    an.uncertain(
      `${inv.name} runs SQL from stdin the guard cannot read${hint ? ` (${hint.slice(0, 60)})` : ""}`,
      SUSPICIOUS_FILE.test(hint) || /\b(pg_dump|mysqldump)\b.*\s(-c|--clean|--add-drop-\w+)\b/.test(hint),
    );
  }
}

/** psql, with the variables `-v name=value` (`--set`, `--variable`) sets; `-v name` alone unsets one. */
function psqlClient(parsed: ParsedArgs): PsqlClient {
  const variables = new Map<string, string>();
  for (const assignment of parsed.values("-v", "--set", "--variable")) {
    const eq = assignment.indexOf("=");
    if (eq < 0) variables.delete(assignment);
    else variables.set(assignment.slice(0, eq), assignment.slice(eq + 1));
  }
  return { name: "psql", variables };
}

const psql = sqlClient({
  dialect: "postgres",
  client: psqlClient,
  // psql sends a `-c` text to the server whole (startup.c), unless it starts with a backslash: then it is one of
  // its own commands.
  sentWhole: (sql) => !sql.startsWith("\\"),
  sqlFlags: ["-c", "--command"],
  fileFlags: ["-f", "--file"],
  outputFlags: ["-o", "--output"],
  appendFlags: ["-L", "--log-file"],
  valueFlags: flagSet(
    "-h",
    "--host",
    "-p",
    "--port",
    "-U",
    "--username",
    "-d",
    "--dbname",
    "-v",
    "--set",
    "--variable",
    "-P",
    "--pset",
    "-o",
    "--output",
    "-L",
    "--log-file",
    "-F",
    "--field-separator",
    "-R",
    "--record-separator",
    "-T",
    "--table-attr",
  ),
});

const mysql = sqlClient({
  dialect: "mysql",
  client: "mysql",
  sqlFlags: ["-e", "--execute"],
  appendFlags: ["--tee"],
  valueFlags: flagSet(
    "-h",
    "--host",
    "-u",
    "--user",
    "-P",
    "--port",
    "-D",
    "--database",
    "-S",
    "--socket",
    "--default-character-set",
    "--defaults-file",
    "--defaults-extra-file",
    "--init-command",
    "--tee",
  ),
});

const sqlite = sqlClient({
  dialect: "sqlite",
  sqlFlags: ["-cmd"],
  fileFlags: ["-init"],
  singleDashLong: true,
  sqlPositionalsFrom: 1,
  valueFlags: flagSet(
    "-separator",
    "-newline",
    "-nullvalue",
    "-cmd",
    "-init",
    "-vfs",
    "-maxsize",
    "-mmap",
    "-pagecache",
    "-lookaside",
    "-heap",
  ),
});

const cockroachSql = sqlClient({
  dialect: "postgres",
  skipArgs: 1,
  sqlFlags: ["-e", "--execute"],
  fileFlags: ["-f", "--file"],
  valueFlags: flagSet("--url", "--host", "-d", "--database", "-u", "--user", "--certs-dir"),
});

/** `etcdctl txn` reads its compares and requests from stdin: a `del` among them deletes keys. */
function etcdTransaction(inv: Invocation, an: Analysis): void {
  const text = stdinText(inv);
  if (text !== null) {
    if (/^\s*del\s/m.test(text)) an.destroys("etcdctl txn deletes keys", "key:delete");
  } else if (inv.piped)
    an.uncertain(
      `etcdctl txn runs requests from stdin the guard cannot read${inv.stdinHint ? ` (${inv.stdinHint.slice(0, 60)})` : ""}`,
      DESTRUCTIVE_SQL_NAME.test(inv.stdinHint),
    );
}

/**
 * mongoimport inserts by default. --drop drops the collection first; --mode delete deletes the documents the file
 * matches; upsert (or the older --upsert) and merge write over them.
 */
function mongoImport(inv: Invocation, an: Analysis): void {
  const mode = parseArgs(inv.args, { valueFlags: flagSet("--mode") })
    .value("--mode")
    ?.toLowerCase();
  if (inv.args.includes("--drop"))
    an.destroys("mongoimport --drop drops the collection before importing", "collection:delete");
  if (mode === "delete")
    an.destroys("mongoimport --mode delete deletes the documents the file matches", "document:delete");
  else if (mode === "upsert" || mode === "merge" || inv.args.includes("--upsert"))
    an.destroys(
      `mongoimport ${mode ? `--mode ${mode}` : "--upsert"} writes over the documents the file matches`,
      "document:overwrite",
    );
  else if (!inv.args.includes("--drop")) an.harmless("mongoimport inserts documents", "document:create");
}

function mongoShell(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet(
      "--eval",
      "-f",
      "--file",
      "--host",
      "--port",
      "-u",
      "--username",
      "-p",
      "--password",
      "--authenticationDatabase",
      "--authenticationMechanism",
      "--tlsCAFile",
      "--tlsCertificateKeyFile",
    ),
  });
  const code = parsed.values("--eval");
  for (const source of code) an.nested.code("mongo", source);
  for (const unread of unreadableFlagValues(inv, ["--eval"]))
    an.uncertain(`${inv.name} --eval runs code the guard cannot read (${unread.text.slice(0, 40)})`, true);
  const scripts = parsed.positionals.filter((p) => p.endsWith(".js"));
  for (const file of [...parsed.values("-f", "--file"), ...scripts]) {
    const judge = (source: string) => an.nested.code("mongo", source);
    if (judgeWrittenFile(an, inv.name, literal(file), judge)) continue;
    const read = judgeProjectFile(an, inv.name, optionPath(file), judge);
    an.uncertain(
      `${inv.name} runs the script ${file}, which ${read ? "may change before it runs" : "the guard cannot read"}`,
      SUSPICIOUS_FILE.test(file),
    );
  }
  if (code.length || scripts.length || parsed.has("-f", "--file")) return;
  const source = stdinText(inv);
  if (source !== null) an.nested.code("mongo", source);
  else if (inv.piped)
    an.uncertain(
      `${inv.name} runs code from stdin the guard cannot read${inv.stdinHint ? ` (${inv.stdinHint.slice(0, 60)})` : ""}`,
      SUSPICIOUS_FILE.test(inv.stdinHint),
    );
}

const clickhouseClient = sqlClient({
  dialect: "mysql",
  sqlFlags: ["-q", "--query"],
  fileFlags: ["--queries-file"],
  valueFlags: flagSet("-h", "--host", "--port", "-u", "--user", "-d", "--database"),
});

const trinoClient = sqlClient({
  dialect: "postgres",
  sqlFlags: ["--execute"],
  fileFlags: ["-f", "--file"],
  valueFlags: flagSet(
    "--server",
    "--catalog",
    "--schema",
    "--user",
    "--output-format",
    "--session",
    "--source",
  ),
});

/** Hadoop-family SQL shells (Spark SQL, Hive, beeline): `-e SQL`, `-f file`, HiveQL's backticks read as MySQL's. */
const hiveShell = (extraValueFlags: readonly string[]) =>
  sqlClient({
    dialect: "mysql",
    sqlFlags: ["-e"],
    fileFlags: ["-f", "-i"],
    valueFlags: flagSet(
      "--hiveconf",
      "--hivevar",
      "-d",
      "--define",
      "--database",
      "--conf",
      "--master",
      "--name",
      "--jars",
      "--packages",
      "--properties-file",
      "--deploy-mode",
      "--driver-memory",
      "--executor-memory",
      ...extraValueFlags,
    ),
  });

/** sqlplus: `@file` (and `@@file`) runs a script; anything else comes on stdin. */
function sqlplus(inv: Invocation, an: Analysis): void {
  const scripts = inv.args.filter((a) => a.startsWith("@"));
  for (const script of scripts) unseenSql(an, "sqlplus", script.replace(/^@+/, ""));
  if (!scripts.length) sqlFromStdin(inv, an, "postgres");
}

const BQ_VALUE_FLAGS = flagSet(
  "--project_id",
  "--location",
  "--dataset_id",
  "--format",
  "--destination_table",
  "--parameter",
  "--max_rows",
  "-n",
  "--label",
  "--job_id",
  "--maximum_bytes_billed",
  "--destination_kms_key",
  "--time_partitioning_field",
  "--time_partitioning_type",
  "--clustering_fields",
  "--schema_update_option",
  "--external_table_definition",
  "--udf_resource",
  "--session_id",
  "--connection_property",
);

/** `bq query`: the SQL (an argument, or stdin), and whether its result replaces a destination table. */
function bqQuery(inv: Invocation, parsed: ReturnType<typeof parseArgs>, an: Analysis): void {
  // --dry_run validates the query and reports the bytes it would read; nothing runs.
  if (parsed.flags.some(([name, value]) => name === "--dry_run" && !/^(false|0)$/i.test(String(value)))) {
    an.harmless("bq query --dry_run only validates the query");
    return;
  }
  if (parsed.positionals.length > 1) an.nested.sql(parsed.positionals.slice(1).join(" "), "mysql");
  else sqlFromStdin(inv, an, "mysql");
  const destination = parsed.value("--destination_table");
  if (destination && parsed.has("--replace"))
    an.destroys(`bq query --replace overwrites ${destination} with the query's result`, "table:overwrite");
}

/** bq's flags that set when tables or partitions expire. */
const BQ_EXPIRATIONS = [
  "--expiration",
  "--default_table_expiration",
  "--default_partition_expiration",
  "--time_partitioning_expiration",
];

/** The values of the named flags, written `--flag value` or `--flag=value`. */
function flagValues(args: readonly string[], names: readonly string[]): string[] {
  return args.flatMap((a, i) => {
    const eq = a.indexOf("=");
    if (eq > 0 && names.includes(a.slice(0, eq))) return [a.slice(eq + 1)];
    return names.includes(a) && args[i + 1] !== undefined ? [args[i + 1]!] : [];
  });
}

const positionalVerb =
  (verbs: Record<string, [string, string]>): CommandAnalyzer =>
  (inv, an) => {
    for (const arg of inv.args) {
      const hit = verbs[arg.toLowerCase()];
      if (hit) an.destroys(hit[0], hit[1]);
    }
  };

const tursoPlatform = verbCli("turso", { valueFlags: ["-g", "--group", "-l", "--location", "--from-db"] });

/** pg_resetwal (pg_resetxlog before PostgreSQL 10); -n only prints the values it would write. */
function resetWal(inv: Invocation, an: Analysis): void {
  const dryRun = inv.args.find((a) => a === "-n" || a === "--dry-run");
  if (dryRun) an.harmless(`${inv.name} ${dryRun} only shows the values it would reset`);
  else an.destroys(`${inv.name} throws away write-ahead log, risking data loss`, "database:overwrite");
}

/** pg_archivecleanup deletes archived WAL older than the file it names: the archive point-in-time recovery replays. */
function archiveCleanup(inv: Invocation, an: Analysis): void {
  if (inv.args.some((a) => /^-[a-zA-Z]*n[a-zA-Z]*$/.test(a) || a === "--dry-run"))
    an.harmless("pg_archivecleanup -n only lists the files it would delete");
  else if (inv.args.some((a) => !a.startsWith("-")))
    an.destroysSafetyNet(
      "pg_archivecleanup deletes archived WAL that point-in-time recovery needs",
      "backup:delete",
    );
}

/**
 * Cassandra's nodetool: clearsnapshot deletes the node's snapshots, truncatehints the writes held for nodes that are
 * down, and decommission, removenode and assassinate take a node out of the ring for good (assassinate without
 * streaming its data anywhere); its other commands are judged by their words.
 */
const nodetool = withSubcommandWords(
  (inv, an) => {
    const command = nodetoolCommand(inv.args);
    const operand = inv.args[inv.args.indexOf(command ?? "") + 1];
    if (command === "clearsnapshot")
      an.destroysSafetyNet("nodetool clearsnapshot deletes the node's snapshots", "snapshot:delete");
    else if (command === "truncatehints")
      an.destroys("nodetool truncatehints deletes the writes held for nodes that are down", "data:delete");
    else if (
      (command === "decommission" || command === "removenode" || command === "assassinate") &&
      operand !== "status"
    )
      an.destroys(`nodetool ${command} takes a node out of the cluster for good`, "node:remove");
  },
  (inv) => [nodetoolCommand(inv.args) ?? ""],
);

/** nodetool's options that take a value, `-pw` and `-pwf` among them (one dash, several letters). */
const NODETOOL_VALUE_OPTIONS = new Set(
  "-h --host -p --port -u --username -pw --password -pwf --password-file".split(" "),
);

/** The command: the first word that is neither an option nor an option's value. */
function nodetoolCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (NODETOOL_VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return undefined;
}

/** Clients whose words are SQL, code, files and connection settings, and the dump, restore and drop tools. */
export const sqlClientCommands: CommandTable = {
  psql,
  pgcli: psql,
  mysql,
  mariadb: mysql,
  mycli: mysql,
  sqlite3: sqlite,
  sqlite: sqlite,
  litecli: sqlite,
  // DuckDB's shell is SQLite's: dot commands (.read, .shell) as sqlite3 has them.
  duckdb: sqlClient({
    dialect: "sqlite",
    sqlFlags: ["-c", "-s"],
    fileFlags: ["-f", "-init"],
    sqlPositionalsFrom: 1,
    singleDashLong: true,
  }),
  trino: trinoClient,
  presto: trinoClient,
  usql: sqlClient({
    dialect: "postgres",
    sqlFlags: ["-c", "--command"],
    fileFlags: ["-f", "--file"],
    valueFlags: flagSet("-o", "--out", "-P", "--pset", "-v", "--set", "-N", "--cset"),
  }),
  isql: sqlClient({
    dialect: "mysql",
    sqlFlags: [],
    fileFlags: ["-i"],
    valueFlags: flagSet("-S", "-U", "-P", "-D", "-o"),
  }),
  sqlplus,
  "spark-sql": hiveShell([]),
  hive: hiveShell([]),
  beeline: hiveShell(["-u", "-n", "-p", "-w", "--outputformat"]),
  "impala-shell": sqlClient({
    dialect: "mysql",
    sqlFlags: ["-q", "--query"],
    fileFlags: ["-f", "--query_file"],
    valueFlags: flagSet("-i", "--impalad", "-d", "--database", "-u", "--user", "-o", "--output_file"),
  }),
  db2,
  "clickhouse-client": clickhouseClient,
  sqlcmd: sqlClient({
    dialect: "mysql",
    sqlFlags: ["-Q", "-q"],
    fileFlags: ["-i"],
    valueFlags: flagSet("-S", "-U", "-P", "-d", "-o"),
  }),
  cqlsh: sqlClient({
    dialect: "mysql",
    sqlFlags: ["-e", "--execute"],
    fileFlags: ["-f", "--file"],
    valueFlags: flagSet("-u", "-p", "-k", "--keyspace"),
  }),
  snowsql: sqlClient({
    dialect: "postgres",
    sqlFlags: ["-q", "--query"],
    fileFlags: ["-f", "--filename"],
    valueFlags: flagSet("-a", "-u", "-d", "-s", "-w", "-r", "-c"),
  }),
  mongosh: mongoShell,
  mongo: mongoShell,
  mongorestore: (inv, an) => {
    if (inv.args.includes("--dryRun")) an.harmless("mongorestore --dryRun restores nothing");
    else if (inv.args.includes("--drop"))
      an.destroys("mongorestore --drop drops each collection before restoring", "collection:delete");
  },
  mongoimport: mongoImport,
  mysqlimport: (inv, an) => {
    // --delete empties each table first; --replace writes each row over the existing one with the same key.
    if (inv.args.some((a) => a === "--delete" || a === "-D"))
      an.destroys("mysqlimport --delete empties each table before importing", "table:truncate");
    else if (inv.args.some((a) => a === "--replace" || a === "-r"))
      an.destroys("mysqlimport --replace writes over rows whose keys the file repeats", "rows:update");
    else an.harmless("mysqlimport adds rows", "rows:create");
  },
  pg_restore: (inv, an) => {
    if (inv.args.some((a) => a === "-l" || a === "--list"))
      an.harmless("pg_restore --list only reads the archive");
    else if (inv.args.some((a) => a === "--clean" || /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)))
      an.destroys("pg_restore --clean drops existing objects before restoring", "database:overwrite");
  },
  pg_dump: (_inv, an) => an.harmless("pg_dump takes a backup", "backup:create"),
  pg_dumpall: (_inv, an) => an.harmless("pg_dumpall takes a backup", "backup:create"),
  mysqldump: (_inv, an) => an.harmless("mysqldump takes a backup", "backup:create"),
  mongodump: (_inv, an) => an.harmless("mongodump takes a backup", "backup:create"),
  dropdb: (inv, an) => {
    if (!inv.args.includes("--help"))
      an.destroys(
        `dropdb deletes the database ${inv.args.filter((a) => !a.startsWith("-")).at(-1) ?? ""}`.trim(),
        "database:delete",
      );
  },
  dropuser: (_inv, an) => an.destroys("dropuser deletes a database role", "role:delete"),
  pg_resetwal: resetWal,
  pg_archivecleanup: archiveCleanup,
  pg_resetxlog: resetWal,
  pg_rewind: (inv, an) => {
    const dryRun = inv.args.find((a) => a === "-n" || a === "--dry-run");
    if (dryRun) an.harmless(`pg_rewind ${dryRun} only shows what it would copy`);
    else
      an.destroys(
        "pg_rewind overwrites the target data directory with the source's, discarding the target's own changes",
        "database:overwrite",
      );
  },
  pg_dropcluster: (_inv, an) =>
    an.destroys("pg_dropcluster deletes a whole PostgreSQL cluster and its data", "database:delete"),
};

/** WordPress's object types whose `delete` only drops a regenerable cache entry. */
const WP_CACHES = /^(cache|transient|rewrite)$/;

/**
 * WordPress's wp-cli: `wp db import FILE`, `wp db query "SQL"` (or on stdin), `wp db reset`/`drop`; deletions of
 * posts, users, options, plugins and the rest; `wp site empty`; `wp search-replace`, which rewrites the database;
 * `wp eval`, which runs PHP.
 */
function wp(inv: Invocation, an: Analysis): void {
  const [group, sub, ...rest] = inv.args.filter((a) => !a.startsWith("--"));
  if (group === "db") {
    if (sub === "import") unseenSql(an, "wp db import", rest[0] ?? "");
    else if (sub === "query")
      if (rest.length)
        // wp hands the query to the mysql client.
        an.nested.sql(rest.join(" "), "mysql", "mysql");
      else sqlFromStdin(inv, an, "mysql", "mysql");
    else if (sub === "reset" || sub === "drop" || sub === "clean")
      an.destroys(`wp db ${sub} deletes the WordPress database's tables`, "database:delete");
    return;
  }
  if (group === "eval" && sub) an.nested.code("php", sub);
  else if (group === "search-replace") {
    if (inv.args.includes("--dry-run")) an.harmless("wp search-replace --dry-run only counts the matches");
    else
      an.destroys("wp search-replace rewrites matching values throughout the database", "record:overwrite");
  } else if (group === "site" && sub === "empty")
    an.destroys("wp site empty deletes every post, comment and term", "record:delete");
  else if (group && WP_CACHES.test(group) && /^(flush|delete)$/.test(sub ?? ""))
    an.harmless(`wp ${group} ${sub} only clears a cache WordPress rebuilds`);
  else if (group && [sub, rest[0]].some((w) => w === "delete" || w === "uninstall"))
    an.destroys(`wp ${[group, sub, rest[0]].join(" ").trim()}`, action(group, "delete"));
}

/** db2's own commands that only connect, read or end the session; other text is SQL. */
const DB2_SESSION =
  /^(connect|list|get|describe|terminate|quit|catalog|export|runstats|reorgchk|activate|echo|\?)$/i;

/**
 * IBM Db2's command line: `db2 -tvf FILE`, `db2 "DELETE FROM t"`, `db2 drop database sample` (the words are the
 * statement), and its own commands: `restore` writes a backup over a database, `prune history … and delete` deletes
 * backup images, `load`/`import … replace` overwrite a table.
 */
function db2(inv: Invocation, an: Analysis): void {
  // `-tvf file`: f ends a cluster of CLP options and takes the file of statements.
  const at = inv.args.findIndex((a) => /^-[a-z]*f$/i.test(a));
  if (at >= 0) {
    unseenSql(an, "db2", inv.args[at + 1] ?? "");
    return;
  }
  const text = inv.args
    .filter((a) => !a.startsWith("-"))
    .join(" ")
    .trim();
  const first = text.split(/\s+/)[0] ?? "";
  if (!text || DB2_SESSION.test(first)) return;
  if (/^restore$/i.test(first))
    an.destroys("db2 restore writes a backup over the database", "database:overwrite");
  else if (/^prune\s+(history|logfile)\b/i.test(text))
    an.destroysSafetyNet("db2 prune deletes backup history, backup images or recovery logs", "backup:delete");
  else if (/^(load|import)$/i.test(first)) {
    if (/\breplace\b/i.test(text))
      an.destroys(`db2 ${first} … replace overwrites the table`, "table:overwrite");
  } else an.nested.sql(text);
}

const mysqladminVerbs = positionalVerb({
  drop: ["mysqladmin drop deletes a database", "database:delete"],
  purge: ["mysqladmin purge deletes binary logs", "backup:delete"],
});

/** Database CLIs with subcommands, the SQL clients and the Redis and Cypher shells. */
export const databaseCommands: CommandTable = {
  nodetool,
  ...redisCommands,
  ...cypherCommands,
  ...sqlClientCommands,
  wp,
  // `turso db shell DB [SQL]`: SQL as an argument, or on stdin; `turso db destroy`, `turso group destroy` by their verb.
  turso: (inv, an) => {
    if (inv.args[0] !== "db" || inv.args[1] !== "shell") {
      tursoPlatform(inv, an);
      return;
    }
    const sql = inv.args.slice(3).filter((a) => !a.startsWith("-"));
    if (sql.length) an.nested.sql(sql.join(" "), "sqlite");
    else sqlFromStdin(inv, an, "sqlite");
  },
  clickhouse: (inv, an) => {
    if (inv.args[0] === "client" || inv.args[0] === "local")
      clickhouseClient({ ...inv, args: inv.args.slice(1), argv: inv.argv.slice(1) }, an);
    else if (inv.args[0] === "format") an.harmless("clickhouse format only formats SQL text");
  },
  cockroach: (inv, an) => {
    if (inv.args[0] === "sql") cockroachSql(inv, an);
  },
  bq: (inv, an) => {
    const parsed = parseArgs(inv.args, { valueFlags: BQ_VALUE_FLAGS });
    const sub = parsed.positionals[0];
    const forced = parsed.has("-f", "--force", "--replace");
    if (sub === "query") bqQuery(inv, parsed, an);
    // bq cp -f and bq load --replace overwrite the destination table's data.
    else if ((sub === "cp" || sub === "load") && forced)
      an.destroys(
        `bq ${sub} ${parsed.has("--replace") ? "--replace" : "-f"} overwrites ${parsed.positionals.at(sub === "cp" ? -1 : 1) ?? "the destination table"}`,
        "table:overwrite",
      );
    else if (sub === "rm")
      an.destroys(
        `bq rm deletes ${parsed.positionals[1] ?? "a dataset or table"}${parsed.has("-r", "--recursive") ? " and everything in it" : ""}`,
        "table:delete",
      );
    else if (sub === "update") {
      // An expiration makes BigQuery delete the table (or the dataset's new tables, or old partitions) when it passes.
      const expiring = flagValues(inv.args, BQ_EXPIRATIONS).find((v) => Number(v) > 0);
      if (expiring)
        an.destroys(
          `bq update sets an expiration (${expiring}s), after which BigQuery deletes the data`,
          "table:delete",
        );
    }
  },
  mysqladmin: (inv, an) => {
    mysqladminVerbs(inv, an);
    const flush = inv.args.find((a) => /^flush-|^refresh$/.test(a));
    if (flush) an.harmless(`mysqladmin ${flush} only flushes caches, reopens logs or reloads settings`);
  },
  etcdctl: (inv, an) => {
    const [verb, sub] = inv.args.filter((a) => !a.startsWith("-"));
    if (verb === "compact" || verb === "compaction")
      an.destroys("etcdctl compact discards every key's history before the revision", "history:delete");
    else if (verb === "lease" && sub === "revoke")
      an.destroys("etcdctl lease revoke deletes every key attached to the lease", "key:delete");
    else if (verb === "auth" && sub === "disable")
      an.destroys("etcdctl auth disable lets anyone read and write every key", "auth:disable");
    if (inv.args.includes("del")) an.destroys("etcdctl del deletes keys", "key:delete");
    if (verb === "txn") etcdTransaction(inv, an);
    if (inv.args.includes("restore") && inv.args.includes("snapshot"))
      an.destroys("etcdctl snapshot restore replaces the cluster's data", "database:overwrite");
  },
  consul: (inv, an) => {
    if (inv.args[0] === "kv" && inv.args[1] === "delete")
      an.destroys(
        `consul kv delete removes keys${inv.args.includes("-recurse") ? " recursively" : ""}`,
        "key:delete",
      );
    if (inv.args[0] === "snapshot" && inv.args[1] === "restore")
      an.destroys("consul snapshot restore replaces the cluster state", "database:overwrite");
  },
  // Nomad: a snapshot restored over the cluster state; its other commands are judged by their words.
  nomad: withSubcommandWords(
    (inv, an) => {
      const words = inv.args.filter((a) => !a.startsWith("-"));
      if (words[0] === "operator" && words[1] === "snapshot" && words[2] === "restore")
        an.destroys("nomad operator snapshot restore replaces the cluster state", "database:overwrite");
      else if ((words[0] === "stop" || words[1] === "stop") && inv.args.some((a) => /^--?purge$/.test(a)))
        an.destroys("nomad job stop -purge deletes the job and its history", "job:delete");
    },
    (inv) => inv.args.filter((a) => !a.startsWith("-")).slice(0, 3),
  ),
};
