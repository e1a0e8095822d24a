// The fast MySQL reader's first pass: words (their spelling kept, as MySQL keeps names' case), `backtick` names,
// 'single' and "double" quoted strings (backslash escapes too) and numbers, `@name` user and `@@[scope.]name` server
// variables, `?` placeholders, operators, punctuation, and `#`, `-- ` and `/* */` comments; anything with other
// lexical rules (the executable `/*! */` form, quoted variables, 0x…) is not simple. Where node-sql-parser meets
// what none of its rules reads (`\` outside quotes, `@$`), it says so.

import { matchAt } from "./match-at.ts";
import { mysqlClientEndsCommentAlike } from "./mysql-client-comments.ts";
import { fail, NotSimple } from "./simple-lexer.ts";

export type MysqlToken =
  // Unquoted: v lower-cased for keywords, raw as written; spaced when white space or a comment comes before it.
  | { t: "word"; v: string; raw: string; spaced: boolean }
  | { t: "name"; v: string } // `quoted identifier`
  | { t: "string"; v: string; quote: "'" | '"' } // v as written between the quotes, doubled quotes kept
  | { t: "number"; v: string }
  | { t: "op"; v: string }
  | { t: "punct"; v: string; at: number } // at: where it stands in the text
  | { t: "var"; v: string } // @name, v the name as written
  | { t: "sysvar"; v: string; members: string[] } // @@name or @@scope.name, as written
  | { t: "param"; v: "?" }
  // Operator characters no operator of the subset spells (`*/`, `<=>`): no statement the reader accepts holds one.
  | { t: "stray"; v: string };

/**
 * Thrown where node-sql-parser refuses the text whatever follows: a character none of its rules reads outside quotes
 * and comments. A NotSimple, so that callers that only lex take it for text outside the subset.
 */
export class MysqlParserRefuses extends NotSimple {}
const PARSER_REFUSES = new MysqlParserRefuses("node-sql-parser reads nothing here");

