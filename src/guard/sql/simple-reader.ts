// A fast, exact reader for the plain SQL most agent commands carry: SELECT (and UNION [ALL] of them), INSERT … VALUES
// or SELECT, UPDATE and DELETE (with RETURNING, and after WITH [RECURSIVE] queries, data-modifying ones included),
// MERGE, with simple conditions, subqueries (`IN (SELECT …)`, `EXISTS (SELECT …)`, scalar `(SELECT …)`), casts to
// common types and `interval '…'` literals; TRUNCATE, DROP of tables, views, indexes, sequences, schemas and
// databases, the common ALTER TABLE subcommands, CREATE INDEX, CREATE TABLE … AS SELECT, COMMENT ON, EXPLAIN, plain
// SET, ALTER SYSTEM SET and SHOW, transaction control with its modes, DISCARD, DO blocks, and `--` comments. It builds
// the same tree PostgreSQL's parser (libpg-query) would, minus fields the guard does not read (locations, defaults the
// parser fills in), so a hook can judge such SQL without loading the 1.7 MB WebAssembly parser. Anything else (block
// comments, rare escapes, INTERSECT, UNION in subqueries, keywords used as names, …) returns null and goes to the real
// parser; a property test checks that every field this reader builds is the parser's, and that both give the same
// findings, on everything it accepts.

import { DdlReader } from "./simple-ddl-reader.ts";
import { fail, lexSql, NotSimple } from "./simple-lexer.ts";
import { constant, KEYWORDS, type Node, str } from "./simple-reader-base.ts";

/** EXPLAIN's options without a value, and the name the parser gives each. */
const EXPLAIN_OPTIONS = new Map(
  ["analyze", "verbose", "costs", "buffers", "settings", "wal", "timing", "summary", "memory"].map((o) => [
    o,
    o,
  ]),
).set("analyse", "analyze");
/** SET and SHOW forms with their own syntax (SET TIME ZONE, SET ROLE, SHOW ALL…): the real parser's. */
const SPECIAL_SETTINGS = new Set(
  "all time transaction session local role constraints schema names catalog xml characteristics authorization".split(
    " ",
  ),
);
/** Keywords a SET value may still be, read as strings. */
const SETTING_WORDS = new Set(["on", "true", "false"]);
/** Transaction isolation levels, as the parser spells them. */
const ISOLATION_LEVELS = [
  ["serializable"],
  ["repeatable", "read"],
  ["read", "committed"],
  ["read", "uncommitted"],
];
/** DISCARD's targets. */
const DISCARD_TARGETS = new Map([
  ["all", "DISCARD_ALL"],
  ["plans", "DISCARD_PLANS"],
  ["sequences", "DISCARD_SEQUENCES"],
  ["temp", "DISCARD_TEMP"],
  ["temporary", "DISCARD_TEMP"],
]);

class Reader extends DdlReader {
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
        if (this.is("system", 1)) {
          this.i += 2;
          this.expect("set");
          return { AlterSystemStmt: { setstmt: this.setting({ kind: "VAR_SET_VALUE" }) } };
        }
        return this.alterTable();
      case "create":
        return this.is("table", 1) ? this.createTableAs() : this.createIndex();
      case "comment":
        return this.comment();
      case "do":
        return { DoStmt: this.doBlock() };
      case "explain":
        return this.explain();
      case "set":
        return { VariableSetStmt: this.set() };
      case "show": {
        this.i++;
        const name = this.settingName();
        return { VariableShowStmt: { name } };
      }
      case "discard": {
        this.i++;
        const t = this.peek();
        const target = t?.t === "word" ? DISCARD_TARGETS.get(t.v) : undefined;
        if (!target) return fail();
        this.i++;
        return { DiscardStmt: { target } };
      }
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

  /** `SET [SESSION | LOCAL] name {= | TO} value, …` with plain values; the special forms are the real parser's. */
  private set(): Node {
    this.expect("set");
    const local = this.take("local");
    if (!local) this.take("session");
    const node = this.setting({ kind: "VAR_SET_VALUE" });
    if (local) node.is_local = true;
    return node;
  }

  /** `name {= | TO} value, …` after SET or ALTER SYSTEM SET. */
  private setting(node: Node): Node {
    node.name = this.settingName();
    if (!this.take("=")) this.expect("to");
    const args: Node[] = [];
    do {
      const t = this.peek() ?? fail();
      if (t.t === "string" || t.t === "number") args.push(constant(t));
      else if (t.t === "name" || (t.t === "word" && (!KEYWORDS.has(t.v) || SETTING_WORDS.has(t.v))))
        args.push({ A_Const: { sval: { sval: t.v } } });
      else fail();
      this.i++;
    } while (this.take(","));
    node.args = args;
    return node;
  }

  /** A setting's name: `name` or `prefix.name`, not a word with its own SET or SHOW syntax. */
  private settingName(): string {
    const t = this.peek();
    if (t?.t !== "word" || SPECIAL_SETTINGS.has(t.v)) return fail();
    const parts = [this.name()];
    if (this.take(".")) parts.push(this.name());
    return parts.join(".");
  }

  /** BEGIN and START TRANSACTION with their modes, COMMIT/END and ROLLBACK; savepoints and chains are the parser's. */
  private transaction(): Node {
    let kind: string;
    if (this.take("begin")) {
      kind = "TRANS_STMT_BEGIN";
      if (!this.take("transaction")) this.take("work");
    } else if (this.take("start")) {
      kind = "TRANS_STMT_START";
      this.expect("transaction");
    } else {
      if (this.take("commit") || this.take("end")) kind = "TRANS_STMT_COMMIT";
      else if (this.take("rollback")) kind = "TRANS_STMT_ROLLBACK";
      else return fail();
      if (!this.take("transaction")) this.take("work");
      return { TransactionStmt: { kind } };
    }
    const node: Node = { kind };
    // Modes are separated by commas or by nothing at all.
    if (!this.done) {
      const options = [this.transactionMode()];
      while (!this.done) {
        this.take(",");
        options.push(this.transactionMode());
      }
      node.options = options;
    }
    return { TransactionStmt: node };
  }

  /** `ISOLATION LEVEL …`, `READ ONLY|WRITE` or `[NOT] DEFERRABLE`, as the parser's DefElem. */
  private transactionMode(): Node {
    const option = (defname: string, arg: Node) => ({
      DefElem: { defname, arg, defaction: "DEFELEM_UNSPEC" },
    });
    const flag = (on: boolean) => ({ A_Const: { ival: on ? { ival: 1 } : {} } });
    if (this.take("isolation")) {
      this.expect("level");
      const level = ISOLATION_LEVELS.find((words) => words.every((word, k) => this.is(word, k))) ?? fail();
      this.i += level.length;
      return option("transaction_isolation", { A_Const: { sval: { sval: level.join(" ") } } });
    }
    if (this.take("read")) {
      const readOnly = this.take("only");
      if (!readOnly) this.expect("write");
      return option("transaction_read_only", flag(readOnly));
    }
    const not = this.take("not");
    this.expect("deferrable");
    return option("transaction_deferrable", flag(!not));
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
