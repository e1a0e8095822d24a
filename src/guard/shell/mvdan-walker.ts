// Walks mvdan/sh's syntax tree (compound commands, substitutions, parameter expansions) into the runner.
import type { ShNode } from "mvdan-sh";
import { holdsUnknownText, SOME_NUMBER, UNKNOWN_OUTPUT } from "../shell-arithmetic.ts";
import { type Word, withAlone } from "../word.ts";
import { ansiC } from "./ansi-c.ts";
import type { Way } from "./control-flow.ts";
import { DeclarationOptions } from "./declaration-options.ts";
import { list, mvdan, node, text } from "./mvdan.ts";
import { parameterDefault } from "./parameter-default.ts";
import {
  type Assign,
  dynamicWord,
  EMPTY_WORD,
  type Feed,
  isCatchAll,
  NO_FEED,
  type Redirect,
  type ShellRunner,
  sameOutput,
  splitFields,
} from "./runner.ts";

/** Expansions the shell splits at blanks when unquoted. */
const SPLIT_EXPANSIONS: ReadonlySet<string> = new Set(["ParamExp", "CmdSubst"]);

export class MvdanWalker {
  private readonly m = mvdan();
  /** The array whose subscript is being read, if any. */
  private subscripted: string | null = null;

  constructor(private readonly r: ShellRunner) {}

  stmts(stmts: ShNode[]): void {
    for (const s of stmts) this.stmt(s);
  }

  stmt(stmt: ShNode, feed?: Feed): Feed {
    const cmd = node(stmt.Cmd);
    const type = cmd ? this.m.syntax.NodeType(cmd) : "";
    // A command is read once for each value its variables may hold.
    if (type === "CallExpr")
      return this.r.eachValue(() => this.call(cmd!, list(stmt.Redirs), feed), sameOutput);
    // Redirections alone (`> x`, bash's `$(< file)`) are a command without words, as the fast reader reads them.
    if (!cmd)
      return this.r.eachValue(() => this.r.call([], [], this.redirects(list(stmt.Redirs)), feed), sameOutput);
    let out = NO_FEED;
    if (type === "BinaryCmd" && (cmd!.Op === this.m.op.pipe || cmd!.Op === this.m.op.pipeAll))
      out = this.pipeline(cmd!);
    else if (type === "FuncDecl")
      out = this.functionDeclaration(text(node(cmd!.Name)?.Value), node(cmd!.Body)!, feed === undefined);
    else {
      // The pipe or the redirections, expanded before the list runs, give the list its stdin.
      const redirects = this.redirects(list(stmt.Redirs));
      out = this.r.withStdin(this.r.stdinOf(redirects, feed), () => this.compound(cmd!));
      this.r.writes(redirects);
      return out;
    }
    this.r.writes(this.redirects(list(stmt.Redirs)));
    return out;
  }

  private compound(cmd: ShNode): Feed {
    switch (this.m.syntax.NodeType(cmd)) {
      case "BinaryCmd":
        this.andOr(cmd);
        break;
      case "Subshell":
        this.r.scoped(() => this.stmts(list(cmd.Stmts)));
        break;
      case "Block":
        this.stmts(list(cmd.Stmts));
        break;
      case "IfClause":
        this.ifClause(cmd);
        break;
      case "WhileClause":
        this.r.loop(
          () => this.stmts(list(cmd.Do)),
          () => this.stmts(list(cmd.Cond)),
        );
        break;
      case "ForClause":
        this.forClause(cmd);
        break;
      case "CaseClause":
        this.caseClause(cmd);
        break;
      case "TimeClause":
      case "CoprocClause":
        if (node(cmd.Stmt)) this.stmt(node(cmd.Stmt)!);
        break;
      case "DeclClause":
        this.r.eachValue(
          () => this.declaration(cmd),
          () => undefined,
        );
        break;
      case "ArithmCmd":
        this.arithmetic(node(cmd.X));
        break;
      case "LetClause":
        for (const expression of list(cmd.Exprs)) this.arithmetic(expression);
        break;
      case "TestClause":
        this.test(node(cmd.X));
        break;
      default:
        this.nestedSubstitutions(cmd);
    }
    return NO_FEED;
  }

