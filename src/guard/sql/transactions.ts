// Transactions that undo what they run: rolled back, or read-only from the start, up to the statement ending them.
import type { Analysis, SqlDialect } from "../analysis.ts";
import { splitStatements } from "./statements.ts";

const BEGIN = /^\s*(?:begin|start\s+transaction)\b/i;
/** `BEGIN READ ONLY`, `START TRANSACTION [ISOLATION LEVEL …,] READ ONLY`. */
const BEGIN_READ_ONLY =
  /^\s*(?:begin|start\s+transaction)(?:\s+transaction)?(?:\s+isolation\s+level\s+\w+(?:\s+\w+)?\s*,?)?\s+read\s+only\b/i;
/**
 * MySQL's session characteristic: each later statement of `mysql -e` runs in its own transaction, read-only. (A
 * PostgreSQL session setting is no such guarantee: `psql -c` runs every statement in one transaction, begun before
 * the SET.)
 */
const MYSQL_SESSION_READ_ONLY =
  /^\s*set\s+(?:session\s+transaction\s+read\s+only|(?:session\s+|@@session\.|@@)?transaction_read_only\s*=\s*(?:on|1|true))\s*$/i;
const ROLLBACK = /^\s*(?:rollback|abort)(?:\s+(?:work|transaction))?\s*$/i;
/** Statements that end the transaction (a rollback to a savepoint does not): what follows runs outside it. */
const TRANSACTION_END = /^\s*(?:commit|end|abort|rollback(?!\s+to\b)|prepare\s+transaction)\b/i;
/** SQL that makes a read-only transaction or session writable again. */
const READ_WRITE_AGAIN = /\bread\s+write\b|read_only\s*(?:=|to)\s*'?(?:off|false|0)\b/i;
/** Reaches past the transaction: another connection, or a shell. */
const ESCAPES = /\bdblink|\\!/i;

/** Neutralises the findings from `before` on that the transaction around `sql` keeps from happening. */
export function neutraliseUndone(sql: string, dialect: SqlDialect, an: Analysis, before: number): void {
  if (!BEGIN.test(sql) && !(dialect === "mysql" && /^\s*set\b/i.test(sql))) return;
  if (ESCAPES.test(sql)) return;
  const statements = splitStatements(sql);
  if (readOnlyThroughout(statements, dialect)) {
    an.neutralise(before, "read-only transaction: the server refuses writes");
    return;
  }
  if (mysqlReadOnlySession(statements, dialect)) {
    an.neutralise(
      before,
      "read-only session: the server refuses row changes",
      (f) => f.action?.startsWith("rows:") === true,
    );
    return;
  }
  if (rolledBackThroughout(statements))
    an.neutralise(before, "rolled back", (f) =>
      dialect === "mysql"
        ? f.action?.startsWith("rows:") === true
        : /^(rows|table|column|index):/.test(f.action ?? ""),
    );
}

/** Only the last statement may end the transaction: anything after an earlier end runs outside it. */
const endsOnlyAtLast = (statements: string[]) =>
  statements.slice(0, -1).every((s) => !TRANSACTION_END.test(s));

function readOnlyThroughout(statements: string[], dialect: SqlDialect): boolean {
  return (
    dialect !== "sqlite" &&
    BEGIN_READ_ONLY.test(statements[0] ?? "") &&
    endsOnlyAtLast(statements) &&
    !statements.some((s) => READ_WRITE_AGAIN.test(s))
  );
}

function mysqlReadOnlySession(statements: string[], dialect: SqlDialect): boolean {
  return (
    dialect === "mysql" &&
    MYSQL_SESSION_READ_ONLY.test(statements[0] ?? "") &&
    !statements.some((s) => READ_WRITE_AGAIN.test(s))
  );
}

/** `BEGIN; …; ROLLBACK`: nothing the transaction did stays (except DDL in MySQL, which commits by itself). */
function rolledBackThroughout(statements: string[]): boolean {
  return (
    statements.length > 1 &&
    BEGIN.test(statements[0]!) &&
    ROLLBACK.test(statements.at(-1)!) &&
    endsOnlyAtLast(statements)
  );
}
