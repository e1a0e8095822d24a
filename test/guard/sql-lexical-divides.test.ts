// A parser whose quotes, comments or statement ends are not the server's must not read the text: a DELETE it takes
// for a string or a comment still runs on the server.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeSql } from "../../src/guard/sql/analyze-sql.ts";
import { withoutComments } from "../../src/guard/sql/lexical-divides.ts";
import { loadSqlParser } from "../../src/guard/sql/postgres-parser.ts";

describe("SQL whose quotes and comments the server reads otherwise than a parser", () => {
  it("is not read by that parser: the statements it would hide are found", () => {
    for (const cmd of [
      // MySQL runs the text of /*! … */ and reads `--1` as minus minus one; node-sql-parser skips both.
      `mysql -e "SELECT 1; /*!50000 DELETE FROM orders */"`,
      `mysql -e "SELECT 1 /*! , 2; DELETE FROM orders */"`,
      `mariadb -e "SELECT 1 /*M! , 2; DELETE FROM orders */"`,
      `mysql -e "SELECT 1--1; DELETE FROM orders"`,
      // The mysql client runs a comment holding /*+ past its first end, and takes # in a hint for a comment.
      `mysql -e "SELECT 1 /* /*+ */; SELECT '*/ ; DELETE FROM orders; -- '"`,
      `mysql -e "UPDATE users SET plan = 'x' /* /*+ */ WHERE id = 7 AND plan = '*/' -- '"`,
      `mysql -e "SELECT 1 /*+ # */, 'a\n*/; DROP TABLE orders; SELECT '"`,
      // PostgreSQL's dollar quotes and nested comments, where MySQL has a name and two comments.
      `mysql -e 'SELECT @$$; DELETE FROM orders; SELECT @$$'`,
      `mysql -e "SELECT 1 /* /* */; DELETE FROM orders; /* */ */"`,
      // Backslashes are plain characters once NO_BACKSLASH_ESCAPES is on.
      `mysql -e "SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT 'a\\\\'; DELETE FROM orders; SELECT \\\\''"`,
      // SQLite has no dollar quotes, E'…' escapes or nested comments, and quotes names in brackets.
      `sqlite3 app.db 'SELECT $$; DELETE FROM orders; SELECT $$'`,
      `sqlite3 app.db "SELECT e'\\\\' FROM (SELECT 1 AS e); DELETE FROM orders; SELECT 1 --'"`,
      `sqlite3 app.db "SELECT 1 /* /* */; DELETE FROM orders; /* */ */"`,
      `sqlite3 app.db "SELECT (1)[a'b]; DELETE FROM orders; SELECT (1)[']"`,
      // PostgreSQL's script runs each statement on its own: `\\'` ends a string there, not in MySQL's parser.
      `psql <<'EOF'\nREPLACE INTO t VALUES ('\\'); DROP TABLE orders; -- ')\nEOF`,
      // A keyword reading counts the words after a string that holds `--` or `/*`.
      `mysql -e "WITH x AS (SELECT '--') DELETE LOW_PRIORITY FROM orders"`,
      `mysql -e "WITH x AS (SELECT '--' AS a) UPDATE LOW_PRIORITY orders SET a = 1"`,
      `psql -c "DO \\$\\$BEGIN RAISE NOTICE '--'; EXECUTE 'DR' || 'OP TABLE orders'; END\\$\\$"`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
  });

  it("is read as before where the readings agree", () => {
    for (const cmd of [
      `mysql -e "SELECT 1 -- DELETE FROM orders"`,
      `mysql -e "SELECT 1 # DELETE FROM orders"`,
      `mysql -e "SELECT 'a\\\\'b'; SELECT 1"`,
      `sqlite3 app.db "SELECT 1 /* DELETE FROM orders */"`,
      `psql -c "SELECT \\$\\$; DELETE FROM orders; \\$\\$"`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });
});

describe("comments blanked for the keyword reading", () => {
  it("are only those every dialect reads as comments, outside quotes", () => {
    expect(withoutComments("SELECT 1 -- DROP\nDELETE")).toBe("SELECT 1  \nDELETE");
    expect(withoutComments("SELECT 1 /* DROP */ x")).toBe("SELECT 1   x");
    expect(withoutComments("SELECT '--' DELETE")).toBe("SELECT '--' DELETE");
    expect(withoutComments("SELECT '/*' DELETE '*/'")).toBe("SELECT '/*' DELETE '*/'");
    // PostgreSQL ends a line comment at a carriage return too.
    expect(withoutComments("SELECT 1 -- x\rDELETE")).toBe("SELECT 1  \rDELETE");
    for (const kept of [
      "SELECT 1--1; DELETE",
      "SELECT 1 /*! DELETE */",
      "SELECT 1 # it's\n, '-- x'; DELETE",
      "SELECT [a'b], '-- x'; DELETE",
      "SELECT 'a\\' -- '; DELETE",
      "SELECT $$ -- $$; DELETE",
      "SELECT 1 /*+ x\n; DELETE */",
      "SELECT 1 /* /*+ */ DELETE */",
    ])
      expect(withoutComments(kept)).toBe(kept);
  });
});

/** Whether the text, read as `dialect` (by the mysql client for MySQL), leaves a destructive finding. */
const sqlDestructive = (sql: string, dialect: "mysql" | "postgres") => {
  const an = newAnalysis();
  analyzeSql(sql, an, dialect, "auto", dialect === "mysql" ? "mysql" : undefined);
  return an.findings.some((f) => f.destructive);
};

/**
 * The statements a server runs of `sql` when a backslash escapes inside '…' (`single`) and "…" (`double`) or not
 * (never inside PostgreSQL's x'…' and b'…', with `bitStrings`):
 * a plain reading of quotes, `-- ` comments and semicolons, independent of the guard's. A statement whose string
 * runs to the end runs nothing.
 */
function statementsRun(sql: string, single: boolean, double: boolean, bitStrings = false): string[] {
  const out: string[] = [];
  let current = "";
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      // PostgreSQL's x'…' and b'…' are bit strings, in which it never reads a backslash as an escape (the mysql
      // client, which splits the statements, knows no such strings).
      const bits = bitStrings && c === "'" && /(?:^|[^\w])[xXbB]$/.test(sql.slice(0, i));
      const escapes = bits ? false : c === "'" ? single : double;
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === "\\" && escapes ? 2 : 1;
      if (j >= sql.length) return out;
      current += "'…'";
      i = j + 1;
    } else if (sql.startsWith("-- ", i)) {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
    } else if (c === ";") {
      out.push(current.trim());
      current = "";
      i++;
    } else {
      current += c;
      i++;
    }
  }
  out.push(current.trim());
  return out;
}

/** Pieces of SQL around quotes and backslashes, where the settings part ways. */
const STRING_PIECES = fc.constantFrom("'", '"', "\\", "\\'", '\\"', "''", ";", " x", " 1", " -- ", "\n", " ");
/** Openings that leave a string open for the pieces to end, one way or another. */
const OPENINGS = fc.constantFrom("SELECT 1", "SELECT 'a", 'SELECT "a', "SELECT 'a\\", 'SELECT "a\\');
const DROP = "DROP TABLE users";
/**
 * Whether the statements hold the DROP, read by the server alone: a backslash outside strings starts a command of
 * the client's (psql's, mysql's), which reads the text its own way.
 */
const runsDrop = (statements: string[]) => statements.includes(DROP) && !statements.join(";").includes("\\");

describe("SQL whose strings a server setting ends elsewhere", () => {
  beforeAll(loadSqlParser);

  it("is judged as each setting reads it, and the stricter reading counts", () => {
    for (const cmd of [
      // MySQL's NO_BACKSLASH_ESCAPES: a backslash is a plain character inside '…' and "…".
      `mysql -e "SELECT 'a\\\\'; DROP TABLE users; -- '"`,
      String.raw`mysql <<'EOF'
UPDATE users SET plan = 'x\' WHERE 1 = 1 -- ' WHERE id = 5
EOF`,
      // ANSI_QUOTES: "…" is a name, inside which a backslash is plain; MariaDB's client knows it too.
      String.raw`mysql <<'EOF'
SELECT "a\"; DROP TABLE users; -- "
EOF`,
      String.raw`mariadb <<'EOF'
SELECT "a\"; DELETE FROM orders; -- "
EOF`,
      // ANSI_QUOTES reads "id" as the column: every row.
      `mysql -e 'UPDATE users SET plan = 3 WHERE id = "id"'`,
      // The client reads the strings as the server does, and runs the command they no longer hide.
      String.raw`mysql <<'EOF'
SELECT 'a\'; system rm -rf /srv/app; -- '
EOF`,
      // A COMMIT outside the strings ends the transaction before the DELETE.
      String.raw`mysql <<'EOF'
BEGIN; SELECT 'a\'; COMMIT; DELETE FROM users; -- '; ROLLBACK
EOF`,
      // The setting changed in the text itself.
      String.raw`mysql <<'EOF'
SET sql_mode = 'NO_BACKSLASH_ESCAPES'; UPDATE users SET plan = 'x\' WHERE 1 = 1 -- ' WHERE id = 5
EOF`,
      // PostgreSQL with standard_conforming_strings off: a backslash escapes inside '…'.
      String.raw`psql <<'EOF'
SELECT 'a\', ' ; DROP TABLE users; -- '
EOF`,
      String.raw`psql <<'EOF'
SET standard_conforming_strings = off;
SELECT 'a\', ' ; SELECT 1; -- ';
EOF`,
      // SQLite has no backslash escapes at all.
      String.raw`sqlite3 app.db <<'EOF'
SELECT 'a\'; DROP TABLE users; -- '
EOF`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
  });

  it("leaves alone what every setting reads as harmless", () => {
    for (const cmd of [
      String.raw`mysql <<'EOF'
SELECT 'a\'; SELECT 1; -- '
EOF`,
      String.raw`mysql <<'EOF'
SELECT "a\"; SELECT 1; -- "
EOF`,
      // A string the other settings leave open runs nothing there.
      String.raw`mysql <<'EOF'
UPDATE users SET name = 'O\'Brien' WHERE id = 1
EOF`,
      // There, a backslash outside strings is a syntax error.
      String.raw`mysql <<'EOF'
UPDATE users SET a = 'it\'s', b = 'Bob\'s' WHERE id = 1
EOF`,
      String.raw`mysql <<'EOF'
SELECT 'C:\\temp\\'; SELECT 1
EOF`,
      `mysql -e "UPDATE users SET plan = 3 WHERE id = '7'"`,
      String.raw`psql <<'EOF'
SELECT 'a\', ' ; SELECT 2; -- '
EOF`,
      String.raw`psql <<'EOF'
SELECT E'it\'s', 'C:\temp' FROM users WHERE path LIKE 'a\_b%'
EOF`,
      // A bit string ends at its next quote under either setting: the DROP is in a comment.
      String.raw`psql <<'EOF'
SELECT 1 x'\'; -- \\'; DROP TABLE users
EOF`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });

  it("finds every statement some setting runs, in MySQL", () => {
    fc.assert(
      fc.property(OPENINGS, fc.array(STRING_PIECES, { maxLength: 10 }), fc.nat(10), (opening, pieces, at) => {
        const sql = `${opening}${pieces.slice(0, at).join("")}; ${DROP}${pieces.slice(at).join("")}`;
        const settings: [boolean, boolean][] = [
          [true, true],
          [false, false],
          [true, false],
        ];
        if (settings.some(([single, double]) => runsDrop(statementsRun(sql, single, double))))
          expect(sqlDestructive(sql, "mysql"), JSON.stringify(sql)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("finds every statement either setting runs, in PostgreSQL", () => {
    fc.assert(
      fc.property(OPENINGS, fc.array(STRING_PIECES, { maxLength: 10 }), fc.nat(10), (opening, pieces, at) => {
        const sql = `${opening}${pieces.slice(0, at).join("")}; ${DROP}${pieces.slice(at).join("")}`;
        if ([true, false].some((escapes) => runsDrop(statementsRun(sql, escapes, false, true))))
          expect(sqlDestructive(sql, "postgres"), JSON.stringify(sql)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
