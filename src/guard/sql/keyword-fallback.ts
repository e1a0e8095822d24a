// SQL no parser accepted, read by keywords: any destructive keyword counts, and unknown statements count too.
import type { Analysis } from "../analysis.ts";
import { shellQuoted } from "../shell-quote.ts";
import { withoutComments } from "./lexical-divides.ts";
import { judgeMysqlReset } from "./mysql-settings.ts";
import { routineCallAction, routineNameSaysDestroys } from "./routines.ts";

const FALLBACK_RULES: [RegExp, string, string][] = [
  [
    /\bdrop\s+(table|database|schema|index|view|trigger|user|role|function|procedure|keyspace|collection|materialized|sequence|owned|extension|type)\b/i,
    "DROP",
    "table:delete",
  ],
  [/\bdrop\b/i, "DROP", "table:delete"],
  [/\btruncate\b/i, "TRUNCATE", "table:truncate"],
  [/\bdelete\b/i, "DELETE", "rows:delete"],
  // UPDATE [LOW_PRIORITY] [IGNORE] [ONLY] t [[AS] alias] SET, and MySQL's UPDATE a, b SET.
  [/\bupdate\b[^;]*?\bset\b/i, "UPDATE", "rows:update"],
  [/\bdisable\b/i, "DISABLE", "trigger:disable"],
  [/\b(purge|wipe|erase|flushall|flushdb|dropdb)\b/i, "PURGE", "database:delete"],
  [/\breset\s+(master|slave|replica|binary\s+logs)\b/i, "RESET", "backup:delete"],
  [/\bmerge\b[\s\S]*\bdelete\b/i, "MERGE … DELETE", "rows:delete"],
  // MySQL's LOAD DATA and LOAD XML with REPLACE delete each existing row whose key the file repeats.
  [/\bload\s+(?:data|xml)\b[^;]*\breplace\b/i, "LOAD … REPLACE", "rows:update"],
];
const MYSQL_RESET = /(?:^|;)\s*reset\s+(master|replica|slave|binary\s+logs\s+and\s+gtids)\b/i;
/**
 * Whole statements in dialects no parser has a grammar for that destroy no data, though a word in them (DROP,
 * REMOVE, DELETE) says otherwise: Snowflake's UNDROP and Oracle's FLASHBACK TABLE … TO BEFORE DROP bring dropped
 * objects back; ClickHouse's SYSTEM DROP … CACHE empties a cache; OPTIMIZE (without DEDUPLICATE, which deletes
 * rows) merges parts; REMOVE TTL and REMOVE PARTITIONING keep every row; SQLite's EXPLAIN QUERY PLAN and MySQL's
 * EXPLAIN of a write only plan.
 */
