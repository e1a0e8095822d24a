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
    "CPU µs/req",
    "Redis µs/req",
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
    fixed(row.summary.serverCpuUs, 0),
    row.kind === "baseline" || row.id === "fastify-echo" ? "" : fixed(row.summary.redisCpuUs, 1),
    row.ratio === undefined || !row.baseline ? "" : `${fixed(row.ratio, 2)}× ${row.baseline.label}`,
    row.summary.non2xx + row.summary.errors === 0 ? "0" : `${row.summary.non2xx}/${row.summary.errors}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = new Set([1, 2, 3, 4, 5, 6, 7, 8]);
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

/** Sets each row's ratio to its baseline scenario's req/s at the same concurrency (baselines: id → baseline id). */
export function setRatios(rows: ResultRow[], baselines: Map<string, string>): void {
  for (const row of rows) {
    const baselineId = baselines.get(row.id);
    if (!baselineId) continue;
    const base = rows.find(
      (r) => r.id === baselineId && r.concurrency === row.concurrency && r.processes === 1,
    );
    if (!base) continue;
    row.baseline = { id: base.id, label: base.label, rps: base.summary.rps };
    row.ratio = row.summary.rps / base.summary.rps;
  }
}

export interface GuardFigures {
  steadyPerSec: number;
  wallPerSec: number;
  startupMs: number;
}

/** The issue's targets, judged on the rows at `concurrency`. */
export function judgeTargets(
  rows: ResultRow[],
  concurrency: number,
  guard: GuardFigures | null,
  guardNote: string,
): TargetVerdict[] {
  const at = (id: string) =>
    rows.find((r) => r.id === id && r.concurrency === concurrency && r.processes === 1);
  const unmeasured = (name: string, requirement: string, note: string): TargetVerdict => ({
    name,
    requirement,
    measured: "-",
    pass: null,
    note,
  });
  const verdicts: TargetVerdict[] = [];

  const authorize = at("authorize-allow");
  const authorizeNeeds = "≥ 60% of Fastify hello-world req/s and p99 < 2 ms";
  verdicts.push(
    authorize?.ratio !== undefined && authorize.baseline
      ? {
          name: `authorize allow @${concurrency}`,
          requirement: authorizeNeeds,
          measured: `${(authorize.ratio * 100).toFixed(1)}% (${authorize.summary.rps.toFixed(0)} vs ${authorize.baseline.rps.toFixed(0)} req/s), p99 ${authorize.summary.p99Ms.toFixed(2)} ms`,
          pass: authorize.ratio >= 0.6 && authorize.summary.p99Ms < 2,
        }
      : unmeasured(
          "authorize allow",
          authorizeNeeds,
          `authorize-allow and fastify-hello not both measured at ${concurrency}`,
        ),
  );

  const mint = at("leash-mint");
  const mintNeeds = "≥ 3× oidc-provider client_credentials req/s and p99 < 5 ms";
  verdicts.push(
    mint?.ratio !== undefined && mint.baseline
      ? {
          name: `mint @${concurrency}`,
          requirement: mintNeeds,
          measured: `${mint.ratio.toFixed(2)}× (${mint.summary.rps.toFixed(0)} vs ${mint.baseline.rps.toFixed(0)} req/s), p99 ${mint.summary.p99Ms.toFixed(2)} ms`,
          pass: mint.ratio >= 3 && mint.summary.p99Ms < 5,
        }
      : unmeasured("mint", mintNeeds, `leash-mint and oidc-token not both measured at ${concurrency}`),
  );

  const guardNeeds = "≥ 20,000 commands/s";
  verdicts.push(
    guard
      ? {
          name: "guard --jsonl",
          requirement: guardNeeds,
          measured: `${guard.steadyPerSec.toFixed(0)} commands/s once started (${guard.wallPerSec.toFixed(0)}/s wall incl. ${guard.startupMs.toFixed(0)} ms start-up)`,
          pass: guard.steadyPerSec >= 20_000,
        }
      : unmeasured("guard --jsonl", guardNeeds, guardNote),
  );
  return verdicts;
}
