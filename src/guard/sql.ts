// SQL: plain statements read by the fast reader (sql-simple.ts), the rest parsed with the PostgreSQL parser
// (libpg-query), MySQL syntax with node-sql-parser; only when both fail, statement by statement, a keyword reading
// that errs towards destructive.
import { createRequire } from "node:module";
import type { Analysis, SqlDialect } from "./analysis.ts";
import { readSimpleSql } from "./sql-simple.ts";
import { action, singular } from "./vocabulary.ts";

let pgParse: ((sql: string) => unknown) | null = null;
let pgLoading: Promise<void> | null = null;
let parserMissed = false;

/** Loads PostgreSQL's parser (WebAssembly); classify() needs it loaded first to read SQL exactly. Idempotent. */
export function loadSqlParser(): Promise<void> {
  pgLoading ??= import("libpg-query").then(async (pg) => {
    await pg.loadModule();
    pgParse = pg.parseSync;
  });
  return pgLoading;
}

/** Whether SQL met since the last call had to be read by keywords because the parser was not loaded yet. */
export function takeSqlParserMissed(): boolean {
  const missed = parserMissed;
  parserMissed = false;
  return missed;
}

function parseSync(sql: string): unknown {
  if (!pgParse) {
    parserMissed = true;
    throw new Error("the SQL parser is not loaded");
  }
  return pgParse(sql);
}

type PgNode = Record<string, unknown>;

const SAFETY_NET_NAME = /audit|backup|snapshot|archive|(^|_)bak(_|$)|_history$|^history_/i;
const KEY_COLUMN = /^(id|uuid|guid|pk|key)$/i;

