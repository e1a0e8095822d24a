// The fast SQL reader's schema statements: TRUNCATE, DROP, the common ALTER TABLE subcommands, CREATE INDEX,
// CREATE TABLE … AS SELECT, CREATE [OR REPLACE] VIEW and COMMENT ON, as libpg-query's nodes. Forms outside them
// (partitions, storage options, identity columns, exclusion constraints…) go to the real parser.

import { type Node, str } from "./simple-expression-reader.ts";
import { fail } from "./simple-lexer.ts";
import { SimpleReaderBase } from "./simple-reader-base.ts";

/** What a foreign key does when the row it points to goes, as the parser codes it. */
const KEY_ACTIONS: [string[], string][] = [
  [["cascade"], "c"],
  [["restrict"], "r"],
  [["no", "action"], "a"],
  [["set", "null"], "n"],
  [["set", "default"], "d"],
];
/** Words that may follow a column's type: its constraints, the next subcommand, or the end. */
const COLUMN_CONSTRAINTS = new Set(["not", "null", "default", "primary", "unique", "references", "check"]);

export class DdlReader extends SimpleReaderBase {
  protected truncate(): Node {
    this.expect("truncate");
    this.take("table");
    const relations: Node[] = [];
    do relations.push({ RangeVar: this.rangeVar() });
    while (this.take(","));
    const node: Node = { relations };
    if (this.take("restart")) {
      this.expect("identity");
      node.restart_seqs = true;
    } else if (this.take("continue")) this.expect("identity");
    node.behavior = this.behavior();
    return node;
  }

  protected behavior(): string {
    if (this.take("cascade")) return "DROP_CASCADE";
    this.take("restrict");
    return "DROP_RESTRICT";
  }

  protected drop(): Node {
    this.expect("drop");
    const kind = ["database", "table", "view", "index", "sequence", "schema"].find((word) => this.is(word));
    if (kind === "database") {
      this.i++;
      if (this.is("if")) this.ifExists();
      return { DropdbStmt: { dbname: this.name() } };
    }
    if (!kind) return fail();
    this.i++;
    const concurrent = kind === "index" && this.take("concurrently");
    if (this.is("if")) this.ifExists();
    const objects: Node[] = [];
    do {
      // A schema's name has one part; the others may be qualified.
      if (kind === "schema") objects.push(str(this.name()));
      else {
        // `catalog.schema.name` too: the parser keeps every part, and the guard reads them all.
        const parts = this.qualified();
        if (parts.length === 2 && this.take(".")) parts.push(this.name());
        objects.push({ List: { items: parts.map(str) } });
      }
    } while (this.take(","));
    const node: Node = { objects, removeType: `OBJECT_${kind.toUpperCase()}`, behavior: this.behavior() };
    if (concurrent) node.concurrent = true;
    return { DropStmt: node };
  }

  protected ifExists(): void {
    this.expect("if");
    this.expect("exists");
  }

  /** `IF EXISTS`, when it comes next. */
  private missingOk(node: Node): void {
    if (!this.is("if")) return;
    this.ifExists();
    node.missing_ok = true;
  }

  /** `ALTER TABLE [IF EXISTS] [ONLY] name` and its subcommands, or one RENAME. */
  protected alterTable(): Node {
    this.expect("alter");
    this.expect("table");
    const node: Node = {};
    this.missingOk(node);
    // ONLY leaves out inheriting tables; the guard judges the table named either way.
    this.take("only");
    node.relation = this.rangeVar();
    if (this.is("rename")) return { RenameStmt: this.rename(node) };
    const cmds: Node[] = [];
    do cmds.push({ AlterTableCmd: this.alterTableCmd() });
    while (this.take(","));
    node.cmds = cmds;
    node.objtype = "OBJECT_TABLE";
    return { AlterTableStmt: node };
  }