  /** `a && b || c`, which mvdan/sh holds as `(a && b) || c`: the pipelines in order, each after its operator. */
  private andOr(cmd: ShNode): void {
    const rest: { or: boolean; run: () => void }[] = [];
    let first = cmd;
    for (let c: ShNode | null = cmd; c; ) {
      const y = node(c.Y)!;
      rest.unshift({ or: c.Op === this.m.op.or, run: () => void this.stmt(y) });
      first = node(c.X)!;
      const inner = node(first.Cmd);
      const nested =
        inner &&
        this.m.syntax.NodeType(inner) === "BinaryCmd" &&
        inner.Op !== this.m.op.pipe &&
        inner.Op !== this.m.op.pipeAll &&
        !list(first.Redirs).length &&
        !first.Negated;
      c = nested ? inner : null;
    }
    this.r.andOr(() => void this.stmt(first), rest);
  }

  /**
   * `NAME() { …; }`. mvdan/sh reads `f() { …; } && g` and `f() { …; } | g` as a function whose body is the whole
   * list; bash defines f with the first command as its body (in a subshell when piped, where it is not `kept` for the
   * commands after) and runs the rest.
   */
  private functionDeclaration(name: string, body: ShNode, kept = true): Feed {
    const cmd = node(body.Cmd);
    if (cmd && this.m.syntax.NodeType(cmd) === "BinaryCmd") {
      if (cmd.Op === this.m.op.pipe || cmd.Op === this.m.op.pipeAll)
        return this.pipeline(cmd, (first) => this.functionDeclaration(name, first, false));
      this.functionDeclaration(name, node(cmd.X)!, kept);
      this.stmt(node(cmd.Y)!);
      return NO_FEED;
    }
    this.r.defineFunction(name, () => this.stmt(body), kept, body);
    return NO_FEED;
  }

  /**
   * `declare -i NAME=value` evaluates the value, and what is assigned to NAME later, as arithmetic; `declare -n`
   * makes NAME a nameref, `declare -A` an associative array; a quoted or expanded word (`declare 'a[i]=v'`) is an
   * assignment made when the builtin runs. In a function, `local` (and `declare` without `-g`) names are its own.
   */
  private declaration(cmd: ShNode): void {
    const builtin = text(node(cmd.Variant)?.Value);
    const options = new DeclarationOptions(builtin);
    for (const a of list(cmd.Args)) {
      const name = node(a.Name);
      if (name) {
        if (options.local) this.r.declareLocal(text(name.Value));
        if (options.associative) this.r.declareAssociative(text(name.Value));
        if (options.integer) this.r.declareInteger(text(name.Value));
        if (options.nameref) {
          const assigned = this.assignment(a);
          this.r.declareNameref(assigned.name, a.Naked ? null : (assigned.value ?? EMPTY_WORD));
          continue;
        }
        this.r.redeclared(text(name.Value));
        // `export X` or `declare X` alone keeps X's value (`local X` empties it only inside the function, which
        // is read where it is defined): a known value stays known.
        if (a.Naked && !node(a.Index) && this.r.vars.has(text(name.Value))) continue;
        this.r.assign(this.assignment(a), this.r.vars);
      } else if (node(a.Value)) {
        const word = this.word(node(a.Value)!);
        if (word.text.startsWith("-")) options.read(word.text);
        else this.r.declared(word, options.integer, options.nameref, options.local);
      }
    }
  }

