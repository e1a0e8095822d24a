// The measuring loops: HTTP scenarios per concurrency level, the Redis reference, and the scaling run.
import { Redis } from "ioredis";
import { storeKeys } from "../../src/store/redis/keys.ts";
import { ENFORCE_BATCH_LUA, enforcementBatchArgs } from "../../src/store/redis/scripts/enforce-script.ts";
import { measureCpu } from "./cpu-time.ts";
import type { LoadGenerator } from "./load-generator.ts";
import type { LoadResult, LoadSpec } from "./load-protocol.ts";
import { runEvalsha } from "./redis-benchmark.ts";
import { type CommandStats, costPerRequest, tallyCommands } from "./redis-commandstats.ts";
import { type ResultRow, usesRedis } from "./report.ts";
import { baseUrlOf, type HttpScenario, probeScenario, serverPidOf } from "./scenarios.ts";
import { type BenchSettings, TARGET_CONCURRENCY } from "./settings.ts";
import type { Stack } from "./stack.ts";
import { type Round, summarise } from "./stats.ts";

const log = (message: string) => process.stderr.write(`${message}\n`);

/** The processes a round's CPU is charged to; an empty list (or an undefined pid) is reported as NaN. */
export interface RoundProcesses {
  servers: (number | undefined)[];
  redis: (number | undefined)[];
  load: number | undefined;
}

/** Runs one round and adds what it cost in CPU per request: the servers' (summed), Redis's and the load generator's. */
export async function costedRound(
  processes: RoundProcesses,
  work: () => Promise<LoadResult>,
): Promise<Round> {
  const { servers, redis, load } = processes;
  const { result, cpuMs } = await measureCpu([load, ...servers, ...redis], work);
  const perRequest = (ms: number[]) =>
    result.requests > 0 && ms.length > 0
      ? (ms.reduce((a, b) => a + b, 0) * 1000) / result.requests
      : Number.NaN;
  return {
    ...result,
    loadCpuUs: perRequest(cpuMs.slice(0, 1)),
    serverCpuUs: perRequest(cpuMs.slice(1, 1 + servers.length)),
    redisCpuUs: perRequest(cpuMs.slice(1 + servers.length)),
  };
}

export const loadSpec = (
  scenario: HttpScenario,
  urls: string[],
  connections: number,
  durationSec: number,
): LoadSpec => ({
  urls: urls.map((url) => `${url}${scenario.path}`),
  method: scenario.method,
  headers: scenario.headers,
  body: scenario.body,
  bodiesFile: scenario.bodiesFile,
  connections,
  durationSec,
});

/**
 * Per level: every scenario warmed up, then the rounds interleaved across scenarios so drift hits all alike. At the
 * target concurrency, Redis's own time by command is tallied for the scenarios that use it.
 */
export async function measureHttp(
  settings: BenchSettings,
  stack: Stack,
  load: LoadGenerator,
  scenarios: HttpScenario[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const scenario of scenarios) await probeScenario(baseUrlOf(stack, scenario), scenario);
  const redis = new Redis(stack.redis.url);
  try {
    for (const connections of settings.levels) {
      const run = (scenario: HttpScenario, seconds: number) =>
        load.run(loadSpec(scenario, [baseUrlOf(stack, scenario)], connections, seconds));
      const rounds = new Map<string, Round[]>(scenarios.map((s) => [s.id, []]));
      const commands = new Map<string, CommandStats>(
        connections === TARGET_CONCURRENCY ? scenarios.filter(usesRedis).map((s) => [s.id, new Map()]) : [],
      );
      for (const scenario of scenarios) await run(scenario, settings.warmupSec);
      for (let round = 1; round <= settings.rounds; round++) {
        for (const scenario of scenarios) {
          const measure = () =>
            costedRound(
              {
                servers: [serverPidOf(stack, scenario)],
                redis: [stack.redis.service.child.pid],
                load: load.pid,
              },
              () => run(scenario, settings.roundSec),
            );
          const tally = commands.get(scenario.id);
          const result = await (tally ? tallyCommands(redis, tally, measure) : measure());
          rounds.get(scenario.id)!.push(result);
          log(
            `  c=${connections} round ${round} ${scenario.id}: ${result.rps.toFixed(0)} req/s p99 ${result.p99Ms.toFixed(2)} ms, ${result.serverCpuUs.toFixed(0)} µs CPU/req (load ${result.loadCpuUs.toFixed(0)})`,
          );
        }
      }
      for (const scenario of scenarios) {
        const measured = rounds.get(scenario.id)!;
        const tally = commands.get(scenario.id);
        const requests = measured.reduce((n, r) => n + r.requests, 0);
        rows.push({
          id: scenario.id,
          label: scenario.label,
          kind: scenario.kind,
          ...(scenario.usesRedis ? { usesRedis: true } : {}),
          concurrency: connections,
          processes: 1,
          summary: summarise(measured),
          ...(tally ? { redisCommands: costPerRequest(tally, requests) } : {}),
        });
      }
    }
  } finally {
    await redis.quit();
  }
  return rows;
}

