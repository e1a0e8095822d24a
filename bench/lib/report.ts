// The table on stdout and the target verdicts, from the measured rows.
import { type RedisCommandCost, SOCKET_READS } from "./redis-commandstats.ts";
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
  /** Sends work to the bench's Redis: its CPU per request is the row's too (leash, the DIY peers). */
  usesRedis?: boolean;
  /** The row this one is compared with (its peer), and this row's req/s divided by the peer's. */
  baseline?: { id: string; label: string; rps: number };
  ratio?: number;
  /** This row's server + Redis CPU per request divided by the peer's (below 1: cheaper than the peer). */
  cpuRatio?: number;
  /** req/s divided by Fastify hello-world's at the same concurrency: context only, never a target. */
  helloRatio?: number;
  /** Redis's execution time by command per request, summed over rounds (leash rows at the target concurrency). */
  redisCommands?: RedisCommandCost[];
}

/** Leash rows and the DIY peers send work to the bench's Redis; the other baselines and references leave its CPU out. */
export const usesRedis = (item: { kind: RowKind; usesRedis?: boolean }): boolean =>
  item.usesRedis ?? item.kind === "leash";

/** What one request cost the server(s) and, for rows that use it, Redis: the figure compared with the peer's. */
export const serverAndRedisUs = (row: ResultRow): number =>
  row.summary.serverCpuUs + (usesRedis(row) ? row.summary.redisCpuUs : 0);

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
    "CPU+Redis µs/req",
    "load µs/req",
    "CPU ceiling req/s",
    "vs hello",
    "vs peer",
    "CPU+Redis vs peer",
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
    fixed(serverAndRedisUs(row), 0),
    fixed(row.summary.loadCpuUs, 0),
    fixed(cpuCeilingRps(row, cpus), 0),
    row.helloRatio === undefined ? "" : `${fixed(row.helloRatio, 2)}×`,
    row.ratio === undefined || !row.baseline ? "" : `${fixed(row.ratio, 2)}× ${row.baseline.label}`,
    row.cpuRatio === undefined ? "" : `${fixed(row.cpuRatio, 2)}×`,
    row.summary.non2xx + row.summary.errors === 0 ? "0" : `${row.summary.non2xx}/${row.summary.errors}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = (column: number) =>
    column > 0 && column !== header.indexOf("vs peer") && column !== header.indexOf("non-2xx/err");
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
      const reads = redisCommands.find((c) => c.command === SOCKET_READS);
      const commands = redisCommands
        .filter((c) => c.command !== SOCKET_READS)
        .slice(0, top)
        .map(
          (c) => `${c.command} ${fixed(c.usPerRequest, 1)} µs/req (${fixed(c.callsPerRequest, 2)} calls/req)`,
        );
      const socket = reads ? `; ${fixed(reads.callsPerRequest, 2)} socket reads/req` : "";
      return [`  ${label}: ${commands.join(", ") || "no commands"}${socket}`];
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

/** The row every row's context ratio is taken to. */
export const HELLO_ID = "fastify-hello";

/**
 * Sets each row's ratios to its peer at the same concurrency (baselines: id → peer id): req/s, and server + Redis CPU
 * per request; and, for context, req/s to Fastify hello-world's.
 */
export function setRatios(rows: ResultRow[], baselines: Map<string, string>): void {
  const find = (id: string, concurrency: number) =>
    rows.find((r) => r.id === id && r.concurrency === concurrency && r.processes === 1);
  for (const row of rows) {
    const hello = find(HELLO_ID, row.concurrency);
    if (hello && row.id !== HELLO_ID && row.kind !== "reference" && !row.id.startsWith("redis-"))
      row.helloRatio = row.summary.rps / hello.summary.rps;
    const baselineId = baselines.get(row.id);
    if (!baselineId) continue;
    const base = find(baselineId, row.concurrency);
    if (!base) continue;
    row.baseline = { id: base.id, label: base.label, rps: base.summary.rps };
    row.ratio = row.summary.rps / base.summary.rps;
    row.cpuRatio = serverAndRedisUs(row) / serverAndRedisUs(base);
  }
}

export interface GuardFigures {
  steadyPerSec: number;
  warmPerSec: number;
  wallPerSec: number;
  startupMs: number;
}

/** The peer targets: leash's req/s at least `ratio` × the peer's, in the same run, at the target concurrency. */
export const PEER_TARGETS = [
  { id: "authorize-allow", name: "authorize (counted, audited, same token)", ratio: 0.9 },
  { id: "authorize-fresh", name: "authorize (counted, audited, new token each call)", ratio: 1.0 },
  { id: "leash-mint", name: "mint", ratio: 1.2 },
  { id: "introspect", name: "introspect", ratio: 1.2 },
] as const;

/** The performance targets (each leash row against its peer; guard throughput), judged on the rows at `concurrency`. */
export function judgeTargets(
  rows: ResultRow[],
  concurrency: number,
  guard: GuardFigures | null,
  guardNote: string,
): TargetVerdict[] {
  const verdicts: TargetVerdict[] = PEER_TARGETS.map(({ id, name, ratio }) => {
    const row = rows.find((r) => r.id === id && r.concurrency === concurrency && r.processes === 1);
    const base = row?.baseline
      ? rows.find((r) => r.id === row.baseline!.id && r.concurrency === concurrency && r.processes === 1)
      : undefined;
    const requirement = `≥ ${ratio.toFixed(1)}× ${base?.label ?? "its peer"} req/s`;
    if (!row || row.ratio === undefined || !base) {
      return {
        name: `${name} @${concurrency}`,
        requirement,
        measured: "-",
        pass: null,
        note: `${id} and its peer not both measured at ${concurrency}`,
      };
    }
    return {
      name: `${name} @${concurrency}`,
      requirement,
      measured: `${row.ratio.toFixed(2)}× (${row.summary.rps.toFixed(0)} vs ${base.summary.rps.toFixed(0)} req/s; CPU+Redis ${fixed(serverAndRedisUs(row), 0)} vs ${fixed(serverAndRedisUs(base), 0)} µs/req = ${fixed(row.cpuRatio ?? Number.NaN, 2)}×; p99 ${ms(row.summary.p99Ms)} vs ${ms(base.summary.p99Ms)} ms)`,
      pass: row.ratio >= ratio,
    };
  });
  const guardNeeds = "≥ 20,000 commands/s";
  verdicts.push(
    guard
      ? {
          name: "guard --jsonl",
          requirement: guardNeeds,
          measured: `${guard.steadyPerSec.toFixed(0)} commands/s once started (${guard.warmPerSec.toFixed(0)}/s over the second half, ${guard.wallPerSec.toFixed(0)}/s wall incl. ${guard.startupMs.toFixed(0)} ms start-up)`,
          pass: guard.steadyPerSec >= 20_000,
        }
      : { name: "guard --jsonl", requirement: guardNeeds, measured: "-", pass: null, note: guardNote },
  );
  return verdicts;
}