  /**
   * An arithmetic expression: each operand word is expanded (commands substituted in it run), then evaluated, which
   * reads the values of the names in it.
   */
  private arithmetic(expression: ShNode | null): void {
    if (!expression) return;
    switch (this.m.syntax.NodeType(expression)) {
      case "BinaryArithm":
        this.arithmetic(node(expression.X));
        this.arithmetic(node(expression.Y));
        break;
      case "UnaryArithm":
      case "ParenArithm":
        this.arithmetic(node(expression.X));
        break;
      case "Word": {
        // Arithmetic inside the word (`a[$((i))]`) is no subscript.
        const array = this.subscripted;
        this.subscripted = null;
        const word = this.word(expression);
        this.subscripted = array;
        if (array === null) this.r.arithmetic(word);
        else this.r.subscript(array, word);
        break;
      }
      default:
        this.nestedSubstitutions(expression);
    }
  }

  /** An array's subscript: each operand word is expanded, then evaluated as the array reads it. */
  private subscript(array: string, index: ShNode | null): void {
    const outer = this.subscripted;
    this.subscripted = array;
    try {
      this.arithmetic(index);
    } finally {
      this.subscripted = outer;
    }
  }

  /**
   * A `[[ … ]]` expression: each operand word is expanded in turn; those of `-eq`, `-lt`… are then evaluated as
   * arithmetic, and the name after `-v` has its subscript evaluated.
   */
  private test(expression: ShNode | null, evaluated?: "arithmetic" | "name" | "matched"): void {
    if (!expression) return;
    switch (this.m.syntax.NodeType(expression)) {
      case "BinaryTest": {
        const operands = this.m.arithmeticTests.has(expression.Op) ? "arithmetic" : undefined;
        // `=~` puts parts of its left word in BASH_REMATCH.
        this.test(node(expression.X), expression.Op === this.m.regexTest ? "matched" : operands);
        this.test(node(expression.Y), operands);
        break;
      }
      case "UnaryTest":
        this.test(node(expression.X), expression.Op === this.m.nameTest ? "name" : undefined);
        break;
      case "ParenTest":
        this.test(node(expression.X));
        break;
      case "Word": {
        const word = this.word(expression);
        if (evaluated === "arithmetic") this.r.arithmetic(word);
        else if (evaluated === "name") this.r.subscriptedName(word);
        else if (evaluated === "matched") this.r.matched(word);
        break;
      }
      default:
        this.nestedSubstitutions(expression);
    }
  }

  /**
   * Each branch from the state its condition leaves; past the if, the state any of them left. mvdan/sh keeps `elif`
   * and `else` as an IfClause in Else, `else`'s with no condition.
   */
  private ifClause(clause: ShNode): void {
    const ways: Way[] = [];
    for (let c: ShNode | null = clause; c; c = node(c.Else)) {
      if (c !== clause && !list(c.Cond).length) {
        this.stmts(list(c.Then));
        break;
      }
      this.stmts(list(c.Cond));
      const start = this.r.here();
      this.stmts(list(c.Then));
      ways.push(this.r.here());
      this.r.restore(start);
    }
    ways.push(this.r.here());
    this.r.join(ways);
  }

  /**
   * The word and every item's patterns are expanded (commands substituted there run), and every item's list may run,
   * from the state before the case or, after `;&` or `;;&`, the one the item before left; or none does, unless an
   * item matches any word (`*`).
   */
  private caseClause(clause: ShNode): void {
    this.word(node(clause.Word)!);
    const start = this.r.here();
    const ways: Way[] = [];
    let previous: Way | null = null;
    let matchesAll = false;
    for (const item of list(clause.Items)) {
      if (previous) this.r.join([start, previous]);
      else this.r.restore(start);
      for (const pattern of list(item.Patterns)) matchesAll ||= isCatchAll(this.word(pattern));
      this.stmts(list(item.Stmts));
      const end = this.r.here();
      ways.push(end);
      previous = this.m.fallThrough.has(item.Op) ? end : null;
    }
    if (!matchesAll) ways.push(start);
    this.r.join(ways);
  }

