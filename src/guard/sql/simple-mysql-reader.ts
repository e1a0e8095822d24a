// A fast reader for the plain MySQL most `mysql -e` commands carry: SELECT, INSERT … VALUES, UPDATE and DELETE
// (multi-table DELETE too) with simple conditions, TRUNCATE, DROP TABLE/DATABASE/SCHEMA, CREATE TABLE with plain
// columns, ALTER TABLE … ENGINE, SET of variables, transaction control, USE, SHOW TABLES/DATABASES and DESCRIBE. It
// builds node-sql-parser's tree for the fields the guard reads, so such SQL is judged without running that (slow)
// parser; and it knows the statements node-sql-parser has no grammar for (PREPARE, EXECUTE, DEALLOCATE, RESET, STOP), which
// make it refuse the whole text. Anything else returns null and goes to node-sql-parser; a property test checks that
// both give the same findings on everything this reader accepts or refuses.

import { fail, NotSimple } from "./simple-lexer.ts";
import { lexMysql, type MysqlToken } from "./simple-mysql-lexer.ts";
import { TokenCursor } from "./token-cursor.ts";

type Node = Record<string, unknown>;

/**
 * MySQL's reserved words, and the words this reader's grammar uses or node-sql-parser treats specially: none of them
 * is read as a plain name here, so a statement that uses one as a name goes to node-sql-parser.
 */
const KEYWORDS = new Set(
  (
    "accessible add all alter analyze and as asc before between bigint binary blob both by call cascade case change " +
    "char character check collate column condition constraint continue convert create cross cube cume_dist " +
    "current_date current_time current_timestamp current_user cursor database databases day_hour day_microsecond " +
    "day_minute day_second dec decimal declare default delayed delete dense_rank desc describe deterministic " +
    "distinct distinctrow div double drop dual each else elseif empty enclosed escaped except exists exit explain " +
    "false fetch first_value float float4 float8 for force foreign from fulltext function generated get go grant " +
    "group grouping groups having high_priority hour_microsecond hour_minute hour_second if ignore in index infile " +
    "inner inout insensitive insert int int1 int2 int3 int4 int8 integer intersect interval into io_after_gtids " +
    "io_before_gtids is iterate join json_table key keys kill lag last_value lateral lead leading leave left like " +
    "limit linear lines load localtime localtimestamp lock long longblob longtext loop low_priority master_bind " +
    "match maxvalue mediumblob mediumint mediumtext middleint minus minute_microsecond minute_second mod modifies " +
    "natural not no_write_to_binlog nth_value ntile null numeric of offset on optimize optimizer_costs option " +
    "optionally or order out outer outfile over partition percent_rank precision primary procedure purge range rank " +
    "read reads read_write real recursive references regexp release rename repeat replace require resignal " +
    "restrict return returning revoke right rlike row rows row_number schema schemas select sensitive separator set " +
    "show signal smallint spatial specific sql sqlexception sqlstate sqlwarning sql_big_result sql_calc_found_rows " +
    "sql_small_result ssl starting stored straight_join system table tables terminated then tinyblob tinyint " +
    "tinytext to trailing transaction trigger true truncate undo union unique unlock unsigned update usage use using " +
    "utc_date utc_time utc_timestamp values varbinary varchar varcharacter varying vector virtual when where while " +
    "window with work write xor year_month zerofill begin commit rollback start global session local " +
    "user current_schema binlog escape unknown"
  ).split(" "),
);

/** Aggregates node-sql-parser reads with their own grammar: one argument (or `*` for COUNT). */
const AGGREGATES = new Set(["count", "sum", "avg", "min", "max"]);
/** Functions with syntax of their own in node-sql-parser: left to it. */
const SPECIAL_FUNCTIONS = new Set(
  (
    "group_concat cast convert trim extract position substring substr date datetime time timestamp date_trunc " +
    "interval match values std stddev variance bit_and bit_or bit_xor json_arrayagg json_objectagg char " +
    "current_date current_time current_timestamp current_user session_user system_user user now_utc"
  ).split(" "),
);
const COMPARISONS = new Set(["=", "<>", "!=", "<", ">", "<=", ">="]);
/** Column types read here: plain words whose grammar in node-sql-parser is the name and an optional length. */
const COLUMN_TYPES = new Set(["int", "integer", "bigint", "text", "date", "datetime", "timestamp", "json"]);
const SIZED_COLUMN_TYPES = new Set(["varchar", "char"]);
/**
 * Statements node-sql-parser has no grammar for: `PREPARE st …` fails where the name follows (it reads the word as
 * a variable being assigned, and expects `=` or `:=`), and so does the whole text holding it.
 */