/** Past this many statements the rest is read by keywords: a generous script, and hostile input stays cheap. */
const MAX_STATEMENTS = 200;
/** Syntax that only MySQL accepts; the (slow) MySQL parser is tried for other dialects only when it appears. */
const MYSQL_SYNTAX =
  /`|\b(?:replace|insert\s+ignore)\s+into\b|\bon\s+duplicate\s+key\b|\b(?:delete|update)\b[^;]*\b(?:join|limit)\b|\bdelete\s+\w+\s+from\b/i;

/** Destruction some engines spell as ordinary DDL or settings (Snowflake, Databricks, Hive, BigQuery, Spark). */
const SEMANTIC_RULES: [RegExp, string, string, boolean][] = [
  [
    /\bcreate\s+or\s+replace\s+(?:transient\s+|temporary\s+|temp\s+)?table\b/i,
    "CREATE OR REPLACE TABLE replaces an existing table and its data",
    "table:overwrite",
    false,
  ],
  [
    /\binsert\s+overwrite\b/i,
    "INSERT OVERWRITE replaces the table's or partition's rows",
    "table:overwrite",
    false,
  ],
  [
    /\b(?:data_retention_time_in_days|max_data_extension_time_in_days)\s*=\s*0\b/i,
    "retention 0 switches time travel off",
    "backup:disable",
    true,
  ],
  [
    /\b(?:delta\.)?(?:logRetentionDuration|deletedFileRetentionDuration)\b[^;]*\binterval\s+0\b/i,
    "cuts the table's history retention to nothing",
    "backup:disable",
    true,
  ],
  [
    /\bvacuum\b[^;]*\bretain\s+0\b/i,
    "VACUUM RETAIN 0 deletes every old version of the table",
    "backup:delete",
    true,
  ],
  [
    /\bbackup_retention_period\s*=\s*0\b|\bpitr\b[^;]*\b(off|false|disable)/i,
    "switches point-in-time recovery off",
    "backup:disable",
    true,
  ],
];

/** `BEGIN; …; ROLLBACK`: nothing the transaction did stays (except DDL in MySQL, which commits by itself). */
const ROLLED_BACK = /^\s*(begin|start\s+transaction)\b[\s\S]*;\s*rollback\s*(work|transaction)?\s*;?\s*$/i;

/** A transaction or session declared read-only before anything else runs. */
const READ_ONLY_START =
  /^\s*(?:(?:begin|start\s+transaction)(?:\s+transaction)?(?:\s+isolation\s+level\s+\w+(?:\s+\w+)?\s*,?)?\s+read\s+only\b|set\s+(?:session\s+characteristics\s+as\s+transaction\s+read\s+only|(?:session\s+)?default_transaction_read_only\s*(?:=|to)\s*(?:on|true|1))\b)/i;

/** "auto": the fast reader when it accepts the SQL, else PostgreSQL's parser; "full": always the parser (tests). */
export type SqlReader = "auto" | "full";

export function analyzeSql(
  text: string,
  an: Analysis,
  dialect: SqlDialect = "postgres",
  reader: SqlReader = "auto",
): void {
  const sql = metaCommands(text, an, dialect);
  if (!sql.trim()) return;
  for (const [pattern, reason, actionName, safetyNet] of SEMANTIC_RULES) {
    if (!pattern.test(sql)) continue;
    if (safetyNet) an.destroysSafetyNet(reason, actionName);
    else an.destroys(reason, actionName);
  }
  const rolledBack = ROLLED_BACK.test(sql) && !/\bcommit\b|\bdblink|\\!/i.test(sql);
  const readOnly = READ_ONLY_START.test(sql) && !/\bdblink|\\!/i.test(sql) && dialect !== "sqlite";
  const before = an.findings.length;
  parseAll(sql, an, dialect, reader);
  if (readOnly) {
    an.neutralise(before, "read-only transaction: the server refuses writes");
    return;
  }
  if (rolledBack)
    an.neutralise(before, "rolled back", (f) =>
      dialect === "mysql"
        ? f.action?.startsWith("rows:") === true
        : /^(rows|table|column|index):/.test(f.action ?? ""),
    );
}

function parseAll(sql: string, an: Analysis, dialect: SqlDialect, reader: SqlReader): void {
  if (parseWith(sql, dialect, an, reader)) return;
  const statements = splitStatements(sql);
  for (const statement of statements.slice(0, MAX_STATEMENTS)) {
    if (!parseWith(statement, dialect, an, reader)) sqlKeywordFallback(statement, an);
  }
  if (statements.length > MAX_STATEMENTS)
    sqlKeywordFallback(statements.slice(MAX_STATEMENTS).join(";"), an, "SQL past the first 200 statements");
}

function parseWith(sql: string, dialect: SqlDialect, an: Analysis, reader: SqlReader): boolean {
  if (dialect === "mysql") return parseMysql(sql, an) || parsePostgres(sql, an, reader);
  // Without PostgreSQL's parser this reading is redone once it is loaded: MySQL's is not worth loading first.
  return (
    parsePostgres(sql, an, reader) || (pgParse !== null && MYSQL_SYNTAX.test(sql) && parseMysql(sql, an))
  );
}

/** psql backslash commands and sqlite dot commands are not SQL: handle them and return the SQL that is left. */
function metaCommands(text: string, an: Analysis, dialect: SqlDialect): string {
  if (!/^\s*[\\.]/m.test(text) && !text.includes("\\g")) return text;
  const kept: string[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("\\")) {
      const [command = "", ...rest] = trimmed.slice(1).split(/\s+/);
      if (command === "!") an.nested.shell(rest.join(" "));
      else if (/^(i|ir|include|include_relative)$/.test(command))
        an.uncertain(`psql \\${command} runs ${rest[0] ?? "a file"}, which the guard cannot read`, false);
      else if (command === "gexec") gexec(kept.join("\n"), an);
      continue;
    }
    if (dialect === "sqlite" && trimmed.startsWith(".")) {
      const [command = "", ...rest] = trimmed.slice(1).split(/\s+/);
      if (command === "restore")
        an.destroys("sqlite .restore overwrites the database from a backup file", "database:overwrite");
      else if (command === "shell" || command === "system") an.nested.shell(rest.join(" "));
      else if (command === "read")
        an.uncertain(`sqlite .read runs ${rest[0] ?? "a file"}, which the guard cannot read`, false);
      continue;
    }
    const inline = /^(.*?)\\gexec\s*$/.exec(line);
    if (inline) {
      gexec([...kept, inline[1]!].join("\n"), an);
      kept.length = 0;
      continue;
    }
    kept.push(line);
  }
  return kept.join("\n");
}

/** `\gexec` runs every value the query returns as SQL: judge the strings it builds. */
function gexec(query: string, an: Analysis): void {
  const before = an.findings.length;
  sqlKeywordFallback(query, an, "\\gexec runs the query's results as SQL");
  if (an.findings.length === before) an.uncertain("\\gexec runs the query's results as SQL", false);
}

// ---------------------------------------------------------------- PostgreSQL

function parsePostgres(sql: string, an: Analysis, reader: SqlReader): boolean {
  // The fast reader builds the parser's tree for plain SQL, so the WebAssembly parser is loaded only for the rest.
  let stmts = reader === "auto" ? readSimpleSql(sql) : null;
  if (!stmts) {
    let tree: unknown;
    try {
      tree = parseSync(sql);
    } catch {
      return false;
    }
    stmts = ((tree as { stmts?: { stmt?: PgNode }[] }).stmts ?? []).map((s) => s.stmt ?? {});
  }
  for (const stmt of stmts) {
    const before = an.findings.length;
    walkPg(stmt, (type, body) => visitPg(type, body, an));
    if (an.findings.length === before) an.harmless(`SQL ${describeStatement(stmt)}`);
  }
  return true;
}

function describeStatement(stmt: PgNode): string {
  const type = Object.keys(stmt)[0] ?? "statement";
  return type
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}

/** Visits every node `{TypeName: {...}}` depth-first; the visitor returns false to skip a node's children. */
function walkPg(value: unknown, visit: (type: string, body: PgNode) => boolean): void {
  if (Array.isArray(value)) {
    for (const v of value) walkPg(v, visit);
    return;
  }
  if (!value || typeof value !== "object") return;
  for (const [key, child] of Object.entries(value)) {
    if (!child || typeof child !== "object") continue;
    const isNode = /^[A-Z]/.test(key) && !Array.isArray(child);
    if (isNode && !visit(key, child as PgNode)) continue;
    walkPg(child, visit);
  }
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const obj = (v: unknown): PgNode => (v && typeof v === "object" ? (v as PgNode) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function relname(relation: unknown): string {
  const r = obj(relation);
  return [str(r.schemaname), str(r.relname)].filter(Boolean).join(".");
}

/** All String svals under a node: object names of DROP, function names. */
function names(value: unknown): string[] {
  const out: string[] = [];
  walkPg(value, (type, body) => {
    if (type === "String") out.push(str(body.sval));
    return true;
  });
  return out;
}

function visitPg(type: string, body: PgNode, an: Analysis): boolean {
  switch (type) {
    case "DeleteStmt": {
      const table = relname(body.relation);
      const every = !body.whereClause;
      dataLoss(
        an,
        table,
        every ? `DELETE without WHERE deletes every row of ${table}` : `DELETE removes rows from ${table}`,
        "rows:delete",
      );
      return true;
    }
    case "UpdateStmt":
      judgeUpdate(relname(body.relation), body.whereClause, an);
      return true;
    case "TruncateStmt": {
      const tables = arr(body.relations).map((r) => relname(obj(r).RangeVar));
      dataLoss(an, tables.join(", "), `TRUNCATE empties ${tables.join(", ")}`, "table:truncate");
      return false;
    }
    case "DropStmt": {
      const kind = str(body.removeType)
        .replace(/^OBJECT_/, "")
        .toLowerCase()
        .replace(/_/g, "-");
      const objects = arr(body.objects)
        .map((o) => names(o).join("."))
        .join(", ");
      const actionName =
        kind === "table" ? "table:delete" : kind === "database" ? "database:delete" : action(kind, "delete");
      if (kind === "trigger" && /audit/i.test(objects))
        an.destroysSafetyNet(`DROP TRIGGER ${objects} removes audit logging`, "audit-log:disable");
      else
        dataLoss(
          an,
          objects,
          `DROP ${kind.toUpperCase()} ${objects}${str(body.behavior) === "DROP_CASCADE" ? " CASCADE" : ""}`,
          actionName,
        );
      return false;
    }
    case "DropdbStmt":
      dataLoss(an, str(body.dbname), `DROP DATABASE ${str(body.dbname)}`, "database:delete");
      return false;
    case "AlterTableStmt":
      alterTable(relname(body.relation), arr(body.cmds), an);
      return true;
    case "AlterSystemStmt":
    case "VariableSetStmt": {
      const set = type === "AlterSystemStmt" ? obj(body.setstmt) : body;
      setting(
        str(set.name).toLowerCase(),
        names(set.args).concat(constants(set.args)).join(" ").toLowerCase(),
        type === "AlterSystemStmt",
        an,
      );
      return false;
    }
    case "ExplainStmt": {
      const analyze = arr(body.options).some(
        (o) =>
          str(obj(obj(o).DefElem).defname) === "analyze" &&
          !/false|off/i.test(JSON.stringify(obj(obj(o).DefElem).arg ?? "")),
      );
      if (!analyze) an.harmless("EXPLAIN only plans the query");
      return analyze;
    }
    case "FuncCall":
      functionCall(names(body.funcname).at(-1)?.toLowerCase() ?? "", body, an);
      return true;
    case "DoStmt": {
      const code = arr(body.args)
        .map((a) => obj(obj(a).DefElem))
        .filter((d) => str(d.defname) === "as")
        .map((d) => names(d.arg).join("\n"))
        .join("\n");
      const before = an.findings.length;
      sqlKeywordFallback(code, an, "DO block");
      if (an.findings.length === before) an.uncertain("DO runs a procedural block", false);
      return false;
    }
    case "CopyStmt":
      if (body.is_program && str(body.filename)) an.nested.shell(str(body.filename));
      return true;
    case "MergeStmt": {
      const table = relname(body.relation);
      for (const clause of arr(body.mergeWhenClauses)) {
        const command = str(obj(obj(clause).MergeWhenClause).commandType);
        if (command === "CMD_DELETE")
          dataLoss(an, table, `MERGE deletes matched rows of ${table}`, "rows:delete");
        if (command === "CMD_UPDATE")
          dataLoss(an, table, `MERGE overwrites matched rows of ${table}`, "rows:update");
      }
      return true;
    }
    case "CreateFunctionStmt":
    case "CreateTrigStmt":
    case "RuleStmt":
    case "ViewStmt":
      // Definitions run later, if ever; defining them destroys nothing.
      return false;
    default:
      if (/^Drop/.test(type)) {
        const what = type.replace(/^Drop/, "").replace(/Stmt$/, "");
        dataLoss(
          an,
          names(body).join("."),
          `DROP ${what.toUpperCase()} ${names(body).join(", ")}`.trim(),
          action(what.replace(/([a-z])([A-Z])/g, "$1-$2"), "delete"),
        );
        return false;
      }
      return true;
  }
}

function constants(value: unknown): string[] {
  const out: string[] = [];
  walkPg(value, (type, body) => {
    if (type === "A_Const")
      out.push(str(obj(body.sval).sval) || String(obj(body.ival).ival ?? obj(body.boolval).boolval ?? ""));
    return true;
  });
  return out;
}

/** Destroying a table or rows whose name says backup/audit/archive is destroying a safety net. */
function dataLoss(an: Analysis, name: string, reason: string, actionName: string): void {
  if (SAFETY_NET_NAME.test(name))
    an.destroysSafetyNet(
      `${reason} (a backup, archive or audit table)`,
      /audit/i.test(name) ? "audit-log:delete" : "backup:delete",
    );
  else an.destroys(reason, actionName);
}

function judgeUpdate(table: string, where: unknown, an: Analysis): void {
  if (!where) dataLoss(an, table, `UPDATE without WHERE overwrites every row of ${table}`, "rows:update");
  else if (isTautology(where))
    dataLoss(an, table, `UPDATE … WHERE is always true: overwrites every row of ${table}`, "rows:update");
  else if (isKeyPredicate(where, table))
    an.harmless(`UPDATE targets rows of ${table} by primary key`, "rows:update");
  else
    dataLoss(
      an,
      table,
      `UPDATE overwrites every row of ${table} matching a non-key condition`,
      "rows:update",
    );
}

function isConstant(node: unknown): boolean {
  const n = obj(node);
  if (n.A_Const || n.ParamRef) return true;
  if (n.TypeCast) return isConstant(obj(n.TypeCast).arg);
  return false;
}

function isKeyColumn(node: unknown, table: string): boolean {
  const fields = names(obj(obj(node).ColumnRef).fields);
  const column = (fields.at(-1) ?? "").toLowerCase();
  const base = singular(table.split(".").at(-1)!.toLowerCase());
  return KEY_COLUMN.test(column) || (column !== "" && column === `${base}_id`);
}

function isKeyPredicate(where: unknown, table: string): boolean {
  const w = obj(where);
  if (w.BoolExpr) {
    const b = obj(w.BoolExpr);
    if (b.boolop === "AND_EXPR") return arr(b.args).some((a) => isKeyPredicate(a, table));
    if (b.boolop === "OR_EXPR") return arr(b.args).every((a) => isKeyPredicate(a, table));
    return false;
  }
  if (w.A_Expr) {
    const e = obj(w.A_Expr);
    const op = names(e.name)[0];
    if (e.kind === "AEXPR_OP" && op === "=") {
      return (
        (isKeyColumn(e.lexpr, table) && isConstant(e.rexpr)) ||
        (isKeyColumn(e.rexpr, table) && isConstant(e.lexpr))
      );
    }
    if (e.kind === "AEXPR_IN")
      return isKeyColumn(e.lexpr, table) && arr(obj(obj(e.rexpr).List).items ?? e.rexpr).every(isConstant);
  }
  return false;
}

function isTautology(where: unknown): boolean {
  const w = obj(where);
  if (w.A_Const) return obj(obj(w.A_Const).boolval).boolval === true;
  if (w.BoolExpr) {
    const b = obj(w.BoolExpr);
    return b.boolop === "OR_EXPR"
      ? arr(b.args).some(isTautology)
      : b.boolop === "AND_EXPR"
        ? arr(b.args).every(isTautology)
        : false;
  }
  if (w.A_Expr) {
    const e = obj(w.A_Expr);
    const strip = (n: unknown) => JSON.stringify(n).replace(/"location":\d+,?/g, "");
    if (names(e.name)[0] === "=" && isConstant(e.lexpr) && isConstant(e.rexpr))
      return strip(e.lexpr) === strip(e.rexpr);
    if (names(e.name)[0] === "=" && obj(e.lexpr).ColumnRef && strip(e.lexpr) === strip(e.rexpr)) return true;
  }
  return false;
}

function alterTable(table: string, cmds: unknown[], an: Analysis): void {
  for (const c of cmds) {
    const cmd = obj(obj(c).AlterTableCmd);
    const subtype = str(cmd.subtype);
    const name = str(cmd.name);
    switch (subtype) {
      case "AT_DropColumn":
        dataLoss(
          an,
          table,
          `ALTER TABLE ${table} DROP COLUMN ${name} deletes the column's data`,
          "column:delete",
        );
        break;
      case "AT_DropConstraint":
        an.destroys(
          `ALTER TABLE ${table} DROP CONSTRAINT ${name} removes a protection on the data`,
          "constraint:delete",
        );
        break;
      case "AT_DisableTrig":
      case "AT_DisableTrigAll":
      case "AT_DisableTrigUser":
        if (/audit|history|log/i.test(name) || /audit/i.test(table) || subtype === "AT_DisableTrigAll")
          an.destroysSafetyNet(
            `ALTER TABLE ${table} DISABLE TRIGGER ${name || "ALL"} switches audit logging off`,
            "audit-log:disable",
          );
        else
          an.destroys(
            `ALTER TABLE ${table} DISABLE TRIGGER ${name} switches a trigger off`,
            "trigger:disable",
          );
        break;
      case "AT_DisableRowSecurity":
      case "AT_NoForceRowSecurity":
        an.destroys(`ALTER TABLE ${table} switches row-level security off`, "row-security:disable");
        break;
      case "AT_AlterColumnType":
        an.destroys(
          `ALTER TABLE ${table} ALTER COLUMN ${name} TYPE may truncate or lose data`,
          "column:update",
        );
        break;
      case "AT_SetUnLogged":
        an.destroys(
          `ALTER TABLE ${table} SET UNLOGGED: its data is lost on a crash and not replicated`,
          "table:update",
        );
        break;
    }
  }
}

