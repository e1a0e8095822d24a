// Shell: parses a command line with mvdan/sh and hands every simple command, with its resolved words and stdin, to the command tables.
import sh, { type ShNode } from "mvdan-sh";
import type { Analysis } from "./analysis.ts";
import { invoke } from "./clis/index.ts";
import { analyzeWriteTarget } from "./clis/files.ts";
import type { InvocationContext, Word } from "./command.ts";
import { pipelineOutput } from "./payloads.ts";
import { analyzeShellFallback } from "./shell-fallback.ts";

const { syntax } = sh;
const parser = syntax.NewParser();

const list = (value: unknown): ShNode[] => (Array.isArray(value) ? (value as ShNode[]) : []);
const node = (value: unknown): ShNode | null => (value && typeof value === "object" ? (value as ShNode) : null);
const text = (value: unknown): string => (typeof value === "string" ? value : "");

function firstCmd(src: string): ShNode {
  return node(list(parser.Parse(src, "").Stmts)[0]?.Cmd)!;
}
function redirOp(src: string): unknown {
  return list(list(parser.Parse(src, "").Stmts)[0]?.Redirs)[0]?.Op;
}
function expOp(src: string): unknown {
  const part = list(node(list(firstCmd(src).Args)[1])?.Parts)[0];
  return node(node(part)?.Exp)?.Op;
}

/** Operator codes of this mvdan build, learnt from the parser itself rather than copied from its Go source. */
const OP = {
  pipe: firstCmd("a | b").Op,
  pipeAll: firstCmd("a |& b").Op,
  redirOut: redirOp("a > b"),
  appendOut: redirOp("a >> b"),
  redirIn: redirOp("a < b"),
  heredoc: redirOp("a <<E\nx\nE"),
  dashHeredoc: redirOp("a <<-E\nx\nE"),
  hereString: redirOp("a <<< b"),
  redirAll: redirOp("a &> b"),
  appendAll: redirOp("a &>> b"),
  clobber: redirOp("a >| b"),
  readWrite: redirOp("a <> b"),
  defaultUnsetOrNull: expOp("echo ${X:-d}"),
  defaultUnset: expOp("echo ${X-d}"),
  assignUnsetOrNull: expOp("echo ${X:=d}"),
  assignUnset: expOp("echo ${X=d}"),
};
const WRITE_OPS = new Set([OP.redirOut, OP.redirAll, OP.clobber, OP.readWrite]);
const APPEND_OPS = new Set([OP.appendOut, OP.appendAll]);

const dynamicWord = (t: string): Word => ({ text: t, dynamic: true, glob: false });

/** Parses and walks a shell script; on a parse error falls back to a tolerant tokenizer that errs towards destructive. */
export function analyzeShell(script: string, an: Analysis, vars?: ReadonlyMap<string, Word>): void {
  let file: ShNode;
  try {
    file = parser.Parse(script, "");
  } catch (error) {
    const message = parseErrorMessage(error);
    const repaired = repair(script);
    if (repaired) {
      an.uncertain(`does not parse as shell (${message}); read as if it were closed`, false);
      new ShellWalker(an, new Map(vars)).stmts(list(repaired.Stmts));
    } else analyzeShellFallback(script, an, message);
    return;
  }
  new ShellWalker(an, new Map(vars)).stmts(list(file.Stmts));
}

/** An unterminated quote or block still runs up to where it breaks in a real shell's eyes; close it and read on. */
function repair(script: string): ShNode | null {
  for (const tail of ["'", '"', "`", ")", "'\"", "\"'", "\n}", "\nfi", "\ndone", "))"]) {
    try {
      return parser.Parse(script + tail, "");
    } catch {
      // try the next closing
    }
  }
  return null;
}

function parseErrorMessage(error: unknown): string {
  const e = error as { Error?: () => string; message?: string };
  if (typeof e?.Error === "function") return e.Error();
  return e?.message ?? String(error);
}

interface Feed {
  data: Buffer | null;
  hint: string;
}

class ShellWalker {
  constructor(
    private readonly an: Analysis,
    private vars: Map<string, Word>,
  ) {}

