// The fast SQL reader's session statements: SET and ALTER SYSTEM SET with plain values, SHOW, DISCARD and
// transaction control with its modes, as libpg-query's nodes.

import { DdlReader } from "./simple-ddl-reader.ts";
import { constant, KEYWORDS, type Node } from "./simple-expression-reader.ts";
import { fail } from "./simple-lexer.ts";

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

export class SessionReader extends DdlReader {
  /** `ALTER SYSTEM SET name {= | TO} value, …`. */
  protected alterSystem(): Node {
    this.expect("alter");
    this.expect("system");
    this.expect("set");
    return { AlterSystemStmt: { setstmt: this.setting({ kind: "VAR_SET_VALUE" }) } };
  }

  protected show(): Node {
    this.expect("show");
    return { VariableShowStmt: { name: this.settingName() } };
  }

  protected discard(): Node {
    this.expect("discard");
    const t = this.peek();
    const target = t?.t === "word" ? DISCARD_TARGETS.get(t.v) : undefined;
    if (!target) return fail();
    this.i++;
    return { DiscardStmt: { target } };
  }

  /** `SET [SESSION | LOCAL] name {= | TO} value, …` with plain values; the special forms are the real parser's. */
  protected set(): Node {
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
  protected transaction(): Node {
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
