// MySQL texts PostgreSQL's parser is sure to refuse, read with the fast MySQL reader's lexer: the MySQL dialect tries
// that parser after node-sql-parser, and loading and running it only to fail costs far more than this look. The
// first statement's opening word is also checked by the parser's own shortcut (postgres-openings.ts); this looks at
// every statement, and past the opening word where MySQL's statements part from PostgreSQL's.
import { postgresRefusesOpening } from "./postgres-openings.ts";
import { NotSimple } from "./simple-lexer.ts";
import { lexMysql, type MysqlToken } from "./simple-mysql-lexer.ts";

/** The two words RESET takes in PostgreSQL; after any other first word it takes none (`RESET a.b` is one name). */
const POSTGRES_RESET_PAIRS = new Set(["time zone", "transaction isolation", "session authorization"]);
/** ALTER TABLE's changes in other dialects (ClickHouse's REMOVE TTL, CLEAR COLUMN), no words of PostgreSQL's. */
const FOREIGN_ALTER_TABLE_ACTIONS = new Set(["remove", "clear"]);
/** Words that open a PostgreSQL ALTER TABLE's target other than as its name (ONLY t, IF EXISTS t, ALL IN …). */
const ALTER_TABLE_TARGET_WORDS = new Set(["only", "if", "all"]);

const isWord = (t: MysqlToken | undefined, v?: string): boolean =>
  t?.t === "word" && (v === undefined || t.v === v);
const isPunct = (t: MysqlToken | undefined, v: string): boolean => t?.t === "punct" && t.v === v;

/** Where the tokens past a name (`a` or `a.b`) at `at` start, or -1 when no name is there. */
function pastName(tokens: readonly MysqlToken[], at: number): number {
  if (!isWord(tokens[at])) return -1;
  return isPunct(tokens[at + 1], ".") && isWord(tokens[at + 2]) ? at + 3 : at + 1;
}

/** Whether PostgreSQL's grammar fails on a statement opening with these tokens, whatever follows. */
function refusedStatement(s: readonly MysqlToken[]): boolean {
  const [first, second, third] = s;
  if (!isWord(first)) return false;
  switch (first!.v) {
    // SET then a name, never MySQL's `@variable`.
    case "set":
      return second?.t === "var" || second?.t === "sysvar";
    // PREPARE name [(types)] AS …, never MySQL's FROM.
    case "prepare":
      return isWord(second) && isWord(third, "from");
    // EXECUTE name [(parameters)] and nothing after, never MySQL's USING @a.
    case "execute":
      return isWord(second) && third !== undefined && !isPunct(third, "(");
    // RESET name, RESET ALL or one of three pairs: not MySQL's RESET REPLICA ALL, RESET BINARY LOGS AND GTIDS.
    case "reset":
      return isWord(second) && isWord(third) && !POSTGRES_RESET_PAIRS.has(`${second!.v} ${third!.v}`);
    case "drop": {
      if (isWord(second, "temporary")) return true;
      if (!isWord(second, "table")) return false;
      // DROP TABLE [IF EXISTS] a, b [CASCADE|RESTRICT]: no PURGE.
      let at = isWord(third, "if") && isWord(s[3], "exists") ? 4 : 2;
      for (;;) {
        at = pastName(s, at);
        if (at < 0) return false;
        if (!isPunct(s[at], ",")) return isWord(s[at], "purge");
        at++;
      }
    }
    case "alter": {
      // ALTER TABLE [ONLY|IF EXISTS] name …: no REMOVE or CLEAR.
      if (!isWord(second, "table") || !isWord(third) || ALTER_TABLE_TARGET_WORDS.has(third!.v)) return false;
      const action = s[pastName(s, 2)];
      return isWord(action) && FOREIGN_ALTER_TABLE_ACTIONS.has(action!.v);
    }
    default:
      return false;
  }
}

/**
 * Whether PostgreSQL's parser refuses `sql`, which it reads whole: one statement it has no grammar for is enough.
 * Only text the fast MySQL lexer reads is judged: it ends statements where PostgreSQL does, and PostgreSQL reads the
 * words after each end as it does.
 */
export function postgresRefuses(sql: string): boolean {
  // `#` opens a comment in MySQL but is an operator in PostgreSQL, a backslash escapes in MySQL's strings but not in
  // PostgreSQL's, and PostgreSQL's block comments nest: PostgreSQL may then end strings and statements elsewhere.
  if (sql.includes("#") || sql.includes("\\") || sql.includes("/*")) return false;
  let tokens: MysqlToken[];
  try {
    tokens = lexMysql(sql);
  } catch (error) {
    if (error instanceof NotSimple) return false;
    throw error;
  }
  if (postgresRefusesOpening(sql)) return true;
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const end = tokens[i];
    if (end && !(end.t === "punct" && end.v === ";")) continue;
    if (refusedStatement(tokens.slice(start, i))) return true;
    if (end && postgresRefusesOpening(sql.slice(end.at + 1))) return true;
    start = i + 1;
  }
  return false;
}
