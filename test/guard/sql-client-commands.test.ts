// Client commands among the SQL (psql's backslash commands, mysql's, sqlite's dot commands) that run shell commands,
// wherever they stand: each runs what it names, and a read-only session does not cover it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeSql } from "../../src/guard/sql/analyze-sql.ts";
import { runsShellCommand } from "../../src/guard/sql/meta-commands.ts";

describe("SQL clients' commands that run a shell command", () => {
  it("are judged as that shell command", () => {
    for (const cmd of [
      // A backslash command after SQL on the same line.
      `mysql -e 'SELECT 1; \\! rm -rf /srv/app'`,
      `psql <<'EOF'\nSELECT 1; \\! rm -rf /srv/app\nEOF`,
      // Output piped to a command, \\copy's program, backquotes in a command's arguments.
      `psql -c '\\o |rm -rf /srv/app'`,
      `psql <<'EOF'\nSELECT 1 \\g |rm -rf /srv/app\nEOF`,
      `psql -c "\\copy orders to program 'rm -rf /srv/app'"`,
      `psql <<'EOF'\n\\set x \`rm -rf /srv/app\`\nEOF`,
      // sqlite's output, import and read through a pipe.
      `sqlite3 app.db '.output |rm -rf /srv/app'`,
      `sqlite3 app.db '.once |rm -rf /srv/app'`,
      `sqlite3 app.db ".import '|rm -rf /srv/app' t"`,
      `sqlite3 app.db ".read '|rm -rf /srv/app'"`,
      `sqlite3 -readonly app.db '.output |rm -rf /srv/app'`,
    ])
      expect(classify(cmd).reasons.join(" "), cmd).toContain("rm -r deletes /srv/app");
  });

  it("leave the SQL around them judged by the routines it calls, though no parser reads it", () => {
    for (const cmd of [
      `mysql -e 'SELECT drop_partitions() \\G'`,
      `mysql -e 'SELECT \`remove_user\`(7) \\G'`,
      `psql <<'EOF'\nSELECT delete_orders() \\gx\nEOF`,
      `psql -c 'SELECT destroy_tenant(7) FROM {{ tenants }}'`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
    for (const cmd of [
      `mysql -e 'SELECT lower(name) FROM users \\G'`,
      `psql <<'EOF'\nSELECT count(*) FROM orders \\gx\nEOF`,
      `mysql -e 'SELECT remove_retention_policy(1) \\G'`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });

  it("count what else they destroy, and leave plain output and reads alone", () => {
    expect(classify(`sqlite3 app.db '.open --new prod.db'`).destructive).toBe(true);
    expect(classify(`psql -c '\\lo_unlink 16409'`).destructive).toBe(true);
    for (const cmd of [
      `psql -c '\\o report.txt'`,
      `sqlite3 app.db '.output report.txt'`,
      `psql -c "\\copy orders to 'orders.csv' csv"`,
      `mysql -e "SELECT 'C:\\\\temp'"`,
      `mysql -e "SELECT \\\`a\\\` FROM t"`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });

  it("are told apart from SQL that only looks like them", () => {
    expect(runsShellCommand("SELECT 1; \\! ls")).toBe(true);
    expect(runsShellCommand(".import --csv '|gunzip -c x.gz' t")).toBe(true);
    expect(runsShellCommand("\\echo `date`")).toBe(true);
    expect(runsShellCommand("SELECT `a` FROM t WHERE b = '|'")).toBe(false);
    expect(runsShellCommand(".output report.txt")).toBe(false);
  });
});

describe("mysql's commands", () => {
  it("run a shell command by name, as \\! does: at a statement's or a line's start, in any case", () => {
    for (const cmd of [
      `mysql -e "SELECT 1; system rm -rf /srv/app;"`,
      `mysql -e "SELECT 1; system rm -rf /srv/app"`,
      `mysql <<'EOF'\nSELECT 1;\nsystem rm -rf /srv/app\nEOF`,
      `mysql -e "SYSTEM rm -rf /srv/app"`,
      `mysql -e "/* cleanup */ system rm -rf /srv/app;"`,
      `mariadb -e "USE shop; system rm -rf /srv/app;"`,
      // pager runs its command on each result (outside batch mode), \P too.
      `mysql -e "pager rm -rf /srv/app"`,
      `mysql -e "\\P rm -rf /srv/app"`,
    ])
      expect(classify(cmd).reasons.join(" "), cmd).toContain("rm -r deletes /srv/app");
  });

  it("write, append to or run the files they name", () => {
    for (const cmd of [
      // tee appends the output to its file: a disk is overwritten.
      `mysql -e "tee /dev/sda; SELECT 1"`,
      `mysql -e "\\T /dev/sda"`,
      `mysql -e "ssl_session_data_print /var/lib/mysql/ibdata1"`,
      `mysql -e "SELECT 1; \\. /tmp/drop_all.sql"`,
      `mysql -e "source /tmp/drop_all.sql"`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
  });

  it("leave the SQL after them read: an argument runs to the delimiter, a command without one ends there", () => {
    for (const cmd of [
      `mysql -e "\\T /tmp/out.log; DROP TABLE users"`,
      `mysql -e "\\u shop; DROP TABLE users"`,
      `mysql -e "SELECT 1 \\G DROP TABLE users"`,
      `mysql -e "\\G DROP TABLE users"`,
      // The client drops the command from the statement it sends: DROP TABLE users.
      `mysql -e "DR\\pOP TABLE users"`,
      `mysql -e "SET GLOBAL binlog_expire_logs_sec\\ponds = 3600"`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
  });

  it("judge harmless commands harmless, and names only at a statement's start", () => {
    for (const cmd of [
      `mysql -e "SELECT 1; system ls /srv/app;"`,
      `mysql <<'EOF'\nSELECT 1;\nsystem echo done\nEOF`,
      `mysql -e "pager less -S"`,
      `mysql -e "tee /tmp/out.log; SELECT 1"`,
      `mysql -e "\\T /tmp/out.log"`,
      `mysql -e "SELECT * FROM users\\G"`,
      `mysql -e "SELECT 'system rm -rf /srv/app'"`,
      `mysql -e "SELECT 1 AS system; SELECT 2"`,
      // ClickHouse's client reads SYSTEM as SQL.
      `clickhouse-client -q 'SYSTEM DROP DNS CACHE'`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });

  it("run `system` wherever a statement or a line starts", () => {
    const statements = fc.array(
      fc.constantFrom(
        "SELECT 1",
        "SELECT 'a;b'",
        "/* c */ SELECT 2",
        "-- c\nSELECT 3",
        "USE shop",
        "SELECT 1 \\G",
      ),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(
        statements,
        fc.constantFrom(";", ";\n", ";\n-- c\n", "; /* c */ "),
        fc.constantFrom("system", "SYSTEM", "System"),
        fc.constantFrom("", ";", "\n", ";\nSELECT 4"),
        (before, separator, name, after) => {
          const sql = `${before.join(";\n")}${before.length ? separator : ""}${name} rm -rf /srv/app${after}`;
          const an = newAnalysis();
          analyzeSql(sql, an, "mysql", "auto", "mysql");
          expect(
            an.findings.map((f) => f.reason),
            JSON.stringify(sql),
          ).toContain("rm -r deletes /srv/app");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("are told apart from SQL that only looks like them", () => {
    expect(runsShellCommand("SELECT 1; system ls")).toBe(true);
    expect(runsShellCommand("pager less")).toBe(true);
    expect(runsShellCommand("\\P less")).toBe(true);
    expect(runsShellCommand("SELECT system_user()")).toBe(false);
  });
});

describe("psql's backslashes read as SQL", () => {
  it("are read on: \\; puts a semicolon into the query, and a line inside a string is the string's", () => {
    for (const cmd of [
      `psql <<'EOF'\nSELECT 1\n\\; DROP TABLE users\nEOF`,
      `psql <<'EOF'\nSELECT 'a\n\\'; DROP TABLE users; -- '\nEOF`,
      `psql <<'EOF'\nSELECT 1 AS "a\n\\"; DROP TABLE users; -- "\nEOF`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
    expect(classify(`psql <<'EOF'\nSELECT 'a\n\\'; SELECT 2; -- '\nEOF`).destructive).toBe(false);
  });
});

describe("psql's \\\\ separator", () => {
  it("reads what follows it as input: SQL after a backslash command on the same line is judged", () => {
    for (const cmd of [
      `psql -c '\\x \\\\ DROP TABLE users;'`,
      `psql -c '\\timing on \\\\ DELETE FROM orders'`,
      `psql <<'EOF'\n\\set ON_ERROR_STOP on \\\\ TRUNCATE orders;\nEOF`,
      // A separator after the separated input's own backslash command.
      `psql -c '\\x \\\\ \\timing \\\\ DROP TABLE users;'`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
    for (const cmd of [`psql -c '\\x \\\\ SELECT count(*) FROM users;'`, `psql -c '\\timing on'`])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });
});