/** MySQL keeps 64 characters of a name; longer ones go to the real parser. */
const MAX_NAME = 64;
const OPERATORS = new Set(["=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"]);
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const BACKTICK_NAME = /`([A-Za-z0-9_]+)`/y;
/** A backslash escapes the character after it, whatever it is: the string ends at the first quote not escaped. */
const STRING = /'((?:[^'\\\0]|''|\\[^\0])*)'/y;
/** node-sql-parser takes no control character but a line feed between double quotes, escaped or not. */
const DOUBLE_QUOTED_STRING = /"((?:[\n !#-[\]-~\u0080-\uffff]|""|\\[\n !-~\u0080-\uffff])*)"/y;
/** The escapes node-sql-parser turns into the character they stand for; it keeps the others as written (`\'`). */
const ESCAPED = /\\(u[0-9A-Fa-f]{4}|[\s\S])/g;
const CONTROL_ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
/** Operator characters that start a comment in a run of them, or a variable (`=@a`): such runs are not stray. */
const NOT_STRAY = /[@#]|--|\/\*/;
const NUMBER = /[0-9]+(?:\.[0-9]+)?/y;
const OPERATOR_RUN = /[+\-*/<>=~!@#%^&|?:]+/y;
const USER_VARIABLE = /@([A-Za-z_][A-Za-z0-9_]*)/y;
const SERVER_VARIABLE = /@@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;

/** What node-sql-parser makes of a string's text between its quotes. */
function stringValue(body: string): string {
  if (!body.includes("\\")) return body;
  return body.replace(ESCAPED, (pair, escaped: string) =>
    escaped.length === 5
      ? String.fromCharCode(Number.parseInt(escaped.slice(1), 16))
      : (CONTROL_ESCAPES[escaped] ?? pair),
  );
}

/** Where a `#` or `-- ` comment at `at` ends: at the line feed, as in MySQL. */
function lineCommentEnd(sql: string, at: number): number {
  const end = sql.indexOf("\n", at);
  const stop = end < 0 ? sql.length : end;
  // node-sql-parser ends it at a carriage return too: text between one and the line feed is read apart.
  const cr = sql.indexOf("\r", at);
  if (cr >= 0 && cr < stop && cr + 1 !== end) fail();
  return stop;
}

/**
 * The tokens of `sql`; throws NotSimple on anything outside the fast MySQL reader's lexical subset, and
 * MysqlParserRefuses where node-sql-parser refuses the text.
 */
export function lexMysql(sql: string): MysqlToken[] {
  const out: MysqlToken[] = [];
  let i = 0;
  let spaced = false;
  // Whether every string so far ends where each of node-sql-parser's quoted forms ends: its quoted names take no
  // escape and no doubled quote. Only then is a character after them known to stand outside quotes for it.
  let plainQuotes = true;
  const refused = (): never => {
    if (!plainQuotes) fail();
    throw PARSER_REFUSES;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      spaced = true;
      continue;
    }
    if (c === "#" || (c === "-" && sql[i + 1] === "-" && /[ \t\n\r]/.test(sql[i + 2] ?? "\n"))) {
      // `#` and `-- ` (with the space MySQL requires) comment to the end of the line.
      i = lineCommentEnd(sql, i);
      spaced = true;
      continue;
    }
    if (c === "/" && sql[i + 1] === "*") {
      // To the first `*/`: neither MySQL nor node-sql-parser nests them. MySQL runs the text of `/*! … */` (and
      // MariaDB that of `/*M! … */`), which node-sql-parser skips; and the mysql client ends some comments elsewhere.
      if (sql[i + 2] === "!" || (sql[i + 2] === "M" && sql[i + 3] === "!")) fail();
      const end = sql.indexOf("*/", i + 2);
      if (end < 0 || !mysqlClientEndsCommentAlike(sql.slice(i + 2, end))) fail();
      i = end + 2;
      spaced = true;
      continue;
    }
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_") {
      const raw = matchAt(WORD, sql, i)!;
      // `_utf8'…'`, `X'…'`, `a$b`, names run into quotes: other lexical rules, left to the real parser.
      if (raw.length > MAX_NAME || /['"`$&@]/.test(sql[i + raw.length] ?? "")) fail();
      out.push({ t: "word", v: raw.toLowerCase(), raw, spaced });
      i += raw.length;
    } else if (c === "`") {
      const m = matchAt(BACKTICK_NAME, sql, i) ?? fail();
      if (m.length - 2 > MAX_NAME) fail();
      out.push({ t: "name", v: m.slice(1, -1) });
      i += m.length;
    } else if (c === "'" || c === '"') {
      // Backslashes escape as MySQL reads them unless NO_BACKSLASH_ESCAPES (lexical-divides.ts keeps texts that may
      // set it away). Adjacent literals concatenate. A doubled quote stays doubled in the value, as node-sql-parser
      // gives it.
      const m = matchAt(c === "'" ? STRING : DOUBLE_QUOTED_STRING, sql, i) ?? fail();
      if (out.at(-1)?.t === "string") fail();
      const body = m.slice(1, -1);
      if (body.includes("\\") || body.includes(c + c)) plainQuotes = false;
      out.push({ t: "string", v: stringValue(body), quote: c });
      i += m.length;
    } else if (c >= "0" && c <= "9") {
      const m = matchAt(NUMBER, sql, i)!;
      // Exponents, 0x…, 0b… and names that start with digits are other lexical rules.
      if (/[A-Za-z0-9_.$]/.test(sql[i + m.length] ?? "")) fail();
      out.push({ t: "number", v: m });
      i += m.length;
    } else if (c === "(" || c === ")" || c === "," || c === ";" || c === ".") {
      out.push({ t: "punct", v: c, at: i });
      i++;
    } else if (c === "\\") {
      // A client command (`\! rm …`, `\G`) to MySQL's client; no rule of node-sql-parser's reads a backslash here.
      refused();
    } else if (c === "@" && (sql[i + 1] === "$" || (sql[i + 1] === "@" && sql[i + 2] === "$"))) {
      // A variable named with `$` to MySQL (`@$$`, which PostgreSQL reads as a dollar quote); node-sql-parser's
      // variables start with a letter or a number.
      refused();
    } else if (c === "@" && sql[i + 1] === "@") {
      const m = matchAt(SERVER_VARIABLE, sql, i) ?? fail();
      // `@@a$`, `@@a.`, `@@a'…'`: other lexical rules.
      if (/[.$'"`@]/.test(sql[i + m.length] ?? "")) fail();
      const [name, ...members] = m.slice(2).split(".");
      if ([name!, ...members].some((part) => part.length > MAX_NAME)) fail();
      out.push({ t: "sysvar", v: name!, members });
      i += m.length;
    } else if (c === "@") {
      const m = matchAt(USER_VARIABLE, sql, i) ?? fail();
      // `@a.b`, `@a$`, `@a'…'`: other lexical rules.
      if (m.length - 1 > MAX_NAME || /[.$'"`@]/.test(sql[i + m.length] ?? "")) fail();
      out.push({ t: "var", v: m.slice(1) });
      i += m.length;
    } else {
      // Runs of operator characters, so `--x` and `<=>` are one operator. One that holds a comment's start or a
      // variable's `@` is read otherwise by MySQL, and refused here.
      const m = matchAt(OPERATOR_RUN, sql, i) ?? fail();
      if (m === "?") out.push({ t: "param", v: "?" });
      else if (OPERATORS.has(m)) out.push({ t: "op", v: m });
      else if (NOT_STRAY.test(m)) fail();
      else out.push({ t: "stray", v: m });
      i += m.length;
    }
    spaced = false;
  }
  return out;
}