function setting(name: string, value: string, system: boolean, an: Analysis): void {
  const scope = system ? "ALTER SYSTEM SET" : "SET";
  if (name === "archive_mode" && /off|false/.test(value))
    an.destroysSafetyNet(
      `${scope} archive_mode off stops WAL archiving, the base of point-in-time recovery`,
      "backup:disable",
    );
  else if (name === "archive_command" && /^(|\/bin\/true|true|:|exit 0)$/.test(value.trim()))
    an.destroysSafetyNet(
      `${scope} archive_command to a no-op discards WAL instead of archiving it`,
      "backup:disable",
    );
  else if (name === "wal_level" && value.includes("minimal"))
    an.destroysSafetyNet(`${scope} wal_level minimal breaks archiving and replicas`, "backup:disable");
  else if (/^(fsync|full_page_writes)$/.test(name) && /off|false/.test(value))
    an.destroys(`${scope} ${name} off risks unrecoverable corruption`, "database:update");
  else if (name === "session_replication_role" && value.includes("replica"))
    an.destroys(
      `${scope} session_replication_role = replica switches triggers and foreign keys off`,
      "trigger:disable",
    );
  else if (/^pgaudit\./.test(name) && /none|off/.test(value))
    an.destroysSafetyNet(`${scope} ${name} none switches audit logging off`, "audit-log:disable");
  else if (/^(log_statement)$/.test(name) && value.includes("none"))
    an.destroysSafetyNet(`${scope} log_statement none stops statement logging`, "audit-log:disable");
}

