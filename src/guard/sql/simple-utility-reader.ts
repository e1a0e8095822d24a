// The fast SQL reader's utility statements: CALL, EXECUTE, COPY (to and from files, programs and the client),
// VACUUM/ANALYZE and REFRESH MATERIALIZED VIEW, as libpg-query's nodes.

import { INT32_MAX, KEYWORDS, type Node, str } from "./simple-expression-reader.ts";
import { fail } from "./simple-lexer.ts";
import { SessionReader } from "./simple-session-reader.ts";

/** Reserved words a COPY option's value may be, read as strings. */
const BOOLEAN_WORDS = new Set(["true", "false", "on"]);
/**
 * Words PostgreSQL's lexer reads together with some next words (NOT IN, NULLS FIRST, WITH ORDINALITY, WITHOUT
 * TIME), which then name no option. FORMAT is one only before JSON, a keyword no option's value is here.
 */
const LOOKAHEAD_WORDS = new Set(["not", "nulls", "with", "without"]);
/** VACUUM's options without a value, in the order the parser lists them when written without parentheses. */
const VACUUM_WORDS = ["full", "freeze", "verbose", "analyze"];

export class UtilityReader extends SessionReader {
  /**
   * `COPY table [(column, …)] {FROM | TO} [PROGRAM] {'file' | STDIN | STDOUT} [[WITH] (option [value], …)]`, then
   * `[WHERE …]` after FROM, or `COPY (query) TO …`: a program is a shell command the server runs. COPY's older
   * options without parentheses (CSV HEADER, DELIMITER ',') are the real parser's.
   */
  protected copy(): Node {
    this.expect("copy");
    const node: Node = {};
    let from = false;
    if (this.take("(")) {
      if (!["select", "insert", "update", "delete", "with"].some((word) => this.is(word))) fail();
      node.query = this.nested(() => (this.is("with") ? this.withStatement() : this.dataStatement()));
      this.expect(")");
      this.expect("to");
    } else {
      node.relation = this.rangeVar();
      if (this.is("(")) node.attlist = this.columnList();
      from = this.take("from");
      if (from) node.is_from = true;
      else this.expect("to");
    }
    const program = this.take("program");
    if (program) node.is_program = true;
    const file = this.peek();
    if (file?.t === "string") {
      this.i++;
      node.filename = file.v;
    } else if (program || !(this.take("stdin") || this.take("stdout"))) fail();
    if (this.take("with") || this.is("(")) node.options = this.copyOptions();
    if (from && this.take("where")) node.whereClause = this.expr();
    return node;
  }

  /** `(name [value], …)`: a string, a plain word, a whole number or `*` as the value. */
  private copyOptions(): Node[] {
    this.expect("(");
    const options: Node[] = [];
    do {
      // Any word names an option, keywords too, but for those PostgreSQL's lexer reads with the next word.
      const name = this.peek();
      if (name?.t !== "word" || LOOKAHEAD_WORDS.has(name.v)) return fail();
      this.i++;
      const option: Node = { defname: name.v };
      const t = this.peek() ?? fail();
      if (t.t === "string" || t.t === "name") option.arg = str(t.v);
      else if (t.t === "word" && (!KEYWORDS.has(t.v) || BOOLEAN_WORDS.has(t.v))) option.arg = str(t.v);
      else if (t.t === "number" && /^[0-9]+$/.test(t.v) && Number(t.v) <= INT32_MAX)
        option.arg = { Integer: Number(t.v) ? { ival: Number(t.v) } : {} };
      else if (this.is("*")) option.arg = { A_Star: {} };
      if (option.arg) this.i++;
      option.defaction = "DEFELEM_UNSPEC";
      options.push({ DefElem: option });
    } while (this.take(","));
    this.expect(")");
    return options;
  }

  /** `REFRESH MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]`. */
  protected refresh(): Node {
    this.expect("refresh");
    this.expect("materialized");
    this.expect("view");
    const node: Node = {};
    if (this.take("concurrently")) node.concurrent = true;
    node.relation = this.rangeVar();
    if (this.take("with")) {
      if (this.take("no")) node.skipData = true;
      this.expect("data");
    }
    return node;
  }

  /** `CALL procedure(argument, …)`: the parser holds the call without its FuncCall wrapper. */
  protected call(): Node {
    this.expect("call");
    const parts = this.qualified();
    this.expect("(");
    return { CallStmt: { funccall: this.functionCall(parts) } };
  }

  /** `EXECUTE prepared [(parameter, …)]`: runs a statement prepared earlier in the session. */
  protected execute(): Node {
    this.expect("execute");
    const node: Node = { name: this.name() };
    if (this.take("(")) {
      node.params = this.exprList();
      this.expect(")");
    }
    return { ExecuteStmt: node };
  }

  /**
   * `VACUUM [FULL] [FREEZE] [VERBOSE] [ANALYZE] [table [(column, …)], …]`, `ANALYZE [VERBOSE] [table …]`, or either
   * with `(option, …)`; options with values are the real parser's.
   */
  protected vacuum(): Node {
    const vacuum = this.take("vacuum");
    if (!vacuum) this.i++;
    const options: Node[] = [];
    const option = (defname: string) => options.push({ DefElem: { defname, defaction: "DEFELEM_UNSPEC" } });
    if (this.take("(")) {
      do {
        const t = this.peek();
        const word = t?.t === "word" ? (t.v === "analyse" ? "analyze" : t.v) : "";
        if (!VACUUM_WORDS.includes(word)) fail();
        this.i++;
        option(word);
      } while (this.take(","));
      this.expect(")");
    } else if (vacuum) {
      for (const word of VACUUM_WORDS)
        if (this.take(word) || (word === "analyze" && this.take("analyse"))) option(word);
    } else if (this.take("verbose")) option("verbose");
    const node: Node = {};
    if (options.length) node.options = options;
    if (!this.done) {
      const rels: Node[] = [];
      do {
        const relation: Node = { relation: this.rangeVar() };
        if (this.is("(")) relation.va_cols = this.columnList();
        rels.push({ VacuumRelation: relation });
      } while (this.take(","));
      node.rels = rels;
    }
    if (vacuum) node.is_vacuumcmd = true;
    return node;
  }
}
