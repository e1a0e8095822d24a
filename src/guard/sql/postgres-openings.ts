// The words a statement can open with in PostgreSQL's grammar (gram.y's `stmt`). Text that opens with any other
// word is a syntax error to the parser: ClickHouse's OPTIMIZE and SYSTEM, Snowflake's UNDROP, MySQL's FLUSH and
// KILL, Spark's REPLACE TABLE. Knowing that spares a call into the parser (and loading it) that can only fail.

const STATEMENT_OPENINGS = new Set(
  (
    "abort alter analyse analyze begin call checkpoint close cluster comment commit copy create deallocate declare " +
    "delete discard do drop end execute explain fetch grant import insert listen load lock merge move notify " +
    "prepare reassign refresh reindex release reset revoke rollback savepoint security select set show start " +
    "table truncate unlisten update vacuum values with"
  ).split(" "),
);

/** The opening word, when the text starts (after PostgreSQL's blanks) with a whole ASCII word. */
const OPENING_WORD = /^[ \t\n\r\f\v]*([A-Za-z]+)(?![\w$\u0080-\uffff])/;

/**
 * Whether PostgreSQL's parser certainly refuses the text because of its first word. Text opening with anything but a
 * plain word (a comment, a parenthesis, a quote) is left to the parser.
 */
export function postgresRefusesOpening(sql: string): boolean {
  const word = OPENING_WORD.exec(sql)?.[1];
  return word !== undefined && !STATEMENT_OPENINGS.has(word.toLowerCase());
}