const NO_DATA_LOST: [RegExp, string][] = [
  [
    /^\s*undrop\s+(?:table|schema|database|dynamic\s+table|tag|account)\s+[\w.$"`]+\s*$/i,
    "restores dropped objects",
  ],
  [
    /^\s*flashback\s+table\s+[\w.$"`,\s]+\bto\s+before\s+drop(?:\s+rename\s+to\s+[\w.$"`]+)?\s*$/i,
    "restores dropped objects",
  ],
  [/^\s*system\s+drop\s+(?:[a-z]+\s+){0,3}cache(?:\s+on\s+cluster\s+[\w.'"`{}-]+)?\s*$/i, "empties a cache"],
  [
    /^\s*optimize\s+table\s+[\w.`"]+(?:\s+on\s+cluster\s+[\w'"`{}-]+)?(?:\s+partition\s+(?:id\s+)?[\w'"]+)?(?:\s+final)?\s*$/i,
    "merges the table's parts, every row kept",
  ],
  [
    /^\s*alter\s+table\s+[\w.`"]+(?:\s+on\s+cluster\s+[\w'"`{}-]+)?\s+remove\s+(?:ttl|partitioning)\s*$/i,
    "removes a table setting, every row kept",
  ],
  [/^\s*explain\s+query\s+plan\s+[^;]*$/i, "only plans the query"],
  // MySQL's and MariaDB's EXPLAIN of a write shows its plan; only EXPLAIN ANALYZE (or MariaDB's ANALYZE) runs it.
  [
    /^\s*(?:explain|describe|desc)\s+(?:(?:extended|partitions)\s+|format\s*=\s*\w+\s+)?(?:delete|update|insert|replace)\b[^;]*;?\s*$/i,
    "only plans the statement",
  ],
  // Swapping two tables' names (Snowflake, ClickHouse) keeps both tables' rows.
  [/^\s*alter\s+table\s+[\w.`"]+\s+swap\s+with\s+[\w.`"]+\s*$/i, "swaps two tables, every row kept"],
  [
    /^\s*exchange\s+(?:tables|dictionaries)\s+[\w.`"]+\s+and\s+[\w.`"]+\s*$/i,
    "swaps two tables, every row kept",
  ],
  // A temporary table lives only in its session; `mysql -e` starts a new one.
  [
    /^\s*drop\s+temporary\s+table\s+(?:if\s+exists\s+)?[\w.`"]+(?:\s*,\s*[\w.`"]+)*\s*$/i,
    "drops a temporary table",
  ],
  // MySQL's caches, logs and privileges reloaded, a query or connection ended: no row is lost.
  [
    /^\s*flush\s+(?:(?:no_write_to_binlog|local)\s+)?(?:privileges|tables(?:\s+[\w.`,\s]+)?(?:\s+with\s+read\s+lock)?|(?:binary\s+|engine\s+|error\s+|general\s+|relay\s+|slow\s+)?logs|status|hosts|optimizer_costs|user_resources)\s*$/i,
    "reloads or closes caches, logs or tables",
  ],
  // Snowflake's LIST (LS) of a stage's files.
  [/^\s*(?:list|ls)\s+@[^;\s]+(?:\s+pattern\s*=\s*'[^']*')?\s*$/i, "lists the files in a stage"],
  [/^\s*kill\s+(?:query\s+|connection\s+)?\d+\s*$/i, "ends one query or connection"],
  // A backup written (CockroachDB's BACKUP … INTO, SQL Server's BACKUP … TO), unless INIT or FORMAT overwrites the
  // backups already on the media; CockroachDB's RESTORE into a database of a new name.
  [/^\s*backup\s+(?![^;]*\b(?:init|format)\b)[^;]*\b(?:into|to)\b[^;]*$/i, "writes a backup"],
  [
    /^\s*restore\s+(?:database\s+)?[\w.`"]+\s+from\b[^;]*\bnew_db_name\s*=\s*'[^']*'[^;]*$/i,
    "restores into a new database",
  ],
  // Impala's and Hive's statistics and metadata refreshes read the table and rewrite no row.
  [
    /^\s*(?:compute\s+(?:incremental\s+)?stats\s+[\w.`]+|invalidate\s+metadata(?:\s+[\w.`]+)?|refresh\s+[\w.`]+|analyze\s+table\s+[\w.`]+\s+compute\s+statistics(?:\s+for\s+(?:all\s+)?columns)?)\s*$/i,
    "gathers statistics or reloads metadata",
  ],
];
/**
 * Openings of statements that destroy nothing by themselves; DuckDB's too: FROM-first queries, SUMMARIZE, PIVOT,
 * extensions installed and loaded, databases attached and detached.
 */
const READ_START =
  /^\s*(select|show|describe|desc|explain|values|pragma|use|begin|start|commit|rollback|savepoint|release|set|with|table|listen|notify|fetch|declare|close|prepare|execute|analyze|vacuum|checkpoint|lock|insert|load\s+(?:data|xml)\b|create|comment|grant|copy|from|summarize|pivot|unpivot|install|load|attach|detach|\\)/i;

/** A name, quoted or not, before `(`: a routine called (or a type's length, which names no routine that destroys). */
const CALLED = /[`"]?([A-Za-z_][\w$]*)[`"]?\s*\(/g;

/**
 * A routine called whose name says it destroys data (drop_partitions, remove_user), as the parsers' readings judge
 * it: the words above need a word's end, which `_` is not.
 */
function destructiveRoutineCalled(code: string): string | undefined {
  for (const [, name] of code.matchAll(CALLED)) {
    const lower = name!.toLowerCase();
    if (routineNameSaysDestroys(lower)) return lower;
  }
  return undefined;
}

/** Each `TO` in a COPY no parser read, with what follows it: a program, or a file quoted or bare (DuckDB's). */
const COPY_TO = /\bto\s+(program\s+)?('(?:[^']|'')*'|"(?:[^"]|"")*"|[^\s;()]+)/gi;

/**
 * A COPY no parser read: one that runs a program is asked about (true); every file after a `TO` in it is judged as
 * the copy's, which errs towards asking.
 */
function unreadCopyRunsProgram(code: string, an: Analysis, context: string): boolean {
  if (/\bprogram\b/i.test(code)) {
    an.uncertain(`${context}: a COPY that runs a program`, true);
    return true;
  }
  for (const [, , target] of code.matchAll(COPY_TO)) {
    const file = /^['"]/.test(target!) ? target!.slice(1, -1).replace(/''|""/g, (q) => q[0]!) : target!;
    if (!/^(?:stdout|pstdout)$/i.test(file)) an.nested.shell(`postgres > ${shellQuoted(file)}`);
  }
  return false;
}

/** Keyword reading for SQL no parser accepted: any destructive keyword counts, and unknown statements count too. */
export function sqlKeywordFallback(
  sql: string,
  an: Analysis,
  context = "SQL the parsers could not read",
): void {
  let code = withoutComments(sql);
  if (!code.trim()) return;
  // MySQL's resets in the forms no parser has a grammar for (`RESET BINARY LOGS AND GTIDS`, `RESET MASTER TO 1`,
  // `RESET REPLICA ALL`) are judged as RESET MASTER and RESET REPLICA are.
  const reset = MYSQL_RESET.exec(code);
  if (reset) {
    judgeMysqlReset(/^binary/i.test(reset[1]!) ? "master" : reset[1]!.toLowerCase(), an);
    return;
  }
  const statements = code.split(";").filter((s) => s.trim());
  const rest = statements.filter((s) => !NO_DATA_LOST.some(([pattern]) => pattern.test(s)));
  if (!rest.length) {
    const reason = NO_DATA_LOST.find(([pattern]) => pattern.test(statements[0]!))![1];
    an.harmless(`${context}: ${reason}`);
    return;
  }
  code = rest.join(";");
  for (const [pattern, keyword, actionName] of FALLBACK_RULES) {
    if (pattern.test(code)) {
      an.uncertain(`${context} contains ${keyword}`, true, actionName);
      return;
    }
  }
  const routine = destructiveRoutineCalled(code);
  if (routine) {
    an.uncertain(
      `${context} calls ${routine}(), whose name says it destroys data`,
      true,
      routineCallAction(routine),
    );
    return;
  }
  if (/^\s*copy\b/i.test(code) && unreadCopyRunsProgram(code, an, context)) return;
  if (READ_START.test(code)) an.uncertain(`${context}; it looks read-only`, false);
  else an.uncertain(`${context} starts with "${code.trim().split(/\s+/)[0]}"`, true);
}