  stmts(stmts: ShNode[]): void {
    for (const s of stmts) this.stmt(s);
  }

  stmt(stmt: ShNode, feed?: Feed): Buffer | null {
    const cmd = node(stmt.Cmd);
    const redirs = list(stmt.Redirs);
    if (!cmd) {
      this.writes(redirs, this.vars);
      return null;
    }
    switch (syntax.NodeType(cmd)) {
      case "CallExpr":
        return this.call(cmd, redirs, feed).data;
      case "BinaryCmd":
        if (cmd.Op === OP.pipe || cmd.Op === OP.pipeAll) return this.pipeline(cmd);
        this.stmt(node(cmd.X)!);
        this.stmt(node(cmd.Y)!);
        break;
      case "Subshell":
        this.scoped(() => this.stmts(list(cmd.Stmts)));
        break;
      case "Block":
        this.stmts(list(cmd.Stmts));
        break;
      case "IfClause":
        this.ifClause(cmd);
        break;
      case "WhileClause":
        this.stmts(list(cmd.Cond));
        this.stmts(list(cmd.Do));
        break;
      case "ForClause":
        this.forClause(cmd);
        break;
      case "CaseClause":
        this.word(node(cmd.Word)!, this.vars);
        for (const item of list(cmd.Items)) this.stmts(list(item.Stmts));
        break;
      case "FuncDecl":
        // The body runs only when called; analysing it anyway is the cautious reading.
        this.stmt(node(cmd.Body)!);
        break;
      case "TimeClause":
      case "CoprocClause":
        if (node(cmd.Stmt)) this.stmt(node(cmd.Stmt)!);
        break;
      case "DeclClause":
        this.declare(cmd);
        break;
      default:
        this.nestedSubstitutions(cmd);
    }
    this.writes(redirs, this.vars);
    return null;
  }

  private scoped(run: () => void): void {
    const saved = this.vars;
    this.vars = new Map(saved);
    try {
      run();
    } finally {
      this.vars = saved;
    }
  }

  private ifClause(clause: ShNode): void {
    this.stmts(list(clause.Cond));
    this.stmts(list(clause.Then));
    const otherwise = node(clause.Else);
    if (otherwise) this.ifClause(otherwise);
  }

  private forClause(clause: ShNode): void {
    const loop = node(clause.Loop);
    if (loop && syntax.NodeType(loop) === "WordIter") {
      const items = list(loop.Items).flatMap((w) => this.fields(w, this.vars));
      const name = text(node(loop.Name)?.Value);
      this.vars.set(name, dynamicWord(items.map((i) => i.text).join(" ") || `$${name}`));
    } else if (loop) this.nestedSubstitutions(loop);
    this.stmts(list(clause.Do));
  }

  private declare(decl: ShNode): void {
    for (const assign of list(decl.Args)) {
      if (node(assign.Name)) this.assign(assign, this.vars);
      else if (node(assign.Value)) this.word(node(assign.Value)!, this.vars);
    }
  }

  private assign(assign: ShNode, into: Map<string, Word>): void {
    const name = text(node(assign.Name)?.Value);
    if (!name) return;
    const value = node(assign.Value);
    if (value) {
      const resolved = this.word(value, into);
      const previous = assign.Append ? into.get(name) : undefined;
      into.set(
        name,
        previous ? { ...resolved, text: previous.text + resolved.text, dynamic: previous.dynamic || resolved.dynamic } : resolved,
      );
    } else if (node(assign.Array)) {
      into.set(name, dynamicWord(`$${name}`));
      this.nestedSubstitutions(node(assign.Array)!);
    } else if (!assign.Naked) into.set(name, { text: "", dynamic: false, glob: false });
  }

