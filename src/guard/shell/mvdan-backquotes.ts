// Backquoted substitutions that mvdan/sh ends elsewhere than bash. Bash cuts a backquoted command out of the text at
// the first backquote no backslash escapes, before it reads anything inside, so neither a here-document nor quotes
// carry it further; mvdan/sh reads the commands inside as it goes (`echo \`cat <<'EOF'\nhi\`\nrm -rf /srv\nEOF\n\``
// holds a here-document to mvdan/sh, and runs `rm -rf /srv` to bash).
import type { ShNode } from "mvdan-sh";
import { mvdan } from "./mvdan.ts";

export const BACKQUOTE_ENDS_ELSEWHERE =
  "a backquoted command ends at its first unescaped backquote in bash, not where the parser ended it";

const BACKQUOTE = 0x60;
const BACKSLASH = 0x5c;

/** Whether a backquoted substitution of `file` (parsed from `source`), not itself inside backquotes, ends elsewhere. */
export function backquoteEndsElsewhere(file: ShNode, source: string): boolean {
  if (!source.includes("`")) return false;
  const m = mvdan();
  const bytes = Buffer.from(source);
  let found = false;
  m.syntax.Walk(file, (n) => {
    if (!n || found) return false;
    if (m.syntax.NodeType(n) !== "CmdSubst" || !n.Backquotes) return true;
    const left = (n.Left as { Offset(): number }).Offset();
    const right = (n.Right as { Offset(): number }).Offset();
    const end = firstUnescapedBackquote(bytes, left + 1);
    // None at all: the parser closed an unterminated one, which bash refuses to run.
    found = end !== right && !(end < 0 && right >= bytes.length);
    // Backquotes inside are escaped in the text: bash finds their ends once it has cut this one out.
    return false;
  });
  return found;
}

function firstUnescapedBackquote(bytes: Buffer, from: number): number {
  for (let i = from; i < bytes.length; i++) {
    if (bytes[i] === BACKSLASH) i++;
    else if (bytes[i] === BACKQUOTE) return i;
  }
  return -1;
}
