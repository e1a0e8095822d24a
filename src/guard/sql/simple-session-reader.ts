// The fast SQL reader's session statements: SET, RESET and ALTER SYSTEM SET/RESET with plain values, SET
// TRANSACTION and SET SESSION CHARACTERISTICS, SHOW, DISCARD and transaction control with its modes, chains and
// savepoints, as libpg-query's nodes.

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
  /** `ALTER SYSTEM SET name {= | TO} value, …` or `ALTER SYSTEM RESET {name | ALL}`. */
  protected alterSystem(): Node {
    this.expect("alter");
    this.expect("system");
    if (this.take("reset")) return { AlterSystemStmt: { setstmt: this.resetting() } };
    this.expect("set");
    return { AlterSystemStmt: { setstmt: this.setting() } };
  }

  /** `RESET {name | ALL}`; RESET TIME ZONE, ROLE, SESSION AUTHORIZATION… are the real parser's. */
  protected reset(): Node {
    this.expect("reset");
    return { VariableSetStmt: this.resetting() };
  }

  private resetting(): Node {
    if (this.take("all")) return { kind: "VAR_RESET_ALL" };
    return { kind: "VAR_RESET", name: this.settingName() };
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

  /**
   * `SET [SESSION | LOCAL] name {= | TO} {value, … | DEFAULT}` with plain values, or the transaction's modes
   * (`SET TRANSACTION …`, `SET SESSION CHARACTERISTICS AS TRANSACTION …`); the other special forms are the real
   * parser's.
   */
  protected set(): Node {
    this.expect("set");
    const local = this.take("local");
    // SESSION CHARACTERISTICS is what the modes are set for; SESSION before anything else is only the scope.
    if (!local && !this.is("characteristics", 1)) this.take("session");
    let node: Node;
    if (this.take("transaction")) node = this.transactionModes("TRANSACTION");
    else if (this.is("session") && this.is("characteristics", 1)) {
      this.i += 2;
      this.expect("as");
      this.expect("transaction");
      node = this.transactionModes("SESSION CHARACTERISTICS");
    } else node = this.setting();
    if (local) node.is_local = true;
    return node;
  }

  /** The modes of SET TRANSACTION: one at least, separated by commas or by nothing at all. */
  private transactionModes(name: string): Node {
    const args = [this.transactionMode()];
    while (!this.done) {
      this.take(",");
      args.push(this.transactionMode());
    }
    return { kind: "VAR_SET_MULTI", name, args, jumble_args: true };
  }

  /** `name {= | TO} {value, … | DEFAULT}` after SET or ALTER SYSTEM SET. */
  private setting(): Node {
    const name = this.settingName();
    if (!this.take("=")) this.expect("to");
    if (this.take("default")) return { kind: "VAR_SET_DEFAULT", name };
    const args: Node[] = [];
    do {
      const t = this.peek() ?? fail();
      if (t.t === "string" || t.t === "number") args.push(constant(t));
      else if (t.t === "name" || (t.t === "word" && (!KEYWORDS.has(t.v) || SETTING_WORDS.has(t.v))))
        args.push({ A_Const: { sval: { sval: t.v } } });
      else fail();
      this.i++;
    } while (this.take(","));
    return { kind: "VAR_SET_VALUE", name, args };
  }

  /** A setting's name: `name` or `prefix.name…`, not a word with its own SET, RESET or SHOW syntax. */
  private settingName(): string {
    const t = this.peek();
    if (t?.t !== "word" || SPECIAL_SETTINGS.has(t.v)) return fail();
    const parts = [this.name()];
    while (this.take(".")) parts.push(this.name());
    return parts.join(".");
  }

  /**
   * BEGIN and START TRANSACTION with their modes, COMMIT/END and ROLLBACK/ABORT [AND [NO] CHAIN], SAVEPOINT,
   * RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT]; prepared transactions are the parser's.
   */
  protected transaction(): Node {
    let kind: string;
    if (this.take("savepoint")) return this.savepoint("TRANS_STMT_SAVEPOINT");
    if (this.take("release")) {
      this.savepointWord();
      return this.savepoint("TRANS_STMT_RELEASE");
    }
    if (this.take("begin")) {
      kind = "TRANS_STMT_BEGIN";
      if (!this.take("transaction")) this.take("work");
    } else if (this.take("start")) {
      kind = "TRANS_STMT_START";
      this.expect("transaction");
    } else {
      const rollback = this.take("rollback");
      if (rollback || this.take("abort")) kind = "TRANS_STMT_ROLLBACK";
      else if (this.take("commit") || this.take("end")) kind = "TRANS_STMT_COMMIT";
      else return fail();
      if (!this.take("transaction")) this.take("work");
      if (rollback && this.take("to")) {
        this.savepointWord();
        return this.savepoint("TRANS_STMT_ROLLBACK_TO");
      }
      const node: Node = { kind };
      if (this.take("and")) {
        const no = this.take("no");
        this.expect("chain");
        if (!no) node.chain = true;
      }
      return { TransactionStmt: node };
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

  /** The optional SAVEPOINT before a savepoint's name, which may itself be `savepoint`. */
  private savepointWord(): void {
    if (this.is("savepoint") && this.peek(1)) this.i++;
  }

  private savepoint(kind: string): Node {
    return { TransactionStmt: { kind, savepoint_name: this.name() } };
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
