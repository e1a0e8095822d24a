// Here-documents in mvdan/sh's tree that bash ends before their delimiter line (heredoc-in-substitution.ts), found
// from the source: mvdan/sh's tree holds only the body it read.
import type { ShNode } from "mvdan-sh";
import { endsEarlyInSubstitution } from "./heredoc-in-substitution.ts";
import { list, mvdan, node } from "./mvdan.ts";

type Position = { Offset(): number };
const offset = (pos: unknown): number => (pos as Position).Offset();
const start = (n: ShNode): number => offset((n.Pos as () => unknown).call(n));
const end = (n: ShNode): number => offset((n.End as () => unknown).call(n));

/** Whether a here-document inside `$(…)`, `<(…)` or `>(…)` of `file`, parsed from `source`, ends early in bash. */
export function substitutedHeredocEndsEarly(file: ShNode, source: string): boolean {
  // No `<<`, no here-document: the tree's walk is skipped.
  if (!source.includes("<<")) return false;
  const m = mvdan();
  const bytes = Buffer.from(source);
  let found = false;
  // `inside`: the nearest substitution around is `$(…)`, `<(…)` or `>(…)`. A backquoted body is parsed only when
  // it runs, outside bash's substitution reader, where the rule does not apply.
  const visit = (root: ShNode, inside: boolean): void => {
    m.syntax.Walk(root, (n) => {
      if (!n || found) return false;
      const type = m.syntax.NodeType(n);
      if (type === "CmdSubst" || type === "ProcSubst") {
        const nested = type === "ProcSubst" || !n.Backquotes;
        for (const stmt of list(n.Stmts)) visit(stmt, nested);
        return false;
      }
      if (type === "Redirect" && inside && m.redirectKinds.get(n.Op) === "heredoc")
        found = endsEarly(n, bytes);
      return true;
    });
  };
  visit(file, false);
  return found;
}

/** A line ending in a backslash that no other escapes: a continuation, in an unquoted document. */
const CONTINUED = /(^|[^\\])(\\\\)*\\$/;

function endsEarly(redirect: ShNode, bytes: Buffer): boolean {
  const word = node(redirect.Word);
  const body = node(redirect.Hdoc);
  if (!word || !body) return false;
  const raw = bytes.subarray(start(word), end(word)).toString();
  const delimiter = quoteRemoved(raw);
  const unquoted = raw === delimiter;
  const dash = bytes.subarray(offset(redirect.OpPos), offset(redirect.OpPos) + 3).toString() === "<<-";
  let at = start(body);
  while (at > 0 && bytes[at - 1] !== 0x0a) at--;
  // Line by line as bash compares them with the delimiter: joined at a backslash-newline when the delimiter is
  // unquoted, their leading tabs stripped for `<<-`; up to the line that is the delimiter.
  while (at < bytes.length) {
    let line = "";
    for (;;) {
      const nl = bytes.indexOf(0x0a, at);
      const piece = bytes.subarray(at, nl < 0 ? bytes.length : nl).toString();
      at = nl < 0 ? bytes.length : nl + 1;
      if (unquoted && nl >= 0 && CONTINUED.test(piece)) line += piece.slice(0, -1);
      else {
        line += piece;
        break;
      }
    }
    if (dash) line = line.replace(/^\t+/, "");
    if (line === delimiter) return false;
    if (endsEarlyInSubstitution([line], delimiter)) return true;
  }
  return false;
}

/** The delimiter word without its quotes, as bash compares body lines with it. */
function quoteRemoved(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === "\\") out += raw[++i] ?? "";
    else if (c === "'") {
      const close = raw.indexOf("'", i + 1);
      out += raw.slice(i + 1, close < 0 ? raw.length : close);
      i = close < 0 ? raw.length : close;
    } else if (c === '"') {
      for (i++; i < raw.length && raw[i] !== '"'; i++) {
        if (raw[i] === "\\" && /[$`"\\\n]/.test(raw[i + 1] ?? "")) i++;
        out += raw[i];
      }
    } else out += c;
  }
  return out;
}
