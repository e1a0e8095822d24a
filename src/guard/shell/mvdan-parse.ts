// mvdan/sh's parse of a script, with what it would wrongly split off a word escaped first. A `#` starts a comment, and
// digits before `<` or `>` name a redirection's descriptor, only where a word starts; mvdan/sh also takes them glued
// after a quote, an expansion or a substitution (`echo "a"#; rm -rf /srv`, `psql "app"3< <(…)`), where bash reads
// them as part of the word. A backslash before them there means what bash reads.
import type { ShNode } from "mvdan-sh";
import { mvdan, node } from "./mvdan.ts";
import { parseErrorMessage, repair } from "./repair.ts";

export const GLUED_HASH =
  "a `#` glued to a quote, an expansion or a substitution, which bash reads as part of the word, could not be followed";

/** Escaping rounds before giving up: each may reveal the rest of a line, which may hold another. */
const MAX_ROUNDS = 8;
/** What ends a word before a `#` that then starts a comment. */
const WORD_BOUNDARY = new Set([..." \t\n;&|()<>"].map((c) => c.charCodeAt(0)));
/**
 * A `#` right after what ends a quote, an expansion or a substitution, maybe across backslash-newlines: where
 * mvdan/sh may take a comment that bash does not.
 */
const MAYBE_GLUED = /(?:["'`)}\]]|\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]))(?:\\\n)*#/;

type Position = { Offset(): number };
const offsetOf = (n: ShNode): number => (n.Pos as () => Position).call(n).Offset();
/** Word parts whose text ends with a `)`. */
const PARTS_ENDING_IN_PAREN = new Set(["CmdSubst", "ProcSubst", "ArithmExp", "ExtGlob"]);
/**
 * A `#`, or a descriptor's digit or `{name}` right before `<` or `>`: without either the tree has nothing to glue, and
 * its walk (slow: each node crosses from the GopherJS build into JavaScript) is skipped.
 */
const MAY_GLUE = /#|[0-9}][<>]/;

export interface Parsed {
  /** The tree, of the text closed as mvdan/sh asks when it does not parse (see `broken`); null if even that fails. */
  file: ShNode | null;
  /** The text parsed, with the escapes: the tree's offsets are into it. */
  text: string;
  /** mvdan/sh's complaint when the text does not parse as it is. */
  broken: string | null;
  /** A glued `#` or descriptor may be read as mvdan/sh reads it: in a here-document's delimiter, after too many rounds, or unparsed. */
  unsure: boolean;
}

/** Parses `script` as bash reads its comments, closing it as mvdan/sh asks when it is broken. */
export function parseShell(script: string): Parsed {
  const m = mvdan();
  let text = script;
  for (let round = 0; ; round++) {
    let file: ShNode | null;
    let broken: string | null = null;
    try {
      file = m.parser.Parse(text, "");
    } catch (error) {
      // A comment mvdan/sh took may also hide what closes a block (`{ echo "a"#; rm -rf /srv; }`).
      broken = parseErrorMessage(error);
      file = repair(text, broken);
    }
    if (!file) return { file, text, broken, unsure: MAYBE_GLUED.test(text) };
    if (!MAY_GLUE.test(text)) return { file, text, broken, unsure: false };
    const bytes = Buffer.from(text);
    /** Where comments and redirections' descriptors start. */
    const starts: number[] = [];
    /** Where a substitution or arithmetic ends: a `)` there ends part of a word, not a command. */
    const partEnds = new Set<number>();
    m.syntax.Walk(file, (n) => {
      const type = n ? m.syntax.NodeType(n) : "";
      if (type === "Comment") starts.push((n!.Hash as Position).Offset());
      else if (type === "Redirect" && node(n!.N)) starts.push(offsetOf(node(n!.N)!));
      else if (PARTS_ENDING_IN_PAREN.has(type)) partEnds.add((n!.End as () => Position).call(n).Offset());
      return true;
    });
    const glued = starts.filter((at) => at < bytes.length && gluedToWord(bytes, at, partEnds));
    if (!glued.length) return { file, text, broken, unsure: false };
    if (round === MAX_ROUNDS || glued.some((at) => inHeredocDelimiter(bytes, at)))
      return { file, text, broken, unsure: true };
    text = escapeAt(bytes, glued);
  }
}

/**
 * The `#` or descriptor at byte `at` follows a word's text, backslash-newlines (removed before words are read) aside: not a blank
 * or an operator, unless that `)` closes a substitution inside the word.
 */
function gluedToWord(bytes: Buffer, at: number, partEnds: ReadonlySet<number>): boolean {
  let p = at;
  while (p >= 2 && bytes[p - 1] === 0x0a && oddBackslashesBefore(bytes, p - 1)) p -= 2;
  return p > 0 && (!WORD_BOUNDARY.has(bytes[p - 1]!) || partEnds.has(p));
}

function oddBackslashesBefore(bytes: Buffer, at: number): boolean {
  let n = 0;
  while (at - n - 1 >= 0 && bytes[at - n - 1] === 0x5c) n++;
  return n % 2 === 1;
}

/** `<<WORD#…`: escaping would quote the delimiter, which changes how the body expands. */
function inHeredocDelimiter(bytes: Buffer, at: number): boolean {
  const lineStart = bytes.lastIndexOf(0x0a, at - 1) + 1;
  return /<<-?[ \t]*[^ \t\n;&|()<>]*$/.test(bytes.subarray(lineStart, at).toString());
}

/** The text with a backslash before each of these bytes. */
function escapeAt(bytes: Buffer, at: number[]): string {
  const parts: Buffer[] = [];
  let from = 0;
  for (const i of [...at].sort((a, b) => a - b)) {
    parts.push(bytes.subarray(from, i), Buffer.from("\\"));
    from = i;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts).toString();
}
