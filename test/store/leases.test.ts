// The lease store on memory and on a real redis-server, plus what only Redis can show: TTLs, durability, failure.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { StoreUnavailableError } from "../../src/errors/leash-error.ts";
import type { LeaseRecord } from "../../src/store/leases.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { leaseKeys } from "../../src/store/redis/keys.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";
import { runLeaseStoreContract } from "./leases.contract.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

runLeaseStoreContract("memory", async () => {
  const clock = new ManualClock(Date.now());
  const store = new MemoryStore(clock);
  return { store, clock, cleanup: () => store.close() };
});

runLeaseStoreContract("redis", async () => {
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  const store = await RedisStore.connect(server.url);
  return { store, clock: new ManualClock(Date.now()), cleanup: () => store.close() };
});

const lease = (now: number, overrides: Partial<LeaseRecord> = {}): LeaseRecord => ({
  leaseId: "database/creds/staging-readwrite/abc",
  env: "staging",
  task: "task-1",
  jti: "jti-1",
  agent: "agent-1",
  scope: "staging-fix",
  path: "database/creds/staging-readwrite",
  issuedAtMs: Math.floor(now / 1000) * 1000,
  vaultExpiresAt: now + 60_000,
  expiresAt: now + 60_000,
  ...overrides,
});

const pttl = async (port: number, key: string) =>
  Number((await rawRedisCommand(port, `PTTL ${key}`)).slice(1));

describe("RedisLeaseStore", () => {
  it("puts the lease keys in the environment's slot, with TTLs on records and indexes and none on the queue", async () => {
    await rawRedisCommand(server.port, "FLUSHALL");
    const store = await RedisStore.connect(server.url);
    try {
      const now = Date.now();
      const value = lease(now);
      await store.leases.record(value, { revokeAt: now + 30_000, nowMs: now });
      await store.leases.enqueueLease("staging", "database/creds/staging-readwrite/other", now);

      expect(leaseKeys.record("staging", value.leaseId)).toBe(
        "leash:{env:staging}:lease:database/creds/staging-readwrite/abc",
      );
      const recordTtl = await pttl(server.port, leaseKeys.record("staging", value.leaseId));
      // Until Vault ends the lease, plus one minute of slack.
      expect(recordTtl).toBeGreaterThan(115_000);
      expect(recordTtl).toBeLessThanOrEqual(120_000);
      for (const target of [
        { kind: "task", value: "task-1" },
        { kind: "jti", value: "jti-1" },
        { kind: "agent", value: "agent-1" },
        { kind: "scope", value: "staging-fix" },
        { kind: "environment", value: "staging" },
      ] as const) {
        const ttl = await pttl(server.port, leaseKeys.index("staging", target));
        expect(ttl, target.kind).toBeGreaterThan(115_000);
      }
      // The queue and the schedule are durable: they only shrink when Vault confirms a revocation.
      expect(await pttl(server.port, leaseKeys.queue("staging"))).toBe(-1);
      expect(await pttl(server.port, leaseKeys.schedule("staging"))).toBe(-1);
    } finally {
      await store.close();
    }
  });

  it("keeps the queue across a Redis restart and another broker process picks up a dead worker's claim", async () => {
    const own = await startRedisServer();
    const first = await RedisStore.connect(own.url);
    const second = await RedisStore.connect(own.url);
    try {
      const now = Date.now();
      const value = lease(now);
      await first.leases.record(value, { revokeAt: null, nowMs: now });
      await first.leases.enqueueRevocation("staging", { kind: "task", value: "task-1" }, now, now);
      // The first process claims it and dies before acking.
      expect(
        await first.leases.claim("staging", { nowMs: now, limit: 10, visibilityMs: 5_000 }),
      ).toHaveLength(1);
      await first.close();

      await own.restart({ keepData: true });
      await second.waitUntilReady(5_000);
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        try {
          await second.ping();
          break;
        } catch {
          await sleep(50);
        }
      }
      expect(await second.leases.backlog()).toEqual({ queued: 1, attempted: 1, scheduled: 0 });
      expect(
        await second.leases.claim("staging", { nowMs: now + 1000, limit: 10, visibilityMs: 5_000 }),
      ).toEqual([]);
      expect(
        await second.leases.claim("staging", { nowMs: now + 5_000, limit: 10, visibilityMs: 5_000 }),
      ).toEqual([{ leaseId: value.leaseId, attempts: 2 }]);
    } finally {
      await first.close();
      await second.close();
      await own.stop();
    }
  });

  it("fails closed with StoreUnavailableError when Redis is gone", async () => {
    const own = await startRedisServer();
    const store = await RedisStore.connect(own.url);
    try {
      await own.kill();
      const now = Date.now();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["record", () => store.leases.record(lease(now), { revokeAt: null, nowMs: now })],
        ["get", () => store.leases.get("staging", "x")],
        [
          "enqueueRevocation",
          () => store.leases.enqueueRevocation("staging", { kind: "task", value: "t" }, now, now),
        ],
        ["enqueueLease", () => store.leases.enqueueLease("staging", "x", now)],
        ["environments", () => store.leases.environments()],
        ["claim", () => store.leases.claim("staging", { nowMs: now, limit: 1, visibilityMs: 1000 })],
        ["ack", () => store.leases.ack("staging", "x")],
        ["retry", () => store.leases.retry("staging", "x", now)],
        ["backlog", () => store.leases.backlog()],
      ];
      for (const [name, call] of calls) {
        await expect(call(), name).rejects.toBeInstanceOf(StoreUnavailableError);
      }
    } finally {
      await store.close();
      await own.stop();
    }
  });
});

describe("MemoryLeaseStore", () => {
  it("fails with StoreUnavailableError once the store is closed, and forgets records after their ttl", async () => {
    const clock = new ManualClock(Date.now());
    const store = new MemoryStore(clock);
    const now = clock.now();
    const value = lease(now);
    await store.leases.record(value, { revokeAt: null, nowMs: now });
    clock.advance(60_000 + 59_999);
    expect(await store.leases.get("staging", value.leaseId)).toEqual(value);
    clock.advance(1);
    expect(await store.leases.get("staging", value.leaseId)).toBeNull();
    await store.close();
    await expect(store.leases.backlog()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
