// Real Redis topologies for tests: a Redis Cluster (primaries, each with replicas) and a primary/replica pair watched
// by three Sentinels. Every process is a real redis-server started here on free loopback ports, with short failure
// detection times so a failover takes seconds, not the production default of half a minute.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort } from "./ports.ts";
import { type RedisServer, startRedisServer } from "./redis-server.ts";

const run = promisify(execFile);
const CLI = process.env.REDIS_CLI_BIN ?? "redis-cli";

/** One command through redis-cli; the whole reply as text (raw, one element per line). */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run(CLI, ["-h", "127.0.0.1", "-p", String(port), "--raw", ...args], {
    timeout: 5_000,
  });
  return stdout.trim();
}

/** Polls `check` (errors count as "not yet") until it returns true; throws naming `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
    await sleep(100);
  }
}

/** redis-server settings both topologies use: a replica syncs at once instead of waiting for more replicas. */
const REPLICATION_ARGS = ["--repl-diskless-sync-delay", "0", "--repl-ping-replica-period", "1"];

// ---------------------------------------------------------------------------------------------------------------
// Redis Cluster

export interface ClusterNodeView {
  id: string;
  port: number;
  role: "master" | "slave";
  /** For a replica: the id of its primary. */
  primaryId: string | null;
  /** Slot ranges served (primaries). */
  slots: Array<[number, number]>;
  failed: boolean;
}

