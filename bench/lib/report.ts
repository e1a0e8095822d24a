// The table on stdout and the target verdicts, from the measured rows.
import type { RedisCommandCost } from "./redis-commandstats.ts";
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
  /** Redis's execution time by command per request, summed over rounds (leash rows at the target concurrency). */
  redisCommands?: RedisCommandCost[];
}

/** Only leash rows send work to the bench's Redis; baselines and references leave its CPU out. */
export const usesRedis = (item: { kind: RowKind }): boolean => item.kind === "leash";

/**
 * The req/s this row could reach if the load generator, the server(s) and Redis together kept all `cpus` cores
 * busy, at the CPU per request each was measured to spend: what the machine allows. NaN where a cost is unknown.
 */
export const cpuCeilingRps = (row: ResultRow, cpus: number): number =>
  (cpus * 1e6) /
  (row.summary.loadCpuUs + row.summary.serverCpuUs + (usesRedis(row) ? row.summary.redisCpuUs : 0));

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

export function formatTable(rows: ResultRow[], title: string, cpus: number): string {
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
    "load µs/req",
    "CPU ceiling req/s",
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
    usesRedis(row) ? fixed(row.summary.redisCpuUs, 1) : "",
    fixed(row.summary.loadCpuUs, 0),
    fixed(cpuCeilingRps(row, cpus), 0),
    row.ratio === undefined || !row.baseline ? "" : `${fixed(row.ratio, 2)}× ${row.baseline.label}`,
    row.summary.non2xx + row.summary.errors === 0 ? "0" : `${row.summary.non2xx}/${row.summary.errors}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = (column: number) => column > 0 && column < header.indexOf("vs baseline");
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric(i) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [title, "", line(header), rule, ...body.map(line)].join("\n");
}

/** One line per row with Redis time by command: the commands taking the most execution time per request. */
export function formatRedisCommands(rows: ResultRow[], concurrency: number, top = 5): string {
  const lines = rows
    .filter((row) => row.concurrency === concurrency)
    .flatMap(({ label, redisCommands }) => {
      if (!redisCommands) return [];
      const commands = redisCommands
        .slice(0, top)
        .map(
          (c) => `${c.command} ${fixed(c.usPerRequest, 1)} µs/req (${fixed(c.callsPerRequest, 2)} calls/req)`,
        );
      return [`  ${label}: ${commands.join(", ") || "no commands"}`];
    });
  return [
    `Redis time by command @${concurrency} (INFO commandstats over the rounds: execution only, not socket I/O or AOF; commands a script runs are counted on their own and inside the script's time, so these overlap)`,
    ...lines,
  ].join("\n");
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

const count = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-");

/**
 * Little's law: with `concurrency` requests always in flight, mean latency = concurrency / req/s. The mean sits
 * below the p99 in every row this bench measures (a tail above the p99 could in principle lift it past), so a p99
 * target needs about concurrency / target req/s, whatever the code under test does; the baseline's own figures at
 * the same concurrency show whether this machine gets there at all.
 */
function latencyBudgetNote(
  concurrency: number,
  p99TargetMs: number,
  row: ResultRow,
  baseline: ResultRow | undefined,
): string {
  const meanMs = (rps: number) => (concurrency / rps) * 1000;
  const neededRps = (concurrency / p99TargetMs) * 1000;
  const parts = [
    `p99 under ${p99TargetMs} ms with ${concurrency} in flight needs the mean under about ${p99TargetMs} ms, i.e. ≥ ${count(neededRps)} req/s`,
    `measured mean ${ms(meanMs(row.summary.rps))} ms`,
  ];
  if (baseline) {
    const { rps, p99Ms } = baseline.summary;
    const short =
      rps < neededRps
        ? ` — below ${count(neededRps)} req/s: even the baseline cannot meet the latency target on this machine`
        : "";
    parts.push(
      `${baseline.label} @${concurrency}: ${count(rps)} req/s, p99 ${ms(p99Ms)} ms, mean ${ms(meanMs(rps))} ms${short}`,
    );
  }
  return `Little's law: ${parts.join("; ")}`;
}

export interface GuardFigures {
  steadyPerSec: number;
  wallPerSec: number;
  startupMs: number;
}

/** The performance targets (authorize and mint against their baselines, guard throughput), judged on the rows at `concurrency`. */
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
  const authorizeP99Ms = 2;
  const authorizeNeeds = `≥ 60% of Fastify hello-world req/s and p99 < ${authorizeP99Ms} ms`;
  verdicts.push(
    authorize?.ratio !== undefined && authorize.baseline
      ? {
          name: `authorize allow @${concurrency}`,
          requirement: authorizeNeeds,
          measured: `${(authorize.ratio * 100).toFixed(1)}% (${authorize.summary.rps.toFixed(0)} vs ${authorize.baseline.rps.toFixed(0)} req/s), p99 ${authorize.summary.p99Ms.toFixed(2)} ms`,
          pass: authorize.ratio >= 0.6 && authorize.summary.p99Ms < authorizeP99Ms,
          note: latencyBudgetNote(concurrency, authorizeP99Ms, authorize, at(authorize.baseline.id)),
        }
      : unmeasured(
          "authorize allow",
          authorizeNeeds,
          `authorize-allow and fastify-hello not both measured at ${concurrency}`,
        ),
  );

  const mint = at("leash-mint");
  const mintP99Ms = 5;
  const mintNeeds = `≥ 3× oidc-provider client_credentials req/s and p99 < ${mintP99Ms} ms`;
  verdicts.push(
    mint?.ratio !== undefined && mint.baseline
      ? {
          name: `mint @${concurrency}`,
          requirement: mintNeeds,
          measured: `${mint.ratio.toFixed(2)}× (${mint.summary.rps.toFixed(0)} vs ${mint.baseline.rps.toFixed(0)} req/s), p99 ${mint.summary.p99Ms.toFixed(2)} ms`,
          pass: mint.ratio >= 3 && mint.summary.p99Ms < mintP99Ms,
          note: latencyBudgetNote(concurrency, mintP99Ms, mint, at(mint.baseline.id)),
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