  /**
   * `for NAME in …` and `select NAME in …` give NAME each item in turn (select also nothing, for an answer not in the
   * list); a C-style loop's header is evaluated once, and its body may not run.
   */
  private forClause(clause: ShNode): void {
    const loop = node(clause.Loop);
    const body = () => this.stmts(list(clause.Do));
    if (loop && this.m.syntax.NodeType(loop) === "WordIter") {
      const items = this.r.eachValue(
        () => list(loop.Items).flatMap((w) => this.fields(w)),
        (readings) => readings.flat(),
      );
      const values = clause.Select ? [...items, EMPTY_WORD] : items;
      this.r.loop(
        () => {
          this.r.loopVariable(text(node(loop.Name)?.Value), values);
          body();
        },
        undefined,
        Boolean(clause.Select) || items.length === 0 || items.some((i) => i.dynamic),
      );
      return;
    }
    if (loop) for (const part of [loop.Init, loop.Cond, loop.Post]) this.arithmetic(node(part));
    this.r.loop(body, undefined, true);
  }

  private assignment(a: ShNode): Assign {
    const name = text(node(a.Name)?.Value);
    // `a[$(…)]=1`: the index is expanded, and commands in it run, then evaluated as arithmetic.
    this.subscript(name, node(a.Index));
    const value = node(a.Value);
    if (value) return { name, value: this.word(value), append: Boolean(a.Append) };
    if (node(a.Array)) {
      let unknown = false;
      for (const element of list(node(a.Array)!.Elems)) {
        this.subscript(name, node(element.Index));
        if (node(element.Value)) unknown ||= holdsUnknownText(this.word(node(element.Value)!));
      }
      // Elements only known at run time (`a=($(curl …))`) make the array text the guard cannot know.
      return { name, value: dynamicWord(unknown ? UNKNOWN_OUTPUT : `$${name}`), append: false };
    }
    // `X+=` with no value appends nothing: X keeps its value.
    return { name, value: null, append: Boolean(a.Append) };
  }

  /** A pipeline's stages, each reading the one before; `first` reads the first one when given. */
  private pipeline(cmd: ShNode, first?: (stage: ShNode) => Feed): Feed {
    const stages: ShNode[] = [];
    const flatten = (c: ShNode) => {
      for (const s of [node(c.X)!, node(c.Y)!]) {
        const inner = node(s.Cmd);
        if (
          inner &&
          this.m.syntax.NodeType(inner) === "BinaryCmd" &&
          (inner.Op === this.m.op.pipe || inner.Op === this.m.op.pipeAll)
        )
          flatten(inner);
        else stages.push(s);
      }
    };
    flatten(cmd);
    let feed: Feed | undefined = first?.(stages.shift()!);
    for (const stage of stages) feed = this.stmt(stage, feed);
    return feed ?? NO_FEED;
  }

  private call(cmd: ShNode, redirs: ShNode[], feed?: Feed): Feed {
    const assigns = list(cmd.Assigns).map((a) => this.assignment(a));
    const argv = list(cmd.Args).flatMap((w) => this.fields(w));
    return this.r.call(assigns, argv, this.redirects(redirs), feed);
  }

  private redirects(redirs: ShNode[]): Redirect[] {
    const out: Redirect[] = [];
    for (const r of redirs) {
      const kind = this.m.redirectKinds.get(r.Op) ?? "dup";
      const fd = text(node(r.N)?.Value) || undefined;
      if (kind === "heredoc") {
        const body = node(r.Hdoc);
        out.push({
          kind,
          target: body ? this.heredocBody(body, this.quotedDelimiter(node(r.Word))) : EMPTY_WORD,
          fd,
        });
      } else if (node(r.Word)) out.push({ kind, target: this.word(node(r.Word)!), fd });
    }
    return out;
  }

