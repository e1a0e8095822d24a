// MySQL text said to be refused by PostgreSQL's parser must be refused by it: checked against the parser itself
// (libpg-query called directly, without the guard's shortcuts) on statement shapes where MySQL's grammar parts from
// PostgreSQL's and on ones where PostgreSQL's goes on; and the guard's findings are those it reaches with the parser.
import fc from "fast-check";
import { loadModule, parseSync } from "libpg-query";
import { beforeAll, describe, expect, it } from "vitest";
import { newAnalysis } from "../../src/guard/classify.ts";
import { analyzeSql } from "../../src/guard/sql/analyze-sql.ts";
import { loadSqlParser } from "../../src/guard/sql/postgres-parser.ts";
import { postgresRefuses } from "../../src/guard/sql/postgres-refusals.ts";
import { sqlScript } from "../helpers/sql-scripts.ts";

const NAME = fc.constantFrom("t", "a.b", "`t`", "remove", "purge", "only", "if", "all", "clear", "x");

const STATEMENT = fc.oneof(
  fc.constantFrom(
    "SET @a = 1",
    "SET @@global.x = 1",
    "SET x = 1",
    "SET SESSION x = 1",
    "SET LOCAL x TO 1",
    "SET TRANSACTION READ ONLY",
    "SET SESSION TRANSACTION READ ONLY",
    "PREPARE st FROM @s",
    "PREPARE st FROM 'DELETE FROM users'",
    "PREPARE st AS SELECT 1",
    "PREPARE TRANSACTION 'x'",
    "PREPARE from FROM x",
    "PREPARE `st` FROM 'x'",
    "EXECUTE st",
    "EXECUTE st USING @a",
    "EXECUTE st USING 1, 2",
    "EXECUTE st (1)",
    "EXECUTE st(1) x",
    "EXECUTE st x",
    "EXECUTE `st` USING @a",
    "EXECUTE",
    "execute st using",
    "EXECUTE select USING @a",
    "DELETE `o` FROM `orders` `o` JOIN `c` ON `c`.`id` = `o`.`cid`",
    "DELETE FROM t",
    "EXPLAIN QUERY PLAN DELETE FROM t",
    "ALTER TABLE t SWAP WITH u",
    "CREATE SCHEMA a.b",
    "DEALLOCATE PREPARE st",
    "SELECT 1",
    "SELECT ';'",
    "INSERT INTO t VALUES (1)",
    "INSERT OVERWRITE TABLE t SELECT 1",
    "DELETE t FROM u",
    "FLUSH PRIVILEGES",
    "KILL 1234",
    "STOP REPLICA",
    "CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1",
    "CREATE OR REPLACE TABLE t AS SELECT 1",
    "SHOW TABLES",
    "USE shop",
    "DESCRIBE t",
    "REPLACE TABLE t AS SELECT 1",
  ),
  fc
    .tuple(
      fc.constantFrom(
        "MASTER",
        "MASTER TO 1",
        "REPLICA",
        "REPLICA ALL",
        "SLAVE",
        "BINARY LOGS AND GTIDS",
        "TIME ZONE",
        "SESSION AUTHORIZATION",
        "TRANSACTION ISOLATION LEVEL",
        "ALL",
        "ALL x",
        "a.b",
        "a.b c",
        "role",
        "time",
        "session x",
        "`x` y",
      ),
    )
    .map(([rest]) => `RESET ${rest}`),
  fc
    .tuple(
      fc.constantFrom("TABLE ", "TABLE IF EXISTS ", "TEMPORARY TABLE ", "TEMPORARY ", "temp table ", "VIEW "),
      fc.array(NAME, { minLength: 1, maxLength: 2 }),
      fc.constantFrom("", " PURGE", " CASCADE", " PURGE x", " purge", ".c PURGE"),
    )
    .map(([kind, names, tail]) => `DROP ${kind}${names.join(", ")}${tail}`),
  fc
    .tuple(
      fc.constantFrom("", "ONLY ", "IF EXISTS ", "ALL "),
      NAME,
      fc.constantFrom(
        "REMOVE TTL",
        "REMOVE PARTITIONING",
        "CLEAR COLUMN x IN PARTITION 1",
        "ADD COLUMN x int",
        "clear",
        "remove",
        "* REMOVE TTL",
        ".c REMOVE TTL",
        "RENAME TO u",
      ),
    )
    .map(([target, name, change]) => `ALTER TABLE ${target}${name} ${change}`),
);

