// Folding several rounds of one measurement into the figures the report shows.
import type { LoadResult } from "./load-protocol.ts";

/** One measured round: the load generator's figures plus the CPU the processes involved spent per request. */
export interface Round extends LoadResult {
  /** CPU microseconds per request of the process(es) under test (all threads), NaN if unknown. */
  serverCpuUs: number;
  /** CPU microseconds per request of redis-server(s) in the same round (for leash rows). */
  redisCpuUs: number;
  /** CPU microseconds per request of the load-generator process, NaN if it has none (redis-benchmark). */
  loadCpuUs: number;
}

export const median = (values: number[]): number => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface RoundSummary {
  /** Median over rounds of requests per second. */
  rps: number;
  /** Median over rounds of each round's p50 and p99; max is the largest over all rounds. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Medians over rounds of the CPU per request of the server(s), of Redis and of the load generator. */
  serverCpuUs: number;
  redisCpuUs: number;
  loadCpuUs: number;
  /** Responses outside 2xx, and socket errors/timeouts, over all rounds: should be 0. */
  non2xx: number;
  errors: number;
  /** Times a bodies file started over (new-token scenarios), over all rounds. */
  wraps: number;
  rounds: Round[];
}

export function summarise(rounds: Round[]): RoundSummary {
  const non2xx = rounds.reduce(
    (sum, round) =>
      sum +
      Object.entries(round.statusCodes)
        .filter(([code]) => !code.startsWith("2"))
        .reduce((n, [, count]) => n + count, 0),
    0,
  );
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    maxMs: Math.max(...rounds.map((r) => r.maxMs)),
    serverCpuUs: median(rounds.map((r) => r.serverCpuUs)),
    redisCpuUs: median(rounds.map((r) => r.redisCpuUs)),
    loadCpuUs: median(rounds.map((r) => r.loadCpuUs)),
    non2xx,
    errors: rounds.reduce((sum, round) => sum + round.errors + round.timeouts, 0),
    wraps: rounds.reduce((sum, round) => sum + (round.wraps ?? 0), 0),
    rounds,
  };
}
