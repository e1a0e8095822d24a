// A fast, exact reader for the plain SQL most agent commands carry: SELECT (and UNION [ALL] of them, SELECT INTO,
// functions in FROM with their column definitions), INSERT … VALUES or SELECT (with ON CONFLICT), UPDATE and DELETE
// (with RETURNING, and after WITH [RECURSIVE] queries, data-modifying ones included), MERGE, with simple conditions,
// subqueries (`IN (SELECT …)`, `EXISTS (SELECT …)`, scalar `(SELECT …)`), calls with named arguments, casts to
// common types and `interval '…'` literals; TRUNCATE, DROP of tables, views, indexes, sequences, schemas and
// databases, the common ALTER TABLE subcommands, CREATE INDEX, CREATE TABLE … AS SELECT, CREATE VIEW, COMMENT ON,
// EXPLAIN, CALL, EXECUTE, COPY, VACUUM and ANALYZE, REFRESH MATERIALIZED VIEW, plain SET, RESET, ALTER SYSTEM SET
// and SHOW, SET TRANSACTION, transaction control with its modes, chains and savepoints, DISCARD, DO blocks, and `--`
// comments. It builds the same tree PostgreSQL's parser (libpg-query) would, minus fields the guard does not read
// (locations, defaults the parser fills in), so a hook can judge such SQL without loading the 1.7 MB WebAssembly
// parser. Anything else (block comments, rare escapes, INTERSECT, UNION in subqueries, keywords used as names, …)
// returns null and goes to the real parser; a property test checks that every field this reader builds is the
// parser's, and that both give the same findings, on everything it accepts.

import { type Node, str } from "./simple-expression-reader.ts";
import { fail, lexSql, NotSimple } from "./simple-lexer.ts";
import { UtilityReader } from "./simple-utility-reader.ts";

/** EXPLAIN's options without a value, and the name the parser gives each. */
const EXPLAIN_OPTIONS = new Map(
  ["analyze", "verbose", "costs", "buffers", "settings", "wal", "timing", "summary", "memory"].map((o) => [
    o,
    o,
  ]),
).set("analyse", "analyze");

class Reader extends UtilityReader {
  statement(): Node {
    const t = this.peek();
    if (t?.t !== "word") return fail();
    switch (t.v) {
      case "select":
      case "insert":
      case "update":
      case "delete":
        return this.dataStatement();
      case "with":
        return this.withStatement();
      case "merge":
        return { MergeStmt: this.merge() };
      case "truncate":
        return { TruncateStmt: this.truncate() };
      case "drop":
        return this.drop();
      case "alter":
        return this.is("system", 1) ? this.alterSystem() : this.alterTable();
      case "create":
        if (this.is("table", 1)) return this.createTableAs();
        return this.is("index", 1) || this.is("unique", 1) ? this.createIndex() : this.createView();
      case "copy":
        return { CopyStmt: this.copy() };
      case "comment":
        return this.comment();
      case "do":
        return { DoStmt: this.doBlock() };
      case "explain":
        return this.explain();
      case "set":
        return { VariableSetStmt: this.set() };
      case "reset":
        return this.reset();
      case "call":
        return this.call();
      case "execute":
        return this.execute();
      case "refresh":
        return { RefreshMatViewStmt: this.refresh() };
      case "vacuum":
      case "analyze":
      case "analyse":
        return { VacuumStmt: this.vacuum() };
      case "show":
        return this.show();
      case "discard":
        return this.discard();
      default:
        return this.transaction();
    }
  }
  /**
   * `DO [LANGUAGE name] code [LANGUAGE name]`, the code one string constant; the parser lists the clauses in the
   * order written. Other lists of them (two codes, two languages) are the real parser's.
   */
  private doBlock(): Node {
    this.expect("do");
    const args: Node[] = [];
    const clause = (defname: string, value: string) =>
      args.push({ DefElem: { defname, arg: str(value), defaction: "DEFELEM_UNSPEC" } });
    const language = () => {
      if (!this.take("language")) return false;
      const t = this.peek();
      if (t?.t === "string") this.i++;
      clause("language", t?.t === "string" ? t.v : this.name());
      return true;
    };
    const named = language();
    const code = this.peek();
    if (code?.t !== "string") return fail();
    this.i++;
    clause("as", code.v);
    if (!named) language();
    return { args };
  }

  /** `EXPLAIN [ANALYZE] [VERBOSE] query` or `EXPLAIN (option, …) query`; ANALYZE runs the query. */
  private explain(): Node {
    this.expect("explain");
    const options: Node[] = [];
    const option = (defname: string) => options.push({ DefElem: { defname } });
    if (this.take("(")) {
      // Options with a value (`ANALYZE false`, `FORMAT json`) are the real parser's.
      do {
        const t = this.peek() ?? fail();
        const word = t.t === "word" ? EXPLAIN_OPTIONS.get(t.v) : undefined;
        if (!word) fail();
        this.i++;
        option(word!);
      } while (this.take(","));
      this.expect(")");
    } else {
      if (this.take("analyze") || this.take("analyse")) option("analyze");
      if (this.take("verbose")) option("verbose");
    }
    if (!["select", "insert", "update", "delete"].some((word) => this.is(word))) return fail();
    const node: Node = { query: this.statement() };
    if (options.length) node.options = options;
    return { ExplainStmt: node };
  }
}

/**
 * The statements of `sql` as libpg-query's `stmts[].stmt` nodes, for the subset this reader knows; null for anything
 * else, which the real parser must read.
 */
export function readSimpleSql(sql: string): Node[] | null {
  try {
    const tokens = lexSql(sql);
    const statements: Node[] = [];
    let start = 0;
    for (let i = 0; i <= tokens.length; i++) {
      const token = tokens[i];
      if (token && !(token.t === "punct" && token.v === ";")) continue;
      if (i > start) {
        const reader = new Reader(tokens.slice(start, i));
        statements.push(reader.statement());
        if (!reader.done) return null;
      }
      start = i + 1;
    }
    return statements;
  } catch (error) {
    if (error instanceof NotSimple) return null;
    throw error;
  }
}
