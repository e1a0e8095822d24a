// Shell: a command line becomes simple commands (resolved words, environment, stdin, redirections) for the command
// tables. Simple lines take the exact fast reader; everything else is parsed by mvdan/sh (the parser behind shfmt).
import { createRequire } from "node:module";
import type { ShNode, ShParser, ShSyntax } from "mvdan-sh";
import type { Analysis } from "./analysis.ts";
import { analyzeWriteTarget } from "./clis/files.ts";
import { invoke } from "./clis/index.ts";
import type { InvocationContext } from "./command.ts";
import { pipelineOutput } from "./payloads.ts";
import { analyzeShellFallback } from "./shell-fallback.ts";
import {
  ansiC,
  parseSimple,
  type SimpleRedirect,
  type SimpleScript,
  type SimpleWord,
} from "./shell-simple.ts";
import type { Word } from "./word.ts";

export interface ShellOptions {
  /** "simple" only accepts the fast subset (tests); "full" always uses mvdan/sh (tests); default: fast when possible. */
  parser?: "auto" | "full" | "simple";
  /** Records every simple command as it is classified, for tests comparing the two readers. */
  trace?: TraceEntry[];
}

export interface TraceEntry {
  argv: Word[];
  env: Record<string, string>;
  stdin: string | null;
  piped: boolean;
  writes: { target: string; append: boolean }[];
}

/** Parses and walks a shell script; on a parse error, reads it as if closed or with a tolerant tokenizer. */
export function analyzeShell(
  script: string,
  an: Analysis,
  vars?: ReadonlyMap<string, Word>,
  options: ShellOptions = {},
): boolean {
  const runner = new ShellRunner(an, new Map(vars), options.trace);
  if (options.parser !== "full") {
    const simple = parseSimple(script);
    if (simple) {
      runner.simpleScript(simple);
      return true;
    }
    if (options.parser === "simple") return false;
    // An unterminated quote, the commonest broken input, is closed here: the full parser's error path is slow.
    for (const quote of ["'", '"']) {
      const closed = parseSimple(script + quote);
      if (closed) {
        an.uncertain(`does not parse as shell (unterminated ${quote}); read as if it were closed`, false);
        runner.simpleScript(closed);
        return true;
      }
    }
  }
  let file: ShNode;
  try {
    file = mvdan().parser.Parse(script, "");
  } catch (error) {
    const message = parseErrorMessage(error);
    const repaired = repair(script, message);
    if (repaired) {
      an.uncertain(`does not parse as shell (${message}); read as if it were closed`, false);
      new MvdanWalker(runner).stmts(list(repaired.Stmts));
    } else analyzeShellFallback(script, an, message);
    return true;
  }
  new MvdanWalker(runner).stmts(list(file.Stmts));
  return true;
}

function parseErrorMessage(error: unknown): string {
  const e = error as { Error?: () => string; message?: string };
  if (typeof e?.Error === "function") return e.Error();
  return e?.message ?? String(error);
}