const DESTRUCTIVE_FUNCTION = /(^|_)(drop|delete|truncate|purge|remove|wipe|destroy|unlink)(_|$)/;

function functionCall(name: string, body: PgNode, an: Analysis): void {
  if (name === "dblink_exec") {
    const sql = constants(body.args).at(-1);
    if (sql) an.nested.sql(sql, "postgres");
  } else if (name === "pg_drop_replication_slot")
    an.destroys("pg_drop_replication_slot breaks the replica reading from it", "replication-slot:delete");
  else if (DESTRUCTIVE_FUNCTION.test(name))
    an.destroys(`${name}() deletes data`, action(name.replace(/^(pg|lo)_/, "").replace(/_/g, "-"), "call"));
}

// ---------------------------------------------------------------- MySQL (node-sql-parser)

type MysqlAst = Record<string, unknown>;
let mysqlParser: { astify(sql: string, opts: { database: string }): MysqlAst | MysqlAst[] } | null = null;

function getMysqlParser() {
  if (!mysqlParser) {
    // Loaded on first use: most commands never need it and it is a large module.
    const require = createRequire(import.meta.url);
    const { Parser } = require("node-sql-parser/build/mysql.js") as {
      Parser: new () => NonNullable<typeof mysqlParser>;
    };
    mysqlParser = new Parser();
  }
  return mysqlParser;
}

