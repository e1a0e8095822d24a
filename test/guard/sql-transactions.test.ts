// A rolled-back or read-only transaction keeps its writes from happening, but only where the server sees it so: a
// COMMIT it reads outside a string, a statement that commits by itself, or a setting that makes it writable again
// lets the writes stay.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeSql } from "../../src/guard/sql/analyze-sql.ts";

const destructive = (cmd: string) => classify(cmd).destructive;

/** Whether the MySQL text leaves a destructive finding standing. */
const mysqlDestructive = (sql: string) => {
  const an = newAnalysis();
  analyzeSql(sql, an, "mysql");
  return an.findings.some((f) => f.destructive);
};

/**
 * Comments the mysql client ends elsewhere than MySQL and the readers: a `/*!`, `/*+` or `/*M!` inside a comment runs
 * it past its first end; inside an optimizer hint `#`, `--` and a backslash are the client's, a quote opens a string
 * where the hint may go on for MySQL, and a line break ends the hint for the client alone.
 */
const CLIENT_DIVIDED_COMMENT = fc.constantFrom(
  "/* /*+ */",
  "/* /*! */",
  "/* /*M! */",
  "/* x /*+ y */",
  "/*+ # */",
  "/*+ -- */",
  "/*+ --x */",
  "/*+ ' */",
  '/*+ " */',
  "/*+ ` */",
  "/*+\n",
  "/*+ \n */",
  "/*+ \\ */",
);
/** What may stand before it: statements and their ends, nothing that opens a string or a comment. */
const BEFORE = fc.constantFrom(";", " COMMIT", " SELECT 1", " ", "\n");
/** What may follow it: statement ends, strings and comment ends, which the client and the readers see apart. */
const AFTER = fc.constantFrom(
  ";",
  " COMMIT",
  " SELECT 1",
  "*/",
  "'",
  "\n",
  " -- ",
  "#",
  " ",
  "/* */",
  "ROLLBACK",
);

