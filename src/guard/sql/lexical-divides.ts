// Where a parser's lexical rules part from the server's: a string, comment or statement that ends elsewhere for the
// parser than for the server hides statements the server runs. Such text is not given to that parser; the keyword
// reading, which errs towards destructive, reads it instead.
import type { SqlDialect } from "../analysis.ts";
import { MYSQL_CLIENT_COMMENT_DIVIDE } from "./mysql-client-comments.ts";

/**
 * What PostgreSQL, MySQL and SQLite read differently: `$` (dollar quotes and parameters in PostgreSQL, a letter of
 * names in MySQL, parameters in SQLite), `\` (an escape in MySQL's strings and PostgreSQL's E'…', nothing in
 * SQLite's), `#` (a comment in MySQL), `[` (a quoted name in SQLite), `/*` (nested in PostgreSQL, run in MySQL as
 * `/*! … *\/`) and `--` run into anything but a blank or control character (a comment but in MySQL, where it is two
 * minus signs). Without these, each ends every string, quoted name, comment and statement where the others do.
 */
const LEXICAL_DIVIDE = /[$\\#[]|\/\*|--[!-~\u0080-\uffff]/;

/**
 * What node-sql-parser reads as a comment and MySQL does not: `/*! … *\/` and MariaDB's `/*M! … *\/`, whose text
 * MySQL runs, and `--` run into a non-blank, two minus signs to MySQL. Comments the mysql client ends elsewhere are
 * MYSQL_CLIENT_COMMENT_DIVIDE's.
 */
const MYSQL_PARSER_MISREADS = /\/\*M?!|--[!-~\u0080-\uffff]/;

/** Whether PostgreSQL's parser ends every string, comment and statement of `sql` where the dialect's server does. */
export function postgresLexesAs(sql: string, dialect: SqlDialect): boolean {
  return dialect === "postgres" || !LEXICAL_DIVIDE.test(sql);
}

/** A change of sql_mode, which may switch off backslash escapes (NO_BACKSLASH_ESCAPES) for the statements after it. */
const SQL_MODE = /sql_mode/i;

/** Whether node-sql-parser ends every string, comment and statement of `sql` where the dialect's server does. */
export function mysqlParserLexesAs(sql: string, dialect: SqlDialect): boolean {
  if (dialect !== "mysql") return !LEXICAL_DIVIDE.test(sql);
  return (
    !MYSQL_PARSER_MISREADS.test(sql) &&
    !MYSQL_CLIENT_COMMENT_DIVIDE.test(sql) &&
    !(sql.includes("\\") && SQL_MODE.test(sql))
  );
}

/** Quotes and comments every dialect reads alike once LEXICAL_DIVIDE's `$`, `\`, `#` and `[` are ruled out. */
const QUOTE_DIVIDE = /[$\\#[]|\/\*M?!|--[!-~\u0080-\uffff]/;

/**
 * `sql` with its comments blanked, so that words in them count for nothing: `-- ` to the end of the line and
 * `/* … *\/` (to its first end: PostgreSQL's nested comments run on, and are kept). Where a quote or comment may end
 * elsewhere for the server or the mysql client, nothing is blanked.
 */
export function withoutComments(sql: string): string {
  if (QUOTE_DIVIDE.test(sql) || MYSQL_CLIENT_COMMENT_DIVIDE.test(sql)) return sql;
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    let end = i + 1;
    if (c === "'" || c === '"' || c === "`") end = sql.indexOf(c, i + 1) + 1 || sql.length;
    else if (c === "-" && sql[i + 1] === "-") {
      // To the line's end, at a carriage return too: PostgreSQL reads on after one.
      end = sql.slice(i).search(/[\n\r]/);
      end = end < 0 ? sql.length : i + end;
      out += " ";
      i = end;
      continue;
    } else if (c === "/" && sql[i + 1] === "*") {
      end = sql.indexOf("*/", i + 2);
      if (end >= 0) {
        out += " ";
        i = end + 2;
        continue;
      }
      end = sql.length;
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}
