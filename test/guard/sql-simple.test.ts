// The fast SQL reader must be exact: on everything it accepts, the guard's findings are the ones PostgreSQL's own
// parser (libpg-query) leads to, and everything outside its subset goes to that parser.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Analysis,
  registeredLanguageAnalysers,
  registerLanguageAnalysers,
} from "../../src/guard/analysis.ts";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeSql } from "../../src/guard/sql/analyze-sql.ts";
import type { SqlReader } from "../../src/guard/sql/postgres.ts";
import { readSimpleSql } from "../../src/guard/sql/simple-reader.ts";
import { externalGuardCorpusUrl, OWN_GUARD_CASES } from "../helpers/guard-corpus.ts";

type Dialect = Parameters<typeof analyzeSql>[2];

function findings(sql: string, dialect: Dialect, reader: SqlReader): Analysis["findings"] {
  const an = newAnalysis();
  analyzeSql(sql, an, dialect, reader);
  return an.findings;
}

/** Agreement on one text; returns whether the fast reader took it. */
function agrees(sql: string, dialect: Dialect = "postgres"): boolean {
  if (!readSimpleSql(sql)) return false;
  expect(findings(sql, dialect, "auto"), sql).toEqual(findings(sql, dialect, "full"));
  return true;
}

const NAME = fc.constantFrom(
  "users",
  "Sessions",
  '"Orders"',
  '"a""b"',
  "public.accounts",
  "app.Events",
  "audit_log",
  "orders_backup",
  "history_2024",
  "x",
  "name",
  "key",
  "data",
  "user",
  '"select"',
  "select",
  "t1",
);
const COLUMN = fc.constantFrom(
  "id",
  "user_id",
  "order_id",
  "uuid",
  "ID",
  "status",
  "t.id",
  "name",
  '"Id"',
  "x",
);
const LITERAL = fc.constantFrom(
  "1",
  "0",
  "01",
  "'x'",
  "''",
  "'it''s'",
  "1.5",
  ".5",
  "1.",
  "2147483647",
  "2147483648",
  "true",
  "false",
  "null",
  "'1'",
);
const FUNCTION = fc.constantFrom(
  "count",
  "lower",
  "now",
  "pg_catalog.now",
  "purge_old",
  "my_drop",
  "pg_drop_replication_slot",
  "dblink_exec",
  "lo_unlink",
  "coalesce",
);
const CAST = fc.constantFrom(
  "int",
  "integer",
  "INT4",
  "bigint",
  "int8",
  "bool",
  "boolean",
  "text",
  "date",
  "interval",
  "timestamptz",
  "jsonb",
  "regclass",
  "varchar",
  "varchar(3)",
  "float",
);
const COMPARE = fc.constantFrom("=", "<>", "!=", "<", ">=", "||", "+", "*", "=-", "::");

