// BENCH_CLUSTER=1: authorize throughput on a Redis Cluster of 1 primary, then of 3 primaries, with the same brokers
// setup. Authorize traffic for one environment always goes to one slot (its `{env:E}` hash tag), so the load here is
// spread over three environments chosen so that, on 3 primaries, each lives on a different primary.
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import calculateSlot from "cluster-key-slot";
import YAML from "yaml";
import { freePort } from "../../test/helpers/ports.ts";
import { expectApi, installLeash, mintToken, startLeashServe } from "./leash.ts";
import type { LoadGenerator } from "./load-generator.ts";
import type { LoadResult } from "./load-protocol.ts";
import { costedRound } from "./measure.ts";
import { rawRedisCommand } from "./redis-server.ts";
import type { ResultRow } from "./report.ts";
import { type Service, startService } from "./service.ts";
import type { BenchSettings } from "./settings.ts";
import { type Round, summarise } from "./stats.ts";

const run = promisify(execFile);
const log = (message: string) => process.stderr.write(`${message}\n`);
const SLOTS = 16_384;
const BROKERS = 2;

/** Slot range of primary `i` of `n` (the split `redis-cli --cluster create` makes). */
const slotRange = (i: number, n: number): [number, number] => [
  Math.floor((i * SLOTS) / n),
  Math.floor(((i + 1) * SLOTS) / n) - 1,
];

/** Three environment names whose `{env:E}` slots fall in the three thirds of the slot space. */
function spreadEnvironments(): string[] {
  const chosen: string[] = [];
  for (let third = 0; third < 3; third++) {
    const [from, to] = slotRange(third, 3);
    for (let i = 0; ; i++) {
      const slot = calculateSlot(`{env:bench-${i}}`);
      if (slot >= from && slot <= to) {
        chosen.push(`bench-${i}`);
        break;
      }
    }
  }
  return chosen;
}

interface BenchCluster {
  nodes: Array<{ port: number; busPort: number; service: Service }>;
  seeds: string;
  stop(): Promise<void>;
}

