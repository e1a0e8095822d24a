// A fast, exact reader for the plain SQL most agent commands carry: SELECT, INSERT … VALUES or SELECT, UPDATE and
// DELETE (with RETURNING) with simple conditions, subqueries (`IN (SELECT …)`, `EXISTS (SELECT …)`, scalar
// `(SELECT …)`), casts to common types and `interval '…'` literals; TRUNCATE, DROP of tables, views, indexes,
// sequences, schemas and databases, EXPLAIN, plain SET and SHOW, transaction control, and `--` comments. It builds
// the same tree PostgreSQL's parser (libpg-query) would for the fields the guard reads, so a hook can judge such SQL
// without loading the 1.7 MB WebAssembly parser. Anything else (block comments, dollar quotes, escapes, WITH, UNION,
// keywords used as names, …) returns null and goes to the real parser; a property test checks that both give the
// same findings on everything this reader accepts.

import { fail, lexSql, NotSimple, type SqlToken } from "./simple-lexer.ts";

type Node = Record<string, unknown>;

/**
 * PostgreSQL's reserved, type/function-name and column-name keywords: none of them is read as a plain name here
 * (several have their own syntax), so a statement that uses one as a name goes to the real parser.
 */
const KEYWORDS = new Set(
  (
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create " +
    "current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc " +
    "distinct do else end except false fetch for foreign from grant group having in initially intersect into lateral " +
    "leading limit localtime localtimestamp not null offset on only or order placing primary references returning " +
    "select session_user some symmetric system_user table then to trailing true union unique user using variadic when " +
    "where window with " +
    "authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left " +
    "like natural notnull outer overlaps right similar tablesample verbose " +
    "between bigint bit boolean char character coalesce dec decimal exists extract float greatest grouping inout int " +
    "integer interval json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar " +
    "json_serialize json_table json_value least merge_action national nchar none normalize nullif numeric out overlay " +
    "position precision real row setof smallint substring time timestamp treat trim values varchar xmlattributes " +
    "xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable"
  ).split(" "),
);

/** EXPLAIN's options without a value, and the name the parser gives each. */
const EXPLAIN_OPTIONS = new Map(
  ["analyze", "verbose", "costs", "buffers", "settings", "wal", "timing", "summary", "memory"].map((o) => [
    o,
    o,
  ]),
).set("analyse", "analyze");
/** Types a cast may name, as the parser names them (aliases resolved, built-in ones qualified). */
const CAST_TYPES = new Map<string, string[]>([
  ["int", ["pg_catalog", "int4"]],
  ["integer", ["pg_catalog", "int4"]],
  ["int4", ["int4"]],
  ["bigint", ["pg_catalog", "int8"]],
  ["int8", ["int8"]],
  ["smallint", ["pg_catalog", "int2"]],
  ["boolean", ["pg_catalog", "bool"]],
  ["bool", ["bool"]],
  ["numeric", ["pg_catalog", "numeric"]],
  ["real", ["pg_catalog", "float4"]],
  ["varchar", ["pg_catalog", "varchar"]],
  ["text", ["text"]],
  ["date", ["date"]],
  ["timestamp", ["pg_catalog", "timestamp"]],
  ["timestamptz", ["timestamptz"]],
  ["interval", ["pg_catalog", "interval"]],
  ["uuid", ["uuid"]],
  ["json", ["pg_catalog", "json"]],
  ["jsonb", ["jsonb"]],
  ["regclass", ["regclass"]],
]);
/** Types written before a string literal (`interval '1 day'`). */
const TYPED_LITERALS = new Map(
  ["date", "timestamp", "timestamptz", "interval"].map((t) => [t, CAST_TYPES.get(t)!]),
);
/** SET and SHOW forms with their own syntax (SET TIME ZONE, SET ROLE, SHOW ALL…): the real parser's. */
const SPECIAL_SETTINGS = new Set(
  "all time transaction session local role constraints schema names catalog xml characteristics authorization".split(
    " ",
  ),
);
/** Keywords a SET value may still be, read as strings. */
const SETTING_WORDS = new Set(["on", "true", "false"]);