  /**
   * A here-document's body: as written under a quoted delimiter; else expanded, a backslash quoting only `$`, a
   * backquote and `\` (mvdan/sh has already joined the lines it ends).
   */
  private heredocBody(body: ShNode, literal: boolean): Word {
    const parts = list(body.Parts);
    if (literal) return { text: parts.map((p) => text(p.Value)).join(""), dynamic: false, glob: false };
    let out = "";
    let dynamic = false;
    for (const p of parts) {
      if (this.m.syntax.NodeType(p) === "Lit") out += text(p.Value).replace(/\\([$`\\])/g, "$1");
      else {
        const r = this.part(p, true);
        out += r.text;
        dynamic ||= r.dynamic;
      }
    }
    return { text: out, dynamic, glob: false };
  }

  /** A quote or a backslash anywhere in a here-document's delimiter keeps its body as written. */
  private quotedDelimiter(word: ShNode | null): boolean {
    return list(word?.Parts).some((p) => this.m.syntax.NodeType(p) !== "Lit" || text(p.Value).includes("\\"));
  }

  /**
   * Words of one shell word after field splitting of an unquoted expansion standing alone; `"$@"` is a word for each
   * positional parameter.
   */
  private fields(w: ShNode): Word[] {
    const parts = list(w.Parts);
    // A lone process substitution stays the runner's word, so `bash <(…)` finds what it writes.
    const resolved = this.word(w);
    const only =
      parts.length === 1 &&
      (["ParamExp", "CmdSubst"].includes(this.m.syntax.NodeType(parts[0])) || this.allPositional(parts[0]!));
    return only ? splitFields(resolved) : [resolved];
  }

  /** `"$@"` itself, with nothing around it in the quotes. */
  private allPositional(part: ShNode): boolean {
    if (this.m.syntax.NodeType(part) !== "DblQuoted") return false;
    const inner = list(part.Parts);
    const p = inner[0];
    if (inner.length !== 1 || this.m.syntax.NodeType(p) !== "ParamExp" || text(node(p!.Param)?.Value) !== "@")
      return false;
    return !p!.Length && !p!.Excl && ![p!.Index, p!.Slice, p!.Repl, p!.Exp].some(node);
  }

  private word(w: ShNode): Word {
    const parts = list(w.Parts);
    // A process substitution standing alone stays the runner's word, so a `<` redirection finds its output.
    if (parts.length === 1 && this.m.syntax.NodeType(parts[0]) === "ProcSubst")
      return this.part(parts[0]!, false);
    return this.parts(parts, false);
  }

  private parts(parts: ShNode[], quoted: boolean): Word {
    let out = "";
    let dynamic = false;
    let glob = false;
    let unread: string | undefined;
    let freshTemporary: string | undefined;
    let splits = false;
    for (const p of parts) {
      const r = this.part(p, quoted);
      out += r.text;
      dynamic ||= r.dynamic;
      glob ||= r.glob;
      if (parts.length === 1) ({ unread, freshTemporary } = r);
      splits ||= !quoted && r.dynamic && SPLIT_EXPANSIONS.has(this.m.syntax.NodeType(p));
    }
    const word = withAlone({ text: out, dynamic, glob }, unread, freshTemporary);
    if (splits) word.splits = true;
    return word;
  }

  private part(p: ShNode, quoted: boolean): Word {
    switch (this.m.syntax.NodeType(p)) {
      case "Lit": {
        const raw = text(p.Value);
        return {
          text: quoted ? unescapeQuoted(raw) : unescapeBare(raw),
          dynamic: false,
          glob: !quoted && /(^|[^\\])[*?[]/.test(raw),
        };
      }
      case "SglQuoted":
        return { text: p.Dollar ? ansiC(text(p.Value)) : text(p.Value), dynamic: false, glob: false };
      case "DblQuoted": {
        const inner = this.parts(list(p.Parts), true);
        return { ...inner, glob: false };
      }
      case "ParamExp":
        return this.param(p);
      case "CmdSubst":
        return this.substitute(list(p.Stmts));
      case "ProcSubst":
        return this.r.processSubstitution(p.Op === this.m.op.procIn ? "<" : ">", () =>
          this.script(list(p.Stmts)),
        );
      case "ArithmExp":
        this.arithmetic(node(p.X));
        return dynamicWord("0");
      case "ExtGlob":
        return { text: text(node(p.Pattern)?.Value), dynamic: false, glob: true };
      default:
        return dynamicWord("");
    }
  }

  private param(p: ShNode): Word {
    const name = text(node(p.Param)?.Value);
    if (p.Length || p.Excl || node(p.Slice) || node(p.Repl) || node(p.Index)) {
      // The shell expands an index, a slice or a replacement before the value: commands in them run, and an index
      // and a slice's bounds are evaluated as arithmetic.
      this.subscript(name, node(p.Index));
      const repl = node(p.Repl);
      for (const w of [repl?.Orig, repl?.With, node(p.Exp)?.Word])
        if (node(w)) this.nestedSubstitutions(node(w)!);
      const slice = node(p.Slice);
      for (const bound of [slice?.Offset, slice?.Length]) this.arithmetic(node(bound));
      // `${!x}` reads x's value as a name, whose subscript is evaluated.
      if (p.Excl && !node(p.Index) && !p.Names) {
        const known = this.r.value(name);
        if (known) this.r.subscriptedName(known);
      }
      // A length is a number, whatever the value.
      return p.Length ? SOME_NUMBER : dynamicWord(`$${name}`);
    }
    const known = this.r.value(name);
    const exp = node(p.Exp);
    const isDefault = exp !== null && this.m.defaultOps.has(exp.Op);
    const fallbackWord = exp ? node(exp.Word) : null;
    if (fallbackWord) this.quotedSubstitutionsInWord(fallbackWord);
    if (known && (known.text !== "" || !isDefault)) {
      // `${X:+$(…)}` expands its word exactly when X is set; whatever the operator, its commands are judged.
      if (fallbackWord) this.nestedSubstitutions(fallbackWord);
      return known;
    }
    if (fallbackWord) {
      const fallback = this.word(fallbackWord);
      if (isDefault) return parameterDefault(name, fallback);
    }
    return dynamicWord(`$${name}`);
  }

  private substitute(stmts: ShNode[]): Word {
    return this.r.substitution(() => this.script(stmts));
  }

  /** Runs the commands of a substitution; returns their output when it is static (one pipeline), as the fast walker. */
  private script(stmts: ShNode[]): Buffer | null {
    if (stmts.length === 1) return this.stmt(stmts[0]!).data;
    this.stmts(stmts);
    return null;
  }

  /**
   * Commands hidden in nodes the walker does not model (an array's elements, an operator's word) still run, and
   * arithmetic there (`$((…))`, an index, a slice's bounds) is evaluated: in the order they are written.
   */
  private nestedSubstitutions(root: ShNode): void {
    const found: ShNode[] = [];
    this.m.syntax.Walk(root, (n) => {
      if (!n) return true;
      const type = this.m.syntax.NodeType(n);
      const evaluates =
        type === "ArithmExp" || (type === "ParamExp" && (n.Excl || node(n.Index) || node(n.Slice)));
      if (type === "CmdSubst" || type === "ProcSubst" || evaluates) {
        found.push(n);
        return false;
      }
      return true;
    });
    for (const n of found) {
      const type = this.m.syntax.NodeType(n);
      if (type === "ArithmExp") this.arithmetic(node(n.X));
      else if (type === "ParamExp") this.param(n);
      else this.r.scoped(() => this.stmts(list(n.Stmts)));
    }
  }

  /**
   * In `"${x:+'$(…)'}"` the single quotes are plain characters and the command runs, but the syntax tree holds a quoted
   * string: such a word is asked about.
   */
  private quotedSubstitutionsInWord(word: ShNode): void {
    let hidden = false;
    this.m.syntax.Walk(word, (n) => {
      if (n && this.m.syntax.NodeType(n) === "SglQuoted" && /\$\(|`/.test(text(n.Value))) hidden = true;
      return !hidden;
    });
    if (hidden) this.r.singleQuotedCommand();
  }
}

/** Unquoted text: a backslash quotes the next character. */
function unescapeBare(raw: string): string {
  return raw.includes("\\") ? raw.replace(/\\(.)/gs, "$1") : raw;
}

/** Inside double quotes (and unquoted heredocs) a backslash only quotes $ ` " \ and newline. */
function unescapeQuoted(raw: string): string {
  return raw.includes("\\") ? raw.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === "\n" ? "" : c)) : raw;
}