/** Redis alone (redis-benchmark): a one-key Lua script, and leash's enforce script on its allow path. */
export async function measureRedis(settings: BenchSettings, stack: Stack): Promise<ResultRow[]> {
  const client = new Redis(stack.redis.url);
  const tiny = (await client.script("LOAD", "return redis.call('GET', KEYS[1])")) as string;
  const enforce = (await client.script("LOAD", ENFORCE_BATCH_LUA)) as string;
  const generation = (await client.get(storeKeys.envGeneration("staging"))) ?? "";
  await client.quit();
  // One decision on the allow path with no counters and no audit record: generation, five revocation markers
  // (absent), no deny or hold reason.
  const enforceArgs = enforcementBatchArgs("staging", [
    {
      env: "staging",
      generation,
      jti: "tok_bench",
      task: "task_bench",
      agent: "bench-agent",
      scope: "bench-open",
      issuedAtMs: Date.now(),
      nowMs: Date.now(),
      limits: [],
      taskRevocationTtlMs: 3_600_000,
      eventId: "evt_bench",
    },
  ]);
  const variants = [
    { id: "redis-evalsha", label: "Redis EVALSHA, 1-key GET script", sha: tiny, args: ["1", "bench:key"] },
    {
      id: "redis-enforce",
      label: "Redis EVALSHA, leash enforce script (1 decision)",
      sha: enforce,
      args: enforceArgs,
    },
  ];
  const rows: ResultRow[] = [];
  for (const connections of settings.levels) {
    for (const variant of variants) {
      const run = (requests: number) =>
        runEvalsha({ port: stack.redis.port, connections, requests, sha: variant.sha, args: variant.args });
      await run(Math.min(10_000, settings.evalshaRequests));
      const rounds: Round[] = [];
      const redisPid = stack.redis.service.child.pid;
      for (let round = 0; round < settings.rounds; round++) {
        // redis-benchmark is a new process per run, outside the load generator: its CPU is not measured.
        rounds.push(
          await costedRound({ servers: [redisPid], redis: [], load: undefined }, () =>
            run(settings.evalshaRequests),
          ),
        );
      }
      rows.push({
        id: variant.id,
        label: variant.label,
        kind: "reference",
        concurrency: connections,
        processes: 1,
        summary: summarise(rounds),
      });
    }
  }
  return rows;
}

/** 1, 2 and 4 broker processes on one Redis; the load generator spreads connections over them round-robin. */
export async function measureScaling(
  settings: BenchSettings,
  stack: Stack,
  load: LoadGenerator,
  scenarios: HttpScenario[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const connections of settings.scaleLevels) {
    for (const scenario of scenarios) {
      let single: number | undefined;
      for (const processes of settings.scaleProcesses) {
        const brokers = stack.brokers.slice(0, processes);
        const urls = brokers.map((b) => b.url);
        await load.run(loadSpec(scenario, urls, connections, settings.warmupSec));
        const rounds: Round[] = [];
        const pids = brokers.map((b) => b.service.child.pid);
        for (let round = 0; round < settings.rounds; round++) {
          rounds.push(
            await costedRound({ servers: pids, redis: [stack.redis.service.child.pid], load: load.pid }, () =>
              load.run(loadSpec(scenario, urls, connections, settings.roundSec)),
            ),
          );
        }
        const summary = summarise(rounds);
        single ??= summary.rps;
        log(`  scaling ${scenario.id} c=${connections} x${processes}: ${summary.rps.toFixed(0)} req/s`);
        rows.push({
          id: `scaling-${scenario.id}`,
          label: scenario.label,
          kind: "leash",
          concurrency: connections,
          processes,
          summary,
          baseline: { id: scenario.id, label: "1 process", rps: single },
          ratio: summary.rps / single,
        });
      }
    }
  }
  return rows;
}