/** What to append for the parser's "reached EOF without …" complaints. */
const CLOSINGS: [RegExp, string][] = [
  [/closing quote '$/, "'"],
  [/closing quote "$/, '"'],
  [/closing quote `$/, "`"],
  [/matching \$?\( with \)$/, ")"],
  [/matching \$?\{ with \}$/, "\n}"],
  [/must end with "fi"$/, "\nfi"],
  [/must end with "done"$/, "\ndone"],
  [/must end with "esac"$/, "\nesac"],
  [/unclosed here-document '(.*)'$/, "\n$1"],
];

/**
 * An unterminated quote or block: close it the way the parser says is missing and read on, as the text up to
 * there is what a shell would see. One or two re-parses at most, so hostile input stays cheap.
 */
function repair(script: string, message: string): ShNode | null {
  let text = script;
  let complaint = message;
  for (let attempt = 0; attempt < 2; attempt++) {
    const closing = CLOSINGS.find(([pattern]) => pattern.test(complaint));
    if (!closing) return null;
    text += closingText(closing, complaint);
    try {
      return mvdan().parser.Parse(text, "");
    } catch (error) {
      complaint = parseErrorMessage(error);
    }
  }
  return null;
}

function closingText([pattern, closing]: [RegExp, string], complaint: string): string {
  const m = pattern.exec(complaint);
  return m?.[1] !== undefined ? closing.replace("$1", m[1]) : closing;
}

// ---------------------------------------------------------------- the runner both readers feed

interface Feed {
  data: Buffer | null;
  hint: string;
}
const NO_FEED: Feed = { data: null, hint: "" };

export type RedirectKind = "write" | "append" | "in" | "heredoc" | "herestring" | "dup";
interface Redirect {
  kind: RedirectKind;
  target: Word;
}
interface Assign {
  name: string;
  value: Word | null;
  append: boolean;
}

const dynamicWord = (t: string): Word => ({ text: t, dynamic: true, glob: false });
const EMPTY_WORD: Word = { text: "", dynamic: false, glob: false };

class ShellRunner {
  constructor(
    readonly an: Analysis,
    public vars: Map<string, Word>,
    private readonly trace?: TraceEntry[],
  ) {}

  scoped<T>(run: () => T): T {
    const saved = this.vars;
    this.vars = new Map(saved);
    try {
      return run();
    } finally {
      this.vars = saved;
    }
  }

  assign(a: Assign, into: Map<string, Word>): void {
    const value = a.value ?? EMPTY_WORD;
    const previous = a.append ? into.get(a.name) : undefined;
    into.set(
      a.name,
      previous
        ? { text: previous.text + value.text, dynamic: previous.dynamic || value.dynamic, glob: false }
        : value,
    );
  }

  /**
   * One simple command. Arguments were expanded with the shell's variables; prefix assignments only form the
   * command's environment (as in a shell: `X=1 echo $X` prints the old X, `X=1 sh -c 'echo $X'` prints 1).
   * Returns the command's stdout when it can be known statically, for the next pipeline stage.
   */
  call(assigns: Assign[], argv: Word[], redirects: Redirect[], feed?: Feed): Feed {
    if (argv.length === 0) {
      for (const a of assigns) this.assign(a, this.vars);
      this.writes(redirects);
      return NO_FEED;
    }
    const env = assigns.length ? new Map(this.vars) : this.vars;
    for (const a of assigns) this.assign(a, env);
    const context: InvocationContext = {
      stdin: feed?.data ?? null,
      piped: feed !== undefined && feed.data === null,
      stdinHint: feed?.hint ?? "",
      vars: env,
    };
    for (const r of redirects) {
      if (r.kind === "heredoc") {
        context.stdin = Buffer.from(r.target.text);
        context.piped = false;
        context.stdinHint = "heredoc";
        this.an.note(r.target.text);
      } else if (r.kind === "herestring") {
        context.stdin = r.target.dynamic ? null : Buffer.from(`${r.target.text}\n`);
        context.piped = r.target.dynamic;
        context.stdinHint = r.target.text;
      } else if (r.kind === "in") {
        context.stdin = null;
        context.piped = true;
        context.stdinHint = `< ${r.target.text}`;
      }
    }
    const hint = argv.map((w) => w.text).join(" ");
    const out: Feed = { data: null, hint };
    if (this.trace) {
      this.trace.push({
        argv,
        env: Object.fromEntries(assigns.map((a) => [a.name, env.get(a.name)?.text ?? ""])),
        stdin: context.stdin?.toString("utf8") ?? null,
        piped: context.piped,
        writes: redirects
          .filter((r) => r.kind === "write" || r.kind === "append")
          .map((r) => ({ target: r.target.text, append: r.kind === "append" })),
      });
    }
    const an = this.an;
    an.nest(() => {
      out.data = pipelineOutput(invoke(argv, context, an));
    });
    this.writes(redirects);
    return out;
  }

  /** Output redirections can truncate files or overwrite devices. */
  writes(redirects: Redirect[]): void {
    for (const r of redirects) {
      if (r.kind === "write" || r.kind === "append")
        analyzeWriteTarget(r.target, r.kind === "append", this.an);
    }
  }

  // ------------------------------------------------------------ the fast reader's output

  /** Runs the script; returns the last pipeline's static output, for `$(…)`. */
  simpleScript(script: SimpleScript): Buffer | null {
    let feed: Feed = NO_FEED;
    for (const pipeline of script) {
      let stage: Feed | undefined;
      for (const command of pipeline) {
        const assigns = command.assigns.map((a) => ({
          name: a.name,
          append: a.append,
          value: this.simpleWord(a.value),
        }));
        const argv = command.words.flatMap((w) => this.simpleFields(w));
        const redirects = command.redirects.map((r) => ({
          kind: SIMPLE_REDIRECTS[r.op],
          target: this.simpleWord(r.target),
        }));
        stage = this.call(assigns, argv, redirects, pipeline.length > 1 ? stage : undefined);
      }
      feed = stage ?? NO_FEED;
    }
    return script.length === 1 ? feed.data : null;
  }

  /** `$(…)`: the inner commands run through the tables and, when their output is static (`echo … | base64 -d`), it is used. */
  substitution(run: () => Buffer | null): Word {
    const data = this.scoped(run);
    if (data === null) return dynamicWord("$(…)");
    const decoded = data.toString("utf8").replace(/\n+$/, "");
    this.an.note(decoded);
    return { text: decoded, dynamic: false, glob: false };
  }

  private simpleWord(word: SimpleWord): Word {
    let text = "";
    let dynamic = false;
    let glob = false;
    for (const part of word) {
      if (part.subst) {
        const r = this.substitution(() => this.simpleScript(part.subst!));
        text += r.text;
        dynamic ||= r.dynamic;
      } else if (part.param !== undefined) {
        const r = this.vars.get(part.param) ?? dynamicWord(`$${part.param}`);
        text += r.text;
        dynamic ||= r.dynamic;
      } else {
        text += part.text;
        glob ||= !part.quoted && /[*?[]/.test(part.text);
      }
    }
    return { text, dynamic, glob };
  }

  /** Field splitting applies to an unquoted expansion standing alone. */
  private simpleFields(word: SimpleWord): Word[] {
    const resolved = this.simpleWord(word);
    const only =
      word.length === 1 && (word[0]!.param !== undefined || word[0]!.subst !== undefined) && !word[0]!.quoted;
    return only ? splitFields(resolved) : [resolved];
  }
}

const SIMPLE_REDIRECTS: Record<SimpleRedirect["op"], RedirectKind> = {
  ">": "write",
  ">|": "write",
  "<>": "write",
  "&>": "write",
  ">>": "append",
  "&>>": "append",
  "<": "in",
  ">&": "dup",
  "<&": "dup",
  "<<": "heredoc",
  "<<<": "herestring",
};

function splitFields(resolved: Word): Word[] {
  if (/\s/.test(resolved.text.trim())) {
    return resolved.text
      .trim()
      .split(/\s+/)
      .map((t) => ({ text: t, dynamic: resolved.dynamic, glob: /[*?[]/.test(t) }));
  }
  if (resolved.text === "" && !resolved.dynamic) return [];
  return [resolved];
}

// ---------------------------------------------------------------- mvdan/sh

const list = (value: unknown): ShNode[] => (Array.isArray(value) ? (value as ShNode[]) : []);
const node = (value: unknown): ShNode | null =>
  value && typeof value === "object" ? (value as ShNode) : null;
const text = (value: unknown): string => (typeof value === "string" ? value : "");

interface Mvdan {
  syntax: ShSyntax;
  parser: ShParser;
  op: Record<"pipe" | "pipeAll", unknown>;
  redirectKinds: Map<unknown, RedirectKind>;
  defaultOps: Set<unknown>;
}

let loaded: Mvdan | null = null;

/** mvdan/sh (a 1.5 MB GopherJS build) is loaded on first need: most commands never leave the fast reader. */
function mvdan(): Mvdan {
  if (loaded) return loaded;
  const { syntax } = createRequire(import.meta.url)("mvdan-sh") as { syntax: ShSyntax };
  const parser = syntax.NewParser();
  const firstCmd = (src: string) => node(list(parser.Parse(src, "").Stmts)[0]?.Cmd)!;
  const redirOp = (src: string) => list(list(parser.Parse(src, "").Stmts)[0]?.Redirs)[0]?.Op;
  const expOp = (src: string) => node(node(list(node(list(firstCmd(src).Args)[1])?.Parts)[0])?.Exp)?.Op;
  // Operator codes of this build, learnt from the parser itself rather than copied from its Go source.
  loaded = {
    syntax,
    parser,
    op: { pipe: firstCmd("a | b").Op, pipeAll: firstCmd("a |& b").Op },
    redirectKinds: new Map<unknown, RedirectKind>([
      [redirOp("a > b"), "write"],
      [redirOp("a >| b"), "write"],
      [redirOp("a <> b"), "write"],
      [redirOp("a &> b"), "write"],
      [redirOp("a >> b"), "append"],
      [redirOp("a &>> b"), "append"],
      [redirOp("a < b"), "in"],
      [redirOp("a <<E\nx\nE"), "heredoc"],
      [redirOp("a <<-E\nx\nE"), "heredoc"],
      [redirOp("a <<< b"), "herestring"],
    ]),
    defaultOps: new Set([
      expOp("echo $" + "{X:-d}"),
      expOp("echo $" + "{X-d}"),
      expOp("echo $" + "{X:=d}"),
      expOp("echo $" + "{X=d}"),
    ]),
  };
  return loaded;
}

class MvdanWalker {
  private readonly m = mvdan();

  constructor(private readonly r: ShellRunner) {}

  stmts(stmts: ShNode[]): void {
    for (const s of stmts) this.stmt(s);
  }

  stmt(stmt: ShNode, feed?: Feed): Feed {
    const cmd = node(stmt.Cmd);
    const type = cmd ? this.m.syntax.NodeType(cmd) : "";
    if (type === "CallExpr") return this.call(cmd!, list(stmt.Redirs), feed);
    let out = NO_FEED;
    if (type === "BinaryCmd" && (cmd!.Op === this.m.op.pipe || cmd!.Op === this.m.op.pipeAll))
      out = this.pipeline(cmd!);
    else if (cmd) this.compound(cmd);
    this.r.writes(this.redirects(list(stmt.Redirs)));
    return out;
  }

  private compound(cmd: ShNode): void {
    switch (this.m.syntax.NodeType(cmd)) {
      case "BinaryCmd":
        this.stmt(node(cmd.X)!);
        this.stmt(node(cmd.Y)!);
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
        this.stmts(list(cmd.Cond));
        this.stmts(list(cmd.Do));
        break;
      case "ForClause":
        this.forClause(cmd);
        break;
      case "CaseClause":
        this.word(node(cmd.Word)!);
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
        for (const a of list(cmd.Args)) {
          if (node(a.Name)) this.r.assign(this.assignment(a), this.r.vars);
          else if (node(a.Value)) this.word(node(a.Value)!);
        }
        break;
      default:
        this.nestedSubstitutions(cmd);
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
    if (loop && this.m.syntax.NodeType(loop) === "WordIter") {
      const items = list(loop.Items).flatMap((w) => this.fields(w));
      const name = text(node(loop.Name)?.Value);
      this.r.vars.set(name, dynamicWord(items.map((i) => i.text).join(" ") || `$${name}`));
    } else if (loop) this.nestedSubstitutions(loop);
    this.stmts(list(clause.Do));
  }

  private assignment(a: ShNode): Assign {
    const name = text(node(a.Name)?.Value);
    const value = node(a.Value);
    if (value) return { name, value: this.word(value), append: Boolean(a.Append) };
    if (node(a.Array)) {
      this.nestedSubstitutions(node(a.Array)!);
      return { name, value: dynamicWord(`$${name}`), append: false };
    }
    return { name, value: null, append: false };
  }

  private pipeline(cmd: ShNode): Feed {
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
    let feed: Feed | undefined;
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
      if (kind === "heredoc")
        out.push({ kind, target: node(r.Hdoc) ? this.word(node(r.Hdoc)!, true) : EMPTY_WORD });
      else if (node(r.Word)) out.push({ kind, target: this.word(node(r.Word)!) });
    }
    return out;
  }

  /** Words of one shell word after field splitting of an unquoted expansion standing alone. */
  private fields(w: ShNode): Word[] {
    const parts = list(w.Parts);
    const resolved = this.parts(parts, false);
    const only = parts.length === 1 && ["ParamExp", "CmdSubst"].includes(this.m.syntax.NodeType(parts[0]));
    return only ? splitFields(resolved) : [resolved];
  }

  private word(w: ShNode, heredoc = false): Word {
    return this.parts(list(w.Parts), heredoc);
  }

  private parts(parts: ShNode[], quoted: boolean): Word {
    let out = "";
    let dynamic = false;
    let glob = false;
    for (const p of parts) {
      const r = this.part(p, quoted);
      out += r.text;
      dynamic ||= r.dynamic;
      glob ||= r.glob;
    }
    return { text: out, dynamic, glob };
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
        this.r.scoped(() => this.stmts(list(p.Stmts)));
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

  private param(p: ShNode): Word {
    const name = text(node(p.Param)?.Value);
    if (p.Length || p.Excl || node(p.Slice) || node(p.Repl) || node(p.Index)) return dynamicWord(`$${name}`);
    const known = this.r.vars.get(name);
    const exp = node(p.Exp);
    const isDefault = exp !== null && this.m.defaultOps.has(exp.Op);
    if (known && (known.text !== "" || !isDefault)) return known;
    const fallbackWord = exp ? node(exp.Word) : null;
    if (fallbackWord) {
      const fallback = this.word(fallbackWord);
      // `${TMPDIR:-/tmp}` is a scratch directory whichever way it goes; it stays `$TMPDIR` for the file rules.
      if (
        isDefault &&
        /^(TMPDIR|TMP|TEMP|RUNNER_TEMP)$/.test(name) &&
        /^\/(var\/)?tmp\/?$/.test(fallback.text)
      )
        return dynamicWord(`$${name}`);
      if (isDefault) return { text: fallback.text, dynamic: true, glob: fallback.glob };
    }
    return dynamicWord(`$${name}`);
  }

  private substitute(stmts: ShNode[]): Word {
    return this.r.substitution(() => {
      if (stmts.length === 1) return this.stmt(stmts[0]!).data;
      this.stmts(stmts);
      return null;
    });
  }

  /** Commands hidden in nodes the walker does not model (`[[ … ]]`, `(( … ))`, arrays) still run. */
  private nestedSubstitutions(root: ShNode): void {
    const found: ShNode[] = [];
    this.m.syntax.Walk(root, (n) => {
      if (!n) return true;
      const type = this.m.syntax.NodeType(n);
      if (type === "CmdSubst" || type === "ProcSubst") {
        found.push(n);
        return false;
      }
      return true;
    });
    for (const n of found) this.r.scoped(() => this.stmts(list(n.Stmts)));
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
