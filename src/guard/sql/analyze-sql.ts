// SQL: plain statements read by the fast readers (simple-reader.ts, simple-mysql-reader.ts), the rest parsed with
// PostgreSQL's parser (libpg-query), MySQL syntax with node-sql-parser; only when both fail, statement by
// statement, a keyword reading that errs towards destructive.
import type { Analysis, SqlClient, SqlDialect } from "../analysis.ts";
import { judgeCreatedFiles } from "./created-files.ts";
import { sqlKeywordFallback } from "./keyword-fallback.ts";
import { mysqlParserLexesAs, postgresLexesAs } from "./lexical-divides.ts";
import { judgeMysqlClientCommand, metaCommands, psqlInputCommands } from "./meta-commands.ts";
import { parseMysql } from "./mysql.ts";
import { MYSQL_CLIENT_COMMENT_DIVIDE } from "./mysql-client-comments.ts";
import { MYSQL_SYNTAX } from "./mysql-parser.ts";
import { mysqlStringModeReadings } from "./mysql-string-modes.ts";
import { parsePostgres, type SqlReader } from "./postgres.ts";
import { postgresParserLoaded, postgresSureToRefuse } from "./postgres-parser.ts";
import { postgresRefuses } from "./postgres-refusals.ts";
import { type OtherStringModes, postgresStringModeReadings } from "./postgres-string-modes.ts";
import { judgePreparedText } from "./prepared-text.ts";
import { judgeSemanticDestruction } from "./semantic-rules.ts";
import { splitStatements } from "./statements.ts";
import { neutraliseUndone } from "./transactions.ts";

/** Past this many statements the rest is read by keywords: a generous script, and hostile input stays cheap. */
const MAX_STATEMENTS = 200;

export function analyzeSql(
  text: string,
  an: Analysis,
  dialect: SqlDialect = "postgres",
  reader: SqlReader = "auto",
  client?: SqlClient,
): void {
  const psql = typeof client === "object" ? psqlInputCommands(text, an, client) : null;
  const sql = psql ? psql.sql : metaCommands(text, an, dialect, client);
  if (sql.trim()) {
    judgeSemanticDestruction(sql, an);
    judgeCreatedFiles(sql, an);
    judgePreparedText(sql, an);
    const before = an.findings.length;
    parseAll(sql, an, dialect, reader);
    // A client command between the statements (psql's `\c` reconnecting, a shell escape) runs outside the transaction.
    if (sql === text && !psql?.clientCommands) neutraliseUndone(sql, dialect, an, before);
  }
  judgeOtherStringModes(text, sql, an, dialect, reader, client, psql?.escapedSql);
}

/**
 * Where a server setting the guard cannot see ends strings elsewhere (MySQL's NO_BACKSLASH_ESCAPES and ANSI_QUOTES,
 * PostgreSQL's standard_conforming_strings off), what the text runs then is judged too, and the stricter reading
 * counts. Text without a backslash in a string reads alike under every setting, and costs nothing here.
 */
function judgeOtherStringModes(
  text: string,
  sql: string,
  an: Analysis,
  dialect: SqlDialect,
  reader: SqlReader,
  client?: SqlClient,
  escapedSql?: string,
): void {
  if (!text.includes("\\")) return;
  const mysql = dialect === "mysql" ? mysqlStringModeReadings(text, client === "mysql") : null;
  const other = mysql ?? (dialect === "postgres" ? postgresOtherReading(sql, escapedSql) : null);
  if (!other) return;
  const before = an.findings.length;
  for (const command of mysql?.commands ?? []) judgeMysqlClientCommand(command, an);
  for (const reading of other.readings) {
    judgePreparedText(reading, an);
    parseAll(reading, an, dialect, reader);
  }
  if (an.findings.slice(before).some((f) => f.destructive))
    an.harmless(
      dialect === "mysql"
        ? "read as the server reads it under NO_BACKSLASH_ESCAPES or ANSI_QUOTES, where a backslash in a string is a plain character"
        : "read as the server reads it with standard_conforming_strings off, where a backslash in a string escapes",
    );
  if (other.readings.length && other.settingInText)
    an.uncertain(
      `the SQL sets ${other.settingInText}, which moves where its strings end for the statements after it`,
      true,
    );
}

/**
 * What PostgreSQL runs with standard_conforming_strings off. psql learns the setting from the server and ends strings
 * where the server does: the SQL it sends then (`escapedSql`, when it differs) is read with backslashes escaping.
 */
function postgresOtherReading(sql: string, escapedSql?: string): OtherStringModes | null {
  if (escapedSql === undefined) return postgresStringModeReadings(sql);
  return (
    postgresStringModeReadings(escapedSql) ?? {
      readings: [escapedSql],
      settingInText: /standard_conforming_strings/i.test(escapedSql) ? "standard_conforming_strings" : "",
    }
  );
}

function parseAll(sql: string, an: Analysis, dialect: SqlDialect, reader: SqlReader): void {
  if (parseWith(sql, dialect, an, reader)) return;
  // The mysql client may end such a comment past a `;` the split below takes for a statement's end, and run what a
  // statement after it holds in a string: the whole text is read by keywords.
  if (dialect === "mysql" && MYSQL_CLIENT_COMMENT_DIVIDE.test(sql)) {
    sqlKeywordFallback(sql, an);
    return;
  }
  const statements = splitStatements(sql);
  // One statement that is the whole text (but a final semicolon) just failed to parse: it would fail again.
  const only = statements.length === 1 ? statements[0]! : null;
  if (only !== null && sql.startsWith(only) && /^\s*;?\s*$/.test(sql.slice(only.length))) {
    sqlKeywordFallback(only, an);
    return;
  }
  for (const statement of statements.slice(0, MAX_STATEMENTS)) {
    if (!parseWith(statement, dialect, an, reader)) sqlKeywordFallback(statement, an);
  }
  if (statements.length > MAX_STATEMENTS)
    sqlKeywordFallback(statements.slice(MAX_STATEMENTS).join(";"), an, "SQL past the first 200 statements");
}

/** Reads `sql` with the parsers that end its strings, comments and statements where the dialect's server does. */
function parseWith(sql: string, dialect: SqlDialect, an: Analysis, reader: SqlReader): boolean {
  const postgres = postgresLexesAs(sql, dialect);
  const mysql = mysqlParserLexesAs(sql, dialect);
  if (dialect === "mysql")
    return (
      (mysql && parseMysql(sql, an, reader)) ||
      // Where PostgreSQL's parser is sure to fail, the keyword reading follows without loading and running it.
      (postgres && !(reader === "auto" && postgresRefuses(sql)) && parsePostgres(sql, an, reader))
    );
  // Without PostgreSQL's parser this reading is redone once it is loaded, unless that parser is sure to refuse the
  // text: only then is MySQL's worth loading.
  return (
    (postgres && parsePostgres(sql, an, reader)) ||
    (mysql &&
      (postgresParserLoaded() || postgresSureToRefuse(sql)) &&
      MYSQL_SYNTAX.test(sql) &&
      parseMysql(sql, an, reader))
  );
}
