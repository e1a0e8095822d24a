// Client commands among the SQL (psql's backslash commands, mysql's, sqlite's dot commands) that run shell commands,
// wherever they stand: each runs what it names, and a read-only session does not cover it.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeSql } from "../../src/guard/sql/analyze-sql.ts";
import { runsShellCommand } from "../../src/guard/sql/meta-commands.ts";
import { readPsqlInput } from "../../src/guard/sql/psql-input.ts";

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

describe("psql's commands after SQL on the same line", () => {
  const reasons = (cmd: string) => classify(cmd).reasons.join(" | ");
  const heredoc = (sql: string, psql = "psql app") => `${psql} <<'EOF'\n${sql}\nEOF`;

  it("are judged as at a line's start: psql ends the SQL at any backslash outside quotes and comments", () => {
    for (const [sql, reason] of [
      ["SELECT 1; \\i drop_all.sql", "psql \\i runs SQL from drop_all.sql"],
      ["SELECT 1 \\i drop_all.sql", "psql \\i runs SQL from drop_all.sql"],
      ["SELECT 1; \\include_relative drop_all.sql", "psql \\include_relative runs SQL from drop_all.sql"],
      // One command after another, and after strings, names, comments and dollar quotes that have ended.
      ["SELECT 1 \\x \\i drop_all.sql", "psql \\i runs SQL from drop_all.sql"],
      ["SELECT E'it''s \\' ' \\i drop_all.sql", "psql \\i runs SQL from drop_all.sql"],
      ['SELECT "a\\b", $q$\\x$q$ /* \\x */ \\i drop_all.sql', "psql \\i runs SQL from drop_all.sql"],
      // With standard_conforming_strings on (the default) the backslash ends nothing: the string is 'x\'.
      ["SELECT 'x\\' \\i drop_all.sql --';", "psql \\i runs SQL from drop_all.sql"],
      ["SELECT 'C:\\';\n\\i drop_all.sql", "psql \\i runs SQL from drop_all.sql"],
      ["SELECT 'DROP TABLE users' \\gexec", "\\gexec runs the query's results as SQL contains DROP"],
      ["SELECT 1; \\lo_unlink 16409", "psql \\lo_unlink deletes large object 16409"],
      // psql joins the query around a command that sends nothing: the server gets DROP TABLE users.
      ["DR\\echo x\\\\OP TABLE users;", "DROP TABLE users"],
      ["SELECT 1 \\o /etc/passwd", "> overwrites /etc/passwd"],
      // A COPY's data may hold a quote: psql reads the lines after `\.` as commands again.
      ["COPY t FROM STDIN;\nO'Brien\n\\.\n\\i drop_all.sql", "psql \\i runs SQL from drop_all.sql"],
    ])
      expect(reasons(heredoc(sql!)), sql).toContain(reason);
    expect(reasons("echo 'SELECT 1; \\ir x.sql' | psql app")).toContain("psql \\ir runs SQL from x.sql");
  });

  it("feed psql's output to the command it pipes to, where a shell runs what the query returns", () => {
    for (const sql of [
      "SELECT 1 \\o |sh\nSELECT 'rm -rf /srv/app';",
      "SELECT 1; \\o '|sh'\nSELECT 'rm -rf /srv/app';",
      "SELECT 'rm -rf /srv/app' \\g (format=unaligned tuples_only) |sh",
      "SELECT 'rm -rf /srv/app' \\gx |bash",
      "rm -rf /srv/app \\w |sh",
      "SELECT 1; \\copy (SELECT 'rm -rf /srv/app') to program 'sh'",
    ])
      expect(reasons(heredoc(sql)), sql).toContain("sh runs commands generated at run time by `psql`");
    expect(reasons("psql -c '\\o |sh'")).toContain("sh runs commands generated at run time by `psql`");
    expect(reasons("sqlite3 app.db '.output |sh'")).toContain(
      "sh runs commands generated at run time by `sqlite3`",
    );
  });

  it("run what psql's variables hold: a value is read again as input, a `\\o :target` writes where it says", () => {
    for (const [cmd, reason] of [
      [heredoc("\\set cmd '\\\\! rm -rf /srv/app'\nSELECT 1 :cmd"), "rm -r deletes /srv/app"],
      [heredoc("SELECT :cmd;", "psql -v cmd='\\! rm -rf /srv/app' app"), "rm -r deletes /srv/app"],
      [heredoc("\\set f drop_all.sql\nSELECT 1; \\i :f"), "psql \\i runs SQL from drop_all.sql"],
      [heredoc("\\set q '\\\\i'\n:q drop_all.sql"), "psql \\i runs SQL from drop_all.sql"],
      [heredoc("\\set p '|sh'\n\\o :p\nSELECT 'rm -rf /srv/app';"), "sh runs commands generated at run time"],
      [heredoc("\\set c 'rm -rf /srv/app'\n\\echo `:c`"), "rm -r deletes /srv/app"],
      // A value is a buffer of its own: `E` there does not make the quote after it an E'…' string.
      [heredoc("\\set e 'E'\nSELECT :e'abc\\' \\i drop_all.sql'"), "psql \\i runs SQL from drop_all.sql"],
      // A line break in a value does not end the line `\!` takes.
      [heredoc("\\set v '\\\\! echo a\\nrm -rf /srv/app'\nSELECT :v"), "rm -r deletes /srv/app"],
      [
        heredoc("SELECT chr(92) || 'i drop_all.sql' AS c \\gset\nSELECT 1 :c"),
        "psql reads the value of :c as its input",
      ],
    ])
      expect(reasons(cmd!), cmd).toContain(reason);
    const nested = Array.from({ length: 12 }, (_, i) => {
      const [name, inner] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
      return `\\set ${name} ':${inner}:${inner}:${inner}:${inner}'`;
    });
    const cut = classify(heredoc(["\\set a x", ...nested, "SELECT :m;"].join("\n")));
    expect(cut.reasons).toContain("psql expands its variables past what the guard reads");
    expect(cut.destructive).toBe(true);
  });

  it("leave backslashes in strings, names, comments and dollar quotes, and harmless commands, alone", () => {
    for (const sql of [
      "SELECT 'C:\\temp\\i drop_all.sql' AS path;",
      "SELECT E'a\\tb\\\\i drop_all.sql' AS x;",
      'SELECT "a\\i drop_all" FROM t;',
      "SELECT $$\\i drop_all.sql$$, $f$ \\ir drop_all.sql $f$;",
      "SELECT 1; -- \\i drop_all.sql",
      "/* \\i drop_all.sql /* nested */ \\i drop_all.sql */ SELECT 1;",
      "SELECT 1 \\x",
      "SELECT 1 AS a \\x on",
      "SELECT 1; \\timing on",
      "SELECT now() \\gx",
      "SELECT id FROM orders \\g orders.csv",
      "SELECT 1 \\o |less -S",
      "SELECT 1 AS one \\\\ SELECT 2 AS two;",
      "\\set n 5\nSELECT :n + 1, x::text FROM t WHERE a[1:2] = '{}';",
      "SELECT count(*) AS n FROM t \\gset\n\\echo :n",
    ]) {
      const r = classify(heredoc(sql));
      expect(r.destructive, sql).toBe(false);
      expect(r.reasons.join(" "), sql).not.toContain("runs SQL from");
    }
  });

  it("are no commands in a -c text that does not start with one: psql sends it to the server whole", () => {
    expect(reasons("psql -c 'SELECT 1; \\i drop_all.sql'")).not.toContain("drop_all.sql");
    expect(classify("psql -c 'SELECT 1; \\i drop_all.sql'").destructive).toBe(false);
    expect(reasons("psql -c '\\i drop_all.sql'")).toContain("psql \\i runs SQL from drop_all.sql");
  });

  it("are found after any SQL psql reads to its end, and never inside a string", () => {
    const before = fc.array(
      fc.constantFrom(
        "SELECT 1",
        "SELECT 'it''s'",
        "SELECT E'a\\'b'",
        "SELECT $$a;b$$",
        "SELECT $t$ \\x $t$",
        'SELECT "a""b"',
        "SELECT 1 /* a /* b */ c */",
        "SELECT 1 -- c \\x\n",
        "SELECT B'01', X'ff', U&'\\0041'",
        "SELECT x::int",
      ),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(
        before,
        fc.constantFrom(" ", "; ", ";\n", "\n", " /* c */ "),
        fc.constantFrom("\\i drop_all.sql", "\\ir drop_all.sql", "\\include 'drop_all.sql'"),
        (statements, separator, command) => {
          const sql = `${statements.join(";\n")}${separator}${command}`;
          expect(reasons(heredoc(sql)), JSON.stringify(sql)).toContain("runs SQL from drop_all.sql");
          const quoted = `${statements.join(";\n")}${separator}SELECT '${command.replaceAll("'", "''")}';`;
          expect(reasons(heredoc(quoted)), JSON.stringify(quoted)).not.toContain("runs SQL from");
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("psql's reading of its input", () => {
  const read = (text: string, variables: [string, string][] = []) =>
    readPsqlInput(text, { standardStrings: true, variables: new Map(variables), copyData: false });

  it("cuts the commands out of the SQL, and sends the query before a command that sends", () => {
    const input = read("SELECT 1 \\x on \\\\ SELECT 2; SELECT 'DROP' \\gexec\nDR\\echo x\\\\OP TABLE t;");
    expect(input.commands.map((c) => [c.name, c.args])).toEqual([
      ["x", ["on"]],
      ["gexec", []],
      ["echo", ["x"]],
    ]);
    expect(input.commands[1]!.query).toBe("SELECT 'DROP'");
    expect(input.sql).toBe("SELECT 1  SELECT 2; SELECT 'DROP' ;\nDROP TABLE t;");
  });

  it("reads arguments as psql does: quotes, escapes, variables, and a pipe to the line's end", () => {
    const input = read("\\o '|a b' \\i 'x\\ty''z' :f \\g (format=csv) |cat \\\\ x\n\\! echo \\\\ ok", [
      ["f", "v"],
    ]);
    expect(input.commands.map((c) => [c.name, c.args])).toEqual([
      ["o", ["|a b"]],
      ["i", ["x\ty'z", "v"]],
      ["g", ["(format=csv)", "|cat \\\\ x"]],
      ["!", ["echo \\\\ ok"]],
    ]);
  });

  it("ends strings where the server's standard_conforming_strings says", () => {
    const text = "SELECT 'a\\' \\i x.sql --';";
    expect(read(text).commands.map((c) => c.name)).toEqual(["i"]);
    expect(read(text).backslashInPlainString).toBe(true);
    const escaped = readPsqlInput(text, { standardStrings: false, variables: new Map(), copyData: false });
    expect(escaped.commands).toEqual([]);
  });

  it("does not read a variable inside its own value, nor past a NUL in a line", () => {
    expect(read("\\set a ':a'\nSELECT :a;").sql).toBe("\nSELECT :a;");
    expect(read("SELECT 1;\u0000 '\n\\i x.sql").commands.map((c) => c.name)).toEqual(["i"]);
  });
});

describe("files SQL clients and servers write", () => {
  it("are judged as a shell's `>` onto them is: system files, data files and devices are overwritten", () => {
    for (const cmd of [
      `psql -c "\\copy users to '/etc/passwd'"`,
      `psql -c '\\copy (select * from users) to /var/lib/postgresql/16/main/PG_VERSION csv'`,
      `psql <<'EOF'\n\\copy users to '/srv/app/data.db'\nEOF`,
      `psql -c '\\lo_export 16409 /etc/passwd'`,
      `psql <<'EOF'\nSELECT 1 \\g /etc/passwd\nEOF`,
      `psql -o /etc/passwd -c 'SELECT 1'`,
      `psql -c "COPY users TO '/etc/passwd'"`,
      `psql -c "COPY (SELECT 1) TO '/dev/sda'"`,
      `duckdb -c "COPY users TO '/srv/app/app.db'"`,
      `duckdb -c "COPY users TO /etc/passwd"`,
      `sqlite3 app.db '.output /etc/passwd' 'SELECT 1;'`,
      `sqlite3 app.db '.once /etc/hosts' 'SELECT 1;'`,
      `sqlite3 app.db '.log /etc/passwd'`,
      `sqlite3 app.db '.backup main /srv/app/prod.db'`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
    for (const cmd of [
      `psql -c "\\copy users to 'users.csv' csv header"`,
      `psql -c '\\copy users to stdout'`,
      `psql -c "\\copy users from '/etc/passwd'"`,
      `psql -c '\\lo_export 16409 /tmp/out.bin'`,
      `psql -o report.txt -c 'SELECT 1'`,
      `psql -L /var/log/psql.log -c 'SELECT 1'`,
      `psql -c "COPY users TO '/tmp/users.csv'"`,
      `duckdb -c "COPY users TO 'users.parquet' (FORMAT parquet)"`,
      `sqlite3 app.db '.output report.csv' 'SELECT 1;'`,
      `sqlite3 app.db '.once -x' 'SELECT 1;'`,
      `sqlite3 app.db '.log stderr'`,
      // mysql's tee appends, as `>>` does.
      `mysql -e 'tee /etc/passwd'`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });

  it("feed a server's COPY … TO PROGRAM to the program, which a read-only session does not stop", () => {
    expect(classify(`psql -c "COPY (SELECT 'rm -rf /srv/app') TO PROGRAM 'sh'"`).destructive).toBe(true);
    expect(classify(`psql -c "COPY users TO PROGRAM 'cat > /etc/passwd'"`).destructive).toBe(true);
    expect(classify(`psql -c "COPY users TO PROGRAM 'gzip > /tmp/users.gz'"`).destructive).toBe(false);
    const readOnly = "psql 'options=-c default_transaction_read_only=on'";
    for (const sql of [
      `COPY (SELECT 1) TO PROGRAM 'kubectl delete namespace payments'`,
      `COPY users TO '/var/log/audit/audit.log'`,
      `\\copy users to '/etc/passwd'`,
    ])
      expect(classify(`${readOnly} -c "${sql}"`).destructive, sql).toBe(true);
    expect(classify(`${readOnly} -c 'DROP TABLE users'`).destructive).toBe(false);
  });

  it("judge the new files MySQL and SQLite create, which they refuse to write over, by where they go", () => {
    for (const cmd of [
      `mysql -e "SELECT * FROM users INTO OUTFILE '/etc/cron.d/job'"`,
      `mysql -e "SELECT x INTO DUMPFILE '/var/lib/mysql/plugin/x.so' FROM t"`,
      `mysql -e "SELECT 1 INTO OUTFILE '/tmp/../etc/cron.d/job'"`,
      `sqlite3 app.db "VACUUM INTO '/srv/app/app.db'"`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(true);
    for (const cmd of [
      `mysql -e "SELECT * FROM users INTO OUTFILE '/tmp/users.csv'"`,
      `mysql -e "SELECT 'INTO OUTFILE' FROM t"`,
      `sqlite3 app.db "VACUUM INTO '/tmp/app-copy.db'"`,
    ])
      expect(classify(cmd).destructive, cmd).toBe(false);
  });
});