function parseMysql(sql: string, an: Analysis): boolean {
  let ast: MysqlAst | MysqlAst[];
  try {
    ast = getMysqlParser().astify(sql, { database: "mysql" });
  } catch {
    return false;
  }
  for (const stmt of Array.isArray(ast) ? ast : [ast]) {
    const before = an.findings.length;
    visitMysql(stmt, an);
    if (an.findings.length === before) an.harmless(`SQL ${str(stmt.type).toUpperCase()}`);
  }
  return true;
}

function mysqlTables(value: unknown): string {
  return arr(value)
    .map((t) => str(obj(t).table))
    .filter(Boolean)
    .join(", ");
}

function mysqlColumn(node: unknown): string {
  const c = obj(node).column;
  return typeof c === "string" ? c : str(obj(obj(c).expr).value);
}

function mysqlKeyPredicate(where: unknown, table: string): boolean {
  const w = obj(where);
  if (w.type !== "binary_expr") return false;
  const op = str(w.operator).toUpperCase();
  if (op === "AND") return mysqlKeyPredicate(w.left, table) || mysqlKeyPredicate(w.right, table);
  if (op === "OR") return mysqlKeyPredicate(w.left, table) && mysqlKeyPredicate(w.right, table);
  const isKey = (n: unknown) =>
    obj(n).type === "column_ref" &&
    (KEY_COLUMN.test(mysqlColumn(n)) ||
      mysqlColumn(n).toLowerCase() === `${singular(table.toLowerCase())}_id`);
  const isLiteral = (n: unknown) =>
    /^(number|string|single_quote_string|double_quote_string|bool|param|hex_string)$/.test(str(obj(n).type));
  if (op === "=") return (isKey(w.left) && isLiteral(w.right)) || (isKey(w.right) && isLiteral(w.left));
  if (op === "IN") return isKey(w.left) && arr(obj(w.right).value).every(isLiteral);
  return false;
}

