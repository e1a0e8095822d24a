// The bench's settings, read once from the environment (see the list at the top of bench/run.ts).

export interface BenchSettings {
  quick: boolean;
  rounds: number;
  roundSec: number;
  warmupSec: number;
  /** Concurrent connections per scenario. */
  levels: number[];
  scaleProcesses: number[];
  scaleLevels: number[];
  evalshaRequests: number;
  guardLines: number;
  profileSec: number;
  /** Connections while profiling: the target's 50 unless BENCH_PROFILE_LEVEL says otherwise. */
  profileConcurrency: number;
  /** leash's LOG_LEVEL: "info" as shipped. */
  logLevel: string;
  /** Scenario ids to keep; null keeps all. */
  scenarios: string[] | null;
  phases: string[];
  /** Another checkout to run a second broker from (A/B of a change in the same run). */
  compareTree: string | null;
  compareLogLevel: string;
  /** Node options of the compare broker only (BENCH_COMPARE_NODE_OPTIONS), e.g. a V8 flag to A/B on one tree. */
  compareNodeOptions: string | undefined;
  /** Distinct tokens the new-token scenarios cycle through (more than leash's verify cache holds: none is a hit). */
  freshTokens: number;
}

/** Concurrency the targets are judged at. */
export const TARGET_CONCURRENCY = 50;

const numbers = (value: string | undefined, fallback: number[]) =>
  value ? value.split(",").map((v) => Number(v.trim())) : fallback;

export function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  const quick = env.BENCH_QUICK === "1";
  return {
    quick,
    // Every target is a median of at least 3 interleaved rounds, in the quick run too.
    rounds: Number(env.BENCH_ROUNDS ?? 3),
    roundSec: Number(env.BENCH_ROUND_SEC ?? (quick ? 1.5 : 4)),
    warmupSec: Number(env.BENCH_WARMUP_SEC ?? (quick ? 1 : 2)),
    levels: numbers(env.BENCH_LEVELS, quick ? [TARGET_CONCURRENCY] : [1, 10, 50, 200]),
    scaleProcesses: [1, 2, 4],
    scaleLevels: numbers(env.BENCH_SCALE_LEVELS, quick ? [50] : [50, 200]),
    evalshaRequests: quick ? 20_000 : 100_000,
    // Long enough that JIT warm-up is a small part of the steady rate (over 10,000 lines the rate came out ~25% lower);
    // the quick run streams as many lines as bench/guard-hook.ts, so both judge the 20,000 target on the same stream.
    guardLines: quick ? 40_000 : 50_000,
    profileSec: Number(env.BENCH_PROFILE_SEC ?? (quick ? 3 : 10)),
    profileConcurrency: Number(env.BENCH_PROFILE_LEVEL ?? TARGET_CONCURRENCY),
    logLevel: env.BENCH_LOG_LEVEL ?? "info",
    scenarios: env.BENCH_SCENARIOS ? env.BENCH_SCENARIOS.split(",") : null,
    // BENCH_CLUSTER=1 adds the Redis Cluster run (1 vs 3 primaries, bench/lib/cluster.ts).
    phases: [
      ...(env.BENCH_PHASES ?? (quick ? "main,redis,guard" : "main,redis,guard,scaling,profile")).split(","),
      ...(env.BENCH_CLUSTER === "1" ? ["cluster"] : []),
    ],
    compareTree: env.BENCH_COMPARE_TREE ?? null,
    compareLogLevel: env.BENCH_COMPARE_LOG_LEVEL ?? env.BENCH_LOG_LEVEL ?? "info",
    compareNodeOptions: env.BENCH_COMPARE_NODE_OPTIONS,
    freshTokens: Number(env.BENCH_FRESH_TOKENS ?? 52_000),
  };
}