  private pipeline(cmd: ShNode): Buffer | null {
    const stages: ShNode[] = [];
    const flatten = (c: ShNode) => {
      const x = node(c.X)!;
      const y = node(c.Y)!;
      for (const s of [x, y]) {
        const inner = node(s.Cmd);
        if (inner && syntax.NodeType(inner) === "BinaryCmd" && (inner.Op === OP.pipe || inner.Op === OP.pipeAll))
          flatten(inner);
        else stages.push(s);
      }
    };
    flatten(cmd);
    let feed: Feed = { data: null, hint: "" };
    for (const stage of stages) {
      const inner = node(stage.Cmd);
      if (inner && syntax.NodeType(inner) === "CallExpr") feed = this.call(inner, list(stage.Redirs), feed);
      else {
        this.stmt(stage);
        feed = { data: null, hint: "" };
      }
    }
    return feed.data;
  }

  /** Analyses one simple command; returns its stdout when it can be known statically, for the next pipeline stage. */
  private call(cmd: ShNode, redirs: ShNode[], feed?: Feed): Feed {
    const args = list(cmd.Args);
    const assigns = list(cmd.Assigns);
    if (args.length === 0) {
      for (const a of assigns) this.assign(a, this.vars);
      this.writes(redirs, this.vars);
      return { data: null, hint: "" };
    }
    const local = assigns.length ? new Map(this.vars) : this.vars;
    for (const a of assigns) this.assign(a, local);
    const argv = args.flatMap((w) => this.fields(w, local));
    const hint = argv.map((w) => w.text).join(" ");
    if (argv.length === 0) return { data: null, hint };

    const context: InvocationContext = {
      stdin: feed?.data ?? null,
      piped: feed !== undefined && feed.data === null,
      stdinHint: feed?.hint ?? "",
      vars: local,
    };
    for (const r of redirs) {
      const op = r.Op;
      if (op === OP.heredoc || op === OP.dashHeredoc) {
        const body = node(r.Hdoc) ? this.word(node(r.Hdoc)!, local, true).text : "";
        context.stdin = Buffer.from(body);
        context.piped = false;
        context.stdinHint = "heredoc";
        this.an.note(body);
      } else if (op === OP.hereString) {
        const body = this.word(node(r.Word)!, local);
        context.stdin = body.dynamic ? null : Buffer.from(`${body.text}\n`);
        context.piped = body.dynamic;
        context.stdinHint = body.text;
      } else if (op === OP.redirIn) {
        context.stdin = null;
        context.piped = true;
        context.stdinHint = `< ${this.word(node(r.Word)!, local).text}`;
      }
    }
    const an = this.an;
    const out: Feed = { data: null, hint };
    an.nest(() => {
      out.data = pipelineOutput(invoke(argv, context, an));
    });
    this.writes(redirs, local);
    return out;
  }

  /** Output redirections can truncate files or devices. */
  private writes(redirs: ShNode[], vars: Map<string, Word>): void {
    for (const r of redirs) {
      const op = r.Op;
      const target = node(r.Word);
      if (!target || op === OP.heredoc || op === OP.dashHeredoc || op === OP.hereString) continue;
      if (WRITE_OPS.has(op) || APPEND_OPS.has(op)) {
        const resolved = this.word(target, vars);
        if (/^&?\d*-?$/.test(resolved.text)) continue; // fd duplication like 2>&1
        analyzeWriteTarget(resolved, APPEND_OPS.has(op), this.an);
      } else this.word(target, vars);
    }
  }

