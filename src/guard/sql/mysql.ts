// MySQL: plain statements read by the fast reader (simple-mysql-reader.ts), the rest by node-sql-parser; and what each
// destroys.
import type { Analysis } from "../analysis.ts";
import { action } from "../vocabulary.ts";
import { arr, obj, str } from "./ast-values.ts";
import { dataLoss } from "./data-loss.ts";
import { type MysqlAst, parseMysqlTree } from "./mysql-parser.ts";
import { mysqlKeyPredicate } from "./mysql-predicates.ts";
import { judgeMysqlLogExpiry, mysqlVariableName } from "./mysql-settings.ts";
import type { SqlReader } from "./postgres.ts";
import { judgeRoutineName } from "./routines.ts";
import { MYSQL_PARSER_REFUSES, readSimpleMysql } from "./simple-mysql-reader.ts";

/** Reads `sql` as MySQL; false when it does not parse. "auto" tries the fast reader first, "full" never (tests). */
export function parseMysql(sql: string, an: Analysis, reader: SqlReader = "auto"): boolean {
  const simple = reader === "auto" ? readSimpleMysql(sql) : null;
  if (simple === MYSQL_PARSER_REFUSES) return false;
  let ast: MysqlAst | MysqlAst[] | null = simple;
  if (!ast) {
    try {
      ast = parseMysqlTree(sql);
    } catch {
      return false;
    }
  }
  for (const stmt of Array.isArray(ast) ? ast : [ast]) {
    const before = an.findings.length;
    visitMysql(stmt, an);
    // CALL's routine is judged with the statement.
    if (stmt.type !== "call") judgeCalledFunctions(stmt, an);
    if (an.findings.length === before) an.harmless(`SQL ${str(stmt.type).toUpperCase()}`);
  }
  return true;
}

/** Functions called anywhere in a statement (`SELECT purge_orders()`), judged by their names as CALL's routine is. */
function judgeCalledFunctions(node: unknown, an: Analysis): void {
  if (Array.isArray(node)) {
    for (const item of node) judgeCalledFunctions(item, an);
    return;
  }
  if (!node || typeof node !== "object") return;
  const record = node as MysqlAst;
  if (record.type === "function") {
    const name = arr(obj(record.name).name).map((part) => str(obj(part).value));
    judgeRoutineName(name.at(-1)?.toLowerCase() ?? "", an);
  }
  for (const key in record) judgeCalledFunctions(record[key], an);
}

function mysqlTables(value: unknown): string {
  return arr(value)
    .map((t) => str(obj(t).table))
    .filter(Boolean)
    .join(", ");
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
      // In a multi-table UPDATE a key names rows of one table; the others' rows are every row joined to them.
      else if (arr(stmt.table).length === 1 && mysqlKeyPredicate(stmt.where, table))
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
      // DROP DATABASE names its database with a string, DROP TABLE its tables with a list.
      const target = arr(typeof stmt.name === "string" ? [stmt.name] : stmt.name)
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
    case "call": {
      const name = arr(obj(obj(obj(stmt.expr).name)).name).map((part) => str(obj(part).value));
      judgeRoutineName(name.at(-1)?.toLowerCase() ?? "", an);
      break;
    }
    case "insert":
    case "replace":
      judgeBulkUpsert(stmt, an);
      break;
    case "load_data":
      // A file's rows, like a SELECT's, can repeat any number of keys: REPLACE deletes each row they repeat.
      if (str(stmt.replace_ignore).toLowerCase() === "replace") {
        const table = str(obj(stmt.table).table) || "the table";
        dataLoss(
          an,
          table,
          `LOAD DATA … REPLACE overwrites every row of ${table} whose key the file repeats`,
          "rows:update",
        );
      }
      break;
    case "alter":
      for (const e of arr(stmt.expr)) {
        // A column's new type may be shorter or narrower: values are truncated or converted, as in PostgreSQL.
        if (/^(?:modify|change)$/i.test(str(obj(e).action)) && obj(e).definition)
          an.destroys(
            `ALTER TABLE ${mysqlTables(stmt.table)} ${str(obj(e).action).toUpperCase()} COLUMN may truncate or lose data`,
            "column:update",
          );
        // TRUNCATE PARTITION empties the partition's rows, as DROP PARTITION does.
        if (str(obj(e).action).toLowerCase() === "truncate")
          dataLoss(
            an,
            mysqlTables(stmt.table),
            `ALTER TABLE ${mysqlTables(stmt.table)} TRUNCATE PARTITION empties the partition`,
            "partition:truncate",
          );
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
        const left = obj(obj(e).left);
        const right = obj(obj(e).right);
        if (str(left.type) === "var" && typeof right.value === "number")
          judgeMysqlLogExpiry(mysqlVariableName(left), right.value, an);
        const name = JSON.stringify(obj(e).left ?? "").toLowerCase();
        if (
          name.includes("sql_log_bin") &&
          // 0, FALSE, OFF (read as a column's name), or any of them quoted.
          /"value":(?:0|false)\b|"value":"(?:0|off|false)"|"column":"off"/i.test(
            JSON.stringify(obj(e).right ?? ""),
          )
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

/**
 * REPLACE deletes each row whose key a new row repeats, and ON DUPLICATE KEY UPDATE overwrites it: rows from a
 * SELECT can repeat any number of keys, as an UPDATE without a key condition would. Literal VALUES name their rows.
 */
function judgeBulkUpsert(stmt: MysqlAst, an: Analysis): void {
  const overwrites = stmt.type === "replace" || stmt.on_duplicate_update;
  if (!overwrites || str(obj(stmt.values).type) !== "select") return;
  const table = mysqlTables(stmt.table);
  dataLoss(
    an,
    table,
    `${stmt.type === "replace" ? "REPLACE" : "INSERT … ON DUPLICATE KEY UPDATE"} from a SELECT overwrites every row of ${table} whose key it repeats`,
    "rows:update",
  );
}