const EXPR: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(COLUMN, COMPARE, LITERAL).map((p) => p.join(" ")),
    fc.tuple(LITERAL, COMPARE, fc.oneof(COLUMN, LITERAL)).map((p) => p.join(" ")),
    fc.tuple(COLUMN, COMPARE, COLUMN).map((p) => p.join(" ")),
    fc
      .tuple(COLUMN, fc.constantFrom("IN", "NOT IN"), fc.array(LITERAL, { minLength: 1, maxLength: 3 }))
      .map(([c, op, xs]) => `${c} ${op} (${xs.join(", ")})`),
    fc
      .tuple(
        COLUMN,
        fc.constantFrom("IN", "NOT IN"),
        fc.oneof(COLUMN, fc.constant("*")),
        NAME,
        fc.option(tie("e")),
      )
      .map(
        ([c, op, target, t, w]) =>
          `${c} ${op} (SELECT ${target} FROM ${t}${w === null ? "" : ` WHERE ${w}`})`,
      ),
    fc
      .tuple(fc.constantFrom("EXISTS", "NOT EXISTS"), NAME, fc.option(tie("e")))
      .map(([op, t, w]) => `${op} (SELECT 1 FROM ${t}${w === null ? "" : ` WHERE ${w}`})`),
    fc
      .tuple(COLUMN, fc.constantFrom("=", "<>", "IN"), fc.oneof(COLUMN, LITERAL), NAME)
      .map(([c, op, target, t]) => `${c} ${op} ((SELECT ${target} FROM ${t}))`),
    fc
      .tuple(fc.oneof(COLUMN, LITERAL), fc.constantFrom("=", "<", "-", "IN"), fc.oneof(COLUMN, LITERAL), NAME)
      .map(([c, op, target, t]) => `${c} ${op} (SELECT ${target} FROM ${t} LIMIT 1)`),
    fc.tuple(fc.oneof(COLUMN, LITERAL), CAST).map(([e, type]) => `${e}::${type}`),
    fc
      .tuple(fc.constantFrom("interval", "date", "timestamp", "timestamptz", "INTERVAL"), LITERAL)
      .map(([type, l]) => `${type} ${l}`),
    fc.tuple(COLUMN, fc.constantFrom("LIKE", "NOT LIKE", "ILIKE"), LITERAL).map((p) => p.join(" ")),
    fc.tuple(COLUMN, fc.constantFrom("IS NULL", "IS NOT NULL")).map((p) => p.join(" ")),
    fc
      .tuple(FUNCTION, fc.array(fc.oneof(LITERAL, COLUMN), { maxLength: 2 }))
      .map(([f, a]) => `${f}(${a.join(", ")})`),
    LITERAL,
    tie("e").map((e) => `NOT ${e}`),
    tie("e").map((e) => `(${e})`),
    fc.tuple(tie("e"), fc.constantFrom("AND", "OR", "and", "Or"), tie("e")).map((p) => p.join(" ")),
  ),
})).e;

const WHERE = fc.option(
  EXPR.map((e) => ` WHERE ${e}`),
  { nil: "" },
);
const ALIAS = fc.constantFrom("", " s", " AS s", " set", " AS set", " users");
const RETURNING = fc.constantFrom("", " RETURNING *", " RETURNING id, lo_unlink(x) AS n");
const NAMES = fc.array(NAME, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(", "));

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
      WHERE,
    )
    .map(([targets, t, w]) => `SELECT ${targets.join(", ")} FROM ${t}${w}`),
  fc
    .tuple(
      NAME,
      fc.constantFrom("", " u", " AS u"),
      fc.constantFrom("JOIN", "LEFT JOIN", "CROSS JOIN"),
      NAME,
      EXPR,
    )
    .map(([a, alias, join, b, on]) => `SELECT * FROM ${a}${alias} ${join} ${b} ON ${on}`),
  fc.tuple(NAME, ALIAS, WHERE, RETURNING).map(([t, a, w, r]) => `DELETE FROM ${t}${a}${w}${r}`),
  fc
    .tuple(NAME, ALIAS, COLUMN, EXPR, WHERE, RETURNING)
    .map(([t, a, c, e, w, r]) => `UPDATE ${t}${a} SET ${c} = ${e}${w}${r}`),
  fc
    .tuple(NAME, NAME, WHERE, RETURNING)
    .map(([t, from, w, r]) => `INSERT INTO ${t} SELECT * FROM ${from}${w}${r}`),
  fc
    .tuple(
      fc.constantFrom("", "LOCAL ", "SESSION "),
      fc.constantFrom(
        "session_replication_role",
        "archive_mode",
        "pgaudit.log",
        "log_statement",
        "search_path",
      ),
      fc.constantFrom(" = ", " TO "),
      fc.array(fc.oneof(LITERAL, fc.constantFrom("replica", "off", "on", "none", "DEFAULT", "-1")), {
        minLength: 1,
        maxLength: 2,
      }),
    )
    .map(([scope, name, op, values]) => `SET ${scope}${name}${op}${values.join(", ")}`),
  fc.constantFrom("archive_mode", "ALL", "search_path", "pgaudit.log").map((name) => `SHOW ${name}`),
  fc
    .tuple(NAME, fc.array(LITERAL, { minLength: 1, maxLength: 3 }))
    .map(([t, xs]) => `INSERT INTO ${t} (a) VALUES (${xs.join(", ")})`),
  fc
    .tuple(
      fc.constantFrom("TRUNCATE", "TRUNCATE TABLE", "truncate only"),
      NAMES,
      fc.constantFrom("", " CASCADE"),
    )
    .map((p) => p.join(" ")),
  fc
    .tuple(
      fc.constantFrom("TABLE", "VIEW", "INDEX", "SEQUENCE", "SCHEMA", "DATABASE", "TRIGGER", "FUNCTION"),
      fc.constantFrom("", " IF EXISTS"),
      NAMES,
      fc.constantFrom("", " CASCADE", " RESTRICT"),
    )
    .map(([kind, ifExists, names, behavior]) => `DROP ${kind}${ifExists} ${names}${behavior}`),
  fc.constantFrom("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "END", "ROLLBACK TO SAVEPOINT a"),
  fc
    .tuple(
      fc.constantFrom(
        "",
        "ANALYZE ",
        "ANALYSE VERBOSE ",
        "VERBOSE ",
        "(ANALYZE) ",
        "(costs, analyze) ",
        "(BUFFERS) ",
        "(ANALYZE false) ",
        "(FORMAT json) ",
      ),
      NAME,
      WHERE,
    )
    .map(([options, t, w]) => `EXPLAIN ${options}DELETE FROM ${t}${w}`),
);

