// A rolled-back or read-only transaction keeps its writes from happening, but only where the server sees it so: a
// COMMIT it reads outside a string, a statement that commits by itself, or a setting that makes it writable again
// lets the writes stay.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";

const destructive = (cmd: string) => classify(cmd).destructive;

describe("a transaction that undoes its writes", () => {
  it("counts them undone when the server runs them in it", () => {
    for (const cmd of [
      `psql -c "BEGIN; DELETE FROM orders; ROLLBACK"`,
      `psql -c "BEGIN; UPDATE orders SET note = 'commit; pending'; ROLLBACK"`,
      `psql -c "BEGIN; DROP TABLE orders; ROLLBACK"`,
      `psql -c "BEGIN READ ONLY; SELECT count(*) FROM orders; DELETE FROM orders; COMMIT"`,
      `mysql -e "START TRANSACTION; DELETE FROM orders; SAVEPOINT a; ROLLBACK"`,
      `mysql -e "BEGIN; DELETE FROM orders; /* ; COMMIT; */ ROLLBACK"`,
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
      `sqlite3 app.db "BEGIN; SELECT \\$\\$; COMMIT; DELETE FROM orders; SELECT \\$\\$; ROLLBACK"`,
    ])
      expect(destructive(cmd), cmd).toBe(true);
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
