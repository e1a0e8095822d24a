// The Cluster client's edges on a real cluster: the first pipelines of a fresh client (node connections opened
// lazily) succeed, and with every node gone the store refuses at once and recovers by itself when they return.

import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/errors/leash-error.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import type { EnforcementCheck } from "../../src/store/store.ts";
import { type RedisCluster, startRedisCluster } from "../helpers/redis-cluster.ts";

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

const ENVIRONMENTS = ["staging", "production", "eu", "us", "ci", "sandbox"];
const connect = () =>
  RedisStore.connect(
    { kind: "cluster", nodes: cluster.addresses },
    // Generous: a replica of a cluster just started on a busy machine may take a while to acknowledge its first write.
    { replicationWait: { replicas: 1, timeoutMs: 2000 } },
  );

const check = (overrides: Partial<EnforcementCheck> = {}): EnforcementCheck => ({
  env: "staging",
  generation: "g",
  jti: "jti-1",
  task: "task-1",
  agent: "agent-1",
  scope: "staging-fix",
  issuedAtMs: Date.now() - 1000,
  nowMs: Date.now(),
  limits: [],
  taskRevocationTtlMs: 60_000,
  eventId: randomUUID(),
  ...overrides,
});

describe("Redis Cluster client", () => {
  it("runs a fresh client's first pipelines on every primary (connections opened on demand)", async () => {
    for (let i = 0; i < 5; i++) {
      const store = await connect();
      try {
        // Pipelines of several commands (write + WAIT) to environments spread over the three primaries, at once.
        await store.ensureGeneration("g", ENVIRONMENTS);
        await Promise.all(
          ENVIRONMENTS.map((env) =>
            store.revoke({
              target: { kind: "task", value: `t-${i}` },
              env,
              atMs: 1,
              ttlMs: 60_000,
              reason: "x",
            }),
          ),
        );
      } finally {
        await store.close();
      }
    }
  });

  it("refuses within 1 s while every node is down, and resumes by itself when they are back", async () => {
    const store = await connect();
    try {
      await store.ensureGeneration("g", ["staging"]);
      expect((await store.enforce(check())).allow).toBe(true);
      await Promise.all(cluster.servers.map((server) => server.kill()));
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await expect(store.enforce(check())).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(performance.now() - started).toBeLessThan(1000);
      }
      // Back (empty: nothing was saved), the same store object reconnects; the lost generation refuses old tokens.
      await Promise.all(cluster.servers.map((server) => server.restart()));
      await cluster.waitHealthy();
      const deadline = Date.now() + 20_000;
      let outcome: unknown;
      while (Date.now() < deadline) {
        outcome = await store.enforce(check()).catch((error: unknown) => error);
        if (!(outcome instanceof StoreUnavailableError)) break;
        await sleep(100);
      }
      expect(outcome).toEqual({ allow: false, reason: "stale_generation" });
    } finally {
      await store.close();
    }
  });
});