/** Lexical pieces that change where PostgreSQL ends statements or what it reads, spliced in at random. */
const NOISE = fc.constantFrom(
  "#",
  "# x;\n",
  "-- c\n",
  "-- ;\n",
  "/* ; */",
  "'a;b'",
  '"a;b"',
  "`a`",
  ";",
  "(",
  "@x",
  "x",
  "TABLE",
  "PURGE",
  "ONLY",
  "IF EXISTS",
  ".",
  ",",
  "$$;$$",
  "E'\\';'",
  "*/",
  "\\'",
  "'\\''",
  "/*",
  "<=>",
  "USING",
);

function findings(sql: string, reader: "auto" | "full"): unknown {
  const an = newAnalysis();
  analyzeSql(sql, an, "mysql", reader);
  return an.findings;
}

describe("MySQL text PostgreSQL's parser refuses", () => {
  beforeAll(async () => {
    await loadModule();
    await loadSqlParser();
  });

  it("is refused by the parser itself, and judged as the parser leaves it", () => {
    let claimed = 0;
    fc.assert(
      fc.property(sqlScript(STATEMENT, NOISE), (sql) => {
        if (!postgresRefuses(sql)) return;
        claimed++;
        expect(() => parseSync(sql), sql).toThrow();
        expect(findings(sql, "auto"), sql).toEqual(findings(sql, "full"));
      }),
      { numRuns: 3000 },
    );
    expect(claimed).toBeGreaterThan(600);
  });

  it("covers the MySQL commands agents send that PostgreSQL cannot read", () => {
    for (const sql of [
      "ALTER TABLE orders REMOVE PARTITIONING",
      "ALTER TABLE logs.events CLEAR COLUMN payload IN PARTITION 202401",
      "DROP TEMPORARY TABLE IF EXISTS tmp_ids",
      "DROP TABLE sales PURGE",
      "CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1; REPLACE TABLE t USING delta AS SELECT * FROM v",
      "SET @s = CONCAT('DROP ', 'TABLE users'); PREPARE st FROM @s; EXECUTE st;",
      "PREPARE st FROM 'DELETE FROM users'; EXECUTE st;",
      "STOP REPLICA; RESET REPLICA ALL",
      "RESET BINARY LOGS AND GTIDS",
      "RESET MASTER TO 1",
      "SELECT 1; FLUSH PRIVILEGES",
      " EXECUTE st USING @a",
      "DELETE `o` FROM `orders` `o` JOIN `customers` `c` ON `c`.`id` = `o`.`customer_id` WHERE `c`.`banned` = 1;",
    ]) {
      expect(postgresRefuses(sql), sql).toBe(true);
      expect(() => parseSync(sql), sql).toThrow();
    }
  });

  it("is judged for MySQL's settings where PostgreSQL's parser reads what node-sql-parser refuses", () => {
    const actions = (sql: string) =>
      (findings(sql, "auto") as { action?: string; destructive: boolean }[])
        .filter((f) => f.destructive)
        .map((f) => f.action);
    for (const sql of [
      "SET sql_log_bin = 0; COMMIT WORK",
      "SET SESSION sql_log_bin = OFF; SAVEPOINT a",
      "SET sql_log_bin = 'off'; RELEASE SAVEPOINT a",
      "SET LOCAL sql_log_bin TO false; ROLLBACK TO SAVEPOINT a",
    ]) {
      expect(postgresRefuses(sql), sql).toBe(false);
      expect(actions(sql), sql).toContain("backup:disable");
    }
    expect(actions("SET sql_log_bin = 1; COMMIT WORK")).toEqual([]);
  });

  it("leaves to the parser what it reads, and what is not told apart from that", () => {
    for (const sql of [
      "RESET MASTER",
      "EXECUTE st",
      "SET SESSION TRANSACTION READ ONLY; DELETE FROM orders",
      "ALTER TABLE ONLY remove ADD COLUMN x int",
      "DROP TABLE IF EXISTS purge",
      "SELECT 1; FLUSH PRIVILEGES # why\n",
      "SELECT 1; /* x */ FLUSH PRIVILEGES",
      "SELECT '; FLUSH PRIVILEGES'",
      "EXECUTE st (1, 2)",
      "SELECT '\\'; EXECUTE st USING @a; -- '",
      "SELECT 1 /* ; */; EXECUTE st USING @a",
    ])
      expect(postgresRefuses(sql), sql).toBe(false);
  });
});
