// A hook call pays about a tenth of a CPU second to load PostgreSQL's parser (WebAssembly): the SQL agents commonly
// send, and shell commands that merely begin with a word SQL also uses, must be judged without it. Deciding that
// text is not SQL without asking the parser must be sound: PostgreSQL and MySQL both refuse such text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classifier.ts";
import { MYSQL_SYNTAX, parseMysqlTree } from "../../src/guard/sql/mysql-parser.ts";
import { parsesAsSql } from "../../src/guard/sql/parses-as-sql.ts";
import {
  loadSqlParser,
  parsePostgresTree,
  postgresParserLoaded,
  takeSqlParserMissed,
} from "../../src/guard/sql/postgres-parser.ts";

/** First words that are SQL or a shell command, as the classifier lists them. */
const SQL_OR_SHELL_WORDS = (
  "set rename copy lock call use table values analyze describe desc show refresh listen notify begin commit " +
  "rollback start reset discard checkpoint prepare execute deallocate fetch move close declare load import unlisten"
).split(" ");

describe("loading PostgreSQL's parser", () => {
  it("is not needed for DO blocks, recursive queries, or shell commands that begin with a SQL word and an option", () => {
    expect(postgresParserLoaded()).toBe(false);
    for (const command of [
      "psql -c 'DELETE FROM sessions'",
      "psql -h db.internal -c 'DO $$ BEGIN DELETE FROM sessions; END $$'",
      `psql -c "DO LANGUAGE plpgsql E'BEGIN TRUNCATE logs; END'"`,
      "psql -c 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 10) SELECT * FROM t'",
      "set -euo pipefail; rm -rf build",
      "set -x",
      "rename -n 's/a/b/' *.txt",
      "import -window root shot.png",
      "describe -h",
    ]) {
      takeSqlParserMissed();
      classify(command);
      expect(takeSqlParserMissed(), command).toBe(false);
    }
  });

  it("is not asked whether `word -option …` is SQL: PostgreSQL and MySQL refuse it", async () => {
    await loadSqlParser();
    const refused = (sql: string) => {
      expect(() => parsePostgresTree(sql), sql).toThrow();
      if (MYSQL_SYNTAX.test(sql)) expect(() => parseMysqlTree(sql), sql).toThrow();
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...SQL_OR_SHELL_WORDS, ...SQL_OR_SHELL_WORDS.map((w) => w.toUpperCase())),
        fc.constantFrom(" ", "  ", "\t", "\n"),
        fc.stringMatching(/^-[A-Za-z][A-Za-z0-9]{0,3}$/),
        fc.constantFrom(
          "",
          " = 1",
          " TO 'x'",
          " FROM t",
          "(1)",
          " (1)",
          "; SELECT 1",
          " IN c",
          " x",
          "::int",
          " * 2",
          " ALL",
          " = `a`",
          " LIMIT 1",
          " NEXT FROM c",
        ),
        (word, space, option, tail) => {
          const text = `${word}${space}${option}${tail}`;
          refused(text);
          expect(parsesAsSql(text), text).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
