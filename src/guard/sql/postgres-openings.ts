// How a statement can open in PostgreSQL's grammar (gram.y's `stmt`): its first word, and the next where only a few
// may follow. Text that opens otherwise is a syntax error to the parser: ClickHouse's OPTIMIZE and SYSTEM,
// Snowflake's UNDROP, CREATE OR REPLACE TABLE and ALTER TABLE … SWAP WITH, MySQL's FLUSH, KILL and DELETE `t`,
// SQLite's EXPLAIN QUERY PLAN, Hive's INSERT OVERWRITE, a placeholder where a table's name goes (DROP TABLE <stdin>).
// Knowing that spares a call into the parser (and loading it) that can only fail.
import { type OpeningToken, openingTokens } from "./postgres-opening-tokens.ts";

const STATEMENT_OPENINGS = new Set(
  (
    "abort alter analyse analyze begin call checkpoint close cluster comment commit copy create deallocate declare " +
    "delete discard do drop end execute explain fetch grant import insert listen load lock merge move notify " +
    "prepare reassign refresh reindex release reset revoke rollback savepoint security select set show start " +
    "table truncate unlisten update vacuum values with"
  ).split(" "),
);

/** Words that may follow an opening word, where PostgreSQL's grammar allows only a few (`(` for EXPLAIN's options). */
const NEXT_WORDS = new Map([
  ["insert", new Set(["into"])],
  ["delete", new Set(["from"])],
  [
    "explain",
    new Set(
      (
        "analyze analyse verbose ( select values table with insert update delete merge declare create refresh " +
        "execute"
      ).split(" "),
    ),
  ],
]);

/**
 * What CREATE OR REPLACE can make in PostgreSQL: functions, procedures, views (temporary, recursive), rules,
 * languages, transforms, aggregates and triggers, never Snowflake's or Spark's tables, schemas and stages.
 */
const REPLACEABLE = new Set(
  (
    "function procedure view recursive temp temporary local global unlogged rule trusted procedural language " +
    "transform aggregate trigger"
  ).split(" "),
);

/** Openings a word or a quoted name must follow (a table's name, ONLY, IF EXISTS…), never a number or an operator. */
const NAME_FOLLOWS = new Set([
  "truncate",
  "truncate table",
  "update",
  "alter table",
  "drop table",
  "drop view",
  "drop index",
  "drop sequence",
  "drop schema",
  "drop database",
]);
/** Objects PostgreSQL names with one name, never `db.schema` as Snowflake does. */
const ONE_PART_NAMES = new Set(["schema", "database"]);

/** What ALTER TABLE can do to a table (add, alter, drop, rename, set…), never Snowflake's SWAP WITH or CLUSTER BY. */
const ALTER_TABLE_ACTIONS = new Set(
  (
    "add alter attach cluster detach disable drop enable force inherit no not of options owner rename replica " +
    "reset set validate"
  ).split(" "),
);
/** What ALTER TABLE … SET sets (`(` for storage options), never Snowflake's DATA_RETENTION_TIME_IN_DAYS. */
const ALTER_TABLE_SETTINGS = new Set([
  "access",
  "schema",
  "tablespace",
  "without",
  "logged",
  "unlogged",
  "(",
]);

/** The most opening tokens any rule below looks at. */
const MOST_TOKENS = 12;

const isWord = (t: OpeningToken | undefined, v?: string): boolean =>
  t?.kind === "word" && (v === undefined || t.v === v);
const isName = (t: OpeningToken | undefined): boolean => t?.kind === "word" || t?.kind === "name";
/** A word's value, or an other token's character; "" for a quoted name, which is never a keyword. */
const spelt = (t: OpeningToken): string => (t.kind === "name" ? "" : t.v);

/**
 * Whether PostgreSQL's parser certainly refuses the text because of how it opens. Text opening with a comment or a
 * character that starts a name of its own (é) is left to the parser.
 */
export function postgresRefusesOpening(sql: string): boolean {
  const { tokens, ended } = openingTokens(sql, MOST_TOKENS);
  const [first, second] = tokens;
  // Every statement opens with a word or a parenthesis (or is empty: `;`), never with a quoted name, a string, a
  // number or an operator (MySQL's stray `*/`).
  if (!isWord(first))
    return first !== undefined && !(first.kind === "other" && (first.v === "(" || first.v === ";"));
  const opening = spelt(first!);
  if (!STATEMENT_OPENINGS.has(opening)) return true;
  // The token at `at` is there and is none of `allowed`, or the text ends before it.
  const outside = (at: number, allowed: (t: OpeningToken) => boolean): boolean =>
    tokens[at] ? !allowed(tokens[at]!) : ended && at === tokens.length;
  const nextWords = NEXT_WORDS.get(opening);
  if (nextWords) return outside(1, (t) => nextWords.has(spelt(t)));
  const pair = isWord(second) ? `${opening} ${spelt(second!)}` : opening;
  const afterOpening = NAME_FOLLOWS.has(pair) ? pair.split(" ").length : NAME_FOLLOWS.has(opening) ? 1 : 0;
  if (afterOpening && outside(afterOpening, isName)) return true;
  if (opening === "create" && isWord(second, "or") && isWord(tokens[2], "replace") && isWord(tokens[3]))
    return !REPLACEABLE.has(spelt(tokens[3]!));
  if ((opening === "create" || opening === "drop") && isWord(second) && ONE_PART_NAMES.has(spelt(second!)))
    return qualifiesOnePartName(tokens);
  if (pair === "alter table") return refusedAlterTableAction(tokens);
  return false;
}

/** `CREATE|DROP SCHEMA|DATABASE [IF [NOT] EXISTS] name.` — a second part where PostgreSQL takes one name. */
function qualifiesOnePartName(tokens: readonly OpeningToken[]): boolean {
  let at = 2;
  if (isWord(tokens[at], "if")) {
    const notAt = isWord(tokens[at + 1], "not") ? at + 2 : at + 1;
    if (isWord(tokens[notAt], "exists")) at = notAt + 1;
  }
  const dot = tokens[at + 1];
  return isName(tokens[at]) && dot?.kind === "other" && dot.v === ".";
}

/**
 * `ALTER TABLE [IF EXISTS] [ONLY] name [*] action`: an action PostgreSQL's ALTER TABLE has no grammar for, or a SET
 * of something it does not set. The name may be qualified; ALL IN TABLESPACE and ONLY (name) are left alone.
 */
function refusedAlterTableAction(tokens: readonly OpeningToken[]): boolean {
  let at = 2;
  if (isWord(tokens[at], "if")) {
    if (!isWord(tokens[at + 1], "exists")) return false;
    at += 2;
  }
  if (isWord(tokens[at], "only")) at++;
  if (isWord(tokens[at], "all") || !isName(tokens[at])) return false;
  at++;
  while (isDot(tokens[at]) && isName(tokens[at + 1])) at += 2;
  if (tokens[at]?.kind === "other" && spelt(tokens[at]!) === "*") at++;
  const action = tokens[at];
  if (!isName(action)) return false;
  if (!ALTER_TABLE_ACTIONS.has(spelt(action!))) return true;
  const setting = tokens[at + 1];
  if (spelt(action!) !== "set" || !setting) return false;
  // A quoted name is no setting either.
  return setting.kind === "other" ? setting.v !== "(" : !ALTER_TABLE_SETTINGS.has(spelt(setting));
}

const isDot = (t: OpeningToken | undefined): boolean => t?.kind === "other" && t.v === ".";
