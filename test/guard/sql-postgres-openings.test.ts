// Text that opens as no PostgreSQL statement does is refused without calling the parser: that must be sound. Every
// word the labelled cases use, every PostgreSQL keyword, SQL keywords of other dialects and random words are tried
// at the head of many statement shapes and after the openings the shortcut looks past (DELETE, EXPLAIN, ALTER TABLE
// name, DROP TABLE…), and so is every character; PostgreSQL's own parser (called directly, without the shortcut)
// must refuse each text the shortcut refuses.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { loadModule, parseSync } from "libpg-query";
import { beforeAll, describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classifier.ts";
import { postgresRefusesOpening } from "../../src/guard/sql/postgres-openings.ts";
import {
  loadSqlParser,
  postgresParserLoaded,
  takeSqlParserMissed,
} from "../../src/guard/sql/postgres-parser.ts";
import { OWN_GUARD_CASES } from "../helpers/guard-corpus.ts";
import { POSTGRES_KEYWORDS } from "../helpers/postgres-keywords.ts";

/** What may follow the first word: shapes of statements in many dialects, and nothing at all. */
const TAILS = [
  "",
  ";",
  " x",
  " x;",
  " table t",
  " table if exists t",
  " * from t",
  " 1",
  " (1)",
  "(1)",
  " on t to u",
  " to 'x'",
  " = 1",
  " x = 1",
  " transaction",
  " work",
  " all",
  " or replace table t as select 1",
  " into t values (1)",
  " t set a = 1",
  " $$ begin end $$",
  "\n  x\n",
];

/** What may follow ALTER TABLE's action word. */
const ALTER_TABLE_TAILS = [
  "",
  " x",
  " with x",
  " = 0",
  " to u",
  " (a int)",
  " column a int",
  " schema s",
  "(a = 1)",
];

/** Where a word is tried: first, and after the openings PostgreSQL lets only a few words follow. */
const OPENINGS: [string, readonly string[]][] = [
  ["", TAILS],
  ["insert ", [" t values (1)", " t select 1", " table t select 1", " into t values (1)", ""]],
  ["DELETE\n", [" t", " t where a = 1", " from t", " t.* from t", ""]],
  [
    "create or replace ",
    [" t as select 1", " t (a int)", " function f() returns int as 'select 1' language sql"],
  ],
  ["CREATE  OR\tREPLACE ", [" x", " view v as select 1", " table t as select 1"]],
  ["EXPLAIN ", [" select 1", " plan delete from t", " (analyze) select 1", "", " delete from t", " t"]],
  ["ALTER TABLE t ", ALTER_TABLE_TAILS],
  ["alter table if exists only s.t * ", ALTER_TABLE_TAILS],
  ['ALTER TABLE "T".u ', ALTER_TABLE_TAILS],
  ["ALTER TABLE t SET ", ["", " = 0", " x", " to 1", " s", "(a = 1)", " (a = 1)"]],
  [
    "ALTER TABLE ",
    [" add column a int", " swap with u", " set data_retention_time_in_days = 0", " set schema s"],
  ],
  ["CREATE SCHEMA ", [".x", " x", ".x authorization u", ""]],
  ["create schema if not exists ", [".x", " x"]],
  ["DROP DATABASE IF EXISTS ", [".x", ""]],
  ["drop table ", ["", " cascade", ", t", ".x"]],
];

const OTHER_DIALECTS =
  "optimize system undrop flashback flush kill replace invalidate compute exchange describe desc restore use " +
  "rename purge upsert get put list remove attach detach unset undo redo shutdown backup handler help install " +
  "uninstall xa repair check checksum cache uncache add msck dfs source go print raiserror waitfor merge_into " +
  "sp_rename exec bulk dbcc deny revert setuser openquery truncate_table return wait abort_transaction";

function words(): string[] {
  const found = new Set([...OTHER_DIALECTS.split(" "), ...POSTGRES_KEYWORDS]);
  for (const line of readFileSync(OWN_GUARD_CASES, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const cmd = (JSON.parse(line) as { cmd: string }).cmd;
    for (const w of cmd.match(/[A-Za-z]+/g) ?? []) if (w.length <= 24) found.add(w.toLowerCase());
  }
  return [...found];
}

describe("statements PostgreSQL's grammar cannot open", () => {
  beforeAll(() => loadModule());

  const refusedByParser = (sql: string) => {
    expect(() => parseSync(sql), sql).toThrow();
  };

  it("are refused by the parser too, for every word the labelled cases use", () => {
    let refused = 0;
    for (const [i, word] of words().entries())
      for (const [opening, tails] of OPENINGS) {
        for (const tail of tails) {
          const sql = `${opening}${i % 2 ? word.toUpperCase() : word}${tail}`;
          if (!postgresRefusesOpening(sql)) continue;
          refused++;
          refusedByParser(sql);
        }
      }
    // Most words open no statement: the shortcut is taken, and checked, tens of thousands of times.
    expect(refused).toBeGreaterThan(30_000);
    // The work grows with the labelled cases' words: well past the default timeout on a busy two-core machine.
  }, 120_000);

  it("are refused by the parser too, for every character after the openings a name or a few words must follow", () => {
    const characters = [...Array(95).keys()].map((i) => String.fromCharCode(32 + i));
    const pieces = [
      ...characters,
      "\u00e9",
      "\u0001",
      "\\",
      "$1",
      "$$x$$",
      "'x'",
      '"x"',
      '""',
      'U&"x"',
      "<stdin>",
      "<cat tables.txt>",
      "{}",
      "`o`",
      ".5",
      "1",
      "-- x\n",
      "/* x */",
      "-x",
      "*",
      "",
    ];
    const openings = [
      "",
      "DELETE",
      "INSERT",
      "EXPLAIN",
      "UPDATE",
      "TRUNCATE",
      "TRUNCATE TABLE",
      "DROP TABLE",
      "DROP VIEW",
      "DROP INDEX",
      "DROP SEQUENCE",
      "DROP SCHEMA",
      "DROP DATABASE",
      "ALTER TABLE",
      "ALTER TABLE t",
      "ALTER TABLE t SET",
      "CREATE SCHEMA s",
      "DROP DATABASE d",
      "SELECT",
      "DROP",
    ];
    let refused = 0;
    for (const opening of openings)
      for (const piece of pieces)
        for (const gap of ["", " ", "\n"])
          for (const tail of ["", " x", " from t", " t set a = 1", " foo;"]) {
            const sql = `${opening}${gap}${piece}${tail}`;
            if (!postgresRefusesOpening(sql)) continue;
            refused++;
            refusedByParser(sql);
          }
    expect(refused).toBeGreaterThan(10_000);
  });

  it("know the statements of other dialects agents send that PostgreSQL cannot read", () => {
    for (const sql of [
      "DELETE `o` FROM `orders` `o` JOIN `customers` `c` ON `c`.`id` = `o`.`customer_id` WHERE `c`.`banned` = 1;",
      "DELETE o FROM orders o",
      "DROP TABLE <cat tables.txt>",
      "DROP TABLE {}",
      "TRUNCATE $1",
      "ALTER TABLE events SET DATA_RETENTION_TIME_IN_DAYS = 0",
      "ALTER TABLE orders SWAP WITH orders_new",
      "ALTER TABLE logs.events REMOVE TTL",
      "EXPLAIN QUERY PLAN DELETE FROM users",
      "EXPLAIN FORMAT=JSON DELETE FROM users",
      "CREATE SCHEMA IF NOT EXISTS analytics.raw",
      "DROP SCHEMA analytics.raw",
      "select_1",
      '"select" 1',
      " */",
      "`x` = 1",
      "'x'",
      "@a = 1",
    ]) {
      expect(postgresRefusesOpening(sql), sql).toBe(true);
      refusedByParser(sql);
    }
  });

  it("are refused by the parser too, for random words and blanks", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("", " ", "\n", "\t", "\r\n", "\f", "\v"),
        fc.constantFrom("", ...OPENINGS.map(([opening]) => opening)),
        fc.stringMatching(/^[A-Za-z]{1,12}$/),
        fc.constantFrom(...TAILS),
        (blank, opening, word, tail) => {
          const sql = `${blank}${opening}${word}${tail}`;
          if (postgresRefusesOpening(sql)) refusedByParser(sql);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("leave every statement PostgreSQL reads to the parser: each opening and each CREATE OR REPLACE", () => {
    for (const sql of [
      "ABORT",
      "ALTER TABLE t ADD COLUMN a int",
      "analyse t",
      "ANALYZE t",
      "BEGIN",
      "CALL p()",
      "CHECKPOINT",
      "CLOSE c",
      "CLUSTER t USING i",
      "COMMENT ON TABLE t IS 'x'",
      "COMMIT",
      "COPY t TO STDOUT",
      "CREATE TABLE t (a int)",
      "DEALLOCATE p",
      "DECLARE c CURSOR FOR SELECT 1",
      "DELETE FROM t",
      "DISCARD ALL",
      "DO $$ BEGIN END $$",
      "DROP TABLE t",
      "END",
      "EXECUTE p",
      "EXPLAIN SELECT 1",
      "FETCH NEXT FROM c",
      "GRANT SELECT ON t TO u",
      "IMPORT FOREIGN SCHEMA s FROM SERVER f INTO t",
      "INSERT INTO t VALUES (1)",
      "LISTEN c",
      "LOAD 'x'",
      "LOCK TABLE t",
      "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
      "MOVE NEXT FROM c",
      "NOTIFY c",
      "PREPARE p AS SELECT 1",
      "REASSIGN OWNED BY a TO b",
      "REFRESH MATERIALIZED VIEW v",
      "REINDEX TABLE t",
      "RELEASE SAVEPOINT a",
      "RESET ALL",
      "REVOKE SELECT ON t FROM u",
      "ROLLBACK",
      "SAVEPOINT a",
      "SECURITY LABEL ON TABLE t IS 'x'",
      "SELECT 1",
      "SET x = 1",
      "SHOW x",
      "START TRANSACTION",
      "TABLE t",
      "TRUNCATE t",
      "UNLISTEN c",
      "UPDATE t SET a = 1",
      "VACUUM t",
      "VALUES (1)",
      "WITH x AS (SELECT 1) SELECT * FROM x",
      "CREATE OR REPLACE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql",
      "CREATE OR REPLACE PROCEDURE p() AS 'select 1' LANGUAGE sql",
      "CREATE OR REPLACE VIEW v AS SELECT 1",
      "CREATE OR REPLACE RECURSIVE VIEW v (n) AS SELECT 1",
      "CREATE OR REPLACE TEMP VIEW v AS SELECT 1",
      "CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1",
      "CREATE OR REPLACE LOCAL TEMP VIEW v AS SELECT 1",
      "CREATE OR REPLACE GLOBAL TEMPORARY VIEW v AS SELECT 1",
      "CREATE OR REPLACE UNLOGGED VIEW v AS SELECT 1",
      "CREATE OR REPLACE RULE r AS ON INSERT TO t DO NOTHING",
      "CREATE OR REPLACE TRUSTED PROCEDURAL LANGUAGE l HANDLER h",
      "CREATE OR REPLACE PROCEDURAL LANGUAGE l HANDLER h",
      "CREATE OR REPLACE LANGUAGE l HANDLER h",
      "CREATE OR REPLACE TRANSFORM FOR int LANGUAGE l (FROM SQL WITH FUNCTION f(internal))",
      "CREATE OR REPLACE AGGREGATE a(int) (SFUNC = f, STYPE = int)",
      "CREATE OR REPLACE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f()",
      "EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1",
      "EXPLAIN ANALYZE VERBOSE DELETE FROM t",
      "EXPLAIN EXECUTE p",
      "EXPLAIN CREATE TABLE t AS SELECT 1",
      "EXPLAIN (SELECT 1)",
      "ALTER TABLE t SET SCHEMA s",
      "ALTER TABLE t SET (fillfactor = 70)",
      "ALTER TABLE t SET LOGGED",
      "ALTER TABLE t SET WITHOUT CLUSTER",
      "ALTER TABLE t SET ACCESS METHOD heap",
      "ALTER TABLE t SET TABLESPACE ts",
      "ALTER TABLE IF EXISTS ONLY s.t OWNER TO u",
      "ALTER TABLE a.b.c RENAME TO d",
      "ALTER TABLE t * ADD COLUMN a int",
      'ALTER TABLE "T" VALIDATE CONSTRAINT c',
      "ALTER TABLE ALL IN TABLESPACE a SET TABLESPACE b",
      "ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)",
      "ALTER TABLE t NO INHERIT u",
      "ALTER TABLE t REPLICA IDENTITY FULL",
      "ALTER TABLE t OPTIONS (ADD a 'b')",
      "CREATE SCHEMA s AUTHORIZATION u",
      "CREATE SCHEMA IF NOT EXISTS s",
      "DROP SCHEMA a, b CASCADE",
      "DROP DATABASE IF EXISTS d",
      "TRUNCATE TABLE ONLY t",
      "UPDATE ONLY t SET a = 1",
      'DROP TABLE "T", U&"t"',
      "DELETE FROM t",
    ]) {
      expect(() => parseSync(sql), sql).not.toThrow();
      expect(postgresRefusesOpening(sql), sql).toBe(false);
    }
  });

  it("leave text that opens with a comment or a name's character of its own to the parser", () => {
    for (const sql of [
      "insert /* note */ into t values (1)",
      "-- note\nSELECT 1",
      "/* note */ DROP TABLE t",
      "(SELECT 1)",
      "SELECTé 1",
      "select$1",
      "é 1",
      "; SELECT 1",
      "DELETE -- x\nFROM t",
      "DELETE /* x */ FROM t",
      "ALTER TABLE t /* x */ SWAP WITH u",
      "DROP TABLE é",
      "DROP TABLE\u00a0x",
      "ALTER TABLE t SET é",
      "INSERT\u00a0OVERWRITE t",
    ]) {
      expect(postgresRefusesOpening(sql), sql).toBe(false);
    }
  });

  it("spare a hook loading the parser, and answer as the parser would", async () => {
    expect(postgresParserLoaded()).toBe(false);
    for (const [command, destructive] of [
      ["clickhouse-client -q 'OPTIMIZE TABLE logs.events FINAL'", false],
      ["snowsql -q 'UNDROP TABLE users'", false],
      ["mysql -e 'FLUSH PRIVILEGES'", false],
      ["snowsql -q 'ALTER TABLE orders SWAP WITH orders_new'", false],
      ["snowsql -q 'CREATE SCHEMA IF NOT EXISTS analytics.raw'", false],
      ["sqlite3 app.db 'EXPLAIN QUERY PLAN DELETE FROM users'", false],
      ["ALTER TABLE events SET DATA_RETENTION_TIME_IN_DAYS = 0", true],
      ["cat tables.txt | xargs -I{} psql -c 'DROP TABLE {}'", true],
      [
        "DELETE `o` FROM `orders` `o` JOIN `customers` `c` ON `c`.`id` = `o`.`customer_id` WHERE `c`.`banned` = 1;",
        true,
      ],
    ] as const) {
      takeSqlParserMissed();
      expect(classify(command).destructive, command).toBe(destructive);
      expect(takeSqlParserMissed(), command).toBe(false);
    }
    // Every labelled case read without the parser is read the same once it is loaded.
    const cases = readFileSync(OWN_GUARD_CASES, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { cmd: string }).cmd);
    const without = new Map<string, unknown>();
    for (const cmd of cases) {
      takeSqlParserMissed();
      const verdict = classify(cmd);
      if (!takeSqlParserMissed()) without.set(cmd, verdict);
    }
    expect(without.size).toBeGreaterThan(cases.length * 0.9);
    await loadSqlParser();
    for (const [cmd, verdict] of without) expect(classify(cmd), cmd).toEqual(verdict);
  });
});
