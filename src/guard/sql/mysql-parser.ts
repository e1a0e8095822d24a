// MySQL syntax, read with node-sql-parser: loaded on first use, as most commands never need it and it is a large module.
import { createRequire } from "node:module";

/** Syntax that only MySQL accepts; the (slow) MySQL parser is tried for other dialects only when it appears. */
export const MYSQL_SYNTAX =
  /`|\b(?:replace|insert\s+ignore)\s+into\b|\bon\s+duplicate\s+key\b|\b(?:delete|update)\b[^;]*\b(?:join|limit)\b|\bdelete\s+\w+\s+from\b/i;

export type MysqlAst = Record<string, unknown>;
let parser: { astify(sql: string, opts: { database: string }): MysqlAst | MysqlAst[] } | null = null;

/** The statements of `sql` as node-sql-parser's tree; throws on a syntax error. */
export function parseMysqlTree(sql: string): MysqlAst | MysqlAst[] {
  if (!parser) {
    const require = createRequire(import.meta.url);
    const { Parser } = require("node-sql-parser/build/mysql.js") as {
      Parser: new () => NonNullable<typeof parser>;
    };
    parser = new Parser();
  }
  // A syntax error is caught and dropped by the caller: no stack trace to record.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parser.astify(sql, { database: "mysql" });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