export interface RedisCluster {
  servers: RedisServer[];
  /** `host:port,…` of every node: the value of REDIS_CLUSTER_NODES. */
  seeds: string;
  addresses: Array<{ host: string; port: number }>;
  /** The cluster as a live node sees it (CLUSTER NODES). */
  topology(): Promise<ClusterNodeView[]>;
  /** The server of the primary that serves `key`'s slot now. */
  primaryFor(key: string): Promise<RedisServer>;
  /** FLUSHALL on every primary (replicas follow). */
  flushAll(): Promise<void>;
  /** Every live node reports cluster_state:ok, every slot has a primary, and each primary has a synced replica. */
  waitHealthy(options?: { replicasPerPrimary?: number; timeoutMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  primaries?: number;
  replicasPerPrimary?: number;
  /** cluster-node-timeout: how long a node must be unreachable before it is failed over. */
  nodeTimeoutMs?: number;
  args?: string[];
}

function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [id, address, flags, primary, , , , , ...slots] = line.trim().split(" ");
      const port = Number(/:(\d+)@/.exec(address!)?.[1]);
      return {
        id: id!,
        port,
        role: flags!.includes("master") ? ("master" as const) : ("slave" as const),
        primaryId: primary === "-" ? null : primary!,
        slots: slots
          .filter((slot) => !slot.startsWith("["))
          .map((slot) => {
            const [start, end] = slot.split("-").map(Number);
            return [start!, end ?? start!] as [number, number];
          }),
        failed: /fail(?!\?)/.test(flags!) || flags!.includes("noaddr"),
      };
    });
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicasPerPrimary = options.replicasPerPrimary ?? 1;
  const count = primaries * (1 + replicasPerPrimary);
  const dir = await mkdtemp(join(tmpdir(), "leash-redis-cluster-"));
  const servers: RedisServer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const busPort = await freePort();
      servers.push(
        await startRedisServer({
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            join(dir, `nodes-${i}.conf`),
            "--cluster-port",
            String(busPort),
            "--cluster-node-timeout",
            String(options.nodeTimeoutMs ?? 1000),
            // Slots of a failed shard refuse; the others keep serving (what docs/scale-out.md recommends).
            "--cluster-require-full-coverage",
            "no",
            ...REPLICATION_ARGS,
            ...(options.args ?? []),
          ],
        }),
      );
    }
    const addresses = servers.map((server) => ({ host: "127.0.0.1", port: server.port }));
    const hostPorts = addresses.map(({ host, port }) => `${host}:${port}`);
    await run(
      CLI,
      [
        "--cluster",
        "create",
        ...hostPorts,
        "--cluster-replicas",
        String(replicasPerPrimary),
        "--cluster-yes",
      ],
      { timeout: 30_000 },
    );

    const alive = new Set(servers);
    const liveServers = () => servers.filter((server) => alive.has(server));
    const tracked = servers.map((server) => ({
      ...server,
      kill: async () => {
        alive.delete(server);
        await server.kill();
      },
      restart: async (opts?: { keepData?: boolean }) => {
        await server.restart(opts);
        alive.add(server);
      },
      stop: async () => {
        alive.delete(server);
        await server.stop();
      },
    }));

    const topology = async (): Promise<ClusterNodeView[]> => {
      for (const server of liveServers()) {
        try {
          return parseClusterNodes(await redisCli(server.port, "CLUSTER", "NODES"));
        } catch {
          // that node is down: ask another
        }
      }
      throw new Error("no cluster node answers");
    };

    const cluster: RedisCluster = {
      servers: tracked,
      seeds: hostPorts.join(","),
      addresses,
      topology,
      primaryFor: async (key) => {
        const slot = Number(await redisCli(liveServers()[0]!.port, "CLUSTER", "KEYSLOT", key));
        const owner = (await topology()).find(
          (node) =>
            node.role === "master" && !node.failed && node.slots.some(([a, b]) => slot >= a && slot <= b),
        );
        const server = tracked.find((candidate) => candidate.port === owner?.port);
        if (!server) throw new Error(`no live primary serves slot ${slot} of ${key}`);
        return server;
      },
      flushAll: async () => {
        const masters = (await topology()).filter((node) => node.role === "master" && !node.failed);
        await Promise.all(masters.map((node) => redisCli(node.port, "FLUSHALL")));
      },
      waitHealthy: async ({ replicasPerPrimary: replicas = replicasPerPrimary, timeoutMs = 30_000 } = {}) => {
        await until(
          "a healthy cluster",
          async () => {
            for (const server of liveServers()) {
              const info = await redisCli(server.port, "CLUSTER", "INFO");
              if (!info.includes("cluster_state:ok")) return false;
            }
            const nodes = (await topology()).filter((node) => !node.failed);
            const masters = nodes.filter((node) => node.role === "master" && node.slots.length > 0);
            const covered = masters.reduce(
              (sum, node) => sum + node.slots.reduce((n, [a, b]) => n + b - a + 1, 0),
              0,
            );
            if (covered !== 16_384) return false;
            for (const master of masters) {
              const synced = await redisCli(master.port, "INFO", "replication");
              const online = synced.match(/^slave\d+:.*state=online/gm)?.length ?? 0;
              if (online < replicas) return false;
            }
            return true;
          },
          timeoutMs,
        );
      },
      stop: async () => {
        await Promise.all(servers.map((server) => server.stop()));
        await rm(dir, { recursive: true, force: true });
      },
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sentinel

export interface SentinelProcess {
  port: number;
  stop(): Promise<void>;
}

export interface RedisSentinelGroup {
  /** The primary and replica as started (after a failover their roles are swapped). */
  servers: RedisServer[];
  sentinels: SentinelProcess[];
  /** `host:port,…` of the Sentinels: the value of REDIS_SENTINELS. */
  seeds: string;
  addresses: Array<{ host: string; port: number }>;
  /** The monitored name: the value of REDIS_SENTINEL_NAME. */
  name: string;
  /** The server the Sentinels name as primary now. */
  primary(): Promise<RedisServer>;
  /** Waits until the Sentinels agree the primary is `server`, and it has `replicas` synced replicas. */
  waitHealthy(options?: { replicas?: number; timeoutMs?: number }): Promise<void>;
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisSentinelOptions {
  name?: string;
  /** down-after-milliseconds: how long the primary must be unreachable before it is considered down. */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

async function startSentinel(dir: string, index: number, lines: string[]): Promise<SentinelProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, `sentinel-${index}.conf`);
    await writeFile(config, [`port ${port}`, "bind 127.0.0.1", `dir ${dir}`, ...lines, ""].join("\n"));
    const child = spawn(process.env.REDIS_SERVER_BIN ?? "redis-server", [config, "--sentinel"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    running.add(child);
    child.once("exit", () => running.delete(child));
    try {
      await until(`sentinel on ${port}`, async () => (await redisCli(port, "PING")) === "PONG", 5_000);
      return {
        port,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          await exited;
        },
      };
    } catch (error) {
      child.kill("SIGKILL");
      if (attempt >= 3) throw error;
    }
  }
}

export async function startRedisSentinelGroup(
  options: RedisSentinelOptions = {},
): Promise<RedisSentinelGroup> {
  const name = options.name ?? "leash";
  const dir = await mkdtemp(join(tmpdir(), "leash-redis-sentinel-"));
  const servers: RedisServer[] = [];
  const sentinels: SentinelProcess[] = [];
  const stop = async () => {
    await Promise.all(sentinels.map((sentinel) => sentinel.stop()));
    await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const primary = await startRedisServer({ args: REPLICATION_ARGS });
    servers.push(primary);
    servers.push(
      await startRedisServer({
        args: [...REPLICATION_ARGS, "--replicaof", "127.0.0.1", String(primary.port)],
      }),
    );
    const monitor = [
      `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 3000}`,
      `sentinel parallel-syncs ${name} 1`,
    ];
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(dir, i, monitor));

    const primaryPort = async (): Promise<number> => {
      const answers = await Promise.all(
        sentinels.map((sentinel) =>
          redisCli(sentinel.port, "SENTINEL", "get-master-addr-by-name", name).catch(() => ""),
        ),
      );
      const ports = new Set(answers.map((answer) => Number(answer.split("\n")[1])));
      if (ports.size !== 1)
        throw new Error(`the Sentinels disagree on the primary: ${[...ports].join(", ")}`);
      return [...ports][0]!;
    };

    const group: RedisSentinelGroup = {
      servers,
      sentinels,
      seeds: sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(","),
      addresses: sentinels.map((sentinel) => ({ host: "127.0.0.1", port: sentinel.port })),
      name,
      primary: async () => {
        const port = await primaryPort();
        const server = servers.find((candidate) => candidate.port === port);
        if (!server) throw new Error(`the Sentinels name an unknown primary on port ${port}`);
        return server;
      },
      waitHealthy: async ({ replicas = 1, timeoutMs = 30_000 } = {}) => {
        await until(
          "a healthy Sentinel group",
          async () => {
            const port = await primaryPort();
            const info = await redisCli(port, "INFO", "replication");
            if (!info.includes("role:master")) return false;
            const online = info.match(/^slave\d+:.*state=online/gm)?.length ?? 0;
            if (online < replicas) return false;
            for (const sentinel of sentinels) {
              // Each Sentinel knows the other two and the replicas, none of them marked down.
              const others = await redisCli(sentinel.port, "SENTINEL", "sentinels", name);
              if ((others.match(/^runid$/gm)?.length ?? 0) < 2) return false;
              const known = await redisCli(sentinel.port, "SENTINEL", "replicas", name);
              const healthy = known.split(/^name$/m).filter((entry) => /^flags\nslave$/m.test(entry));
              if (healthy.length < replicas) return false;
            }
            return true;
          },
          timeoutMs,
        );
      },
      flushAll: async () => {
        await redisCli(await primaryPort(), "FLUSHALL");
      },
      stop,
    };
    await group.waitHealthy();
    return group;
  } catch (error) {
    await stop();
    throw error;
  }
}
