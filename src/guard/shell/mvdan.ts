// mvdan/sh, the parser behind shfmt (a GopherJS build), loaded on first need, with the operator codes of this build.
import { createRequire } from "node:module";
import type { ShNode, ShParser, ShSyntax } from "mvdan-sh";
import type { RedirectKind } from "./runner.ts";

export const list = (value: unknown): ShNode[] => (Array.isArray(value) ? (value as ShNode[]) : []);
export const node = (value: unknown): ShNode | null =>
  value && typeof value === "object" ? (value as ShNode) : null;
export const text = (value: unknown): string => (typeof value === "string" ? value : "");

export interface Mvdan {
  syntax: ShSyntax;
  parser: ShParser;
  op: Record<"pipe" | "pipeAll" | "procIn" | "or", unknown>;
  /** A case item's `;&` and `;;&`, after which the next item's list may run. */
  fallThrough: Set<unknown>;
  redirectKinds: Map<unknown, RedirectKind>;
  defaultOps: Set<unknown>;
  /** `[[ … ]]` operators that evaluate both operands as arithmetic (`-eq`, `-lt`…). */
  arithmeticTests: Set<unknown>;
  /** `[[ -v NAME ]]`, which evaluates a subscript in the name. */
  nameTest: unknown;
  /** `[[ WORD =~ REGEX ]]`, which sets BASH_REMATCH. */
  regexTest: unknown;
}

let loaded: Mvdan | null = null;

/** mvdan/sh (a 1.5 MB GopherJS build) is loaded on first need: most commands never leave the fast reader. */
export function mvdan(): Mvdan {
  if (loaded) return loaded;
  const { syntax } = createRequire(import.meta.url)("mvdan-sh") as { syntax: ShSyntax };
  // Comments are kept so that parseShell() can find those mvdan/sh takes where bash reads a word.
  const parser = syntax.NewParser(syntax.KeepComments(true));
  const firstCmd = (src: string) => node(list(parser.Parse(src, "").Stmts)[0]?.Cmd)!;
  const redirOp = (src: string) => list(list(parser.Parse(src, "").Stmts)[0]?.Redirs)[0]?.Op;
  const testOp = (src: string) => node(firstCmd(src).X)?.Op;
  const expOp = (src: string) => node(node(list(node(list(firstCmd(src).Args)[1])?.Parts)[0])?.Exp)?.Op;
  // Operator codes of this build, learnt from the parser itself rather than copied from its Go source.
  loaded = {
    syntax,
    parser,
    op: {
      pipe: firstCmd("a | b").Op,
      pipeAll: firstCmd("a |& b").Op,
      or: firstCmd("a || b").Op,
      procIn: node(list(node(list(firstCmd("a <(b)").Args)[1])?.Parts)[0])?.Op,
    },
    fallThrough: new Set(
      list(firstCmd("case x in a) ;& b) ;;& c) ;; esac").Items)
        .slice(0, 2)
        .map((i) => i.Op),
    ),
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
      [redirOp("a >& b"), "dupout"],
    ]),
    defaultOps: new Set([
      expOp("echo $" + "{X:-d}"),
      expOp("echo $" + "{X-d}"),
      expOp("echo $" + "{X:=d}"),
      expOp("echo $" + "{X=d}"),
    ]),
    arithmeticTests: new Set(
      ["-eq", "-ne", "-lt", "-le", "-gt", "-ge"].map((op) => testOp(`[[ a ${op} b ]]`)),
    ),
    nameTest: testOp("[[ -v a ]]"),
    regexTest: testOp("[[ a =~ b ]]"),
  };
  return loaded;
}
