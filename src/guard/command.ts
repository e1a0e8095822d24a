// One simple command as the command tables see it: program, resolved words, what flows into its stdin.
import type { Analysis } from "./analysis.ts";
import type { Word } from "./word.ts";
import type { WrittenFile } from "./written-files.ts";

export interface InvocationContext {
  /** The bytes on stdin when the guard can know them (heredoc, here-string, `echo … | base64 -d |`). */
  stdin: Buffer | null;
  /** stdin comes from a pipe, file or terminal the guard cannot see. */
  piped: boolean;
  /** What feeds stdin, as written (the previous pipeline stage), for reasons and safety-net checks. */
  stdinHint: string;
  /** stdin reads a file this command line wrote with text the guard cannot know (`./gen > q.sql; psql < q.sql`). */
  stdinWritten?: WrittenFile;
  vars: ReadonlyMap<string, Word>;
}

export interface Invocation extends InvocationContext {
  /** Program name without directory, e.g. `rm` for `/bin/rm` or `\rm`. */
  name: string;
  argv: readonly Word[];
  /** argv[1..] as text. */
  args: readonly string[];
  /** Classify another command in this one's place (`sudo X`, `xargs X`, `find -exec X`). */
  run(argv: readonly Word[], context?: Partial<InvocationContext>): void;
}

export type CommandAnalyzer = (inv: Invocation, an: Analysis) => void;
export type CommandTable = Readonly<Record<string, CommandAnalyzer>>;

/** The words of the wrapped command once a parser has told how many trailing args it is made of. */
export function tailWords(inv: Invocation, count: number): Word[] {
  return count > 0 ? inv.argv.slice(inv.argv.length - count) : [];
}

export function stdinText(inv: InvocationContext): string | null {
  return inv.stdin ? inv.stdin.toString("utf8") : null;
}

const LEADING_BACKSLASHES = /^\\+/;
const EXE_SUFFIX = /\.exe$/;

/** The program name as the tables know it: no directory, no leading backslash, lower case. */
export function programName(text: string): string {
  const base = text.slice(text.lastIndexOf("/") + 1).replace(LEADING_BACKSLASHES, "");
  return base.toLowerCase().replace(EXE_SUFFIX, "");
}