  /** `RENAME TO name`, `RENAME CONSTRAINT a TO b` or `RENAME [COLUMN] a TO b`. */
  private rename(node: Node): Node {
    this.expect("rename");
    if (this.take("to")) node.renameType = "OBJECT_TABLE";
    else {
      if (this.take("constraint")) node.renameType = "OBJECT_TABCONSTRAINT";
      else {
        this.take("column");
        node.renameType = "OBJECT_COLUMN";
      }
      node.subname = this.name();
      this.expect("to");
    }
    node.newname = this.name();
    node.behavior = "DROP_RESTRICT";
    return node;
  }

  private alterTableCmd(): Node {
    const t = this.peek();
    if (t?.t !== "word") return fail();
    this.i++;
    const cmd: Node = {};
    switch (t.v) {
      case "drop":
        if (this.take("constraint")) cmd.subtype = "AT_DropConstraint";
        else {
          this.take("column");
          cmd.subtype = "AT_DropColumn";
        }
        this.missingOk(cmd);
        cmd.name = this.name();
        cmd.behavior = this.behavior();
        return cmd;
      case "add":
        if (this.take("constraint")) {
          cmd.subtype = "AT_AddConstraint";
          const conname = this.name();
          cmd.def = { Constraint: { conname, ...this.tableConstraint() } };
        } else if (this.is("primary") || this.is("unique") || this.is("foreign") || this.is("check")) {
          cmd.subtype = "AT_AddConstraint";
          cmd.def = { Constraint: this.tableConstraint() };
        } else {
          this.take("column");
          cmd.subtype = "AT_AddColumn";
          if (this.is("if")) {
            this.i++;
            this.expect("not");
            this.expect("exists");
            cmd.missing_ok = true;
          }
          cmd.def = { ColumnDef: this.columnDef() };
        }
        break;
      case "alter":
        this.take("column");
        cmd.name = this.name();
        this.alterColumn(cmd);
        break;
      case "enable":
      case "disable": {
        const verb = t.v === "enable" ? "Enable" : "Disable";
        if (this.take("trigger")) {
          if (this.take("all")) cmd.subtype = `AT_${verb}TrigAll`;
          else if (this.take("user")) cmd.subtype = `AT_${verb}TrigUser`;
          else {
            cmd.subtype = `AT_${verb}Trig`;
            cmd.name = this.name();
          }
        } else {
          this.rowLevelSecurity();
          cmd.subtype = `AT_${verb}RowSecurity`;
        }
        break;
      }
      case "force":
        this.rowLevelSecurity();
        cmd.subtype = "AT_ForceRowSecurity";
        break;
      case "no":
        this.expect("force");
        this.rowLevelSecurity();
        cmd.subtype = "AT_NoForceRowSecurity";
        break;
      case "set":
        if (this.take("logged")) cmd.subtype = "AT_SetLogged";
        else {
          this.expect("unlogged");
          cmd.subtype = "AT_SetUnLogged";
        }
        break;
      case "validate":
        this.expect("constraint");
        cmd.subtype = "AT_ValidateConstraint";
        cmd.name = this.name();
        break;
      default:
        return fail();
    }
    cmd.behavior = "DROP_RESTRICT";
    return cmd;
  }

  private rowLevelSecurity(): void {
    this.expect("row");
    this.expect("level");
    this.expect("security");
  }

  /** After `ALTER [COLUMN] name`: `[SET DATA] TYPE t [USING expr]`, `SET|DROP NOT NULL`, `SET|DROP DEFAULT`. */
  private alterColumn(cmd: Node): void {
    if (this.is("set") && this.is("data", 1)) {
      this.i += 2;
      this.expect("type");
    } else if (!this.take("type")) {
      const set = this.take("set");
      if (!set) this.expect("drop");
      if (this.take("not")) {
        this.expect("null");
        cmd.subtype = set ? "AT_SetNotNull" : "AT_DropNotNull";
      } else {
        this.expect("default");
        cmd.subtype = "AT_ColumnDefault";
        if (set) cmd.def = this.expr();
      }
      return;
    }
    cmd.subtype = "AT_AlterColumnType";
    const def: Node = { typeName: this.columnType() };
    if (this.take("using")) def.raw_default = this.expr();
    cmd.def = { ColumnDef: def };
  }

