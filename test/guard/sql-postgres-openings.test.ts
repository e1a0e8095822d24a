// Text whose first word opens no PostgreSQL statement is refused without calling the parser: that must be sound.
// Every word the labelled cases use, SQL keywords of other dialects and random words are tried at the head of many
// statement shapes, and PostgreSQL's own parser (called directly, without the shortcut) must refuse each one the
// shortcut refuses.
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
];

const OTHER_DIALECTS =
  "optimize system undrop flashback flush kill replace invalidate compute exchange describe desc restore use " +
  "rename purge upsert get put list remove attach detach unset undo redo shutdown backup handler help install " +
  "uninstall xa repair check checksum cache uncache add msck dfs source go print raiserror waitfor merge_into " +
  "sp_rename exec bulk dbcc deny revert setuser openquery truncate_table return wait abort_transaction";

function words(): string[] {
  const found = new Set(OTHER_DIALECTS.split(" "));
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
    ]) {
      expect(() => parseSync(sql), sql).not.toThrow();
      expect(postgresRefusesOpening(sql), sql).toBe(false);
    }
  });

  it("leave text that opens with anything but plain words to the parser", () => {
    for (const sql of [
      "insert /* note */ into t values (1)",
      "-- note\nSELECT 1",
      "/* note */ DROP TABLE t",
      "(SELECT 1)",
      "SELECTé 1",
      "select_1",
      "select$1",
      "INSERT\u00a0OVERWRITE t",
      '"select" 1',
    ]) {
      expect(postgresRefusesOpening(sql), sql).toBe(false);
    }
  });

  it("spare a hook loading the parser, and answer as the parser would", async () => {
    expect(postgresParserLoaded()).toBe(false);
    for (const command of [
      "clickhouse-client -q 'OPTIMIZE TABLE logs.events FINAL'",
      "snowsql -q 'UNDROP TABLE users'",
      "mysql -e 'FLUSH PRIVILEGES'",
    ]) {
      takeSqlParserMissed();
      expect(classify(command).destructive, command).toBe(false);
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