/** What the subset leaves out, spliced in at random to try to make the reader accept what it must not. */
const NOISE = fc.constantFrom(
  "/* x */",
  "-- note\n",
  "$$ x $$",
  "E'\\''",
  "::int",
  "\\",
  ";",
  ",",
  "(",
  ")",
  "AS",
  "select",
  "RETURNING *",
  "'a' 'b'",
  "\n",
  "1e3",
  "0x1F",
  'U&"x"',
  "::",
  "::text",
  "-- note\n",
  "--",
  "+--\n",
  "EXISTS",
  "(SELECT 1)",
  "interval",
  "'1'",
  "day",
);

const SCRIPT = fc
  .tuple(
    fc.array(STATEMENT, { minLength: 1, maxLength: 3 }),
    fc.option(fc.tuple(NOISE, fc.nat()), { freq: 3, nil: undefined }),
  )
  .map(([statements, noise]) => {
    const text = statements.join("; ");
    if (!noise) return text;
    const [piece, at] = noise;
    const spaces = [...text.matchAll(/ /g)].map((m) => m.index);
    const i = spaces.length ? spaces[at % spaces.length]! : text.length;
    return `${text.slice(0, i)} ${piece} ${text.slice(i)}`;
  });

describe("the fast SQL reader", () => {
  it("agrees with PostgreSQL's parser on every script it accepts", () => {
    let accepted = 0;
    fc.assert(
      fc.property(SCRIPT, fc.constantFrom<Dialect>("postgres", "sqlite", "mysql"), (sql, dialect) => {
        if (agrees(sql, dialect)) accepted++;
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(400);
  });

  it("agrees on the SQL inside every labelled command", () => {
    const seen: [string, Dialect][] = [];
    const real = registeredLanguageAnalysers()!;
    registerLanguageAnalysers({
      ...real,
      sql: (an, text, dialect) => {
        seen.push([text, dialect]);
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
    const accepted = seen.filter(([sql, dialect]) => agrees(sql, dialect)).length;
    console.log(`[guard] fast SQL reader: ${accepted} of ${seen.length} SQL texts in the labelled commands`);
    expect(accepted).toBeGreaterThan(10);
  });

  it("reads the plain statements agents send", () => {
    for (const sql of [
      "DELETE FROM sessions",
      "DELETE FROM public.sessions WHERE created_at < '2024-01-01'",
      "SELECT count(*) FROM users WHERE id = 42",
      "SELECT u.id, u.email FROM users u JOIN orders o ON o.user_id = u.id ORDER BY u.id DESC LIMIT 10",
      "UPDATE orders SET status = 'shipped' WHERE id = 7",
      "UPDATE users SET role = 'admin' WHERE 1 = 1",
      "INSERT INTO events (kind, at) VALUES ('login', now())",
      "TRUNCATE TABLE logs.events",
      "DROP TABLE IF EXISTS tmp_import CASCADE",
      "DROP DATABASE staging_copy",
      "BEGIN; DELETE FROM orders WHERE id = 1; ROLLBACK;",
      "EXPLAIN SELECT * FROM orders WHERE id = 1",
      "SELECT * FROM orders_backup; DROP TABLE orders_backup",
      "DELETE FROM sessions WHERE user_id IN (SELECT id FROM banned)",
      "DELETE FROM sessions WHERE user_id NOT IN (SELECT id FROM users WHERE active)",
      "DELETE FROM t WHERE id IN (SELECT pg_drop_replication_slot(slot_name) FROM s)",
      "DELETE FROM sessions s WHERE EXISTS (SELECT 1 FROM banned b WHERE b.id = s.user_id)",
      "DELETE FROM users WHERE NOT EXISTS (SELECT 1 FROM orders WHERE orders.user_id = users.id)",
      "UPDATE users SET plan = (SELECT plan FROM defaults LIMIT 1) WHERE id = 7",
      "SELECT * FROM orders WHERE status = 'deleted' AND updated_at > now() - interval '1 day'",
      "DELETE FROM carts WHERE updated_at < now() - interval '30 days' RETURNING id",
      "SELECT id::text, created_at::date FROM users -- newest first\nORDER BY created_at DESC",
      "INSERT INTO sessions_archive SELECT * FROM sessions WHERE expires_at < now()",
      "EXPLAIN ANALYZE DELETE FROM events WHERE id > 0",
      "EXPLAIN (ANALYZE, BUFFERS) UPDATE orders SET total = 0",
      "SET session_replication_role = replica",
      "SET LOCAL statement_timeout = '5s'",
      "SHOW archive_mode",
    ]) {
      expect(readSimpleSql(sql), sql).not.toBeNull();
      expect(agrees(sql), sql).toBe(true);
    }
  });

  it("hands anything outside its subset to PostgreSQL's parser", () => {
    for (const sql of [
      "/* note */ SELECT 1",
      "SELECT 1 +-- note\n 2",
      "DO $$ BEGIN DROP TABLE x; END $$",
      "SELECT E'\\'; DROP TABLE x; --'",
      "SELECT 'a'\n'b'",
      "SELECT id::varchar(10) FROM users",
      "SELECT id::text[] FROM users",
      "SELECT interval '1' day",
      "SELECT x IN ((SELECT 1))",
      "SELECT (SELECT 1 UNION SELECT 2)",
      "DELETE FROM users WHERE EXISTS (SELECT 1 FROM bans WHERE bans.user_id = users.id) AND id = ANY (SELECT 1)",
      "WITH d AS (DELETE FROM x RETURNING *) SELECT * FROM d",
      "DELETE FROM users USING bans WHERE bans.id = users.id",
      "EXPLAIN (ANALYZE false) DELETE FROM x",
      "SET TIME ZONE 'UTC'",
      "SET search_path = DEFAULT",
      "SHOW ALL",
      "SELECT * FROM user",
      'SELECT ""',
      "SELECT x FROM a.b.c.d",
      "SELECT -1",
      "SELECT 1e3",
      "SELECT a = b = c",
      "EXPLAIN DROP TABLE x",
      "DROP SCHEMA a.b",
      "DROP TRIGGER audit ON orders",
      "ALTER TABLE users DROP COLUMN email",
      `SELECT ${"a".repeat(64)} FROM t`,
      "SELECT café FROM t",
      "UPDATE t SET a = DEFAULT",
      "SELECT count(DISTINCT id) FROM t",
      `SELECT ${"(".repeat(5000)}1${")".repeat(5000)}`,
      `SELECT ${"NOT ".repeat(5000)}true`,
      `SELECT ${"a IN (".repeat(5000)}1${")".repeat(5000)}`,
      `SELECT ${"f(".repeat(5000)}1${")".repeat(5000)}`,
    ]) {
      expect(readSimpleSql(sql), sql).toBeNull();
    }
  });
});
