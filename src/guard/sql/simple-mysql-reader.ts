// A fast reader for the plain MySQL most `mysql -e` commands carry: SELECT, INSERT and REPLACE with literal rows or a
// SELECT (ON DUPLICATE KEY UPDATE too), UPDATE and DELETE (multi-table too) with simple conditions, TRUNCATE,
// DROP TABLE/DATABASE/SCHEMA, CREATE TABLE with plain columns, ALTER TABLE … ENGINE and one column change, SET of
// variables, transaction control, USE, SHOW TABLES/DATABASES and DESCRIBE. It builds node-sql-parser's tree for the
// fields the guard reads (the routines a SELECT calls among them), so such SQL is judged without running that (slow)
// parser; and it knows where node-sql-parser's grammar has no way on (PREPARE, RESET, SAVEPOINT, DROP TEMPORARY
// TABLE, ALTER TABLE … REMOVE TTL, INSERT OVERWRITE, a statement opening with `*/`…), which makes it refuse the
// whole text. Anything else returns null and goes to node-sql-parser; a property test checks that both give the same
// tree and findings on everything this reader accepts or refuses.

import { routineNameSaysDestroys } from "./routines.ts";
import { fail, NotSimple } from "./simple-lexer.ts";
import { lexMysql, MysqlParserRefuses, type MysqlToken } from "./simple-mysql-lexer.ts";
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
  "savepoint",
  "release",
]);
/** A text's first two words, when nothing but white space comes before them. */
const REFUSED_OPENING =
  /^[ \t\r\n]*([A-Za-z_]+)[ \t\r\n]+(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?![A-Za-z0-9_$'"`@.])/;
/** The scopes `SET` may name before a server variable. */
const SET_SCOPES = new Set(["global", "session", "local", "persist", "persist_only"]);

// The words node-sql-parser's grammar goes on with at a point (the words it lists as expected when another word
// stands there): any other word there makes it refuse the whole text.
/** After DROP. */
const DROP_OBJECTS = new Set(["table", "view", "index", "database", "schema", "trigger"]);
/** After CREATE. */
const CREATE_OBJECTS = new Set(
  "temporary table definer trigger unique fulltext spatial index database schema or algorithm sql view user".split(
    " ",
  ),
);
/** After CREATE OR REPLACE: views only. */
const CREATE_OR_REPLACE_OBJECTS = new Set(["algorithm", "definer", "sql", "view"]);
/** After ALTER: tables only. */
const ALTER_OBJECTS = new Set(["table"]);
/** After ALTER TABLE t: the changes and table options node-sql-parser knows. */
const ALTER_TABLE_ACTIONS = new Set(
  (
    "add drop with nocheck modify rename algorithm lock change truncate discard import coalesce analyze check " +
    "auto_increment avg_row_length key_block_size max_rows min_rows stats_sample_pages checksum delay_key_write " +
    "default character charset collate comment connection engine_attribute secondary_engine_attribute data index " +
    "compression engine row_format"
  ).split(" "),
);
/** After INSERT|REPLACE [INTO] t: a partition, the rows, or where they come from. */
const INSERT_SOURCES = new Set(["partition", "values", "with", "select", "set"]);

/** Digits of a whole part node-sql-parser still makes a number of (longer ones become a "bigint" string). */
const MOST_NUMBER_DIGITS = 15;
/** Decimals kept here; node-sql-parser keeps them with toFixed, which takes at most 100. */
const MOST_DECIMALS = 20;

/** A number as node-sql-parser builds it: a whole number as a number, a decimal as its digits (`1.50`). */
function numberNode(text: string): Node {
  const [whole, decimals] = text.split(".") as [string, string | undefined];
  if (whole.length > MOST_NUMBER_DIGITS || (decimals?.length ?? 0) > MOST_DECIMALS) fail();
  const value = decimals === undefined ? Number(whole) : Number.parseFloat(text).toFixed(decimals.length);
  return { type: "number", value };
}

/**
 * Whether no statement of node-sql-parser's opens with this token: they open with a word, a number, a variable, `(`
 * or a sign, never with a string, a quoted name, `?`, `)`, `,`, `.` or another operator (a stray `*\/`).
 */
function opensNoStatement(t: MysqlToken): boolean {
  switch (t.t) {
    case "op":
    case "stray":
      return t.v[0] !== "+" && t.v[0] !== "-";
    case "punct":
      return t.v !== "(";
    case "string":
    case "name":
    case "param":
      return true;
    default:
      return false;
  }
}

/** Thrown where node-sql-parser's grammar has no way on: it refuses the whole text. */
class Refused extends Error {}
const REFUSED = new Refused("node-sql-parser has no grammar for this");

class Reader extends TokenCursor<MysqlToken> {
  /** Whether the condition just read ended with an `IN (…)` list (see conditions()). */
  private tight = false;
  /**
   * Whether the expression being read stands in the tree this reader builds, where the guard looks for the routines
   * a statement calls. Elsewhere (GROUP BY, a row of VALUES, an aggregate's argument…) a routine whose name says it
   * destroys is left to node-sql-parser, whose tree keeps it.
   */
  private kept = false;

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

  /**
   * Refuses the text when the word that comes next is none node-sql-parser can go on with here. GO is not such a
   * word: it ends a batch, so a statement may end before it.
   */
  private refuseUnless(words: ReadonlySet<string>): void {
    const t = this.peek();
    if (t?.t === "word" && t.v !== "go" && !words.has(t.v)) throw REFUSED;
  }

  statement(): Node {
    const t = this.peek();
    if (t?.t !== "word") {
      if (t && opensNoStatement(t)) throw REFUSED;
      return fail();
    }
    switch (t.v) {
      case "select":
        return this.select();
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
        // Nothing may follow in node-sql-parser's grammar (ROLLBACK TO SAVEPOINT a, COMMIT WORK), but GO.
        this.i++;
        if (!this.done) {
          if (this.is("go")) fail();
          throw REFUSED;
        }
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
        return this.describe();
      default: {
        // `PREPARE st …`, `RESET MASTER`, `KILL 1234`: the word, then a name or a number.
        const next = this.peek(1)?.t;
        if (REFUSED_STATEMENTS.has(t.v) && (next === "word" || next === "name" || next === "number"))
          throw REFUSED;
        return fail();
      }
    }
  }

  /** Reads with `kept` set as given, and puts it back. */
  private keeping<T>(kept: boolean, read: () => T): T {
    const outer = this.kept;
    this.kept = kept;
    const node = read();
    this.kept = outer;
    return node;
  }

  /** A SELECT, with its columns and WHERE as node-sql-parser gives them. */
  private select(): Node {
    this.expect("select");
    const columns: Node[] = [];
    do {
      if (this.take("*")) columns.push({ expr: { type: "column_ref", table: null, column: "*" }, as: null });
      else {
        const expr = this.keeping(true, () => this.condition());
        columns.push({ expr, as: this.take("as") ? this.name() : null });
      }
    } while (this.take(","));
    if (this.take("from")) this.tableReferences();
    const where = this.take("where") ? this.keeping(true, () => this.conditions()) : null;
    if (this.is("group") && this.is("by", 1)) {
      this.i += 2;
      this.keeping(false, () => this.exprList());
    }
    if (this.is("order") && this.is("by", 1)) {
      this.i += 2;
      do {
        this.keeping(false, () => this.condition());
        if (!this.take("asc")) this.take("desc");
      } while (this.take(","));
    }
    if (this.take("limit")) {
      this.integer();
      if (this.take("offset") || this.take(",")) this.integer();
    }
    return { type: "select", columns, where };
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
        this.keeping(false, () => this.conditions());
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

  /**
   * `INSERT|REPLACE [INTO] t [(cols)] VALUES (…), …` or `… SELECT …`, then `[ON DUPLICATE KEY UPDATE c = …, …]`.
   * Spark's `INSERT OVERWRITE TABLE t`, Hive's `INSERT INTO TABLE t` and `REPLACE TABLE t AS …` are no MySQL:
   * node-sql-parser takes TABLE (a reserved word) for no table's name, and no word after the name but a few.
   */
  private insert(): Node {
    const type = this.peek()!.v;
    this.i++;
    this.take("into");
    if (this.is("table")) throw REFUSED;
    const table = this.table();
    let columns = 0;
    if (this.take("(")) {
      do {
        this.name();
        columns++;
      } while (this.take(","));
      this.expect(")");
    } else this.refuseUnless(INSERT_SOURCES);
    let values: Node;
    if (this.take("values")) {
      do {
        this.expect("(");
        // node-sql-parser refuses rows whose length is not the column list's.
        if (this.keeping(false, () => this.exprList()).length !== columns && columns) fail();
        this.expect(")");
      } while (this.take(","));
      values = { type: "values" };
    } else if (this.is("select")) values = this.select();
    else return fail();
    let onDuplicateUpdate: Node | null = null;
    if (this.take("on")) {
      this.expect("duplicate");
      this.expect("key");
      this.expect("update");
      this.assignments();
      onDuplicateUpdate = { keyword: "on duplicate key update" };
    }
    return { type, table: [table], values, on_duplicate_update: onDuplicateUpdate };
  }

  /** `CALL [db.]name[(args)]`: the routine's name as node-sql-parser gives it (the guard judges it by its name). */
  private call(): Node {
    this.expect("call");
    let name = this.nameToken();
    if (this.take(".")) name = this.nameToken();
    if (this.take("(") && !this.take(")")) {
      this.nested(() => this.keeping(false, () => this.exprList()));
      this.expect(")");
    }
    const part =
      name.t === "word"
        ? { type: "default", value: name.raw }
        : { type: "backticks_quote_string", value: name.v };
    return { type: "call", expr: { type: "function", name: { name: [part] } } };
  }

  /** `UPDATE t [AS a] SET …` or the multi-table `UPDATE t, u SET …`, `UPDATE t JOIN u ON … SET …`. */
  private update(): Node {
    this.expect("update");
    const table = this.tableReferences();
    this.expect("set");
    this.assignments();
    const where = this.take("where") ? this.keeping(true, () => this.conditions()) : null;
    return { type: "update", table, where };
  }

  /** `[t.]c = value, …` of UPDATE … SET and ON DUPLICATE KEY UPDATE, where `VALUES(c)` is the row's new value. */
  private assignments(): void {
    this.keeping(false, () => {
      do this.assignment();
      while (this.take(","));
    });
  }

  private assignment(): void {
    this.name();
    if (this.take(".")) this.name();
    this.expect("=");
    if (this.is("values") && this.is("(", 1)) {
      this.i += 2;
      this.columnRef();
      this.expect(")");
      // node-sql-parser takes no comparison or boolean here.
    } else this.additive();
  }

  /** `DELETE FROM t …`, or the multi-table `DELETE a, b FROM t JOIN u … WHERE …`. */
  private delete(): Node {
    this.expect("delete");
    if (this.take("from")) {
      const table = this.table();
      if (this.take("as") || this.isName()) this.name();
      const where = this.take("where") ? this.keeping(true, () => this.conditions()) : null;
      return { type: "delete", table: [table], from: [table], where };
    }
    const targets: Node[] = [];
    do targets.push(this.table());
    while (this.take(","));
    this.expect("from");
    const from = this.tableReferences();
    const where = this.take("where") ? this.keeping(true, () => this.conditions()) : null;
    return { type: "delete", table: targets, from, where };
  }

  /** `DROP TABLE [IF EXISTS] t, …` or `DROP DATABASE|SCHEMA [IF EXISTS] name`; DROP TEMPORARY TABLE and the like refused. */
  private drop(): Node {
    this.expect("drop");
    this.refuseUnless(DROP_OBJECTS);
    const ifExists = () => {
      if (this.take("if")) this.expect("exists");
    };
    if (this.take("table")) {
      ifExists();
      const name: Node[] = [];
      do name.push(this.table());
      while (this.take(","));
      // Hive's and Oracle's `DROP TABLE t PURGE`: a reserved word, which node-sql-parser takes for no alias.
      if (this.is("purge")) throw REFUSED;
      return { type: "drop", keyword: "table", name };
    }
    const keyword = this.take("database") ? "database" : this.take("schema") ? "schema" : fail();
    ifExists();
    // node-sql-parser takes no `quoted` name here.
    if (this.peek()?.t !== "word") fail();
    return { type: "drop", keyword, name: this.name() };
  }

  /**
   * `CREATE TABLE [IF NOT EXISTS] t (column type, …) [ENGINE [=] name]`. CREATE OR REPLACE is only for views in
   * node-sql-parser (Snowflake's and Databricks' CREATE OR REPLACE TABLE, Spark's TEMPORARY VIEW are refused).
   */
  private createTable(): void {
    this.expect("create");
    if (this.take("or")) {
      this.expect("replace");
      this.refuseUnless(CREATE_OR_REPLACE_OBJECTS);
      fail();
    }
    this.refuseUnless(CREATE_OBJECTS);
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
   * `TRUNCATE PARTITION p`: one change, as node-sql-parser describes it where the guard reads it. ClickHouse's
   * `REMOVE TTL` and `CLEAR COLUMN`, Snowflake's `SWAP WITH`, ALTER USER…: no change node-sql-parser knows.
   */
  private alter(): Node {
    this.expect("alter");
    this.refuseUnless(ALTER_OBJECTS);
    this.expect("table");
    const table = this.table();
    this.refuseUnless(ALTER_TABLE_ACTIONS);
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
      change = { type: "alter", action, resource: "column" };
      if (this.take("column")) change.keyword = "COLUMN";
      this.name();
      if (action !== "drop") change.definition = this.columnType();
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
   * with the value's tree as node-sql-parser builds it (sql_log_bin's only when it is one word or literal). `SET
   * [scope] TRANSACTION READ ONLY|ISOLATION LEVEL …` node-sql-parser has no grammar for (`SET transaction = 1` sets a
   * variable).
   */
  private setVariables(): Node {
    this.expect("set");
    const scope = this.peek();
    const scoped = scope?.t === "word" && SET_SCOPES.has(scope.v);
    if (this.is("transaction", scoped ? 1 : 0) && this.peek(scoped ? 2 : 1)?.t === "word") throw REFUSED;
    const keyword =
      scoped && this.peek(1)?.t === "word" ? (scope as { raw: string }).raw.toUpperCase() : null;
    if (keyword) this.i++;
    const expr: Node[] = [];
    do {
      const left = this.variable();
      const logBin = [left.name, ...left.members].some((part) => part.toLowerCase().includes("sql_log_bin"));
      this.expect("=");
      const right = logBin ? this.wholeValue() : this.keeping(true, () => this.additive());
      expr.push({ type: "assign", left: { type: "var", ...left }, right });
    } while (this.take(","));
    return { type: "set", keyword, expr };
  }

  /**
   * sql_log_bin's new value: one string, number or word (`OFF`, `FALSE`), whose node this reader builds whole. The
   * guard looks for a value turning binary logging off anywhere in node-sql-parser's tree of it, and so in any part
   * of a longer expression this reader leaves out (an aggregate's argument).
   */
  private wholeValue(): Node {
    const t = this.peek();
    if (!(t?.t === "string" || t?.t === "number" || t?.t === "word") || this.is("(", 1)) return fail();
    const node = this.primary();
    if (!(this.done || this.is(","))) fail();
    return node;
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

  /** `DESC[RIBE] t`: one name, after which node-sql-parser needs the statement's end (DESCRIBE HISTORY t refused). */
  private describe(): Node {
    this.i++;
    const table = this.name();
    if (!this.done) {
      if (this.is("go")) fail();
      throw REFUSED;
    }
    return { type: "desc", table };
  }

  private exprList(): Node[] {
    const items: Node[] = [];
    do items.push(this.condition());
    while (this.take(","));
    return items;
  }

  // Conditions as node-sql-parser groups them. A WHERE or ON, and what parentheses hold, is a chain of conditions
  // joined by AND and OR, folded left to right whatever the operators: `a OR b AND c` comes out as `(a OR b) AND c`,
  // a tree the guard distrusts as MySQL does not read it so. node-sql-parser's inner grammar, where AND binds tighter
  // than OR, is left by every condition as it swallows the white space after it; but not by one that ends with an
  // `IN (…)` list, which takes the AND and OR after that white space into a condition of its own: `a = 1 AND b IN (2)
  // OR c = 3` comes out as `a = 1 AND (b IN (2) OR c = 3)`. Within a condition: NOT, comparison and IS/IN/LIKE, + -,
  // * / %.

  /** A chain of conditions: WHERE, ON, or what parentheses hold. */
  private conditions(): Node {
    let left = this.condition();
    for (;;) {
      const operator = this.take("and") ? "AND" : this.take("or") ? "OR" : null;
      if (!operator) return left;
      left = { type: "binary_expr", operator, left, right: this.condition() };
    }
  }

  /** One condition (node-sql-parser's `expr`): ORs of ANDs, which only an `IN (…)` list goes on to. */
  private condition(): Node {
    let left = this.conjunction();
    while (this.tight && this.isSpaced("or")) {
      this.i++;
      left = { type: "binary_expr", operator: "OR", left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Node {
    let left = this.not();
    while (this.tight && this.isSpaced("and")) {
      this.i++;
      left = { type: "binary_expr", operator: "AND", left, right: this.not() };
    }
    return left;
  }

  /** Whether `word` comes next, after white space or a comment. */
  private isSpaced(word: string): boolean {
    const t = this.peek();
    return t?.t === "word" && t.v === word && t.spaced;
  }

  private not(): Node {
    if (!this.take("not")) return this.predicate();
    // node-sql-parser reads `NOT (…)` as a call of a function named NOT.
    if (this.is("(")) fail();
    const expr = this.nested(() => this.not());
    return { type: "unary_expr", operator: "NOT", expr };
  }

  private predicate(): Node {
    const left = this.additive();
    const op = this.peek();
    let node: Node;
    let tight = false;
    if (op?.t === "op" && COMPARISONS.has(op.v)) {
      this.i++;
      node = { type: "binary_expr", operator: op.v, left, right: this.additive() };
    } else if (this.take("is")) {
      const negated = this.take("not");
      this.expect("null");
      const right = { type: "null", value: null };
      node = { type: "binary_expr", operator: negated ? "IS NOT" : "IS", left, right };
    } else {
      const negated = this.is("not") && (this.is("in", 1) || this.is("like", 1));
      if (negated) this.i++;
      if (this.take("in")) {
        this.expect("(");
        const value = this.nested(() => this.exprList());
        this.expect(")");
        const right = { type: "expr_list", value };
        node = { type: "binary_expr", operator: negated ? "NOT IN" : "IN", left, right };
        tight = true;
      } else if (this.take("like")) {
        node = { type: "binary_expr", operator: negated ? "NOT LIKE" : "LIKE", left, right: this.additive() };
      } else {
        this.tight = false;
        return left;
      }
    }
    const next = this.peek();
    if ((next?.t === "op" && COMPARISONS.has(next.v)) || this.is("is") || this.is("in") || this.is("like"))
      fail();
    if (this.is("not")) fail();
    this.tight = tight;
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
    if (t.t === "string") {
      this.i++;
      // MySQL reads "…" as a string too (unless ANSI_QUOTES), and so does node-sql-parser here.
      return { type: t.quote === '"' ? "double_quote_string" : "single_quote_string", value: t.v };
    }
    if (t.t === "number") {
      this.i++;
      return numberNode(t.v);
    }
    if (t.t === "param") {
      this.i++;
      return { type: "origin", value: "?" };
    }
    if (this.take("true")) return { type: "bool", value: true };
    if (this.take("false")) return { type: "bool", value: false };
    if (this.take("null")) return { type: "null", value: null };
    if (this.take("(")) {
      const inner = this.nested(() => this.conditions());
      this.expect(")");
      // node-sql-parser marks them, and reads `(a OR b) AND c` right.
      return { ...inner, parentheses: true };
    }
    if (!this.is("(", 1)) return this.columnRef();
    const spelt = this.nameToken();
    const name = spelt.v.toLowerCase();
    this.i++;
    if (SPECIAL_FUNCTIONS.has(name)) fail();
    if (AGGREGATES.has(name)) {
      // One argument, or COUNT(*), left out of the node.
      if (!(name === "count" && this.take("*")))
        this.nested(() => this.keeping(false, () => this.condition()));
      this.expect(")");
      return { type: "aggr_func" };
    }
    // A routine whose name says it destroys data where this reader's tree has no place for it is left to
    // node-sql-parser, whose tree keeps it.
    if (!this.kept) {
      if (routineNameSaysDestroys(name)) fail();
      if (!this.is(")")) this.nested(() => this.exprList());
      this.expect(")");
      return { type: "function" };
    }
    const args = this.is(")") ? [] : this.nested(() => this.exprList());
    this.expect(")");
    const part =
      spelt.t === "word"
        ? { type: "default", value: spelt.raw }
        : { type: "backticks_quote_string", value: spelt.v };
    return { type: "function", name: { name: [part] }, args: { type: "expr_list", value: args } };
  }

  /** `c` or `t.c`, as node-sql-parser's column reference (a `quoted` table as the node it makes of it). */
  private columnRef(): Node {
    const first = this.nameToken();
    const spelt = first.t === "word" ? first.raw : first.v;
    if (!this.take(".")) return { type: "column_ref", table: null, column: spelt };
    const table = first.t === "name" ? { type: "backticks_quote_string", value: first.v } : spelt;
    return { type: "column_ref", table, column: this.name() };
  }
}

/** What node-sql-parser makes of a text holding a statement it has no grammar for: a syntax error. */
export const MYSQL_PARSER_REFUSES = "refused";

/**
 * The statements of `sql` as node-sql-parser's MySQL tree, for the subset this reader knows and the fields the
 * guard reads; MYSQL_PARSER_REFUSES when the text is that subset up to a statement node-sql-parser cannot read; null
 * for anything else, which node-sql-parser must read.
 */
export function readSimpleMysql(sql: string): Node[] | typeof MYSQL_PARSER_REFUSES | null {
  // node-sql-parser reads a text whole: when its first statement is one it has no grammar for, it refuses the text,
  // whatever follows (quoted names, strings in other quotes…).
  const opening = REFUSED_OPENING.exec(sql);
  if (opening && REFUSED_STATEMENTS.has(opening[1]!.toLowerCase())) return MYSQL_PARSER_REFUSES;
  try {
    const tokens = lexMysql(sql);
    // Nothing but blanks and comments: node-sql-parser reads no statement.
    if (tokens.length === 0) return [];
    const statements: Node[] = [];
    let start = 0;
    for (let i = 0; i <= tokens.length; i++) {
      const token = tokens[i];
      if (token && !(token.t === "punct" && token.v === ";")) continue;
      if (i > start) {
        // A statement refused ends node-sql-parser's reading, whatever follows; the ones before must be read here,
        // as they are read there.
        const reader = new Reader(tokens.slice(start, i));
        statements.push(reader.statement());
        if (!reader.done) return null;
      } else if (token && statements.length === 0) return null; // an empty first statement: `; SELECT 1`
      // node-sql-parser drops an empty statement after the first (`SELECT 1; ; SELECT 2`), and so does this reader.
      start = i + 1;
    }
    return statements.length ? statements : null;
  } catch (error) {
    if (error === REFUSED || error instanceof MysqlParserRefuses) return MYSQL_PARSER_REFUSES;
    if (error instanceof NotSimple) return null;
    throw error;
  }
}
