// The table on stdout and the target verdicts, from the measured rows.
import type { RoundSummary } from "./stats.ts";

export type RowKind = "baseline" | "leash" | "reference";

export interface ResultRow {
  id: string;
  label: string;
  kind: RowKind;
  concurrency: number;
  /** Broker processes behind the load (scaling run); 1 elsewhere. */
  processes: number;
  summary: RoundSummary;
  /** The row this one is compared with, and leash req/s divided by its req/s. */
  baseline?: { id: string; label: string; rps: number };
  ratio?: number;
}

export interface TargetVerdict {
  name: string;
  requirement: string;
  measured: string;
  /** null: could not be measured in this run (see note). */
  pass: boolean | null;
  note?: string;
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
const ms = (value: number) =>
  value >= 100 ? fixed(value, 0) : value >= 10 ? fixed(value, 1) : fixed(value, 2);

export function formatTable(rows: ResultRow[], title: string): string {
  const header = [
    "scenario",
    "conc",
    "procs",
    "req/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "vs baseline",
    "non-2xx/err",
  ];
  const body = rows.map((row) => [
    row.label,
    String(row.concurrency),
    String(row.processes),
    fixed(row.summary.rps, 0),
    ms(row.summary.p50Ms),
    ms(row.summary.p99Ms),
    ms(row.summary.maxMs),
    row.ratio === undefined || !row.baseline ? "" : `${fixed(row.ratio, 2)}× ${row.baseline.label}`,
    row.summary.non2xx + row.summary.errors === 0 ? "0" : `${row.summary.non2xx}/${row.summary.errors}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = new Set([1, 2, 3, 4, 5, 6]);
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [title, "", line(header), rule, ...body.map(line)].join("\n");
}

export function formatVerdicts(verdicts: TargetVerdict[]): string {
  const mark = (pass: boolean | null) => (pass === null ? "SKIP" : pass ? "PASS" : "FAIL");
  return verdicts
    .map(
      (v) =>
        `[${mark(v.pass)}] ${v.name}: ${v.requirement}; measured ${v.measured}${v.note ? ` (${v.note})` : ""}`,
    )
    .join("\n");
}