function visitMysql(stmt: MysqlAst, an: Analysis): void {
  switch (stmt.type) {
    case "delete": {
      const table = mysqlTables(stmt.from) || mysqlTables(stmt.table);
      dataLoss(
        an,
        table,
        stmt.where
          ? `DELETE removes rows from ${table}`
          : `DELETE without WHERE deletes every row of ${table}`,
        "rows:delete",
      );
      break;
    }
    case "update": {
      const table = mysqlTables(stmt.table);
      if (!stmt.where)
        dataLoss(an, table, `UPDATE without WHERE overwrites every row of ${table}`, "rows:update");
      else if (mysqlKeyPredicate(stmt.where, table))
        an.harmless(`UPDATE targets rows of ${table} by primary key`, "rows:update");
      else
        dataLoss(
          an,
          table,
          `UPDATE overwrites every row of ${table} matching a non-key condition`,
          "rows:update",
        );
      break;
    }
    case "truncate":
    case "drop": {
      const keyword = str(stmt.keyword) || "table";
      const target = arr(stmt.name)
        .map((n) => str(obj(n).table) || str(n))
        .join(", ");
      const verb = stmt.type === "truncate" ? "TRUNCATE" : `DROP ${keyword.toUpperCase()}`;
      dataLoss(
        an,
        target,
        `${verb} ${target}`,
        stmt.type === "truncate"
          ? "table:truncate"
          : keyword === "database" || keyword === "schema"
            ? "database:delete"
            : action(keyword, "delete"),
      );
      break;
    }
    case "alter":
      for (const e of arr(stmt.expr)) {
        if (str(obj(e).action).toLowerCase() === "drop") {
          const what = str(obj(e).resource) || str(obj(e).keyword) || "column";
          dataLoss(
            an,
            mysqlTables(stmt.table),
            `ALTER TABLE ${mysqlTables(stmt.table)} DROP ${what.toUpperCase()}`,
            action(what, "delete"),
          );
        }
      }
      break;
    case "set":
      for (const e of arr(stmt.expr)) {
        const name = JSON.stringify(obj(e).left ?? "").toLowerCase();
        if (
          name.includes("sql_log_bin") &&
          /"value":0|"value":"off"/i.test(JSON.stringify(obj(e).right ?? ""))
        ) {
          an.destroysSafetyNet(
            "SET sql_log_bin = 0 stops binary logging, the base of point-in-time recovery",
            "backup:disable",
          );
        }
      }
      break;
  }
}