const INT32_MAX = 2 ** 31 - 1;
/** Parentheses and NOTs nested deeper than this go to the real parser (and cannot overflow this one's stack). */
const MAX_NESTING = 100;

const str = (sval: string): Node => ({ String: { sval } });

/** A_Const as libpg-query prints it: zero, false and "" are empty objects. */
function constant(token: SqlToken): Node {
  if (token.t === "string") return { A_Const: { sval: token.v ? { sval: token.v } : {} } };
  const n = token.v;
  if (/^[0-9]+$/.test(n) && Number(n) <= INT32_MAX)
    return { A_Const: { ival: Number(n) ? { ival: Number(n) } : {} } };
  return { A_Const: { fval: { fval: n } } };
}

class Reader {
  private i = 0;
  private nesting = 0;
  constructor(private readonly tokens: SqlToken[]) {}

  private peek(offset = 0): SqlToken | undefined {
    return this.tokens[this.i + offset];
  }
  private is(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return !!t && (t.t === "word" || t.t === "op" || t.t === "punct") && t.v === v;
  }
  private take(v: string): boolean {
    if (!this.is(v)) return false;
    this.i++;
    return true;
  }
  private expect(v: string): void {
    if (!this.take(v)) fail();
  }
  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  /** A name that is not a keyword. */
  private name(): string {
    const t = this.peek() ?? fail();
    if (t.t === "name" || (t.t === "word" && !KEYWORDS.has(t.v))) {
      this.i++;
      return t.v;
    }
    return fail();
  }
  private isName(offset = 0): boolean {
    const t = this.peek(offset);
    return !!t && (t.t === "name" || (t.t === "word" && !KEYWORDS.has(t.v)));
  }

  /** `name` or `schema.name`. */
  private qualified(): string[] {
    const parts = [this.name()];
    if (this.take(".")) parts.push(this.name());
    return parts;
  }
  private rangeVar(): Node {
    const [a, b] = this.qualified();
    return b === undefined ? { relname: a } : { schemaname: a, relname: b };
  }

