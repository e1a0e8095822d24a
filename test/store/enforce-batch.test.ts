// Decisions made at the same moment leave for Redis as one batch (src/store/redis/batcher.ts): each must still be
// decided, counted and audited as if it were alone, in order.
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { type AuditEntry, storedRecordFields } from "../../src/store/audit-record.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import type { EnforcementCheck, LimitCounter, Store } from "../../src/store/store.ts";
import { expectReconnectingRefusal, withDemotedPrimary } from "../helpers/demoted-primary.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

const NOW = 1_700_000_001_000;
let server: RedisServer;
let store: RedisStore;
let generation: string;
let events = 0;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await store?.close();
  await server?.stop();
});
beforeEach(async () => {
  await store?.close();
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  store = await RedisStore.connect(server.url);
  generation = await store.ensureGeneration("gen-batch", ["staging", "production"]);
});

const auditEntry = (check: Pick<EnforcementCheck, "env" | "jti" | "task">, resource: string): AuditEntry => ({
  time: NOW,
  event: "authorize",
  actor: `agent:agent-1`,
  agent: "agent-1",
  environment: check.env,
  task: check.task,
  jti: check.jti,
  action: "volume:delete",
  resource,
});

const check = (overrides: Partial<EnforcementCheck> = {}, resource = "vol"): EnforcementCheck => {
  const base: EnforcementCheck = {
    env: "staging",
    generation,
    jti: "jti-1",
    task: "task-1",
    agent: "agent-1",
    scope: "scope-1",
    issuedAtMs: NOW - 1000,
    nowMs: NOW,
    limits: [],
    taskRevocationTtlMs: 60_000,
    eventId: `ev-${events++}`,
    ...overrides,
  };
  return { ...base, audit: { entry: auditEntry(base, resource), skipWhenHeld: true } };
};

const records = async (chain: string) =>
  (await store.audit.range(chain, { count: 10_000 })).map((stored) => storedRecordFields(stored.fields));