  /** Words of one shell word after field splitting of unquoted expansions. */
  private fields(w: ShNode, vars: Map<string, Word>): Word[] {
    const parts = list(w.Parts);
    const resolved = this.word(w, vars);
    const unquotedExpansion =
      parts.length === 1 && ["ParamExp", "CmdSubst"].includes(syntax.NodeType(parts[0]));
    if (unquotedExpansion && /\s/.test(resolved.text.trim())) {
      return resolved.text
        .trim()
        .split(/\s+/)
        .map((t) => ({ text: t, dynamic: resolved.dynamic, glob: /[*?[]/.test(t) }));
    }
    if (unquotedExpansion && resolved.text === "" && !resolved.dynamic) return [];
    return [resolved];
  }

  word(w: ShNode, vars: Map<string, Word>, heredoc = false): Word {
    let out = "";
    let dynamic = false;
    let glob = false;
    for (const p of list(w.Parts)) {
      const r = this.part(p, vars, heredoc);
      out += r.text;
      dynamic ||= r.dynamic;
      glob ||= r.glob;
    }
    return { text: out, dynamic, glob };
  }

  private part(p: ShNode, vars: Map<string, Word>, quoted: boolean): Word {
    switch (syntax.NodeType(p)) {
      case "Lit": {
        const raw = text(p.Value);
        return { text: quoted ? unescapeQuoted(raw) : unescapeBare(raw), dynamic: false, glob: !quoted && /[*?[]/.test(raw) };
      }
      case "SglQuoted":
        return { text: p.Dollar ? ansiC(text(p.Value)) : text(p.Value), dynamic: false, glob: false };
      case "DblQuoted": {
        let out = "";
        let dynamic = false;
        for (const q of list(p.Parts)) {
          const r = this.part(q, vars, true);
          out += r.text;
          dynamic ||= r.dynamic;
        }
        return { text: out, dynamic, glob: false };
      }
      case "ParamExp":
        return this.param(p, vars);
      case "CmdSubst":
        return this.substitute(list(p.Stmts));
      case "ProcSubst":
        this.scoped(() => this.stmts(list(p.Stmts)));
        return dynamicWord("/dev/fd/63");
      case "ArithmExp":
        this.nestedSubstitutions(p);
        return dynamicWord("0");
      case "ExtGlob":
        return { text: text(node(p.Pattern)?.Value), dynamic: false, glob: true };
      default:
        return dynamicWord("");
    }
  }

  private param(p: ShNode, vars: Map<string, Word>): Word {
    const name = text(node(p.Param)?.Value);
    if (p.Length || p.Excl || node(p.Slice) || node(p.Repl) || node(p.Index)) return dynamicWord(`$${name}`);
    const known = vars.get(name);
    const exp = node(p.Exp);
    const isDefault =
      exp && [OP.defaultUnset, OP.defaultUnsetOrNull, OP.assignUnset, OP.assignUnsetOrNull].includes(exp.Op);
    if (known && (known.text !== "" || !isDefault)) return known;
    if (exp && isDefault && node(exp.Word)) {
      const fallback = this.word(node(exp.Word)!, vars);
      return { text: fallback.text, dynamic: true, glob: fallback.glob };
    }
    if (exp && node(exp.Word)) this.word(node(exp.Word)!, vars);
    return dynamicWord(`$${name}`);
  }

  /** `$(…)`: runs the inner commands through the tables and, when their output is static (`echo … | base64 -d`), uses it. */
  private substitute(stmts: ShNode[]): Word {
    const out: { data: Buffer | null } = { data: null };
    this.scoped(() => {
      if (stmts.length === 1) out.data = this.stmt(stmts[0]!);
      else this.stmts(stmts);
    });
    if (out.data === null) return dynamicWord("$(…)");
    const decoded = out.data.toString("utf8").replace(/\n+$/, "");
    this.an.note(decoded);
    return { text: decoded, dynamic: false, glob: false };
  }

  /** Commands hidden in nodes the walker does not model (`[[ … ]]`, `(( … ))`, arrays) still run. */
  private nestedSubstitutions(root: ShNode): void {
    const found: ShNode[] = [];
    syntax.Walk(root, (n) => {
      if (!n) return true;
      const type = syntax.NodeType(n);
      if (type === "CmdSubst" || type === "ProcSubst") {
        found.push(n);
        return false;
      }
      return true;
    });
    for (const n of found) this.scoped(() => this.stmts(list(n.Stmts)));
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

const ANSI_C: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", E: "\x1b", f: "\f", v: "\v" };

/** `$'…'` strings: C escapes, hex and octal, the usual way to hide a word from a grep. */
function ansiC(raw: string): string {
  return raw.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|.)/gs, (_, esc: string) => {
    if (/^[xuU]/.test(esc) && esc.length > 1) return String.fromCodePoint(Number.parseInt(esc.slice(1), 16));
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(Number.parseInt(esc, 8));
    return ANSI_C[esc] ?? esc;
  });
}
