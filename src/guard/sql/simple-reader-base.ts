// The fast SQL reader's core: tokens, names, expressions and the data statements (SELECT, INSERT, UPDATE, DELETE,
// MERGE, WITH), building libpg-query's nodes; simple-ddl-reader.ts and simple-reader.ts add the other statements.

import { fail, type SqlToken } from "./simple-lexer.ts";
import { TokenCursor } from "./token-cursor.ts";

export type Node = Record<string, unknown>;

/**
 * PostgreSQL's reserved, type/function-name and column-name keywords: none of them is read as a plain name here
 * (several have their own syntax), so a statement that uses one as a name goes to the real parser.
 */
export const KEYWORDS = new Set(
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

/** Types a cast may name, as the parser names them (aliases resolved, built-in ones qualified). */
export const CAST_TYPES = new Map<string, string[]>([
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
const INT32_MAX = 2 ** 31 - 1;

export const str = (sval: string): Node => ({ String: { sval } });

/** A_Const as libpg-query prints it: zero and false are empty objects, "" is not. */
export function constant(token: SqlToken): Node {
  if (token.t === "string") return { A_Const: { sval: { sval: token.v } } };
  const n = token.v;
  if (/^[0-9]+$/.test(n) && Number(n) <= INT32_MAX)
    return { A_Const: { ival: Number(n) ? { ival: Number(n) } : {} } };
  return { A_Const: { fval: { fval: n } } };
}

export class SimpleReaderBase extends TokenCursor<SqlToken> {
  constructor(tokens: readonly SqlToken[]) {
    super(tokens, KEYWORDS);
  }

  /** A name that is not a keyword, as PostgreSQL folds it. */
  protected name(): string {
    return this.nameToken().v;
  }

  /** `name` or `schema.name`. */
  protected qualified(): string[] {
    const parts = [this.name()];
    if (this.take(".")) parts.push(this.name());
    return parts;
  }
  protected rangeVar(): Node {
    const [a, b] = this.qualified();
    return b === undefined ? { relname: a } : { schemaname: a, relname: b };
  }

  /** `col [AS name], …` or `*`: a SELECT list or a RETURNING clause. */
  protected targets(): Node[] {
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

  protected returning(node: Node): void {
    if (this.take("returning")) node.returningClause = { exprs: this.targets() };
  }

  protected select(): Node {
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
        const node = this.expr();
        const sortby_dir = this.take("asc")
          ? "SORTBY_ASC"
          : this.take("desc")
            ? "SORTBY_DESC"
            : "SORTBY_DEFAULT";
        sorts.push({ SortBy: { node, sortby_dir, sortby_nulls: "SORTBY_NULLS_DEFAULT" } });
      } while (this.take(","));
      node.sortClause = sorts;
    }
    if (this.take("limit")) node.limitCount = this.integer();
    if (this.take("offset")) node.limitOffset = this.integer();
    return node;
  }

  protected integer(): Node {
    const t = this.peek();
    if (t?.t !== "number" || !/^[0-9]+$/.test(t.v)) return fail();
    this.i++;
    return constant(t);
  }

  protected fromList(): Node[] {
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

  protected aliased(rangeVar: Node): Node {
    if (this.take("as") || this.isName()) return { ...rangeVar, alias: { aliasname: this.name() } };
    return rangeVar;
  }

  /** The alias of an UPDATE's or DELETE's table: there PostgreSQL never takes a bare SET for one. */
  protected targetAlias(rangeVar: Node): Node {
    return this.is("set") ? rangeVar : this.aliased(rangeVar);
  }

  protected joinType(): string | null {
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

  protected insert(): Node {
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

  protected update(): Node {
    this.expect("update");
    const node: Node = { relation: this.targetAlias(this.rangeVar()) };
    node.targetList = this.assignments();
    if (this.take("where")) node.whereClause = this.expr();
    this.returning(node);
    return node;
  }

  /** `SET column = value, …` of an UPDATE. */
  private assignments(): Node[] {
    this.expect("set");
    const targets: Node[] = [];
    do {
      const name = this.name();
      this.expect("=");
      targets.push({ ResTarget: { name, val: this.expr() } });
    } while (this.take(","));
    return targets;
  }

  protected delete(): Node {
    this.expect("delete");
    this.expect("from");
    const node: Node = { relation: this.targetAlias(this.rangeVar()) };
    if (this.take("where")) node.whereClause = this.expr();
    this.returning(node);
    return node;
  }
  /**
   * `SELECT … UNION [ALL] SELECT …`, nested from the left as the parser nests it. ORDER BY and LIMIT next to a
   * UNION (which bind to the whole, or are a syntax error) and INTERSECT, EXCEPT and UNION DISTINCT are the real
   * parser's.
   */
  protected union(): Node {
    let node = this.select();
    while (this.take("union")) {
      const all = this.take("all");
      const rarg = this.select();
      if (ordered(node) || ordered(rarg)) fail();
      node = all ? { op: "SETOP_UNION", all, larg: node, rarg } : { op: "SETOP_UNION", larg: node, rarg };
    }
    return node;
  }

  /** SELECT, INSERT, UPDATE or DELETE, each as the node libpg-query wraps it in. */
  protected dataStatement(): Node {
    const t = this.peek();
    if (t?.t !== "word") return fail();
    switch (t.v) {
      case "select":
        return { SelectStmt: this.union() };
      case "insert":
        return { InsertStmt: this.insert() };
      case "update":
        return { UpdateStmt: this.update() };
      case "delete":
        return { DeleteStmt: this.delete() };
      default:
        return fail();
    }
  }

  /**
   * `WITH [RECURSIVE] name [(column, …)] AS [[NOT] MATERIALIZED] (statement), … statement`: the common table
   * expressions go on the statement after them. Data-modifying ones (`DELETE … RETURNING`) are visited like any other
   * statement. Nested WITH is the real parser's.
   */
  protected withStatement(): Node {
    this.expect("with");
    const ctes: Node[] = [];
    const withClause: Node = { ctes };
    // `WITH RECURSIVE AS (…)` names a query "recursive": the real parser's, as is that name anywhere.
    if (this.is("recursive") && this.isName(1)) {
      this.i++;
      withClause.recursive = true;
    }
    do {
      if (this.is("recursive")) fail();
      const cte: Node = { ctename: this.name() };
      if (this.take("(")) {
        const columns: Node[] = [];
        do columns.push(str(this.name()));
        while (this.take(","));
        this.expect(")");
        cte.aliascolnames = columns;
      }
      this.expect("as");
      let materialized = "CTEMaterializeDefault";
      if (this.take("materialized")) materialized = "CTEMaterializeAlways";
      else if (this.is("not") && this.is("materialized", 1)) {
        this.i += 2;
        materialized = "CTEMaterializeNever";
      }
      cte.ctematerialized = materialized;
      this.expect("(");
      cte.ctequery = this.nested(() => this.dataStatement());
      this.expect(")");
      ctes.push({ CommonTableExpr: cte });
    } while (this.take(","));
    const statement = this.dataStatement();
    // The parser puts a UNION's WITH before its arms and a plain statement's after its clauses; findings are made in
    // the tree's order.
    for (const key in statement) {
      const body = statement[key] as Node;
      statement[key] = body.op ? { withClause, ...body } : { ...body, withClause };
    }
    return statement;
  }

  /**
   * `MERGE INTO table [alias] USING table [alias] ON condition WHEN … THEN …` with DELETE, `UPDATE SET col = …`,
   * `INSERT [(columns)] VALUES (…)` or DO NOTHING actions; a subquery as the source is the real parser's.
   */
  protected merge(): Node {
    this.expect("merge");
    this.expect("into");
    const node: Node = { relation: this.aliased(this.rangeVar()) };
    this.expect("using");
    node.sourceRelation = { RangeVar: this.aliased(this.rangeVar()) };
    this.expect("on");
    node.joinCondition = this.expr();
    const clauses: Node[] = [];
    while (this.take("when")) clauses.push({ MergeWhenClause: this.mergeWhen() });
    if (!clauses.length) fail();
    node.mergeWhenClauses = clauses;
    this.returning(node);
    return node;
  }

  private mergeWhen(): Node {
    let matchKind = "MERGE_WHEN_MATCHED";
    if (this.take("not")) {
      this.expect("matched");
      matchKind = "MERGE_WHEN_NOT_MATCHED_BY_TARGET";
      if (this.take("by")) {
        if (this.take("source")) matchKind = "MERGE_WHEN_NOT_MATCHED_BY_SOURCE";
        else this.expect("target");
      }
    } else this.expect("matched");
    const clause: Node = { matchKind, override: "OVERRIDING_NOT_SET" };
    if (this.take("and")) clause.condition = this.expr();
    this.expect("then");
    const inserts = matchKind === "MERGE_WHEN_NOT_MATCHED_BY_TARGET";
    if (this.take("do")) {
      this.expect("nothing");
      clause.commandType = "CMD_NOTHING";
    } else if (inserts) {
      this.expect("insert");
      clause.commandType = "CMD_INSERT";
      if (this.take("(")) {
        const columns: Node[] = [];
        do columns.push({ ResTarget: { name: this.name() } });
        while (this.take(","));
        this.expect(")");
        clause.targetList = columns;
      }
      this.expect("values");
      this.expect("(");
      clause.values = this.exprList();
      this.expect(")");
    } else if (this.take("delete")) clause.commandType = "CMD_DELETE";
    else {
      this.expect("update");
      clause.commandType = "CMD_UPDATE";
      clause.targetList = this.assignments();
    }
    return clause;
  }

  protected exprList(): Node[] {
    const items: Node[] = [];
    do items.push(this.expr());
    while (this.take(","));
    return items;
  }

  // Expressions, by PostgreSQL's precedence from loosest: OR, AND, NOT, IS, comparison, LIKE/IN, other operators
  // (||), + -, * / %. Comparison and LIKE/IN do not chain.

  expr(): Node {
    const first = this.and();
    if (!this.is("or")) return first;
    const args = operands(first, "OR_EXPR");
    while (this.take("or")) args.push(this.and());
    return bool("OR_EXPR", args);
  }

  protected and(): Node {
    const first = this.not();
    if (!this.is("and")) return first;
    const args = operands(first, "AND_EXPR");
    while (this.take("and")) args.push(this.not());
    return bool("AND_EXPR", args);
  }

  protected not(): Node {
    if (!this.take("not")) return this.isNull();
    // `NOT EXISTS (…)` is NOT over the sublink, read as any NOT.
    const arg = this.nested(() => this.not());
    return { BoolExpr: { boolop: "NOT_EXPR", args: [arg] } };
  }

  protected isNull(): Node {
    const arg = this.comparison();
    if (!this.take("is")) return arg;
    const negated = this.take("not");
    this.expect("null");
    return { NullTest: { arg, nulltesttype: negated ? "IS_NOT_NULL" : "IS_NULL" } };
  }

  protected comparison(): Node {
    const left = this.likeOrIn();
    const op = this.peek();
    if (op?.t !== "op" || !["=", "<>", "!=", "<", ">", "<=", ">="].includes(op.v)) return left;
    this.i++;
    const right = this.likeOrIn();
    const next = this.peek();
    if (next?.t === "op" && ["=", "<>", "!=", "<", ">", "<=", ">="].includes(next.v)) fail();
    return aExpr("AEXPR_OP", op.v === "!=" ? "<>" : op.v, left, right);
  }

  protected likeOrIn(): Node {
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

  protected concat(): Node {
    let left = this.additive();
    while (this.take("||")) left = aExpr("AEXPR_OP", "||", left, this.additive());
    return left;
  }

  protected additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const op = this.peek();
      if (op?.t !== "op" || (op.v !== "+" && op.v !== "-")) return left;
      this.i++;
      left = aExpr("AEXPR_OP", op.v, left, this.multiplicative());
    }
  }

  protected multiplicative(): Node {
    let left = this.primary();
    for (;;) {
      const op = this.peek();
      if (op?.t !== "op" || (op.v !== "*" && op.v !== "/" && op.v !== "%")) return left;
      this.i++;
      left = aExpr("AEXPR_OP", op.v, left, this.primary());
    }
  }

  /** A primary with its `::type` casts, which bind tighter than any operator. */
  protected primary(): Node {
    let node = this.operand();
    while (this.take("::")) node = { TypeCast: { arg: node, typeName: this.typeName() } };
    return node;
  }

  protected typeName(): Node {
    const t = this.peek();
    const names = t?.t === "word" ? CAST_TYPES.get(t.v) : undefined;
    // Type modifiers and arrays (`varchar(10)`, `int[]`) are the real parser's.
    if (!names || this.is("(", 1)) return fail();
    this.i++;
    return { names: names.map(str), typemod: -1 };
  }

  protected subselect(): Node {
    this.expect("(");
    const select = { SelectStmt: this.nested(() => this.select()) };
    this.expect(")");
    return select;
  }

  protected operand(): Node {
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

/**
 * The first operands of an AND or OR: PostgreSQL's parser folds a left operand that is itself the same operation,
 * parenthesised or not, into one list (`(a AND b) AND c` is AND(a, b, c)); a right one stays nested.
 */
function operands(left: Node, boolop: string): Node[] {
  const b = left.BoolExpr as { boolop: string; args: Node[] } | undefined;
  return b?.boolop === boolop ? [...b.args] : [left];
}

/** Whether a SELECT has ORDER BY, LIMIT or OFFSET. */
function ordered(select: Node): boolean {
  return "sortClause" in select || "limitCount" in select || "limitOffset" in select;
}

function bool(boolop: string, args: Node[]): Node {
  return { BoolExpr: { boolop, args } };
}

function aExpr(kind: string, op: string, lexpr: Node, rexpr: Node): Node {
  return { A_Expr: { kind, name: [str(op)], lexpr, rexpr } };
}
