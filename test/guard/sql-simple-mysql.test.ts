// The fast MySQL reader must be exact: on everything it accepts, node-sql-parser accepts it too, with every field the
// reader gives as that parser gives it, and the guard's findings are the ones that parser leads to, in the MySQL
// dialect and where other dialects fall back to MySQL; on everything it says node-sql-parser refuses, it does.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type Analysis,
  registeredLanguageAnalysers,
  registerLanguageAnalysers,
} from "../../src/guard/analysis.ts";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeSql } from "../../src/guard/sql/analyze-sql.ts";
import { mysqlParserLexesAs } from "../../src/guard/sql/lexical-divides.ts";
import { parseMysqlTree } from "../../src/guard/sql/mysql-parser.ts";
import type { SqlReader } from "../../src/guard/sql/postgres.ts";
import { loadSqlParser } from "../../src/guard/sql/postgres-parser.ts";
import { MYSQL_PARSER_REFUSES, readSimpleMysql } from "../../src/guard/sql/simple-mysql-reader.ts";
import { externalGuardCorpusUrl, OWN_GUARD_CASES } from "../helpers/guard-corpus.ts";
import { sqlScript } from "../helpers/sql-scripts.ts";

type Dialect = Parameters<typeof analyzeSql>[2];

function findings(sql: string, dialect: Dialect, reader: SqlReader): Analysis["findings"] {
  const an = newAnalysis();
  analyzeSql(sql, an, dialect, reader);
  return an.findings;
}

/** A tree as JSON has it: fields left undefined are no fields. */
const plain = (tree: unknown): unknown => JSON.parse(JSON.stringify(tree));

/** Agreement on one text; returns whether the fast reader took it (read it, or knew node-sql-parser refuses it). */
function agrees(sql: string): boolean {
  const read = readSimpleMysql(sql);
  if (!read) return false;
  if (read === MYSQL_PARSER_REFUSES) expect(() => parseMysqlTree(sql), sql).toThrow();
  else {
    const tree = parseMysqlTree(sql);
    expect(plain(Array.isArray(tree) ? tree : [tree]), sql).toMatchObject(plain(read) as object[]);
  }
  for (const dialect of ["mysql", "postgres"] as const)
    expect(findings(sql, dialect, "auto"), `${dialect}: ${sql}`).toEqual(findings(sql, dialect, "full"));
  return true;
}

const NAME = fc.constantFrom(
  "users",
  "Sessions",
  "`Orders`",
  "`order`",
  "shop.accounts",
  "`shop`.`events`",
  "audit_log",
  "orders_backup",
  "x",
  "status",
  "name",
  "data",
  "user",
  "`select`",
  "select",
  "key",
  "t1",
);
const COLUMN = fc.constantFrom(
  "id",
  "user_id",
  "users_id",
  "session_id",
  "uuid",
  "ID",
  "status",
  "t.id",
  "`t`.`id`",
  "`id`",
  "name",
  "x",
);
const LITERAL = fc.constantFrom(
  "1",
  "0",
  "01",
  "'x'",
  "''",
  "'it''s'",
  '"it""s"',
  '""',
  '"a b"',
  '"tab\there"',
  "1.5",
  "1.50",
  "0.10",
  "007",
  "123456789012345",
  "1234567890123456",
  "99999999999999999999",
  "1.123456789012345678901",
  "true",
  "FALSE",
  "null",
  "'1'",
  "-1",
  '"x"',
  "?",
  "'it\\'s'",
  "'a\\\\b'",
  "'\\n\\t\\r\\b\\f'",
  "'\\u0041\\u00'",
  "'\\x\\%\\_'",
  "'\\''",
  '"a\\"b"',
  '"\\\\"',
  "'a\\'' ''",
);
const FUNCTION = fc.constantFrom(
  "count",
  "lower",
  "now",
  "COUNT",
  "sleep",
  "concat",
  "purge_orders",
  "DROP_ALL",
  "`purge_x`",
  "`lower`",
);
const COMPARE = fc.constantFrom("=", "<>", "!=", "<", ">=", "+", "*", "-", "||", "&&", "<=>", "DIV");

