// Folding several rounds of one measurement into the figures the report shows.
import type { LoadResult } from "./load-protocol.ts";

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
  /** Responses outside 2xx, and socket errors/timeouts, over all rounds: should be 0. */
  non2xx: number;
  errors: number;
  rounds: LoadResult[];
}

export function summarise(rounds: LoadResult[]): RoundSummary {
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
    non2xx,
    errors: rounds.reduce((sum, round) => sum + round.errors + round.timeouts, 0),
    rounds,
  };
}
