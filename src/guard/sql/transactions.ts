// Transactions that undo what they run: rolled back, or read-only from the start.
import type { Analysis, SqlDialect } from "../analysis.ts";

/** `BEGIN; …; ROLLBACK`: nothing the transaction did stays (except DDL in MySQL, which commits by itself). */
const ROLLED_BACK = /^\s*(begin|start\s+transaction)\b[\s\S]*;\s*rollback\s*(work|transaction)?\s*;?\s*$/i;

/** A transaction or session declared read-only before anything else runs. */
const READ_ONLY_START =
  /^\s*(?:(?:begin|start\s+transaction)(?:\s+transaction)?(?:\s+isolation\s+level\s+\w+(?:\s+\w+)?\s*,?)?\s+read\s+only\b|set\s+(?:session\s+characteristics\s+as\s+transaction\s+read\s+only|(?:session\s+)?default_transaction_read_only\s*(?:=|to)\s*(?:on|true|1))\b)/i;

/** Neutralises the findings from `before` on that the transaction around `sql` keeps from happening. */
export function neutraliseUndone(sql: string, dialect: SqlDialect, an: Analysis, before: number): void {
  const rolledBack = ROLLED_BACK.test(sql) && !/\bcommit\b|\bdblink|\\!/i.test(sql);
  const readOnly = READ_ONLY_START.test(sql) && !/\bdblink|\\!/i.test(sql) && dialect !== "sqlite";
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