const EXPR: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(COLUMN, COMPARE, LITERAL).map((p) => p.join(" ")),
    fc.tuple(LITERAL, COMPARE, fc.oneof(COLUMN, LITERAL)).map((p) => p.join(" ")),
    fc.tuple(COLUMN, COMPARE, COLUMN).map((p) => p.join(" ")),
    fc
      .tuple(COLUMN, fc.constantFrom("IN", "NOT IN", "in"), fc.array(LITERAL, { minLength: 1, maxLength: 3 }))
      .map(([c, op, xs]) => `${c} ${op} (${xs.join(", ")})`),
    fc.tuple(COLUMN, fc.constantFrom("LIKE", "NOT LIKE"), LITERAL).map((p) => p.join(" ")),
    // After an `IN (…)` list node-sql-parser groups what follows by whether white space comes first.
    fc
      .tuple(COLUMN, fc.constantFrom("IN", "NOT IN"), LITERAL, fc.constantFrom("AND", "OR"), tie("e"))
      .chain(([c, op, x, joiner, e]) =>
        fc.constantFrom(" ", "", "\n", " # note\n").map((gap) => `${c} ${op} (${x})${gap}${joiner} ${e}`),
      ),
    fc.tuple(COLUMN, fc.constantFrom("IS NULL", "IS NOT NULL")).map((p) => p.join(" ")),
    fc
      .tuple(FUNCTION, fc.array(fc.oneof(LITERAL, COLUMN), { maxLength: 2 }))
      .map(([f, a]) => `${f}(${a.join(", ")})`),
    fc.tuple(FUNCTION, FUNCTION, fc.oneof(LITERAL, COLUMN)).map(([f, g, a]) => `${f}(${g}(${a}))`),
    FUNCTION.map((f) => `${f}(*)`),
    LITERAL,
    COLUMN,
    tie("e").map((e) => `NOT ${e}`),
    tie("e").map((e) => `(${e})`),
    fc.tuple(tie("e"), fc.constantFrom("AND", "OR", "and", "Or", "XOR"), tie("e")).map((p) => p.join(" ")),
  ),
})).e;

const WHERE = fc.option(
  EXPR.map((e) => ` WHERE ${e}`),
  { nil: "" },
);
const NAMES = fc.array(NAME, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(", "));
const ALIAS = fc.constantFrom("", " o", " AS o", " `o`");