describe("a transaction that undoes its writes", () => {
  it("counts them undone when the server runs them in it", () => {
    for (const cmd of [
      `psql -c "BEGIN; DELETE FROM orders; ROLLBACK"`,
      `psql -c "BEGIN; UPDATE orders SET note = 'commit; pending'; ROLLBACK"`,
      `psql -c "BEGIN; DROP TABLE orders; ROLLBACK"`,
      `psql -c "BEGIN READ ONLY; SELECT count(*) FROM orders; DELETE FROM orders; COMMIT"`,
      `mysql -e "START TRANSACTION; DELETE FROM orders; SAVEPOINT a; ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; /* ; COMMIT; */ ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; /* a /* b */ ; SELECT 1; ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; SELECT /*+ NO_ICP(orders) */ 1; ROLLBACK"`,
      `mysql -e "START TRANSACTION READ ONLY; DELETE FROM orders; COMMIT"`,
      `mysql -e "SET SESSION TRANSACTION READ ONLY; DELETE FROM orders"`,
      `mysql -e "SET @@session.transaction_read_only = 1; DELETE FROM orders"`,
      `sqlite3 app.db "BEGIN; DELETE FROM orders; ROLLBACK"`,
    ])
      expect(destructive(cmd), cmd).toBe(false);
  });

  it("does not when a COMMIT hides from a looser split in what it takes for a string or comment", () => {
    for (const cmd of [
      `psql -c "BEGIN; SELECT E'\\\\''; COMMIT; DELETE FROM orders; SELECT E'\\\\''; ROLLBACK"`,
      `psql -c "BEGIN; /* /* */ ' */ COMMIT; DELETE FROM orders; SELECT 1 /* ' */; ROLLBACK"`,
      `mysql -e "BEGIN; SELECT '\\\\''; COMMIT; DELETE FROM orders; SELECT '\\\\''; ROLLBACK"`,
      `mysql -e "BEGIN; SELECT 1 # '\n; COMMIT; DELETE FROM orders; SELECT 1 # '\n; ROLLBACK"`,
      `mysql -e "BEGIN; SELECT 1--1; COMMIT; DELETE FROM orders\n; ROLLBACK"`,
      // Without backslash escapes (NO_BACKSLASH_ESCAPES) the string ends before the COMMIT.
      `mysql -e "BEGIN; DELETE FROM orders; SELECT 'a\\'; COMMIT; -- '; ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; /*! COMMIT */; ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; /* x */ COMMIT; ROLLBACK"`,
      `mysql -e "BEGIN; SELECT 1 /* /* */; COMMIT; DELETE FROM orders; /* */ */; ROLLBACK"`,
      // The mysql client runs a comment holding /*+ or /*! past its first end, and reads an optimizer hint's
      // `#` as a comment of its own and its line break as the hint's end.
      `mysql -e "BEGIN; DELETE FROM orders; /* /*+ */ ; SELECT 1 */ COMMIT; ROLLBACK"`,
      `mysql -e "SET transaction_read_only = 1 /* /*! */ ; SELECT 1 */ - 1; DELETE FROM orders"`,
      `mysql -e "BEGIN; DELETE FROM orders; SELECT /*+ # */ 'a\n*/ 1; COMMIT; SELECT '; ROLLBACK"`,
      `mysql --force -e "BEGIN; DELETE FROM orders; SELECT /*+\n; COMMIT; */ 1; ROLLBACK"`,
      `sqlite3 app.db "BEGIN; SELECT \\$\\$; COMMIT; DELETE FROM orders; SELECT \\$\\$; ROLLBACK"`,
    ])
      expect(destructive(cmd), cmd).toBe(true);
  });

  it("does not where the mysql client ends a comment elsewhere, wherever the comment and a COMMIT stand", () => {
    fc.assert(
      fc.property(
        fc.array(BEFORE, { maxLength: 4 }),
        CLIENT_DIVIDED_COMMENT,
        fc.array(AFTER, { maxLength: 6 }),
        (before, comment, after) => {
          for (const opening of [
            "BEGIN;",
            "START TRANSACTION READ ONLY;",
            "SET transaction_read_only = 1;",
          ]) {
            const sql = `${opening} DELETE FROM orders;${before.join("")} ${comment}${after.join("")}; ROLLBACK`;
            expect(mysqlDestructive(sql), sql).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("does not when a statement commits by itself, or the work runs on another connection or session", () => {
    for (const cmd of [
      // MySQL commits before DDL, LOCK TABLES and another BEGIN.
      `mysql -e "BEGIN; DELETE FROM orders; CREATE TABLE tmp (a int); ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; BEGIN; ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; LOCK TABLES orders WRITE; ROLLBACK"`,
      // pg_background's worker commits on its own; psql's \\c starts a new session.
      `psql -c "BEGIN; SELECT pg_background_launch('DELETE FROM orders'); ROLLBACK"`,
      `psql <<'EOF'\nBEGIN;\n\\c\nDELETE FROM orders;\nROLLBACK;\nEOF`,
    ])
      expect(destructive(cmd), cmd).toBe(true);
  });

  it("does not when a read-only transaction or session is made writable, or the work is no write", () => {
    for (const cmd of [
      `psql -c 'BEGIN READ ONLY; SET transaction_read_only TO "off"; DELETE FROM orders; COMMIT'`,
      `psql -c "BEGIN READ ONLY; SET transaction_read_only = no; DELETE FROM orders; COMMIT"`,
      `psql -c "BEGIN READ ONLY; COPY (SELECT 1) TO PROGRAM 'rm -rf /srv/exports'; COMMIT"`,
      `mysql -e "SET SESSION TRANSACTION READ ONLY; SET SESSION transaction_read_only = DEFAULT; DELETE FROM orders"`,
      `mysql -e "SET SESSION TRANSACTION READ ONLY; SET SESSION TRANSACTION READ/**/WRITE; DELETE FROM orders"`,
      `PGOPTIONS='-c default_transaction_read_only=on' psql -c 'SET transaction_read_only TO "off"; DELETE FROM orders'`,
      `PGOPTIONS='-c default_transaction_read_only=on' psql <<'EOF'\nSET default_transaction_read_only = no;\nDELETE FROM orders;\nEOF`,
      `PGOPTIONS='-c default_transaction_read_only=on' psql <<'EOF'\nSELECT set_config('default_transaction_read_only', 'off', false);\nDELETE FROM orders;\nEOF`,
      `PGOPTIONS='-c default_transaction_read_only=on' psql <<'EOF'\nDO $$BEGIN EXECUTE 'SET default_transaction_rea' || 'd_only = off'; END$$;\nDELETE FROM orders;\nEOF`,
    ])
      expect(destructive(cmd), cmd).toBe(true);
    expect(destructive(`PGOPTIONS='-c default_transaction_read_only=on' psql -c 'DELETE FROM orders'`)).toBe(
      false,
    );
  });
});