/** `primaries` redis-server processes (AOF on, as compose.yaml) forming one cluster, slots split evenly. */
async function startBenchCluster(primaries: number, dir: string): Promise<BenchCluster> {
  const nodes: BenchCluster["nodes"] = [];
  for (let i = 0; i < primaries; i++) {
    const [port, busPort] = [await freePort(), await freePort()];
    const dataDir = join(dir, `node-${i}`);
    await mkdir(dataDir, { recursive: true });
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dataDir];
    args.push("--appendonly", "yes", "--appendfsync", "everysec");
    args.push(
      "--cluster-enabled",
      "yes",
      "--cluster-port",
      String(busPort),
      "--cluster-config-file",
      "nodes.conf",
    );
    // A node that never met another does not know its own address (CLUSTER SLOTS would name it "").
    args.push("--cluster-announce-ip", "127.0.0.1");
    const service = startService(`redis-cluster-${primaries}-${i}`, "redis-server", args, {
      logFile: join(dir, `redis-${i}.log`),
    });
    nodes.push({ port, busPort, service });
  }
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.service.stop()));
  };
  try {
    for (const node of nodes)
      await until(async () => (await rawRedisCommand(node.port, "PING", 200)) === "+PONG");
    for (const [i, node] of nodes.entries()) {
      const [from, to] = slotRange(i, primaries);
      await run("redis-cli", ["-p", String(node.port), "CLUSTER", "ADDSLOTSRANGE", String(from), String(to)]);
      if (i > 0)
        await run("redis-cli", [
          "-p",
          String(node.port),
          "CLUSTER",
          "MEET",
          "127.0.0.1",
          String(nodes[0]!.port),
          String(nodes[0]!.busPort),
        ]);
    }
    for (const node of nodes) {
      await until(async () => {
        const { stdout } = await run("redis-cli", ["-p", String(node.port), "CLUSTER", "INFO"]);
        return stdout.includes("cluster_state:ok") && stdout.includes(`cluster_known_nodes:${primaries}`);
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, seeds: nodes.map((node) => `127.0.0.1:${node.port}`).join(","), stop };
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error("bench cluster did not come up");
    await sleep(50);
  }
}

/** Adds the three environments and one counted read scope per environment to an installation's scopes. */
async function addSpreadEnvironments(scopesDir: string, environments: string[]): Promise<void> {
  const file = join(scopesDir, "environments.yaml");
  const doc = YAML.parse(await readFile(file, "utf8")) as { environments: Array<Record<string, unknown>> };
  for (const env of environments) {
    doc.environments.push({
      name: env,
      protected: false,
      max_ttl: "1h",
      resources: [`railway:prj_bench/env/${env}/**`],
      markers: [`prj_bench/env/${env}`],
    });
    await writeFile(
      join(scopesDir, `bench-cluster-${env}.yaml`),
      YAML.stringify({
        description: `Bench - read ${env} volumes; every call counted against a limit the run never reaches`,
        environment: env,
        agents: ["bench-*"],
        actions: ["volume:read"],
        resources: [`railway:prj_bench/env/${env}/**`],
        ttl: { default: "1h", max: "1h" },
        limits: [
          {
            match: { action: "volume:read" },
            max: 1_000_000_000,
            per: "10s",
            key: "task",
            on_exceed: "deny",
          },
        ],
      }),
    );
  }
  await writeFile(file, YAML.stringify(doc));
}

/** Per primaries count: a fresh cluster, `leash init`, 2 brokers, one token per environment, counted authorizes. */
export async function measureClusterPrimaries(
  settings: BenchSettings,
  load: LoadGenerator,
  workDir: string,
): Promise<ResultRow[]> {
  const environments = spreadEnvironments();
  const rows: ResultRow[] = [];
  /** 1-primary req/s per concurrency level: what the 3-primary rows are compared with. */
  const single = new Map<number, number>();
  for (const primaries of [1, 3]) {
    const dir = join(workDir, `cluster-${primaries}`);
    await mkdir(dir, { recursive: true });
    const cluster = await startBenchCluster(primaries, dir);
    const brokers: Awaited<ReturnType<typeof startLeashServe>>[] = [];
    try {
      const install = await installLeash(dir, "", settings.logLevel, {
        redisEnv: { REDIS_CLUSTER_NODES: cluster.seeds },
        extendScopes: (scopesDir) => addSpreadEnvironments(scopesDir, environments),
      });
      for (let i = 0; i < BROKERS; i++)
        brokers.push(await startLeashServe(install, `leash-cluster-${primaries}-${i}`));
      const leash = brokers[0]!.url;
      const agent = await expectApi(
        leash,
        "/v1/agents",
        { key: install.adminKey, body: { id: "bench-agent", scopes: ["*"] } },
        201,
      );
      const tokens = await Promise.all(
        environments.map((env) => mintToken(leash, String(agent.api_key), `bench-cluster-${env}`)),
      );
      const urls = brokers.map((broker) => `${broker.url}/v1/authorize`);
      const specs = (connections: number, durationSec: number) =>
        environments.map((env, i) => ({
          urls,
          method: "POST" as const,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            token: tokens[i]!.token,
            action: "volume:read",
            resource: `railway:prj_bench/env/${env}/volumes/vol_bench`,
          }),
          connections: Math.max(1, Math.round(connections / environments.length)),
          durationSec,
        }));
      // One load run per environment at once (the load process runs them side by side), summed.
      const runAll = async (connections: number, durationSec: number): Promise<LoadResult> => {
        const results = await Promise.all(specs(connections, durationSec).map((spec) => load.run(spec)));
        const statusCodes: Record<string, number> = {};
        for (const result of results) {
          for (const [code, count] of Object.entries(result.statusCodes)) {
            statusCodes[code] = (statusCodes[code] ?? 0) + count;
          }
        }
        const requests = results.reduce((n, r) => n + r.requests, 0);
        return {
          requests,
          elapsedSec: Math.max(...results.map((r) => r.elapsedSec)),
          rps: results.reduce((n, r) => n + r.rps, 0),
          p50Ms: Math.max(...results.map((r) => r.p50Ms)),
          p99Ms: Math.max(...results.map((r) => r.p99Ms)),
          maxMs: Math.max(...results.map((r) => r.maxMs)),
          statusCodes,
          errors: results.reduce((n, r) => n + r.errors, 0),
          timeouts: results.reduce((n, r) => n + r.timeouts, 0),
        };
      };
      for (const connections of settings.scaleLevels) {
        await runAll(connections, settings.warmupSec);
        const rounds: Round[] = [];
        const brokerPids = brokers.map((broker) => broker.service.child.pid);
        const redisPids = cluster.nodes.map((node) => node.service.child.pid);
        for (let round = 0; round < settings.rounds; round++) {
          rounds.push(
            await costedRound({ servers: brokerPids, redis: redisPids, load: load.pid }, () =>
              runAll(connections, settings.roundSec),
            ),
          );
        }
        const summary = summarise(rounds);
        if (primaries === 1) single.set(connections, summary.rps);
        const baseline = single.get(connections);
        log(
          `  cluster ${primaries} primar${primaries === 1 ? "y" : "ies"} c=${connections}: ${summary.rps.toFixed(0)} req/s`,
        );
        rows.push({
          id: `cluster-authorize-allow-${primaries}`,
          label: `authorize allow (counted), 3 envs, ${primaries} primar${primaries === 1 ? "y" : "ies"}`,
          kind: "leash",
          concurrency: connections,
          processes: BROKERS,
          summary,
          ...(baseline === undefined
            ? {}
            : {
                baseline: { id: "cluster-authorize-allow-1", label: "1 primary", rps: baseline },
                ratio: summary.rps / baseline,
              }),
        });
      }
    } finally {
      await Promise.all(brokers.map((broker) => broker.service.stop()));
      await cluster.stop();
    }
  }
  return rows;
}