const STATEMENT = fc.oneof(
  fc
    .tuple(
      fc.array(
        fc.oneof(
          EXPR,
          fc.constant("*"),
          COLUMN.map((c) => `${c} AS n`),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      NAME,
      ALIAS,
      WHERE,
      fc.constantFrom(
        "",
        " GROUP BY status",
        " ORDER BY id DESC",
        " LIMIT 10",
        " LIMIT 10 OFFSET 5",
        " LIMIT 5, 10",
        " GROUP BY purge_orders(id)",
        " ORDER BY drop_all() DESC",
        " GROUP BY lower(id)",
      ),
    )
    .map(([targets, t, a, w, tail]) => `SELECT ${targets.join(", ")} FROM ${t}${a}${w}${tail}`),
  fc
    .tuple(NAME, ALIAS, fc.constantFrom("JOIN", "LEFT JOIN", "INNER JOIN", "RIGHT OUTER JOIN"), NAME, EXPR)
    .map(([a, alias, join, b, on]) => `SELECT * FROM ${a}${alias} ${join} ${b} ON ${on}`),
  fc.tuple(NAME, ALIAS, WHERE).map(([t, a, w]) => `DELETE FROM ${t}${a}${w}`),
  fc
    .tuple(NAME, NAME, fc.constantFrom("JOIN", "LEFT JOIN"), NAME, EXPR, WHERE)
    .map(([target, a, join, b, on, w]) => `DELETE ${target} FROM ${a} ${join} ${b} ON ${on}${w}`),
  fc.tuple(NAME, COLUMN, EXPR, WHERE).map(([t, c, e, w]) => `UPDATE ${t} SET ${c} = ${e}${w}`),
  fc
    .tuple(
      fc.array(fc.tuple(NAME, ALIAS), { minLength: 1, maxLength: 3 }),
      fc.constantFrom("", " JOIN carts c ON c.id = o.cart_id", " LEFT JOIN u ON purge_x(1)"),
      fc.array(fc.tuple(COLUMN, fc.oneof(LITERAL, COLUMN, EXPR)), { minLength: 1, maxLength: 2 }),
      WHERE,
    )
    .map(
      ([tables, join, sets, w]) =>
        `UPDATE ${tables.map((t) => t.join("")).join(", ")}${join} SET ${sets.map(([c, v]) => `${c} = ${v}`).join(", ")}${w}`,
    ),
  fc
    .tuple(NAME, fc.array(LITERAL, { minLength: 1, maxLength: 3 }))
    .map(([t, xs]) => `INSERT INTO ${t} (a) VALUES (${xs.join(", ")})`),
  fc.tuple(fc.constantFrom("TRUNCATE", "TRUNCATE TABLE", "truncate table"), NAME).map((p) => p.join(" ")),
  fc
    .tuple(
      fc.constantFrom("", " IF EXISTS"),
      NAMES,
      fc.constantFrom("", "", " PURGE", " CASCADE", " go", " x"),
    )
    .map(([ifExists, names, tail]) => `DROP TABLE${ifExists} ${names}${tail}`),
  fc
    .tuple(
      fc.constantFrom(
        "TEMPORARY TABLE",
        "TEMPORARY TABLE IF EXISTS",
        "temporary table",
        "PROCEDURE",
        "FUNCTION",
        "USER",
        "VIEW",
        "INDEX",
        "TRIGGER",
        "EVENT",
        "TABLES",
        "IF EXISTS",
        "STAGE",
        "GO",
      ),
      NAME,
    )
    .map(([kind, name]) => `DROP ${kind} ${name}`),
  fc
    .tuple(fc.constantFrom("DATABASE", "SCHEMA", "database"), fc.constantFrom("", " IF EXISTS"), NAME)
    .map(([kind, ifExists, name]) => `DROP ${kind}${ifExists} ${name}`),
  fc
    .tuple(
      fc.constantFrom("", "GLOBAL ", "global ", "SESSION ", "LOCAL ", "PERSIST ", "PERSIST_ONLY "),
      fc.array(
        fc.tuple(
          fc.constantFrom(
            "@s",
            "@a",
            "@Sql",
            "@sql_log_bin",
            "sql_log_bin",
            "@@x",
            "@@GLOBAL.binlog_expire_logs_seconds",
            "@@persist.expire_logs_days",
            "@@session.sql_log_bin",
            "@@x.y.z",
            "@`q`",
            "x",
            "@a.b",
            "binlog_expire_logs_seconds",
            "@binlog_expire_logs_seconds",
            "EXPIRE_LOGS_DAYS",
            "names",
            "persist",
            "select",
            "`x`",
            "x.y",
          ),
          fc.oneof(
            EXPR,
            fc.constantFrom(
              "3600",
              "86400",
              "0",
              "007",
              "(3600)",
              "99999999999999999999",
              "ON",
              "OFF",
              "1.0",
              "'OFF'",
              "FALSE",
              "off",
              "least(0, 1)",
              "count(0)",
              "purge_x(0)",
              "(0)",
              "0 + 0",
              "t.off",
            ),
          ),
        ),
        { minLength: 1, maxLength: 2 },
      ),
    )
    .map(([scope, assignments]) => `SET ${scope}${assignments.map(([v, e]) => `${v} = ${e}`).join(", ")}`),
  fc
    .tuple(
      fc.constantFrom("", " IF NOT EXISTS"),
      NAME,
      fc.array(
        fc.tuple(
          fc.oneof(COLUMN, NAME),
          fc.constantFrom("int", "INT", "bigint", "text", "varchar(20)", "char", "date", "json", "bool", "x"),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      fc.constantFrom("", " ENGINE=BLACKHOLE", " ENGINE InnoDB", " ENGINE = memory", " ENGINE='x'"),
    )
    .map(
      ([ifNotExists, t, columns, engine]) =>
        `CREATE TABLE${ifNotExists} ${t} (${columns.map((c) => c.join(" ")).join(", ")})${engine}`,
    ),
  fc
    .tuple(NAME, fc.constantFrom("ENGINE=BLACKHOLE", "ENGINE InnoDB", "engine = MEMORY", "ENGINE=`x`"))
    .map(([t, engine]) => `ALTER TABLE ${t} ${engine}`),
  fc.constantFrom(
    "PREPARE st FROM @s",
    "PREPARE st FROM 'DELETE FROM users'",
    "prepare `st` from 'SELECT * FROM t WHERE id = ?'",
    "EXECUTE st",
    "EXECUTE st USING @a, @b",
    "execute = 1",
    "PREPARE",
    "DEALLOCATE PREPARE st",
    "RESET MASTER",
    "RESET BINARY LOGS AND GTIDS",
    "reset replica all",
    "RESET `x`",
    "reset = 1",
    "STOP REPLICA",
    "stop slave",
    "FLUSH PRIVILEGES",
    "FLUSH TABLES WITH READ LOCK",
    "flush logs",
    "KILL 1234",
    "KILL QUERY 5",
    "kill = 1",
    "OPTIMIZE TABLE logs.events FINAL",
    "SYSTEM DROP DNS CACHE",
    "EXCHANGE TABLES a AND b",
    "COMPUTE STATS sales",
    "INVALIDATE METADATA sales",
    "RESTORE TABLE orders",
  ),
  fc
    .tuple(
      fc.constantFrom(
        "purge_sessions",
        "shop.report",
        "truncate_all",
        "drop_everything",
        "x",
        "`select`",
        "select",
      ),
      fc.constantFrom("", "()", "(1)", "(1, 'a')", "(@a)", "(id)", "(1"),
    )
    .map(([name, args]) => `CALL ${name}${args}`),
  fc
    .tuple(
      fc.constantFrom("INSERT INTO ", "REPLACE INTO ", "insert into ", "INSERT ", "REPLACE "),
      fc.oneof(NAME, fc.constantFrom("OVERWRITE TABLE t", "TABLE t", "OVERWRITE", "t PARTITION (p1)")),
      fc.constantFrom("", " (id)", " (id, name)"),
      fc.oneof(
        fc.constantFrom(
          "VALUES (1)",
          "VALUES (1, 'a')",
          "VALUES (1), (2)",
          'VALUES ("visits", 0)',
          "VALUES (purge_x(1))",
          "VALUES (lower('\\''))",
        ),
        fc
          .tuple(fc.constantFrom("*", "id", "id, name", "1"), NAME, WHERE)
          .map(([targets, from, w]) => `SELECT ${targets} FROM ${from}${w}`),
        fc.constantFrom("SELECT 1", "SELECT * FROM u LIMIT 1", "(SELECT 1)", "TABLE u", "SET a = 1"),
      ),
      fc.constantFrom(
        "",
        " ON DUPLICATE KEY UPDATE name = 'b'",
        " ON DUPLICATE KEY UPDATE id = id + 1, name = 'x'",
        " ON DUPLICATE KEY UPDATE email = VALUES(email)",
        " ON DUPLICATE KEY UPDATE a = VALUES(t.a), b = VALUES(`b`)",
        " ON DUPLICATE KEY UPDATE a = VALUES(a) + 1",
        " ON DUPLICATE KEY UPDATE a = VALUES('a')",
        " ON DUPLICATE KEY",
      ),
    )
    .map(([verb, t, cols, source, tail]) => `${verb}${t}${cols} ${source}${tail}`),
  fc
    .tuple(
      NAME,
      fc.constantFrom(
        "ADD COLUMN nickname VARCHAR(40)",
        "ADD nickname int",
        "MODIFY email VARCHAR(10)",
        "MODIFY COLUMN email int",
        "DROP COLUMN nickname",
        "DROP nickname",
        "TRUNCATE PARTITION p2023",
        "truncate partition `p1`",
        "ADD COLUMN x blob",
        "MODIFY",
        "DROP PARTITION p1",
        "REMOVE TTL",
        "REMOVE PARTITIONING",
        "CLEAR COLUMN payload IN PARTITION 202401",
        "SWAP WITH orders_new",
        "DELETE WHERE id = 1",
        "UPDATE a = 1 WHERE true",
        "ON CLUSTER main DROP COLUMN x",
        "FREEZE",
        "GO",
        "RENAME TO t2",
        "ENABLE KEYS",
        "COMMENT = 'x'",
      ),
    )
    .map(([t, change]) => `ALTER TABLE ${t} ${change}`),
  fc.constantFrom(
    "ALTER USER u IDENTIFIED BY 'x'",
    "ALTER DATABASE shop CHARACTER SET utf8",
    "ALTER VIEW v AS SELECT 1",
    "alter table",
    "CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1",
    "CREATE OR REPLACE TABLE t (a int)",
    "CREATE OR REPLACE VIEW v AS SELECT 1",
    "CREATE OR REPLACE STAGE s",
    "CREATE TEMPORARY TABLE t (a int)",
    "CREATE STAGE s",
    "CREATE FUNCTION f() RETURNS int RETURN 1",
    "CREATE DATABASE d",
    "CREATE GO",
    "DESCRIBE HISTORY orders",
    "DESCRIBE shop.orders",
    "DESC orders GO",
    "describe `orders` x",
    "DESCRIBE orders",
    "REPLACE TABLE orders AS SELECT * FROM orders_new",
    "INSERT OVERWRITE TABLE sales SELECT * FROM sales_new",
    "INSERT INTO TABLE sales SELECT * FROM sales_new",
  ),
  fc.constantFrom(
    "BEGIN",
    "BEGIN WORK",
    "COMMIT",
    "COMMIT WORK",
    "ROLLBACK",
    "START TRANSACTION",
    "START TRANSACTION READ ONLY",
    "START TRANSACTION READ WRITE",
    "START TRANSACTION WITH CONSISTENT SNAPSHOT",
    "SET TRANSACTION READ ONLY",
    "SET GLOBAL TRANSACTION READ WRITE",
    "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    "SET transaction = 1",
    "SET SESSION transaction = 1",
    "SAVEPOINT a",
    "savepoint `a`",
    "RELEASE SAVEPOINT a",
    "ROLLBACK TO SAVEPOINT a",
    "ROLLBACK TO a",
    "ROLLBACK WORK",
    "COMMIT WORK",
    "commit go",
    "SAVEPOINT = 1",
    "release := 1",
    "*/",
    "= 1",
    "'x'",
    "`x` = 1",
    "?",
    ") x",
    ". x",
    "(SELECT 1)",
    "-1 = 2",
    "+1 = 2",
    "@a = 1",
    "<=> 1",
    "!x",
    "SHOW TABLES",
    "SHOW DATABASES",
    "SHOW FULL TABLES",
    "USE shop",
    "DESCRIBE orders",
    "DESC `orders`",
  ),
);

/** What the subset leaves out, spliced in at random to try to make the reader accept what it must not. */
const NOISE = fc.constantFrom(
  "/* x */",
  "/*! DROP TABLE x */",
  "/*M! DROP TABLE x */",
  "/*+ MAX_EXECUTION_TIME(1) */",
  "/* /* */",
  "/**/",
  "/* ; DROP TABLE x; */",
  "/* /*+ */",
  "/* /*! DROP TABLE x */",
  "/*+ # */",
  "/*+ 'x' */",
  "/*+\n*/",
  "/*+ -- */",
  "/*",
  "*/",
  "; */",
  "\\! rm -rf /srv",
  "\\G",
  "@$$",
  "@@$x",
  "@a$",
  "'a\\nb'",
  "'a\\'",
  "'\\''",
  '"x\\"y"',
  "# x\r y\n",
  "-- x\r\n",
  "<=>",
  "=@a",
  "*#",
  ": =",
  "-- note\n",
  "--note\n",
  "# note\n",
  "\\'",
  "'a\\'b'",
  '"x"',
  ";",
  ";;",
  ",",
  "(",
  ")",
  "AS",
  "select",
  "LIMIT 1",
  "'a' 'b'",
  "\n",
  "1e3",
  "0x1F",
  "@v",
  "@@global.x",
  "`",
  "``",
  "?",
  "OR",
  "AND",
  '"',
  '""',
  "GO",
  "PURGE",
  "TABLE",
  "IN (1)",
  "TEMPORARY",
);

/** Comments the mysql client ends elsewhere than MySQL and node-sql-parser (see mysql-client-comments.ts). */
const CLIENT_DIVIDED_COMMENT = fc.constantFrom(
  "/* /*+ */",
  "/* /*! */",
  "/* /*M! */",
  "/* a /*+ b */ c */",
  "/*+ # */",
  "/*+ -- x */",
  "/*+ 'x' */",
  '/*+ "x" */',
  "/*+ `x` */",
  "/*+ \\ */",
  "/*+\n*/",
  "/*+ BKA(t)\r*/",
);

describe("the fast MySQL reader", () => {
  beforeAll(loadSqlParser);

  it("reads no text holding a comment the mysql client ends elsewhere", () => {
    fc.assert(
      fc.property(STATEMENT, CLIENT_DIVIDED_COMMENT, STATEMENT, (first, comment, second) => {
        for (const sql of [`${first}; ${comment} ${second}`, `${comment} ${first}`, `${first} ${comment}`]) {
          expect(Array.isArray(readSimpleMysql(sql)), sql).toBe(false);
          expect(mysqlParserLexesAs(sql, "mysql"), sql).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("agrees with node-sql-parser on every script it accepts", () => {
    let accepted = 0;
    fc.assert(
      fc.property(sqlScript(STATEMENT, NOISE), (sql) => {
        if (agrees(sql)) accepted++;
      }),
      { numRuns: 1500 },
    );
    expect(accepted).toBeGreaterThan(120);
  });

  it("agrees on the MySQL inside every labelled command", () => {
    const seen: string[] = [];
    const real = registeredLanguageAnalysers()!;
    registerLanguageAnalysers({
      ...real,
      sql: (an, text, dialect) => {
        if (dialect === "mysql" || text.includes("`")) seen.push(text);
        real.sql(an, text, dialect);
      },
    });
    const external = externalGuardCorpusUrl();
    try {
      for (const url of [OWN_GUARD_CASES, ...(external ? [external] : [])])
        for (const line of readFileSync(url, "utf8")
          .split("\n")
          .filter((l) => l.trim()))
          classify(JSON.parse(line).cmd as string);
    } finally {
      registerLanguageAnalysers(real);
    }
    const accepted = seen.filter(agrees).length;
    console.log(
      `[guard] fast MySQL reader: ${accepted} of ${seen.length} MySQL texts in the labelled commands`,
    );
    expect(accepted).toBeGreaterThan(10);
  });

  it("reads the plain statements agents send", () => {
    for (const sql of [
      "SELECT COUNT(*) FROM orders;\n",
      "SELECT id, email FROM `users` WHERE created_at > '2024-01-01' ORDER BY id DESC LIMIT 10",
      "DELETE FROM ds.events WHERE true",
      "DELETE `o` FROM `orders` `o` JOIN `customers` `c` ON `c`.`id` = `o`.`customer_id` WHERE `c`.`banned` = 1;",
      "UPDATE users SET plan = 'pro' WHERE id = 77",
      "UPDATE users SET plan = 'pro' WHERE user_id IN (1, 2)",
      "UPDATE users SET plan = 'pro' WHERE status = 'trial'",
      "TRUNCATE TABLE logs.events",
      "DROP TABLE IF EXISTS tmp_import",
      "DROP DATABASE staging_copy",
      "START TRANSACTION; DROP TABLE orders; ROLLBACK",
      "SHOW TABLES; DESCRIBE orders # what is in it\n",
      "USE shop; SELECT * FROM orders -- newest\n LIMIT 5",
      "UPDATE t SET a = 1 WHERE status = 2 OR name = 3 AND id = 1",
      "UPDATE t SET a = 1 WHERE id = 1 AND name = 3 OR status = 2",
      "SET @s = CONCAT('DROP ', 'TABLE users')",
      "SET GLOBAL binlog_expire_logs_seconds = 3600",
      "SET PERSIST expire_logs_days = 1",
      "SET @@GLOBAL.binlog_expire_logs_seconds = 3600, @@expire_logs_days = 1",
      "REPLACE INTO counters (name, n) VALUES ('visits', 0)",
      'REPLACE INTO counters (name, n) VALUES ("visits", 0)',
      "REPLACE INTO settings SELECT * FROM settings_import",
      "INSERT INTO users_copy SELECT * FROM users ON DUPLICATE KEY UPDATE email = VALUES(email)",
      "UPDATE users SET plan = 'pro' WHERE id IN (1, 2) AND tenant_id = 3",
      "INSERT INTO settings (id, v) VALUES (1, 'on') ON DUPLICATE KEY UPDATE v = 'on'",
      "CALL purge_expired_sessions()",
      "CALL shop.report_monthly_sales(2024, 5)",
      "ALTER TABLE orders TRUNCATE PARTITION p2023",
      "ALTER TABLE users MODIFY email VARCHAR(10)",
      "ALTER TABLE users ADD COLUMN nickname VARCHAR(40)",
      "FLUSH PRIVILEGES; KILL 1234",
      "START TRANSACTION READ ONLY; COMMIT; DELETE FROM orders",
      "SET SESSION TRANSACTION READ ONLY; DROP TABLE orders",
      "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
      "PREPARE st FROM 'x'; SELECT 1 /* note */",
      'SYSTEM DROP REPLICA "r2" FROM TABLE logs.events',
      '\n  RESTORE TABLE orders TO TIMESTAMP AS OF "2024-01-01"',
      "STOP REPLICA; RESET REPLICA ALL",
      "SELECT * FROM users WHERE id = ?",
      "ALTER TABLE orders ENGINE=BLACKHOLE",
      "CREATE TABLE sink (id int) ENGINE=BLACKHOLE",
      "SET @s = CONCAT('DROP ', 'TABLE users'); PREPARE st FROM @s; EXECUTE st;",
      "PREPARE st FROM 'SELECT * FROM users WHERE id = ?'; SET @a = 1; EXECUTE st USING @a;",
      "SELECT 1 /*+ MAX_EXECUTION_TIME(1000) */ FROM orders",
      "SELECT 1 /* /* */; DELETE FROM orders",
      "BEGIN; DELETE FROM orders; /* note */ ; SELECT 1; ROLLBACK",
      // Nothing but comments: no statement.
      " -- '",
      "\n-- '\n/* note */",
      "SELECT 1;;",
      "BEGIN; SELECT '\\''; COMMIT; DELETE FROM orders; SELECT '\\''; ROLLBACK",
      "SELECT 'a\\'; DROP TABLE x; -- '",
      'SELECT * FROM t WHERE a = "x\\"y"',
      "SELECT purge_orders()",
      "SELECT id FROM t WHERE drop_all(id) AND lower(`purge_x`(1)) = 'a'",
      "INSERT INTO t SELECT purge_orders(id) FROM u",
      "DELETE FROM t WHERE purge_orders(id)",
      "SET @a = purge_orders(1)",
      "UPDATE orders, carts SET carts.total = 0 WHERE orders.id = 1",
      "UPDATE orders o JOIN carts c ON c.id = o.cart_id SET c.total = 0 WHERE o.id = 1",
      "UPDATE users AS u SET u.plan = 'pro' WHERE u.id = 7",
      "SET sql_log_bin = OFF",
      "SET SESSION sql_log_bin = 0",
      "SET @@session.sql_log_bin = 'OFF', @a = 1",
      "SET @@global.sql_log_bin = 0",
      "SET @sql_log_bin = 0",
    ]) {
      expect(readSimpleMysql(sql), sql).not.toBeNull();
      expect(agrees(sql), sql).toBe(true);
    }
  });

  it("hands anything outside its subset to node-sql-parser", () => {
    for (const sql of [
      "/*!40101 DROP TABLE x */ SELECT 1",
      "/*M!100101 DROP TABLE x */ SELECT 1",
      "SELECT 1 /* never closed",
      "SELECT 1 /* /*+ */; SELECT '*/ ; DELETE FROM orders; -- '",
      "UPDATE users SET plan = 'x' /* /*! */ WHERE id = 7 AND plan = '*/' -- '",
      "SELECT 1 /*+ # */, 'a\n*/; DROP TABLE orders; SELECT '",
      "SELECT /*+ BKA(`*/'`) */ 1",
      "SELECT 1 # note\r, 2",
      "SELECT 1 --1",
      'DELETE FROM "orders"',
      "SELECT @x",
      "SELECT 0x1F",
      "INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a) + 1",
      'DELETE FROM "orders"',
      "UPDATE users SET a = 1 WHERE id = 99999999999999999999",
      "SELECT 1.123456789012345678901",
      "ALTER TABLE t ADD COLUMN x blob",
      "DELETE FROM t WHERE id = 1 LIMIT 1",
      "SELECT * FROM t WHERE a || b",
      "SET @@global.`x` = 1",
      "SET @@GLOBAL . x = 1",
      "SET @@a$ = 1",
      "SET GLOBAL @@x = 1",
      "SELECT @@x",
      "SET persist = 1",
      "SET sql_log_bin = least(0, 1)",
      "SET sql_log_bin = count(0)",
      "SET sql_log_bin = 0 + 0",
      "SET sql_log_bin = ON",
      "SELECT 1 GROUP BY purge_orders(id)",
      "SELECT count(purge_orders(id)) FROM t",
      "INSERT INTO t VALUES (purge_orders(1))",
      "UPDATE t SET a = purge_orders(1)",
      "SELECT * FROM t JOIN u ON drop_all(1)",
      "SELECT 'it''s' @$x",
      "SELECT 'a\\' FROM t' \\! rm -rf /srv",
      "SELECT 1 # x\r, 'a\n @$ '",
      "SELECT 1 =@$",
      "SET x = 1, persist_only = 2",
      "SET @a = 1 AND 0",
      "execute = 1",
      "SELECT * FROM select",
      `SELECT ${"a".repeat(65)} FROM t`,
      `SELECT ${"(".repeat(5000)}1${")".repeat(5000)}`,
      `SELECT ${"NOT ".repeat(5000)}true`,
    ]) {
      expect(readSimpleMysql(sql), sql).toBeNull();
    }
  });

  it("knows the statements node-sql-parser refuses, wherever they stand", () => {
    for (const sql of [
      "ALTER TABLE orders REMOVE PARTITIONING",
      "ALTER TABLE logs.events REMOVE TTL",
      "ALTER TABLE logs.events CLEAR COLUMN payload IN PARTITION 202401",
      "DROP TEMPORARY TABLE IF EXISTS tmp_ids",
      "REPLACE TABLE orders AS SELECT * FROM orders_new",
      "DESCRIBE HISTORY orders",
      "INSERT OVERWRITE TABLE sales SELECT * FROM sales_new",
      "DROP TABLE sales PURGE",
      "CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 1; REPLACE TABLE t USING delta AS SELECT * FROM v",
      "SELECT 1; DROP PROCEDURE p; SELECT x FROM y WHERE z IN (SELECT 1)",
      "SELECT @$$; DELETE FROM orders; SELECT @$$",
      "SELECT @@$x",
      "SELECT 1; \\! rm -rf /srv/app",
      "\\! rm -rf /srv/app",
      "SELECT 1 /* /* */; DELETE FROM orders; /* */ */",
      " /* */ */",
      "START TRANSACTION; DELETE FROM orders; SAVEPOINT a; ROLLBACK",
      "RELEASE SAVEPOINT a",
      "ROLLBACK TO SAVEPOINT a",
      "COMMIT WORK",
      "SELECT 1; 'x'",
    ]) {
      expect(readSimpleMysql(sql), sql).toBe(MYSQL_PARSER_REFUSES);
      expect(agrees(sql), sql).toBe(true);
    }
  });

  it("groups conditions after an IN list as node-sql-parser does", () => {
    // node-sql-parser reads `status = 2 AND (id IN (1) OR id = 3)`: not rows named by key.
    const found = findings("UPDATE t SET a = 1 WHERE status = 2 AND id IN (1) OR id = 3", "mysql", "auto");
    expect(found.some((f) => f.destructive)).toBe(true);
    expect(agrees("UPDATE t SET a = 1 WHERE status = 2 AND id IN (1) OR id = 3")).toBe(true);
  });

  it("does not believe node-sql-parser's reading of OR before AND", () => {
    // MySQL reads `status = 2 OR (name = 3 AND id = 1)`: every row with status 2, not one row by key.
    const found = findings(
      "UPDATE users SET role = 1 WHERE status = 2 OR name = 3 AND id = 1",
      "mysql",
      "auto",
    );
    expect(found.some((f) => f.destructive)).toBe(true);
    const keyed = findings(
      "UPDATE users SET role = 1 WHERE (status = 2 OR name = 3) AND id = 1",
      "mysql",
      "auto",
    );
    expect(keyed.some((f) => f.destructive)).toBe(false);
  });
});