describe("batched enforce on Redis", () => {
  it("lets exactly `max` of 200 simultaneous calls through one limit, and audits every one in order", async () => {
    const limit = { key: "task:1", max: 37, windowMs: 60_000, onExceed: "deny" as const };
    const checks = Array.from({ length: 200 }, (_, i) => check({ limits: [limit] }, `vol-${i}`));
    const outcomes = await Promise.all(checks.map((c) => store.enforce(c)));

    expect(outcomes.filter((o) => o.allow)).toHaveLength(37);
    // Submitted first, decided first: the allowed calls are the first 37.
    expect(outcomes.slice(0, 37).every((o) => o.allow)).toBe(true);
    expect(outcomes.slice(37).every((o) => o.reason === "rate_limited" && o.limit === "task:1")).toBe(true);
    expect(await rawRedisCommand(server.port, "ZCARD leash:{env:staging}:limit:task:1")).toBe(":37");

    const audited = await records("env:staging");
    expect(audited.map((r) => r.resource)).toEqual(checks.map((_, i) => `vol-${i}`));
    expect(audited.map((r) => r.seq)).toEqual(checks.map((_, i) => String(i + 1)));
    expect(audited.map((r) => `${r.decision} ${r.reason} ${r.limit}`)).toEqual(
      outcomes.map((o) => `${o.allow ? "allow" : "deny"} ${o.reason} ${o.allow ? "" : "task:1"}`),
    );
  });

  it("decides each call of a batch on its own: revoked, stale, held, denied and allowed side by side", async () => {
    await store.revoke({
      target: { kind: "jti", value: "jti-revoked" },
      env: "staging",
      atMs: NOW - 500,
      ttlMs: 60_000,
      reason: "test",
    });
    const outcomes = await Promise.all([
      store.enforce(check({ jti: "jti-revoked" })),
      store.enforce(check({ generation: "gen-old" })),
      store.enforce(check({ holdReason: "approval_required" })),
      store.enforce(check({ denyReason: "resource_not_granted" })),
      store.enforce(check()),
      store.enforce(check({ env: "production" })),
    ]);
    expect(outcomes.map((o) => o.reason)).toEqual([
      "revoked",
      "stale_generation",
      "approval_required",
      "resource_not_granted",
      "ok",
      "ok",
    ]);
    // The held call leaves no record (its caller records the final decision); every other call leaves one.
    expect((await records("env:staging")).map((r) => r.reason)).toEqual([
      "revoked",
      "stale_generation",
      "resource_not_granted",
      "ok",
    ]);
    expect((await records("env:production")).map((r) => r.reason)).toEqual(["ok"]);
  });

  it("revokes the task for the call that crosses a revoke_task limit, and refuses the rest of its batch", async () => {
    const limit = { key: "task:guard", max: 2, windowMs: 60_000, onExceed: "revoke_task" as const };
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () => store.enforce(check({ limits: [limit] }))),
    );
    expect(outcomes.map((o) => o.reason)).toEqual([
      "ok",
      "ok",
      "rate_limited",
      "revoked",
      "revoked",
      "revoked",
    ]);
    expect(outcomes[2]!.taskRevoked).toBe(true);
    expect(await store.isTaskRevoked("staging", "task-1")).toBe(true);
  });

  it("decides a batch as the memory store decides its calls one at a time: windows sliding within the batch, revoke_task, holds, records", async () => {
    // Counters a call may touch: its task's (deny, and revoke_task) and one the environment shares.
    const limitsOf = (task: string, pick: boolean[]): LimitCounter[] =>
      [
        { key: `task:${task}`, max: 3, windowMs: 1000, onExceed: "deny" as const },
        { key: `guard:${task}`, max: 4, windowMs: 1500, onExceed: "revoke_task" as const },
        { key: "env:shared", max: 5, windowMs: 2000, onExceed: "deny" as const },
      ].filter((_, i) => pick[i]);
    const sometimes = fc.oneof(
      { arbitrary: fc.constant(false), weight: 5 },
      { arbitrary: fc.constant(true), weight: 1 },
    );
    const call = fc.record({
      task: fc.constantFrom("task-1", "task-2"),
      // The caller's clock, not in order: a decision is timed no earlier than its counters' latest event.
      offsetMs: fc.integer({ min: 0, max: 3000 }),
      pick: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      held: fc.boolean(),
      // Calls of one token differing in what else decides them: issued before the agent's revocation, under another
      // generation, refused without I/O.
      early: sometimes,
      stale: sometimes,
      denied: sometimes,
    });
    const batch = fc.array(call, { minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 3 }), async (batches) => {
        await store.close();
        expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
        store = await RedisStore.connect(server.url);
        const memory = new MemoryStore(new ManualClock(NOW));
        generation = await store.ensureGeneration("gen-batch", ["staging"]);
        await memory.ensureGeneration(generation, ["staging"]);
        for (const s of [store, memory]) {
          const target = { kind: "agent" as const, value: "agent-1" };
          await s.revoke({ target, env: "staging", atMs: NOW - 1000, ttlMs: 600_000, reason: "test" });
        }
        let start = NOW;
        for (const calls of batches) {
          const checks = calls.map(({ task, offsetMs, pick, held, early, stale, denied }, i) =>
            check(
              {
                task,
                nowMs: start + offsetMs,
                limits: limitsOf(task, pick),
                ...(held ? { holdReason: "approval_required" } : {}),
                issuedAtMs: early ? NOW - 2000 : NOW - 500,
                ...(stale ? { generation: "gen-old" } : {}),
                ...(denied ? { denyReason: "resource_not_granted" } : {}),
              },
              `vol-${i}`,
            ),
          );
          start += 1500;
          const batched = await Promise.all(checks.map((c) => store.enforce(c)));
          const oneByOne = [];
          for (const c of checks) oneByOne.push(await memory.enforce(c));
          expect(batched).toEqual(oneByOne);
        }
        const chain = async (s: Store) =>
          (await s.audit.range("env:staging", { count: 10_000 })).map((r) => storedRecordFields(r.fields));
        expect(await chain(store)).toEqual(await chain(memory));
      }),
      { numRuns: 60 },
    );
  });

  it("keeps a resource with quotes, backslashes, control characters and non-ASCII text byte for byte", async () => {
    const resource = 'vol "a"\\b\n\t\u0001 ünïcødé 🚀 \u2028';
    await store.enforce(check({}, resource));
    expect((await records("env:staging"))[0]!.resource).toBe(resource);
  });

  it("fails a batch that breaks part way closed, and the records it appended stay numbered in their chain", async () => {
    // A counter key holding a string: the third decision's first look at its window fails with WRONGTYPE.
    expect(await rawRedisCommand(server.port, "SET leash:{env:staging}:limit:task:broken x")).toBe("+OK");
    const broken = { key: "task:broken", max: 1000, windowMs: 60_000, onExceed: "deny" as const };
    const failed = await Promise.allSettled([
      store.enforce(check({}, "vol-1")),
      store.enforce(check({}, "vol-2")),
      store.enforce(check({ limits: [broken] }, "vol-3")),
      store.enforce(check({}, "vol-4")),
    ]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected", "rejected"]);
    // The two decided before the failure were appended; the chain's head names the second, so the next follows it.
    await expect(store.enforce(check({}, "vol-5"))).resolves.toMatchObject({ allow: true });
    const audited = await records("env:staging");
    expect(audited.map((r) => `${r.seq} ${r.resource}`)).toEqual(["1 vol-1", "2 vol-2", "3 vol-5"]);
  });

  it("keeps the events of a failed batch's calls decided before the failure, in counters that expire", async () => {
    expect(await rawRedisCommand(server.port, "SET leash:{env:staging}:limit:task:broken x")).toBe("+OK");
    const counted = { key: "task:counted", max: 1000, windowMs: 60_000, onExceed: "deny" as const };
    const broken = { key: "task:broken", max: 1000, windowMs: 60_000, onExceed: "deny" as const };
    const failed = await Promise.allSettled([
      store.enforce(check({ limits: [counted] })),
      store.enforce(check({ limits: [counted] })),
      store.enforce(check({ limits: [broken] })),
    ]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    // Both calls were recorded as allowed before the failure: their events count.
    expect(await rawRedisCommand(server.port, "ZCARD leash:{env:staging}:limit:task:counted")).toBe(":2");
    const ttl = Number(
      (await rawRedisCommand(server.port, "PTTL leash:{env:staging}:limit:task:counted")).slice(1),
    );
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it("fails a batch on a demoted primary with Redis's own READONLY reply, which the Sentinel client reconnects on", async () => {
    // A batch's record append is a write, so an authorize meets a demoted primary's READONLY reply first. Synced
    // once the replica holds the generation, so the batch's decisions get as far as their records.
    await withDemotedPrimary(server, "leash:{env:staging}:gen", (demoted) =>
      expectReconnectingRefusal(demoted.enforce(check({}, "vol-1"))),
    );
  });

  it("fails every call of a batch closed when Redis is gone, and decides again once it is back", async () => {
    const limit = { key: "task:1", max: 1000, windowMs: 60_000, onExceed: "deny" as const };
    await server.kill();
    const failed = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.enforce(check({ limits: [limit] }))),
    );
    expect(failed.every((r) => r.status === "rejected")).toBe(true);
    await server.restart();
    generation = await waitFor(() => store.ensureGeneration("gen-after", ["staging"]));
    await expect(store.enforce(check({ limits: [limit] }))).resolves.toMatchObject({ allow: true });
  });
});

async function waitFor<T>(operation: () => Promise<T>, withinMs = 5000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(50);
    }
  }
}