const REFUSED_STATEMENTS = new Set([
  "prepare",
  "execute",
  "deallocate",
  "reset",
  "stop",
  "flush",
  "kill",
  "optimize",
  "system",
  "exchange",
  "compute",
  "invalidate",
  "restore",
]);
/** A text's first two words, when nothing but white space comes before them. */
const REFUSED_OPENING =
  /^[ \t\r\n]*([A-Za-z_]+)[ \t\r\n]+(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?![A-Za-z0-9_$'"`@.])/;
/** The scopes `SET` may name before a server variable. */
const SET_SCOPES = new Set(["global", "session", "local", "persist", "persist_only"]);
/** Digits node-sql-parser still makes a number of (longer ones become a "bigint" string): left to it. */
const MOST_NUMBER_DIGITS = 15;

/** A whole-number node with its value as a number, as node-sql-parser gives it; other nodes as they are. */
function wholeNumber(node: Node): Node {
  if (node.type !== "number" || typeof node.value !== "string" || !/^[0-9]+$/.test(node.value)) return node;
  if (node.value.length > MOST_NUMBER_DIGITS) fail();
  return { ...node, value: Number(node.value) };
}

class Reader extends TokenCursor<MysqlToken> {
  constructor(tokens: readonly MysqlToken[]) {
    super(tokens, KEYWORDS);
  }

  /** A name that is not a keyword, spelt as written. */
  private name(): string {
    const t = this.nameToken();
    return t.t === "word" ? t.raw : t.v;
  }

  /** `table` or `db.table`, as node-sql-parser's table reference. */
  private table(): Node {
    const first = this.name();
    if (!this.take(".")) return { db: null, table: first };
    return { db: first, table: this.name() };
  }

  statement(): Node {
    const t = this.peek();
    if (t?.t !== "word") return fail();
    switch (t.v) {
      case "select":
        this.select();
        return { type: "select" };
      case "insert":
      case "replace":
        return this.insert();
      case "call":
        return this.call();
      case "update":
        return this.update();
      case "delete":
        return this.delete();
      case "truncate":
        this.i++;
        this.take("table");
        return { type: "truncate", keyword: "table", name: [this.table()] };
      case "drop":
        return this.drop();
      case "create":
        this.createTable();
        return { type: "create" };
      case "alter":
        return this.alter();
      case "set":
        return this.setVariables();
      case "start":
        this.i++;
        this.expect("transaction");
        if (this.take("read") && !this.take("only")) this.expect("write");
        return { type: "transaction" };
      case "begin":
        this.i++;
        this.take("work");
        return { type: "transaction" };
      case "commit":
      case "rollback":
        this.i++;
        return { type: "transaction" };
      case "use":
        this.i++;
        this.name();
        return { type: "use" };
      case "show":
        this.i++;
        if (!this.take("tables")) this.expect("databases");
        return { type: "show" };
      case "describe":
      case "desc":
        this.i++;
        this.name();
        return { type: "desc" };
      default:
        return fail();
    }
  }

  private select(): void {
    this.expect("select");
    do {
      if (!this.take("*")) {
        this.expr();
        if (this.take("as")) this.name();
      }
    } while (this.take(","));
    if (this.take("from")) this.tableReferences();
    if (this.take("where")) this.expr();
    if (this.is("group") && this.is("by", 1)) {
      this.i += 2;
      this.exprList();
    }
    if (this.is("order") && this.is("by", 1)) {
      this.i += 2;
      do {
        this.expr();
        if (!this.take("asc")) this.take("desc");
      } while (this.take(","));
    }
    if (this.take("limit")) {
      this.integer();
      if (this.take("offset") || this.take(",")) this.integer();
    }
  }

  private integer(): void {
    if (this.peek()?.t !== "number" || this.peek()!.v.includes(".")) fail();
    this.i++;
  }

  /** `t [AS] a [JOIN u [AS] b ON …]…, …`: the tables, joined ones included, as node-sql-parser lists them. */
  private tableReferences(): Node[] {
    const tables: Node[] = [];
    do {
      tables.push(this.aliased());
      while (this.joinType()) {
        tables.push(this.aliased());
        this.expect("on");
        this.expr();
      }
    } while (this.take(","));
    return tables;
  }

  private aliased(): Node {
    const table = this.table();
    if (this.take("as") || this.isName()) this.name();
    return table;
  }

  private joinType(): boolean {
    if (this.take("join")) return true;
    if (this.take("left") || this.take("right")) this.take("outer");
    else if (!this.take("inner")) return false;
    this.expect("join");
    return true;
  }

  /** `INSERT|REPLACE INTO t [(cols)] VALUES (…), … [ON DUPLICATE KEY UPDATE c = …, …]`: literal rows only. */
  private insert(): Node {
    const type = this.take("replace") ? "replace" : "insert";
    if (type === "insert") this.expect("insert");
    this.expect("into");
    this.table();
    let columns = 0;
    if (this.take("(")) {
      do {
        this.name();
        columns++;
      } while (this.take(","));
      this.expect(")");
    }
    this.expect("values");
    do {
      this.expect("(");
      // node-sql-parser refuses rows whose length is not the column list's.
      if (this.exprList().length !== columns && columns) fail();
      this.expect(")");
    } while (this.take(","));
    let onDuplicateUpdate: Node | null = null;
    if (type === "insert" && this.take("on")) {
      this.expect("duplicate");
      this.expect("key");
      this.expect("update");
      this.assignments();
      onDuplicateUpdate = { keyword: "on duplicate key update" };
    }
    return { type, values: { type: "values" }, on_duplicate_update: onDuplicateUpdate };
  }

  /** `CALL [db.]name[(args)]`: the routine's name as node-sql-parser gives it (the guard judges it by its name). */
  private call(): Node {
    this.expect("call");
    let name = this.name();
    if (this.take(".")) name = this.name();
    if (this.take("(") && !this.take(")")) {
      this.nested(() => this.exprList());
      this.expect(")");
    }
    return { type: "call", expr: { type: "function", name: { name: [{ type: "default", value: name }] } } };
  }

  private update(): Node {
    this.expect("update");
    const table = this.table();
    this.expect("set");
    this.assignments();
    return { type: "update", table: [table], where: this.take("where") ? this.expr() : null };
  }

  /** `c = value, …` of UPDATE … SET and ON DUPLICATE KEY UPDATE. */
  private assignments(): void {
    do {
      this.name();
      this.expect("=");
      // node-sql-parser takes no comparison or boolean here.
      this.additive();
    } while (this.take(","));
  }

  /** `DELETE FROM t …`, or the multi-table `DELETE a, b FROM t JOIN u … WHERE …`. */
  private delete(): Node {
    this.expect("delete");
    if (this.take("from")) {
      const table = this.table();
      if (this.take("as") || this.isName()) this.name();
      const where = this.take("where") ? this.expr() : null;
      return { type: "delete", table: [table], from: [table], where };
    }
    const targets: Node[] = [];
    do targets.push(this.table());
    while (this.take(","));
    this.expect("from");
    const from = this.tableReferences();
    const where = this.take("where") ? this.expr() : null;
    return { type: "delete", table: targets, from, where };
  }

  private drop(): Node {
    this.expect("drop");
    const ifExists = () => {
      if (this.take("if")) this.expect("exists");
    };
    if (this.take("table")) {
      ifExists();
      const name: Node[] = [];
      do name.push(this.table());
      while (this.take(","));
      return { type: "drop", keyword: "table", name };
    }
    const keyword = this.take("database") ? "database" : this.take("schema") ? "schema" : fail();
    ifExists();
    // node-sql-parser takes no `quoted` name here.
    if (this.peek()?.t !== "word") fail();
    return { type: "drop", keyword, name: this.name() };
  }

  /** `CREATE TABLE [IF NOT EXISTS] t (column type, …) [ENGINE [=] name]`. */
  private createTable(): void {
    this.expect("create");
    this.expect("table");
    if (this.take("if")) {
      this.expect("not");
      this.expect("exists");
    }
    this.table();
    this.expect("(");
    do {
      this.name();
      this.columnType();
    } while (this.take(","));
    this.expect(")");
    if (this.take("engine")) this.engine();
  }

  /** A plain column type (`int`, `varchar(40)`); anything with more to it is node-sql-parser's. */
  private columnType(): Node {
    const type = this.peek() ?? fail();
    if (type.t !== "word") fail();
    this.i++;
    if (SIZED_COLUMN_TYPES.has(type.v)) {
      if (this.take("(")) {
        this.integer();
        this.expect(")");
      }
    } else if (!COLUMN_TYPES.has(type.v)) fail();
    return { dataType: type.v.toUpperCase() };
  }

  /**
   * `ALTER TABLE t ENGINE [=] name`, `ADD [COLUMN] c type`, `MODIFY [COLUMN] c type`, `DROP [COLUMN] c` or
   * `TRUNCATE PARTITION p`: one change, as node-sql-parser describes it where the guard reads it.
   */
  private alter(): Node {
    this.expect("alter");
    this.expect("table");
    const table = this.table();
    let change: Node;
    if (this.take("engine")) {
      this.engine();
      change = { type: "alter", keyword: "engine", resource: "engine" };
    } else if (this.take("truncate")) {
      this.expect("partition");
      this.name();
      change = { type: "alter", action: "truncate", keyword: "PARTITION", resource: "partition" };
    } else if (this.is("add") || this.is("modify") || this.is("drop")) {
      const action = this.peek()!.v;
      this.i++;
      const keyword = this.take("column") ? "COLUMN" : null;
      this.name();
      const definition = action === "drop" ? undefined : this.columnType();
      change = { type: "alter", action, keyword, resource: "column", definition };
    } else return fail();
    return { type: "alter", table: [table], expr: [change] };
  }

  private engine(): void {
    this.take("=");
    if (this.peek()?.t !== "word") fail();
    this.name();
  }

  /**
   * `SET [GLOBAL|SESSION|LOCAL|PERSIST|PERSIST_ONLY] name = …, @@global.name = …, @a = …`: server and user variables,
   * with the value's tree as node-sql-parser builds it where the guard reads it (a whole number is a number).
   * sql_log_bin is left to node-sql-parser, whose tree the guard reads deeper.
   */
  private setVariables(): Node {
    this.expect("set");
    const scope = this.peek();
    const keyword =
      scope?.t === "word" && SET_SCOPES.has(scope.v) && this.peek(1)?.t === "word"
        ? scope.raw.toUpperCase()
        : null;
    if (keyword) this.i++;
    const expr: Node[] = [];
    do {
      const left = this.variable();
      if ([left.name, ...left.members].some((part) => part.toLowerCase().includes("sql_log_bin"))) fail();
      this.expect("=");
      const right = this.additive();
      expr.push({ type: "assign", left: { type: "var", ...left }, right: wholeNumber(right) });
    } while (this.take(","));
    return { type: "set", keyword, expr };
  }

  /** The variable a SET assigns: `@user`, `@@[scope.]server` or a plain word naming a server variable. */
  private variable(): { name: string; members: string[]; prefix: string | null } {
    const t = this.peek() ?? fail();
    if (t.t === "var" || t.t === "sysvar") {
      this.i++;
      return t.t === "var"
        ? { name: t.v, members: [], prefix: "@" }
        : { name: t.v, members: t.members, prefix: "@@" };
    }
    // A server variable is a plain word: node-sql-parser takes no `quoted` one, nor one spelt like a scope.
    if (!(t.t === "word" && this.isName() && !SET_SCOPES.has(t.v))) fail();
    return { name: this.name(), members: [], prefix: null };
  }

  private exprList(): Node[] {
    const items: Node[] = [];
    do items.push(this.expr());
    while (this.take(","));
    return items;
  }

  // Expressions, by node-sql-parser's precedence from loosest: AND and OR (one level, left to right, so
  // `a OR b AND c` comes out as `(a OR b) AND c`, a tree the guard distrusts as MySQL does not read it so), NOT,
  // comparison and IS/IN/LIKE, + -, * / %.

  private expr(): Node {
    let left = this.not();
    for (;;) {
      const operator = this.take("and") ? "AND" : this.take("or") ? "OR" : null;
      if (!operator) return left;
      left = { type: "binary_expr", operator, left, right: this.not() };
    }
  }

  private not(): Node {
    if (!this.take("not")) return this.predicate();
    const expr = this.nested(() => this.not());
    return { type: "unary_expr", operator: "NOT", expr };
  }

  private predicate(): Node {
    const left = this.additive();
    const op = this.peek();
    let node: Node;
    if (op?.t === "op" && COMPARISONS.has(op.v)) {
      this.i++;
      node = { type: "binary_expr", operator: op.v, left, right: this.additive() };
    } else if (this.take("is")) {
      const negated = this.take("not");
      this.expect("null");
      node = { type: "binary_expr", operator: negated ? "IS NOT" : "IS", left, right: { type: "null" } };
    } else {
      const negated = this.is("not") && (this.is("in", 1) || this.is("like", 1));
      if (negated) this.i++;
      if (this.take("in")) {
        this.expect("(");
        const value = this.nested(() => this.exprList());
        this.expect(")");
        node = {
          type: "binary_expr",
          operator: negated ? "NOT IN" : "IN",
          left,
          right: { type: "expr_list", value },
        };
      } else if (this.take("like")) {
        node = { type: "binary_expr", operator: negated ? "NOT LIKE" : "LIKE", left, right: this.additive() };
      } else return left;
    }
    const next = this.peek();
    if ((next?.t === "op" && COMPARISONS.has(next.v)) || this.is("is") || this.is("in") || this.is("like"))
      fail();
    if (this.is("not")) fail();
    return node;
  }

  private additive(): Node {
    let left = this.multiplicative();
    for (;;) {
      const op = this.peek();
      if (op?.t !== "op" || (op.v !== "+" && op.v !== "-")) return left;
      this.i++;
      left = { type: "binary_expr", operator: op.v, left, right: this.multiplicative() };
    }
  }

  private multiplicative(): Node {
    let left = this.primary();
    for (;;) {
      const op = this.peek();
      if (op?.t !== "op" || (op.v !== "*" && op.v !== "/" && op.v !== "%")) return left;
      this.i++;
      left = { type: "binary_expr", operator: op.v, left, right: this.primary() };
    }
  }

  private primary(): Node {
    const t = this.peek() ?? fail();
    if (t.t === "string" || t.t === "number") {
      this.i++;
      return { type: t.t === "string" ? "single_quote_string" : "number", value: t.v };
    }
    if (t.t === "param") {
      this.i++;
      return { type: "origin", value: "?" };
    }
    if (this.take("true") || this.take("false")) return { type: "bool" };
    if (this.take("null")) return { type: "null" };
    if (this.take("(")) {
      const inner = this.nested(() => this.expr());
      this.expect(")");
      // node-sql-parser marks them, and reads `(a OR b) AND c` right.
      return { ...inner, parentheses: true };
    }
    const first = this.name();
    if (this.take("(")) {
      const name = first.toLowerCase();
      if (SPECIAL_FUNCTIONS.has(name)) fail();
      if (AGGREGATES.has(name)) {
        // One argument, or COUNT(*).
        if (!(name === "count" && this.take("*"))) this.nested(() => this.expr());
      } else if (!this.is(")")) this.nested(() => this.exprList());
      this.expect(")");
      return { type: "function" };
    }
    if (this.take(".")) return { type: "column_ref", table: first, column: this.name() };
    return { type: "column_ref", column: first };
  }
}

/** What node-sql-parser makes of a text holding a statement it has no grammar for: a syntax error. */
export const MYSQL_PARSER_REFUSES = "refused";

/** `PREPARE st …`, `EXECUTE st …`, `RESET MASTER`… (the word, then a name): node-sql-parser cannot read it. */
function refusedStatement(tokens: readonly MysqlToken[], start: number): boolean {
  const [first, second, third, fourth] = tokens.slice(start, start + 4);
  if (first?.t !== "word") return false;
  if (REFUSED_STATEMENTS.has(first.v))
    return second?.t === "word" || second?.t === "name" || second?.t === "number";
  // `SET [GLOBAL|SESSION] TRANSACTION READ ONLY`, `… ISOLATION LEVEL …` (`SET transaction = 1` sets a variable).
  if (first.v !== "set") return false;
  const [transaction, after] =
    second?.t === "word" && SET_SCOPES.has(second.v) ? [third, fourth] : [second, third];
  return transaction?.t === "word" && transaction.v === "transaction" && after?.t === "word";
}

/**
 * The statements of `sql` as node-sql-parser's MySQL tree, for the subset this reader knows and the fields the
 * guard reads; MYSQL_PARSER_REFUSES when the text is that subset but for statements node-sql-parser has no grammar
 * for; null for anything else, which node-sql-parser must read.
 */
export function readSimpleMysql(sql: string): Node[] | typeof MYSQL_PARSER_REFUSES | null {
  // node-sql-parser reads a text whole: when its first statement is one it has no grammar for, it refuses the text,
  // whatever follows (quoted names, strings in other quotes…).
  const opening = REFUSED_OPENING.exec(sql);
  if (opening && REFUSED_STATEMENTS.has(opening[1]!.toLowerCase())) return MYSQL_PARSER_REFUSES;
  try {
    const tokens = lexMysql(sql);
    const statements: Node[] = [];
    let refused = false;
    let start = 0;
    for (let i = 0; i <= tokens.length; i++) {
      const token = tokens[i];
      if (token && !(token.t === "punct" && token.v === ";")) continue;
      if (refusedStatement(tokens.slice(0, i), start) && i > start + 1) refused = true;
      else if (i > start) {
        const reader = new Reader(tokens.slice(start, i));
        statements.push(reader.statement());
        if (!reader.done) return null;
      } else if (token) return null; // `;;`: an empty statement
      start = i + 1;
    }
    if (refused) return MYSQL_PARSER_REFUSES;
    return statements.length ? statements : null;
  } catch (error) {
    if (error instanceof NotSimple) return null;
    throw error;
  }
}
