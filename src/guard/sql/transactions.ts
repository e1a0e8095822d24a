// Transactions that undo what they run: rolled back, or read-only from the start, up to the statement ending them.
// The statements are told apart by the fast readers' lexers, which end every string, comment and statement where the
// server does, so no COMMIT can hide in what a looser split takes for a string; text they do not take keeps its
// findings.
import type { Analysis, SqlDialect } from "../analysis.ts";
import { lexSql, NotSimple } from "./simple-lexer.ts";
import { lexMysql } from "./simple-mysql-lexer.ts";

/** Only texts that open this way can be undone; the rest is not lexed again. */
const MAY_UNDO = /^\s*(?:begin|start|set)\b/i;
/** Reaches past the transaction: another connection (dblink, pg_background's worker). */
const ESCAPES = /dblink|pg_background/i;
/**
 * In a statement after the one making the transaction or session read-only, what may make it writable again: READ
 * WRITE, the settings (`transaction_read_only TO "off"`, `= DEFAULT`), set_config.
 */
const MAY_WRITE_AGAIN = /read_only|\bwrite\b|set_config/i;

const BEGIN = /^(?:begin|start transaction)\b/;
/** `BEGIN READ ONLY`, `START TRANSACTION ISOLATION LEVEL …, READ ONLY`: modes that say read-only, none read-write. */
const BEGIN_READ_ONLY =
  /^(?:begin(?: work| transaction)?|start transaction)(?=.* read only)(?: (?:read only|isolation level (?:serializable|repeatable read|read committed|read uncommitted)|not deferrable|deferrable|with consistent snapshot|,))+$/;
/**
 * MySQL's session characteristic: each later statement of `mysql -e` runs in its own transaction, read-only. (A
 * PostgreSQL session setting is no such guarantee: `psql -c` runs every statement in one transaction, begun before
 * the SET.)
 */
const MYSQL_SESSION_READ_ONLY =
  /^set (?:session transaction read only|(?:session transaction_read_only|@@session\.transaction_read_only|@@transaction_read_only|transaction_read_only) = (?:on|1|true))$/;
const ROLLBACK = /^(?:rollback|abort)(?: work| transaction)?$/;
/** Statements that end the transaction (a rollback to a savepoint does not): what follows runs outside it. */
const TRANSACTION_END =
  /^(?:commit|end|abort|prepare transaction|rollback(?!(?: work| transaction)? to\b))\b/;
/**
 * Statements that neither end a transaction nor change how it runs: queries, row changes and savepoints. MySQL ends
 * the transaction before anything else that changes the schema, users, locks or settings (`SET autocommit = 1`).
 */
const ROW_STATEMENT =
  /^(?:select|insert|update|delete|replace|merge|with|values|table|savepoint|release|rollback(?: work| transaction)? to)\b/;
/** What a rolled-back or read-only transaction keeps from happening: changes to rows and to the schema. */
const UNDONE_ACTION = /^(rows|table|column|index):/;

interface Token {
  readonly t: string;
  readonly v: string;
  readonly members?: readonly string[];
}

/** One statement spelt as its tokens: words lower-cased, strings quoted, variables with their `@`. */
function spell(tokens: readonly Token[]): string {
  return tokens
    .map((token) => {
      if (token.t === "string") return `'${token.v}'`;
      if (token.t === "name") return `"${token.v}"`;
      if (token.t === "var") return `@${token.v}`;
      if (token.t === "sysvar") return `@@${[token.v, ...(token.members ?? [])].join(".")}`.toLowerCase();
      return token.v;
    })
    .join(" ");
}

/** The statements of `sql` as the server divides them, each spelt by its tokens; null where the lexer is unsure. */
function statementsOf(sql: string, dialect: SqlDialect): string[] | null {
  // SQLite has neither dollar quotes nor E'…' escapes, which PostgreSQL's lexer reads.
  if (dialect === "sqlite" && /[$\\]/.test(sql)) return null;
  // A backslash escapes in MySQL's strings unless the server runs with NO_BACKSLASH_ESCAPES, where `'a\'; COMMIT; …`
  // ends its string before the COMMIT: the statements are not known.
  if (dialect === "mysql" && sql.includes("\\")) return null;
  let tokens: Token[];
  try {
    tokens = dialect === "mysql" ? lexMysql(sql) : lexSql(sql);
  } catch (error) {
    if (error instanceof NotSimple) return null;
    throw error;
  }
  const statements: string[] = [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const token = tokens[i];
    if (token && !(token.t === "punct" && token.v === ";")) continue;
    if (i > start) statements.push(spell(tokens.slice(start, i)));
    start = i + 1;
  }
  return statements;
}

/** Neutralises the findings from `before` on that the transaction around `sql` keeps from happening. */
export function neutraliseUndone(sql: string, dialect: SqlDialect, an: Analysis, before: number): void {
  if (!MAY_UNDO.test(sql) || ESCAPES.test(sql)) return;
  const statements = statementsOf(sql, dialect);
  if (!statements) return;
  const undone = (f: { action?: string }) => UNDONE_ACTION.test(f.action ?? "");
  const writableAgain = MAY_WRITE_AGAIN.test(statements.slice(1).join(";"));
  if (readOnlyThroughout(statements, dialect) && !writableAgain) {
    an.neutralise(before, "read-only transaction: the server refuses writes", undone);
    return;
  }
  if (mysqlReadOnlySession(statements, dialect) && !writableAgain) {
    an.neutralise(
      before,
      "read-only session: the server refuses row changes",
      (f) => f.action?.startsWith("rows:") === true,
    );
    return;
  }
  if (rolledBackThroughout(statements, dialect))
    an.neutralise(before, "rolled back", (f) =>
      dialect === "mysql" ? f.action?.startsWith("rows:") === true : undone(f),
    );
}

/** Between the first and the last statement, only queries and row changes: nothing can end or unlock it. */
const onlyRowsBetween = (statements: string[]) => statements.slice(1, -1).every((s) => ROW_STATEMENT.test(s));

function readOnlyThroughout(statements: string[], dialect: SqlDialect): boolean {
  const last = statements.at(-1)!;
  return (
    dialect !== "sqlite" &&
    statements.length > 1 &&
    BEGIN_READ_ONLY.test(statements[0]!) &&
    onlyRowsBetween(statements) &&
    (TRANSACTION_END.test(last) || ROW_STATEMENT.test(last))
  );
}

function mysqlReadOnlySession(statements: string[], dialect: SqlDialect): boolean {
  return (
    dialect === "mysql" &&
    MYSQL_SESSION_READ_ONLY.test(statements[0] ?? "") &&
    statements.slice(1).every((s) => ROW_STATEMENT.test(s))
  );
}

/**
 * `BEGIN; …; ROLLBACK`: nothing the transaction did stays. PostgreSQL's schema changes are undone with it, and only
 * a statement ending the transaction lets what follows stay; MySQL commits before any statement but a query or a
 * row change (and its DDL is never undone).
 */
function rolledBackThroughout(statements: string[], dialect: SqlDialect): boolean {
  return (
    statements.length > 1 &&
    BEGIN.test(statements[0]!) &&
    ROLLBACK.test(statements.at(-1)!) &&
    (dialect === "mysql"
      ? onlyRowsBetween(statements)
      : statements.slice(1, -1).every((s) => !TRANSACTION_END.test(s)))
  );
}
