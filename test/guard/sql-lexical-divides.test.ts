// A parser whose quotes, comments or statement ends are not the server's must not read the text: a DELETE it takes
// for a string or a comment still runs on the server.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { withoutComments } from "../../src/guard/sql/lexical-divides.ts";

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