  statement(): Node {
    const t = this.peek();
    if (t?.t !== "word") return fail();
    switch (t.v) {
      case "select":
        return { SelectStmt: this.select() };
      case "insert":
        return { InsertStmt: this.insert() };
      case "update":
        return { UpdateStmt: this.update() };
      case "delete":
        return { DeleteStmt: this.delete() };
      case "truncate":
        return { TruncateStmt: this.truncate() };
      case "drop":
        return this.drop();
      case "explain":
        return this.explain();
      case "set":
        return { VariableSetStmt: this.set() };
      case "show": {
        this.i++;
        const name = this.settingName();
        return { VariableShowStmt: { name } };
      }
      default:
        return this.transaction();
    }
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
    const node: Node = { kind: "VAR_SET_VALUE", name: this.settingName() };
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
    if (local) node.is_local = true;
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

  /** `col [AS name], …` or `*`: a SELECT list or a RETURNING clause. */
  private targets(): Node[] {
    const targets: Node[] = [];
    do {
      if (this.take("*")) targets.push({ ResTarget: { val: { ColumnRef: { fields: [{ A_Star: {} }] } } } });
      else {
        const val = this.expr();
        const target: Node = { val };
        if (this.take("as")) target.name = this.name();
        targets.push({ ResTarget: target });
      }
    } while (this.take(","));
    return targets;
  }

  private returning(node: Node): void {
    if (this.take("returning")) node.returningClause = { exprs: this.targets() };
  }

  private select(): Node {
    this.expect("select");
    const node: Node = {};
    node.targetList = this.targets();
    if (this.take("from")) node.fromClause = this.fromList();
    if (this.take("where")) node.whereClause = this.expr();
    if (this.is("group") && this.is("by", 1)) {
      this.i += 2;
      node.groupClause = this.exprList();
    }
    if (this.is("order") && this.is("by", 1)) {
      this.i += 2;
      const sorts: Node[] = [];
      do {
        sorts.push({ SortBy: { node: this.expr() } });
        if (!this.take("asc")) this.take("desc");
      } while (this.take(","));
      node.sortClause = sorts;
    }
    if (this.take("limit")) node.limitCount = this.integer();
    if (this.take("offset")) node.limitOffset = this.integer();
    return node;
  }

  private integer(): Node {
    const t = this.peek();
    if (t?.t !== "number" || !/^[0-9]+$/.test(t.v)) return fail();
    this.i++;
    return constant(t);
  }

  private fromList(): Node[] {
    const items: Node[] = [];
    do {
      let item: Node = { RangeVar: this.aliased(this.rangeVar()) };
      for (;;) {
        const jointype = this.joinType();
        if (!jointype) break;
        const rarg = { RangeVar: this.aliased(this.rangeVar()) };
        this.expect("on");
        item = { JoinExpr: { jointype, larg: item, rarg, quals: this.expr() } };
      }
      items.push(item);
    } while (this.take(","));
    return items;
  }

  private aliased(rangeVar: Node): Node {
    if (this.take("as") || this.isName()) return { ...rangeVar, alias: { aliasname: this.name() } };
    return rangeVar;
  }

  /** The alias of an UPDATE's or DELETE's table: there PostgreSQL never takes a bare SET for one. */
  private targetAlias(rangeVar: Node): Node {
    return this.is("set") ? rangeVar : this.aliased(rangeVar);
  }

  private joinType(): string | null {
    if (this.take("join")) return "JOIN_INNER";
    for (const [word, type] of [
      ["inner", "JOIN_INNER"],
      ["left", "JOIN_LEFT"],
      ["right", "JOIN_RIGHT"],
      ["full", "JOIN_FULL"],
    ] as const) {
      if (!this.take(word)) continue;
      if (word !== "inner") this.take("outer");
      this.expect("join");
      return type;
    }
    return null;
  }

  private insert(): Node {
    this.expect("insert");
    this.expect("into");
    const node: Node = { relation: this.rangeVar() };
    if (this.take("(")) {
      const cols: Node[] = [];
      do cols.push({ ResTarget: { name: this.name() } });
      while (this.take(","));
      this.expect(")");
      node.cols = cols;
    }
    if (this.is("select")) node.selectStmt = { SelectStmt: this.select() };
    else {
      this.expect("values");
      const rows: Node[] = [];
      do {
        this.expect("(");
        rows.push({ List: { items: this.exprList() } });
        this.expect(")");
      } while (this.take(","));
      node.selectStmt = { SelectStmt: { valuesLists: rows } };
    }
    this.returning(node);
    return node;
  }

  private update(): Node {
    this.expect("update");
    const node: Node = { relation: this.targetAlias(this.rangeVar()) };
    this.expect("set");
    const targets: Node[] = [];
    do {
      const name = this.name();
      this.expect("=");
      targets.push({ ResTarget: { name, val: this.expr() } });
    } while (this.take(","));
    node.targetList = targets;
    if (this.take("where")) node.whereClause = this.expr();
    this.returning(node);
    return node;
  }

  private delete(): Node {
    this.expect("delete");
    this.expect("from");
    const node: Node = { relation: this.targetAlias(this.rangeVar()) };
    if (this.take("where")) node.whereClause = this.expr();
    this.returning(node);
    return node;
  }

  private truncate(): Node {
    this.expect("truncate");
    this.take("table");
    const relations: Node[] = [];
    do relations.push({ RangeVar: this.rangeVar() });
    while (this.take(","));
    return { relations, behavior: this.behavior() };
  }

  private behavior(): string {
    if (this.take("cascade")) return "DROP_CASCADE";
    this.take("restrict");
    return "DROP_RESTRICT";
  }

  private drop(): Node {
    this.expect("drop");
    const kind = ["database", "table", "view", "index", "sequence", "schema"].find((word) => this.is(word));
    if (kind === "database") {
      this.i++;
      if (this.is("if")) this.ifExists();
      return { DropdbStmt: { dbname: this.name() } };
    }
    if (!kind) return fail();
    this.i++;
    if (this.is("if")) this.ifExists();
    const objects: Node[] = [];
    do {
      // A schema's name has one part; the others may be qualified.
      if (kind === "schema") objects.push(str(this.name()));
      else objects.push({ List: { items: this.qualified().map(str) } });
    } while (this.take(","));
    return {
      DropStmt: { objects, removeType: `OBJECT_${kind.toUpperCase()}`, behavior: this.behavior() },
    };
  }

  private ifExists(): void {
    this.expect("if");
    this.expect("exists");
  }

  private transaction(): Node {
    if (this.take("begin")) {
      if (!this.take("transaction")) this.take("work");
    } else if (this.take("start")) this.expect("transaction");
    else if (this.take("commit") || this.take("rollback") || this.take("end")) {
      if (!this.take("transaction")) this.take("work");
    } else fail();
    return { TransactionStmt: {} };
  }

  private exprList(): Node[] {
    const items: Node[] = [];
    do items.push(this.expr());
    while (this.take(","));
    return items;
  }

  // Expressions, by PostgreSQL's precedence from loosest: OR, AND, NOT, IS, comparison, LIKE/IN, other operators
  // (||), + -, * / %. Comparison and LIKE/IN do not chain.

  expr(): Node {
    const args = [this.and()];
    while (this.take("or")) args.push(this.and());
    return args.length === 1 ? args[0]! : bool("OR_EXPR", args);
  }

  private and(): Node {
    const args = [this.not()];
    while (this.take("and")) args.push(this.not());
    return args.length === 1 ? args[0]! : bool("AND_EXPR", args);
  }

  private not(): Node {
    if (!this.take("not")) return this.isNull();
    // `NOT EXISTS (…)` is NOT over the sublink, read as any NOT.
    const arg = this.nested(() => this.not());
    return { BoolExpr: { boolop: "NOT_EXPR", args: [arg] } };
  }

  private nested<T>(read: () => T): T {
    if (++this.nesting > MAX_NESTING) fail();
    const node = read();
    this.nesting--;
    return node;
  }

  private isNull(): Node {
    const arg = this.comparison();
    if (!this.take("is")) return arg;
    const negated = this.take("not");
    this.expect("null");
    return { NullTest: { arg, nulltesttype: negated ? "IS_NOT_NULL" : "IS_NULL" } };
  }

  private comparison(): Node {
    const left = this.likeOrIn();
    const op = this.peek();
    if (op?.t !== "op" || !["=", "<>", "!=", "<", ">", "<=", ">="].includes(op.v)) return left;
    this.i++;
    const right = this.likeOrIn();
    const next = this.peek();
    if (next?.t === "op" && ["=", "<>", "!=", "<", ">", "<=", ">="].includes(next.v)) fail();
    return aExpr("AEXPR_OP", op.v === "!=" ? "<>" : op.v, left, right);
  }

  private likeOrIn(): Node {
    const left = this.concat();
    const negated = this.is("not") && (this.is("in", 1) || this.is("like", 1) || this.is("ilike", 1));
    if (negated) this.i++;
    let node: Node;
    if (this.take("in")) {
      this.expect("(");
      if (this.is("select")) {
        // `x IN (SELECT …)`: PostgreSQL's ANY sublink; NOT IN negates it as a whole.
        const subselect = { SelectStmt: this.nested(() => this.select()) };
        const sublink = { SubLink: { subLinkType: "ANY_SUBLINK", testexpr: left, subselect } };
        node = negated ? { BoolExpr: { boolop: "NOT_EXPR", args: [sublink] } } : sublink;
      } else {
        const items = this.nested(() => this.exprList());
        // `x IN ((SELECT …))` is the parser's ANY sublink, not a list of one.
        if (items.length === 1 && items[0]!.SubLink) fail();
        node = aExpr("AEXPR_IN", negated ? "<>" : "=", left, { List: { items } });
      }
      this.expect(")");
    } else if (this.take("like")) node = aExpr("AEXPR_LIKE", negated ? "!~~" : "~~", left, this.concat());
    else if (this.take("ilike")) node = aExpr("AEXPR_ILIKE", negated ? "!~~*" : "~~*", left, this.concat());
    else return left;
    if (this.is("in") || this.is("like") || this.is("ilike") || this.is("not")) fail();
    return node;
  }

  private concat(): Node {
    let left = this.additive();
    while (this.take("||")) left = aExpr("AEXPR_OP", "||", left, this.additive());
    return left;
  }

  private additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const op = this.peek();
      if (op?.t !== "op" || (op.v !== "+" && op.v !== "-")) return left;
      this.i++;
      left = aExpr("AEXPR_OP", op.v, left, this.multiplicative());
    }
  }

  private multiplicative(): Node {
    let left = this.primary();
    for (;;) {
      const op = this.peek();
      if (op?.t !== "op" || (op.v !== "*" && op.v !== "/" && op.v !== "%")) return left;
      this.i++;
      left = aExpr("AEXPR_OP", op.v, left, this.primary());
    }
  }

  /** A primary with its `::type` casts, which bind tighter than any operator. */
  private primary(): Node {
    let node = this.operand();
    while (this.take("::")) node = { TypeCast: { arg: node, typeName: this.typeName() } };
    return node;
  }

  private typeName(): Node {
    const t = this.peek();
    const names = t?.t === "word" ? CAST_TYPES.get(t.v) : undefined;
    // Type modifiers and arrays (`varchar(10)`, `int[]`) are the real parser's.
    if (!names || this.is("(", 1)) return fail();
    this.i++;
    return { names: names.map(str), typemod: -1 };
  }

  private subselect(): Node {
    this.expect("(");
    const select = { SelectStmt: this.nested(() => this.select()) };
    this.expect(")");
    return select;
  }

  private operand(): Node {
    const t = this.peek() ?? fail();
    if (t.t === "string" || t.t === "number") {
      this.i++;
      return constant(t);
    }
    if (this.take("true")) return { A_Const: { boolval: { boolval: true } } };
    if (this.take("false")) return { A_Const: { boolval: {} } };
    if (this.take("null")) return { A_Const: { isnull: true } };
    if (this.take("exists"))
      return { SubLink: { subLinkType: "EXISTS_SUBLINK", subselect: this.subselect() } };
    if (this.is("(")) {
      // `(SELECT …)` is a scalar subquery.
      if (this.is("select", 1))
        return { SubLink: { subLinkType: "EXPR_SUBLINK", subselect: this.subselect() } };
      this.i++;
      const inner = this.nested(() => this.expr());
      this.expect(")");
      return inner;
    }
    // `interval '1 day'`, `date '2024-01-01'`: a typed literal; the parser marks it with location -1.
    const literalType = t.t === "word" ? TYPED_LITERALS.get(t.v) : undefined;
    if (literalType && this.peek(1)?.t === "string") {
      this.i++;
      const arg = constant(this.peek()!);
      this.i++;
      return { TypeCast: { arg, typeName: { names: literalType.map(str), typemod: -1 }, location: -1 } };
    }
    const parts = [this.name()];
    while (this.take(".")) {
      if (this.take("*")) return { ColumnRef: { fields: [...parts.map(str), { A_Star: {} }] } };
      parts.push(this.name());
    }
    if (!this.take("(")) {
      if (parts.length > 3) fail();
      return { ColumnRef: { fields: parts.map(str) } };
    }
    if (parts.length > 2) fail();
    const call: Node = { funcname: parts.map(str) };
    if (this.take("*")) call.agg_star = true;
    else if (!this.is(")")) {
      if (this.is("all") || this.is("distinct")) fail();
      call.args = this.nested(() => this.exprList());
    }
    this.expect(")");
    return { FuncCall: call };
  }
}

function bool(boolop: string, args: Node[]): Node {
  return { BoolExpr: { boolop, args } };
}

function aExpr(kind: string, op: string, lexpr: Node, rexpr: Node): Node {
  return { A_Expr: { kind, name: [str(op)], lexpr, rexpr } };
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