// ---------------------------------------------------------------- fallback

/** Splits on semicolons outside quotes, dollar quotes and comments. */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === "`") {
      const end = sql.indexOf(c, i + 1);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? sql.length : end + tag.length;
      } else i++;
    } else if (c === ";") {
      out.push(sql.slice(start, i));
      start = ++i;
    } else i++;
  }
  out.push(sql.slice(start));
  return out.filter((part) => part.trim());
}

const FALLBACK_RULES: [RegExp, string, string][] = [
  [
    /\bdrop\s+(table|database|schema|index|view|trigger|user|role|function|procedure|keyspace|collection|materialized|sequence|owned|extension|type)\b/i,
    "DROP",
    "table:delete",
  ],
  [/\bdrop\b/i, "DROP", "table:delete"],
  [/\btruncate\b/i, "TRUNCATE", "table:truncate"],
  [/\bdelete\b/i, "DELETE", "rows:delete"],
  [/\bupdate\s+\S+\s+set\b/i, "UPDATE", "rows:update"],
  [/\bdisable\b/i, "DISABLE", "trigger:disable"],
  [/\b(purge|wipe|erase|flushall|flushdb|dropdb)\b/i, "PURGE", "database:delete"],
  [/\breset\s+(master|slave|replica)\b/i, "RESET", "backup:delete"],
  [/\bmerge\b[\s\S]*\bdelete\b/i, "MERGE … DELETE", "rows:delete"],
];
const READ_START =
  /^\s*(select|show|describe|desc|explain|values|pragma|use|begin|start|commit|rollback|savepoint|release|set|with|table|listen|notify|fetch|declare|close|prepare|execute|analyze|vacuum|checkpoint|lock|insert|create|comment|grant|copy|\\)/i;

/** Keyword reading for SQL no parser accepted: any destructive keyword counts, and unknown statements count too. */
export function sqlKeywordFallback(
  sql: string,
  an: Analysis,
  context = "SQL the parsers could not read",
): void {
  const code = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  if (!code.trim()) return;
  for (const [pattern, keyword, actionName] of FALLBACK_RULES) {
    if (pattern.test(code)) {
      an.uncertain(`${context} contains ${keyword}`, true, actionName);
      return;
    }
  }
  if (READ_START.test(code)) an.uncertain(`${context}; it looks read-only`, false);
  else an.uncertain(`${context} starts with "${code.trim().split(/\s+/)[0]}"`, true);
}

/** Whether a parser accepts the text as SQL, for inputs whose first word is both SQL and a shell command (`set`, `rename`). */
export function parsesAsSql(text: string): boolean {
  if (readSimpleSql(text)) return true;
  try {
    parseSync(text);
    return true;
  } catch {
    if (!pgParse || !MYSQL_SYNTAX.test(text)) return false;
    try {
      getMysqlParser().astify(text, { database: "mysql" });
      return true;
    } catch {
      return false;
    }
  }
}
