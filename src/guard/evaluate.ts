// Scores the guard on a labelled file (one {"cmd", "destructive", "env"?} object a line, the corpus format):
// destructive recall, false-positive rate, the misses and false positives, and commands per second.
import { classify } from "./classifier.ts";
import type { GuardContext } from "./types.ts";

export interface LabelledCommand {
  cmd: string;
  destructive: boolean;
  env?: string;
  why?: string;
}

export interface Evaluation {
  commands: number;
  destructive: number;
  safe: number;
  /** Share of destructive commands classified destructive (1 when there are none). */
  recall: number;
  /** Share of safe commands classified destructive (0 when there are none). */
  falsePositiveRate: number;
  /** Share of labelled environments named correctly, over the lines that have one. */
  environmentAccuracy: number | null;
  misses: { line: number; cmd: string; why?: string }[];
  falsePositives: { line: number; cmd: string; reasons: string[] }[];
  commandsPerSecond: number;
}

/** Reads the labelled lines; a bad line is an error naming its number, not a silent skip. */
export function parseLabelled(text: string): { line: number; row: LabelledCommand }[] {
  const rows: { line: number; row: LabelledCommand }[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    if (!raw.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch {
      throw new Error(`line ${i + 1}: not JSON`);
    }
    const r = row as Partial<LabelledCommand>;
    if (typeof r?.cmd !== "string" || typeof r.destructive !== "boolean")
      throw new Error(`line ${i + 1}: expected {"cmd": string, "destructive": boolean}`);
    rows.push({ line: i + 1, row: r as LabelledCommand });
  }
  return rows;
}

export function evaluate(
  rows: { line: number; row: LabelledCommand }[],
  context: GuardContext = {},
): Evaluation {
  const misses: Evaluation["misses"] = [];
  const falsePositives: Evaluation["falsePositives"] = [];
  let destructive = 0;
  let envLabelled = 0;
  let envRight = 0;
  const started = performance.now();
  for (const { line, row } of rows) {
    const result = classify(row.cmd, context);
    if (row.destructive) {
      destructive++;
      if (!result.destructive) misses.push({ line, cmd: row.cmd, why: row.why });
    } else if (result.destructive) falsePositives.push({ line, cmd: row.cmd, reasons: result.reasons });
    if (row.env) {
      envLabelled++;
      if (result.environment === row.env) envRight++;
    }
  }
  // The first pass loads parsers and warms the JIT; speed is measured on further passes, as a hook or --jsonl sees it.
  let timed = 0;
  let elapsed = 0;
  const timing = performance.now();
  while (rows.length && timed < 20_000 && elapsed < 300) {
    for (const { row } of rows) classify(row.cmd, context);
    timed += rows.length;
    elapsed = performance.now() - timing;
  }
  const seconds = (timed ? elapsed : performance.now() - started) / 1000;
  const safe = rows.length - destructive;
  return {
    commands: rows.length,
    destructive,
    safe,
    recall: destructive ? (destructive - misses.length) / destructive : 1,
    falsePositiveRate: safe ? falsePositives.length / safe : 0,
    environmentAccuracy: envLabelled ? envRight / envLabelled : null,
    misses,
    falsePositives,
    commandsPerSecond: seconds > 0 ? Math.round((timed || rows.length) / seconds) : rows.length,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function formatEvaluation(e: Evaluation): string {
  const lines = [
    `${e.commands} commands (${e.destructive} destructive, ${e.safe} safe)`,
    `recall ${pct(e.recall)}  false positives ${pct(e.falsePositiveRate)}${e.environmentAccuracy === null ? "" : `  environment ${pct(e.environmentAccuracy)}`}  ${e.commandsPerSecond} commands/s`,
  ];
  if (e.misses.length) {
    lines.push("misses (destructive, classified safe):");
    for (const m of e.misses) lines.push(`  ${m.line}: ${m.cmd}${m.why ? `  (${m.why})` : ""}`);
  }
  if (e.falsePositives.length) {
    lines.push("false positives (safe, classified destructive):");
    for (const f of e.falsePositives)
      lines.push(`  ${f.line}: ${f.cmd}  → ${f.reasons.slice(0, 2).join("; ")}`);
  }
  return `${lines.join("\n")}\n`;
}
