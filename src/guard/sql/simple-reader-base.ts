// The fast SQL reader's data statements (SELECT, INSERT, UPDATE, DELETE, MERGE, WITH) on top of its expressions,
// building libpg-query's nodes; simple-ddl-reader.ts and simple-reader.ts add the other statements.

import { ExpressionReader, type Node, str } from "./simple-expression-reader.ts";
import { fail } from "./simple-lexer.ts";

export class SimpleReaderBase extends ExpressionReader {
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
    // `SELECT … INTO name` makes a table of the rows; TEMP, UNLOGGED and TABLE before the name are the parser's.
    if (this.take("into")) node.intoClause = { rel: this.rangeVar(), onCommit: "ONCOMMIT_NOOP" };
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
  protected fromList(): Node[] {
    const items: Node[] = [];
    do {
      let item = this.fromItem();
      for (;;) {
        const jointype = this.joinType();
        if (!jointype) break;
        const rarg = this.fromItem();
        this.expect("on");
        item = { JoinExpr: { jointype, larg: item, rarg, quals: this.expr() } };
      }
      items.push(item);
    } while (this.take(","));
    return items;
  }

  /** A table, or a function called for its rows, with its alias. */
  private fromItem(): Node {
    const start = this.i;
    const parts = [this.name()];
    while (this.take(".")) parts.push(this.name());
    if (!this.take("(")) {
      this.i = start;
      return { RangeVar: this.aliased(this.rangeVar()) };
    }
    // A call like `count(*)` is the parser's too: it reads the same node wherever a function is called.
    const node: Node = { functions: [{ List: { items: [{ FuncCall: this.functionCall(parts) }, {}] } }] };
    this.functionAlias(node);
    return { RangeFunction: node };
  }

  /**
   * `[AS] alias [(column, …)]`, `[AS] alias (column type, …)` or `AS (column type, …)` after a function in FROM:
   * a function returning records is told its columns' types (dblink, crosstab). WITH ORDINALITY, LATERAL and ROWS
   * FROM are the real parser's.
   */
  private functionAlias(node: Node): void {
    const as = this.take("as");
    if (as && this.is("(")) {
      node.coldeflist = this.columnDefinitions();
      return;
    }
    if (!as && !this.isName()) return;
    const alias: Node = { aliasname: this.name() };
    node.alias = alias;
    if (!this.is("(")) return;
    if (this.isName(1) && (this.is(",", 2) || this.is(")", 2))) alias.colnames = this.columnList();
    else node.coldeflist = this.columnDefinitions();
  }

  /** `(name, …)`: columns, keys, or the names a view, a CTE or an alias gives its columns. */
  protected columnList(): Node[] {
    this.expect("(");
    const columns: Node[] = [];
    do columns.push(str(this.name()));
    while (this.take(","));
    this.expect(")");
    return columns;
  }

  /** `(name type, …)`: the columns of a function's rows. */
  private columnDefinitions(): Node[] {
    this.expect("(");
    const columns: Node[] = [];
    do columns.push({ ColumnDef: { colname: this.name(), typeName: this.columnType(), is_local: true } });
    while (this.take(","));
    this.expect(")");
    return columns;
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
    const relation = this.rangeVar();
    // Only AS introduces the target's alias: a bare word after the table is a syntax error.
    if (this.take("as")) relation.alias = { aliasname: this.name() };
    const node: Node = { relation };
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
    if (this.is("on") && this.is("conflict", 1)) {
      this.i += 2;
      node.onConflictClause = this.onConflict();
    }
    this.returning(node);
    return node;
  }

  /**
   * After ON CONFLICT: `[(index column, …) [WHERE …] | ON CONSTRAINT name] DO NOTHING` or `… DO UPDATE SET col =
   * value, … [WHERE …]`.
   */
  private onConflict(): Node {
    let infer: Node | undefined;
    if (this.take("(")) {
      const indexElems: Node[] = [];
      do indexElems.push({ IndexElem: this.indexElem() });
      while (this.take(","));
      this.expect(")");
      infer = { indexElems };
      if (this.take("where")) infer.whereClause = this.expr();
    } else if (this.is("on") && this.is("constraint", 1)) {
      this.i += 2;
      infer = { conname: this.name() };
    }
    this.expect("do");
    const update = !this.take("nothing");
    if (update) this.expect("update");
    const clause: Node = { action: update ? "ONCONFLICT_UPDATE" : "ONCONFLICT_NOTHING" };
    if (infer) clause.infer = infer;
    if (update) {
      clause.targetList = this.assignments();
      if (this.take("where")) clause.whereClause = this.expr();
    }
    return clause;
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
      if (this.is("(")) cte.aliascolnames = this.columnList();
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

  protected parenthesised(): Node {
    this.expect("(");
    const expr = this.expr();
    this.expect(")");
    return expr;
  }

  /** A column, a function call or a parenthesised expression, then ASC/DESC and NULLS FIRST/LAST. */
  protected indexElem(): Node {
    const elem: Node = {};
    if (this.is("(")) elem.expr = this.parenthesised();
    else if (this.isName() && (this.is("(", 1) || this.is(".", 1))) {
      const call = this.operand();
      if (!call.FuncCall) fail();
      elem.expr = call;
    } else elem.name = this.name();
    // Collations and operator classes (`col text_pattern_ops`) are the real parser's.
    elem.ordering = this.take("asc") ? "SORTBY_ASC" : this.take("desc") ? "SORTBY_DESC" : "SORTBY_DEFAULT";
    elem.nulls_ordering = "SORTBY_NULLS_DEFAULT";
    if (this.take("nulls")) {
      if (this.take("first")) elem.nulls_ordering = "SORTBY_NULLS_FIRST";
      else {
        this.expect("last");
        elem.nulls_ordering = "SORTBY_NULLS_LAST";
      }
    }
    if (!this.is(",") && !this.is(")")) fail();
    return elem;
  }
}

/** Whether a SELECT has ORDER BY, LIMIT or OFFSET. */
function ordered(select: Node): boolean {
  return "sortClause" in select || "limitCount" in select || "limitOffset" in select;
}
