// The measuring loops: HTTP scenarios per concurrency level, the Redis reference, and the scaling run.
import { Redis } from "ioredis";
import { ENFORCE_BATCH_LUA, enforcementArgument } from "../../src/store/redis/enforce-script.ts";
import { measureCpu } from "./cpu-time.ts";
import type { LoadGenerator } from "./load-generator.ts";
import type { LoadResult, LoadSpec } from "./load-protocol.ts";
import { runEvalsha } from "./redis-benchmark.ts";
import type { ResultRow } from "./report.ts";
import { baseUrlOf, type HttpScenario, probeScenario, serverPidOf } from "./scenarios.ts";
import type { BenchSettings } from "./settings.ts";
import type { Stack } from "./stack.ts";
import { type Round, summarise } from "./stats.ts";

const log = (message: string) => process.stderr.write(`${message}\n`);

/** Runs one round and adds what it cost in CPU: the servers' (summed) and Redis's, per request. */
async function costedRound(
  serverPids: (number | undefined)[],
  redisPid: number | undefined,
  work: () => Promise<LoadResult>,
): Promise<Round> {
  const { result, cpuMs } = await measureCpu([...serverPids, redisPid], work);
  const perRequest = (ms: number) => (result.requests > 0 ? (ms * 1000) / result.requests : Number.NaN);
  const serverMs = cpuMs.slice(0, -1).reduce((a, b) => a + b, 0);
  return { ...result, serverCpuUs: perRequest(serverMs), redisCpuUs: perRequest(cpuMs.at(-1)!) };
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
  connections,
  durationSec,
});

/** Per level: every scenario warmed up, then the rounds interleaved across scenarios so drift hits all alike. */
export async function measureHttp(
  settings: BenchSettings,
  stack: Stack,
  load: LoadGenerator,
  scenarios: HttpScenario[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const scenario of scenarios) await probeScenario(baseUrlOf(stack, scenario), scenario);
  for (const connections of settings.levels) {
    const run = (scenario: HttpScenario, seconds: number) =>
      load.run(loadSpec(scenario, [baseUrlOf(stack, scenario)], connections, seconds));
    const rounds = new Map<string, Round[]>(scenarios.map((s) => [s.id, []]));
    for (const scenario of scenarios) await run(scenario, settings.warmupSec);
    for (let round = 1; round <= settings.rounds; round++) {
      for (const scenario of scenarios) {
        const result = await costedRound([serverPidOf(stack, scenario)], stack.redis.service.child.pid, () =>
          run(scenario, settings.roundSec),
        );
        rounds.get(scenario.id)!.push(result);
        log(
          `  c=${connections} round ${round} ${scenario.id}: ${result.rps.toFixed(0)} req/s p99 ${result.p99Ms.toFixed(2)} ms, ${result.serverCpuUs.toFixed(0)} µs CPU/req`,
        );
      }
    }
    for (const scenario of scenarios) {
      rows.push({
        id: scenario.id,
        label: scenario.label,
        kind: scenario.kind,
        concurrency: connections,
        processes: 1,
        summary: summarise(rounds.get(scenario.id)!),
      });
    }
  }
  return rows;
}

/** Redis alone (redis-benchmark): a one-key Lua script, and leash's enforce script on its allow path. */
export async function measureRedis(settings: BenchSettings, stack: Stack): Promise<ResultRow[]> {
  const client = new Redis(stack.redis.url);
  const tiny = (await client.script("LOAD", "return redis.call('GET', KEYS[1])")) as string;
  const enforce = (await client.script("LOAD", ENFORCE_BATCH_LUA)) as string;
  const generation = (await client.get("leash:{env:staging}:gen")) ?? "";
  await client.quit();
  // One decision on the allow path with no counters and no audit record: generation, five revocation markers
  // (absent), no deny or hold reason.
  const decision = enforcementArgument({
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
  });
  const enforceArgs = ["1", "leash:{env:staging}:gen", decision];
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
        rounds.push(await costedRound([redisPid], undefined, () => run(settings.evalshaRequests)));
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
            await costedRound(pids, stack.redis.service.child.pid, () =>
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
