// Shell: a command line becomes simple commands (resolved words, environment, stdin, redirections) for the command
// tables. Simple lines take the exact fast reader; everything else is parsed by mvdan/sh (the parser behind shfmt);
// what mvdan/sh cannot parse is closed where it broke off or, failing that, read by the tolerant reader.
import type { Analysis } from "../analysis.ts";
import type { Word } from "../word.ts";
import { HEREDOC_ENDS_EARLY, mayEndEarly } from "./heredoc-in-substitution.ts";
import { list } from "./mvdan.ts";
import { BACKQUOTE_ENDS_ELSEWHERE, backquoteEndsElsewhere } from "./mvdan-backquotes.ts";
import { substitutedHeredocEndsEarly } from "./mvdan-heredocs.ts";
import { GLUED_HASH, parseShell } from "./mvdan-parse.ts";
import { MvdanWalker } from "./mvdan-walker.ts";
import { ShellRunner, type TraceEntry } from "./runner.ts";
import { readSimpleShell } from "./simple-reader.ts";
import { SimpleWalker } from "./simple-walker.ts";
import { analyzeShellTolerantly } from "./tolerant-reader.ts";

export interface ShellOptions {
  /**
   * Default ("auto"): the fast reader when it accepts the text, else mvdan/sh. For tests comparing the readers:
   * "simple" only accepts the fast subset, "full" always uses mvdan/sh, "tolerant" always the tolerant reader.
   */
  parser?: "auto" | "full" | "simple" | "tolerant";
  /** Records every simple command as it is classified, for tests comparing the readers. */
  trace?: TraceEntry[];
}

/** Parses and walks a shell script; on a parse error, reads it as if closed or with the tolerant reader. */
export function analyzeShell(
  script: string,
  an: Analysis,
  vars?: ReadonlyMap<string, Word>,
  options: ShellOptions = {},
): boolean {
  if (options.parser === "tolerant") {
    analyzeShellTolerantly(script, an, "the tolerant reader was asked for", options.trace);
    return true;
  }
  const runner = new ShellRunner(an, new Map(vars), options.trace);
  if (options.parser !== "full") {
    const simple = readSimpleShell(script);
    if (simple) {
      new SimpleWalker(runner).script(simple);
      return true;
    }
    if (options.parser === "simple") return false;
    // An unterminated quote, the commonest broken input, is closed here: the full parser's error path is slow.
    for (const quote of ["'", '"']) {
      const closed = readSimpleShell(script + quote);
      if (closed) {
        an.uncertain(`does not parse as shell (unterminated ${quote}); read as if it were closed`, false);
        new SimpleWalker(runner).script(closed);
        return true;
      }
    }
  }
  const parsed = parseShell(script);
  if (parsed.unsure) an.uncertain(GLUED_HASH, true);
  if (!parsed.file) {
    if (mayEndEarly(script)) an.uncertain(HEREDOC_ENDS_EARLY, true);
    analyzeShellTolerantly(script, an, parsed.broken ?? "", options.trace);
    return true;
  }
  if (parsed.broken)
    an.uncertain(`does not parse as shell (${parsed.broken}); read as if it were closed`, false);
  if (backquoteEndsElsewhere(parsed.file, parsed.text)) an.uncertain(BACKQUOTE_ENDS_ELSEWHERE, true);
  if (substitutedHeredocEndsEarly(parsed.file, parsed.text)) an.uncertain(HEREDOC_ENDS_EARLY, true);
  new MvdanWalker(runner).stmts(list(parsed.file.Stmts));
  return true;
}
