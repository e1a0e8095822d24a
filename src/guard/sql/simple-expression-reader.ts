// The fast SQL reader's names and expressions: words and quoted names as PostgreSQL folds them, constants, casts,
// operators by the parser's precedence, subqueries and function calls, as libpg-query's nodes. The statements are
// read by the classes built on this one (simple-reader-base.ts and after).

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
export const INT32_MAX = 2 ** 31 - 1;
/** Types a column may be declared with `(n)` or `(p, s)`. */
const MODIFIED_TYPES = new Set(["varchar", "numeric"]);

export const str = (sval: string): Node => ({ String: { sval } });

/** A_Const as libpg-query prints it: zero and false are empty objects, "" is not. */
export function constant(token: SqlToken): Node {
  if (token.t === "string") return { A_Const: { sval: { sval: token.v } } };
  const n = token.v;
  if (/^[0-9]+$/.test(n) && Number(n) <= INT32_MAX)
    return { A_Const: { ival: Number(n) ? { ival: Number(n) } : {} } };
  return { A_Const: { fval: { fval: n } } };
}

export abstract class ExpressionReader extends TokenCursor<SqlToken> {
  constructor(tokens: readonly SqlToken[]) {
    super(tokens, KEYWORDS);
  }

  /** A plain SELECT, which subqueries hold: read by the statement layer. */
  protected abstract select(): Node;

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

  protected integer(): Node {
    const t = this.peek();
    if (t?.t !== "number" || !/^[0-9]+$/.test(t.v)) return fail();
    this.i++;
    return constant(t);
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

  /** A column's type: one word (the built-in aliases resolved as casts resolve them), `varchar(n)`, `numeric(p, s)`. */
  protected columnType(): Node {
    const t = this.peek() ?? fail();
    let names: string[] | undefined;
    if (t.t === "word") names = CAST_TYPES.get(t.v) ?? (KEYWORDS.has(t.v) ? undefined : [t.v]);
    else if (t.t === "name") names = [t.v];
    if (!names) return fail();
    this.i++;
    const node: Node = { names: names.map(str), typemod: -1 };
    if (this.take("(")) {
      if (t.t !== "word" || !MODIFIED_TYPES.has(t.v)) fail();
      const typmods = [this.integer()];
      if (t.v === "numeric" && this.take(",")) typmods.push(this.integer());
      this.expect(")");
      node.typmods = typmods;
    }
    return node;
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
    return { FuncCall: this.functionCall(parts) };
  }

  /** After a function's name and `(`: `*` or its arguments, then `)`. */
  protected functionCall(parts: string[]): Node {
    if (parts.length > 2) fail();
    const call: Node = { funcname: parts.map(str) };
    if (this.take("*")) call.agg_star = true;
    else if (!this.is(")")) {
      if (this.is("all") || this.is("distinct")) fail();
      call.args = this.nested(() => this.functionArguments());
    }
    this.expect(")");
    return call;
  }

  /** Arguments by position or by name (`name => value`, `name := value`), which the parser keeps in order. */
  private functionArguments(): Node[] {
    const args: Node[] = [];
    do {
      if (this.isName() && (this.is("=>", 1) || this.is(":=", 1))) {
        const name = this.name();
        this.i++;
        args.push({ NamedArgExpr: { arg: this.expr(), name, argnumber: -1 } });
      } else args.push(this.expr());
    } while (this.take(","));
    return args;
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

function bool(boolop: string, args: Node[]): Node {
  return { BoolExpr: { boolop, args } };
}

function aExpr(kind: string, op: string, lexpr: Node, rexpr: Node): Node {
  return { A_Expr: { kind, name: [str(op)], lexpr, rexpr } };
}
