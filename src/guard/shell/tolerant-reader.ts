// When the shell parser gives up: split the text on the obvious operators, run the pieces through the tables anyway,
// and treat destructive-sounding words as destructive. Unparseable input is where obfuscation hides.
import type { Analysis } from "../analysis.ts";
import type { Word } from "../word.ts";
import { ShellRunner, type TraceEntry } from "./runner.ts";

const SUSPICIOUS =
  /(^|[^a-z])(rm|delete|destroy|drop|purge|wipe|truncate|nuke|erase|shred|mkfs|dd|flushall|flushdb|format|reset|prune|uninstall|teardown|unlink|rmdir|force)([^a-z]|$)/i;

/** Reads `script` that mvdan/sh refused (`message` says why); no variable is known, nothing is piped. */
export function analyzeShellTolerantly(
  script: string,
  an: Analysis,
  message: string,
  trace?: TraceEntry[],
): void {
  an.uncertain(`does not parse as shell (${message}); read with a tolerant tokenizer`, false);
  const runner = new ShellRunner(an, new Map(), trace);
  const before = an.findings.filter((f) => f.destructive).length;
  for (const piece of script.split(/&&|\|\||[;|\n&]/)) {
    const argv = splitWordsTolerantly(piece);
    if (argv.length) runner.call([], argv, []);
  }
  const found = an.findings.filter((f) => f.destructive).length > before;
  const word = SUSPICIOUS.exec(script)?.[2];
  if (!found && word) an.uncertain(`unparseable command contains "${word}"`, true);
}

/** Whitespace split with quotes removed; unbalanced quotes run to the end. */
export function splitWordsTolerantly(piece: string): Word[] {
  const words: Word[] = [];
  let current = "";
  let started = false;
  let quote: string | null = null;
  for (let i = 0; i < piece.length; i++) {
    const c = piece[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (c === "\\" && i + 1 < piece.length) {
      current += piece[++i];
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push({ text: current, dynamic: current.includes("$"), glob: /[*?[]/.test(current) });
      current = "";
      started = false;
    } else if (c === "(" || c === ")" || c === "`") {
      if (started) words.push({ text: current, dynamic: current.includes("$"), glob: false });
      current = "";
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) words.push({ text: current, dynamic: current.includes("$"), glob: /[*?[]/.test(current) });
  return words;
}
