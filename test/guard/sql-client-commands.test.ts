// Client commands among the SQL (psql's backslash commands, mysql's, sqlite's dot commands) that run shell commands,
// wherever they stand: each runs what it names, and a read-only session does not cover it.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
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
