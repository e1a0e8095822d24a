// How a statement can open in PostgreSQL's grammar (gram.y's `stmt`): its first word, and the next where only a few
// may follow. Text that opens otherwise is a syntax error to the parser: ClickHouse's OPTIMIZE and SYSTEM,
// Snowflake's UNDROP and CREATE OR REPLACE TABLE, MySQL's FLUSH and KILL, Hive's INSERT OVERWRITE. Knowing that spares
// a call into the parser (and loading it) that can only fail.

const STATEMENT_OPENINGS = new Set(
  (
    "abort alter analyse analyze begin call checkpoint close cluster comment commit copy create deallocate declare " +
    "delete discard do drop end execute explain fetch grant import insert listen load lock merge move notify " +
    "prepare reassign refresh reindex release reset revoke rollback savepoint security select set show start " +
    "table truncate unlisten update vacuum values with"
  ).split(" "),
);

/** Words that may follow an opening word, where PostgreSQL's grammar allows only a few (Hive's INSERT OVERWRITE). */
const NEXT_WORDS = new Map([
  ["insert", new Set(["into"])],
  ["delete", new Set(["from"])],
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

const WORD = "([A-Za-z]+)(?![\\w$\\u0080-\\uffff])";
const BLANKS = "[ \\t\\n\\r\\f\\v]";
/** The opening word and the next, when the text starts (after PostgreSQL's blanks) with whole ASCII words. */
const OPENING_WORDS = new RegExp(`^${BLANKS}*${WORD}(?:${BLANKS}+${WORD})?`);
const CREATE_OR_REPLACE = new RegExp(`^${BLANKS}*create${BLANKS}+or${BLANKS}+replace${BLANKS}+${WORD}`, "i");

/**
 * Whether PostgreSQL's parser certainly refuses the text because of how it opens. Text opening with anything but
 * plain words (a comment, a parenthesis, a quote) is left to the parser.
 */
export function postgresRefusesOpening(sql: string): boolean {
  const words = OPENING_WORDS.exec(sql);
  if (!words) return false;
  const first = words[1]!.toLowerCase();
  if (!STATEMENT_OPENINGS.has(first)) return true;
  const next = words[2]?.toLowerCase();
  if (next !== undefined && NEXT_WORDS.get(first)?.has(next) === false) return true;
  const replaced = first === "create" ? CREATE_OR_REPLACE.exec(sql)?.[1] : undefined;
  return replaced !== undefined && !REPLACEABLE.has(replaced.toLowerCase());
}
