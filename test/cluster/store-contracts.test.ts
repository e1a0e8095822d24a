// The Store contract suites (store, leases, audit) on a real 3-primary Redis Cluster with a replica per primary, and
// on a primary/replica pair behind three Sentinels: the same suites single Redis and memory pass. Both run with
// LEASH_REDIS_WAIT_REPLICAS=1, so every durable write also proves it reached a replica.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import {
  type RedisCluster,
  type RedisSentinelGroup,
  startRedisCluster,
  startRedisSentinelGroup,
} from "../helpers/redis-cluster.ts";
import { runAuditContract } from "../store/audit.contract.ts";
import { redisStoreFixture, runStoreContract } from "../store/contract.ts";
import { runLeaseStoreContract } from "../store/leases.contract.ts";

let cluster: RedisCluster;
let sentinel: RedisSentinelGroup;
beforeAll(async () => {
  [cluster, sentinel] = await Promise.all([startRedisCluster(), startRedisSentinelGroup()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([cluster?.stop(), sentinel?.stop()]);
});

const durable = { commandTimeoutMs: 2_000, replicationWait: { replicas: 1, timeoutMs: 1_000 } };

const onCluster = async () => {
  await cluster.flushAll();
  return RedisStore.connect({ kind: "cluster", nodes: cluster.addresses }, durable);
};
const onSentinel = async () => {
  await sentinel.flushAll();
  return RedisStore.connect(
    { kind: "sentinel", sentinels: sentinel.addresses, name: sentinel.name },
    durable,
  );
};

/** Where each topology keeps its data (asked once per test: the time a test moves must not wait on it). */
const primaryPorts = {
  "redis cluster": async () =>
    (await cluster.topology())
      .filter((node) => node.role === "master" && !node.failed)
      .map((node) => node.port),
  "redis sentinel": async () => [(await sentinel.primary()).port],
};

for (const [name, connect] of [
  ["redis cluster", onCluster],
  ["redis sentinel", onSentinel],
] as const) {
  runStoreContract(name, async () => redisStoreFixture(await connect(), await primaryPorts[name]()));
  runLeaseStoreContract(name, async () => {
    const store = await connect();
    return { store, clock: new ManualClock(Date.now()), cleanup: () => store.close() };
  });
  runAuditContract(name, async () => redisStoreFixture(await connect(), await primaryPorts[name]()));
}

describe("the cluster really spreads leash's slots", () => {
  it("serves staging and production from the slots their hash tags name, and principals from {principals}", async () => {
    const store = await onCluster();
    try {
      await store.ensureGeneration("g", ["staging", "production"]);
      const owners = await Promise.all(
        ["leash:{env:staging}:gen", "leash:{env:production}:gen", "leash:{principals}:kind:agent"].map(
          (key) => cluster.primaryFor(key),
        ),
      );
      // Three tags, three slots; on 3 primaries at least two of them differ (the slots are fixed by the names).
      expect(new Set(owners.map((owner) => owner.port)).size).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  });
});