  /** `name type [constraint …]` with NOT NULL, NULL, DEFAULT, PRIMARY KEY, UNIQUE, REFERENCES and CHECK. */
  private columnDef(): Node {
    const node: Node = { colname: this.name(), typeName: this.columnType(), is_local: true };
    const constraints: Node[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || this.is(",")) break;
      if (t.t !== "word" || !COLUMN_CONSTRAINTS.has(t.v)) return fail();
      this.i++;
      if (t.v === "not") {
        this.expect("null");
        constraints.push({ Constraint: { contype: "CONSTR_NOTNULL" } });
      } else if (t.v === "null") constraints.push({ Constraint: { contype: "CONSTR_NULL" } });
      else if (t.v === "default") {
        // A default is PostgreSQL's b_expr, which stops before comparisons, AND, IS, LIKE…: read that far only,
        // and only a constraint, a comma or the end may follow.
        constraints.push({ Constraint: { contype: "CONSTR_DEFAULT", raw_expr: this.defaultValue() } });
      } else if (t.v === "primary") {
        this.expect("key");
        constraints.push({ Constraint: { contype: "CONSTR_PRIMARY" } });
      } else if (t.v === "unique") constraints.push({ Constraint: { contype: "CONSTR_UNIQUE" } });
      else if (t.v === "references")
        constraints.push({ Constraint: { contype: "CONSTR_FOREIGN", ...this.references() } });
      else constraints.push({ Constraint: { contype: "CONSTR_CHECK", raw_expr: this.parenthesised() } });
    }
    if (constraints.length) node.constraints = constraints;
    return node;
  }

  private defaultValue(): Node {
    const value = this.concat();
    const next = this.peek();
    if (next && !this.is(",") && !(next.t === "word" && COLUMN_CONSTRAINTS.has(next.v))) fail();
    return value;
  }

  /** `PRIMARY KEY (…)`, `UNIQUE (…)`, `FOREIGN KEY (…) REFERENCES …` or `CHECK (…)`, then `NOT VALID` for the last two. */
  private tableConstraint(): Node {
    let node: Node;
    if (this.take("primary")) {
      this.expect("key");
      node = { contype: "CONSTR_PRIMARY", keys: this.columnList() };
    } else if (this.take("unique")) node = { contype: "CONSTR_UNIQUE", keys: this.columnList() };
    else if (this.take("foreign")) {
      this.expect("key");
      node = { contype: "CONSTR_FOREIGN", fk_attrs: this.columnList() };
      this.expect("references");
      Object.assign(node, this.references());
    } else {
      this.expect("check");
      node = { contype: "CONSTR_CHECK", raw_expr: this.parenthesised() };
    }
    // PostgreSQL's grammar refuses NOT VALID on keys itself; only foreign keys and checks may skip validation.
    if (
      this.is("not") &&
      this.is("valid", 1) &&
      (node.contype === "CONSTR_FOREIGN" || node.contype === "CONSTR_CHECK")
    ) {
      this.i += 2;
      node.skip_validation = true;
    }
    return node;
  }

  /** After REFERENCES: `table [(columns)] [ON DELETE action] [ON UPDATE action]`. */
  private references(): Node {
    const node: Node = { pktable: this.rangeVar() };
    if (this.is("(")) node.pk_attrs = this.columnList();
    let del = "a";
    let upd = "a";
    const seen = new Set<string>();
    while (this.take("on")) {
      let event = "delete";
      if (!this.take("delete")) {
        this.expect("update");
        event = "update";
      }
      if (seen.has(event)) fail();
      seen.add(event);
      const action = this.keyAction();
      if (event === "delete") del = action;
      else upd = action;
    }
    node.fk_upd_action = upd;
    node.fk_del_action = del;
    return node;
  }

  private keyAction(): string {
    for (const [words, code] of KEY_ACTIONS) {
      if (!words.every((word, k) => this.is(word, k))) continue;
      this.i += words.length;
      // `SET NULL (column, …)` names the columns to clear: the real parser's.
      if (this.is("(")) fail();
      return code;
    }
    return fail();
  }

  /** `CREATE TABLE [IF NOT EXISTS] name AS SELECT …`: a copy, often taken before something destructive. */
  protected createTableAs(): Node {
    this.expect("create");
    this.expect("table");
    const node: Node = {};
    if (this.take("if")) {
      this.expect("not");
      this.expect("exists");
      node.if_not_exists = true;
    }
    // Column lists, TEMP and UNLOGGED tables, WITH [NO] DATA and definitions are the real parser's.
    node.into = { rel: this.rangeVar(), onCommit: "ONCOMMIT_NOOP" };
    this.expect("as");
    if (!this.is("select")) fail();
    node.query = { SelectStmt: this.select() };
    node.objtype = "OBJECT_TABLE";
    return { CreateTableAsStmt: node };
  }

  /**
   * `CREATE [OR REPLACE] [TEMP | TEMPORARY] VIEW name [(column, …)] AS SELECT …`: defines a query, runs nothing.
   * Options, RECURSIVE and CHECK OPTION are the real parser's.
   */
  protected createView(): Node {
    this.expect("create");
    let replace = false;
    if (this.take("or")) {
      this.expect("replace");
      replace = true;
    }
    // A temporary view differs only in a field the guard leaves out (its persistence).
    if (!this.take("temp")) this.take("temporary");
    this.expect("view");
    const node: Node = { view: this.rangeVar() };
    if (this.is("(")) node.aliases = this.columnList();
    this.expect("as");
    if (!this.is("select")) fail();
    node.query = { SelectStmt: this.union() };
    if (replace) node.replace = true;
    node.withCheckOption = "NO_CHECK_OPTION";
    return { ViewStmt: node };
  }

  /** `COMMENT ON TABLE name IS …` or `COMMENT ON COLUMN [schema.]table.column IS …`, with a string or NULL. */
  protected comment(): Node {
    this.expect("comment");
    this.expect("on");
    const node: Node = {};
    let parts: string[];
    if (this.take("table")) {
      node.objtype = "OBJECT_TABLE";
      parts = this.qualified();
    } else {
      this.expect("column");
      node.objtype = "OBJECT_COLUMN";
      parts = [this.name()];
      this.expect(".");
      parts.push(this.name());
      if (this.take(".")) parts.push(this.name());
    }
    node.object = { List: { items: parts.map(str) } };
    this.expect("is");
    if (!this.take("null")) {
      const t = this.peek();
      if (t?.t !== "string") return fail();
      this.i++;
      // An empty comment removes the comment, as NULL does: the parser leaves the field out.
      if (t.v) node.comment = t.v;
    }
    return { CommentStmt: node };
  }

  /** `CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table [USING method] (…) [WHERE …]`. */
  protected createIndex(): Node {
    this.expect("create");
    const node: Node = {};
    if (this.take("unique")) node.unique = true;
    this.expect("index");
    if (this.take("concurrently")) node.concurrent = true;
    if (this.take("if")) {
      this.expect("not");
      this.expect("exists");
      node.if_not_exists = true;
      node.idxname = this.name();
    } else if (!this.is("on")) node.idxname = this.name();
    this.expect("on");
    this.take("only");
    node.relation = this.rangeVar();
    node.accessMethod = this.take("using") ? this.name() : "btree";
    this.expect("(");
    const params: Node[] = [];
    do params.push({ IndexElem: this.indexElem() });
    while (this.take(","));
    this.expect(")");
    node.indexParams = params;
    if (this.take("where")) node.whereClause = this.expr();
    return { IndexStmt: node };
  }
}
