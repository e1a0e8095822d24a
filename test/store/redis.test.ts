import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/errors/leash-error.ts";
import { createRedisClient, RedisStore } from "../../src/store/redis/redis-store.ts";
import type { EnforcementCheck, Store } from "../../src/store/store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";
import { redisStoreFixture, runStoreContract } from "./contract.ts";

// One redis-server for this file; every contract test starts from FLUSHALL with a fresh store.
let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

runStoreContract("redis", async () => {
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  return redisStoreFixture(await RedisStore.connect(server.url), [server.port]);
});

const enforcement = (overrides: Partial<EnforcementCheck> = {}): EnforcementCheck => ({
  env: "staging",
  generation: "g",
  jti: "jti-1",
  task: "task-1",
  agent: "agent-1",
  scope: "staging-fix",
  issuedAtMs: 1_700_000_000_000,
  nowMs: 1_700_000_001_000,
  limits: [],
  taskRevocationTtlMs: 60_000,
  eventId: randomUUID(),
  ...overrides,
});

/** Times a rejection; fails the test if the promise resolves. */
const timeRejection = async (promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
  const started = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error("expected a rejection, got a result");
};

/** Polls until the store answers, as a broker's readiness probe would; returns how long it took. */
const waitForRecovery = async (store: Store, withinMs: number): Promise<number> => {
  const started = performance.now();
  for (;;) {
    try {
      await store.ping();
      return performance.now() - started;
    } catch (error) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      if (performance.now() - started > withinMs)
        throw new Error(`store did not recover within ${withinMs} ms`);
      await sleep(50);
    }
  }
};

describe("RedisStore: exact limits under concurrency", () => {
  const stores: RedisStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it("gives exactly max allows to 400 concurrent calls from 4 connections", async () => {
    await rawRedisCommand(server.port, "FLUSHALL");
    for (let i = 0; i < 4; i++) stores.push(await RedisStore.connect(server.url, { commandTimeoutMs: 5000 }));
    await stores[0]!.ensureGeneration("g", ["staging"]);
    const limits = [
      { key: "task:task-1", max: 3, windowMs: 60_000, onExceed: "deny" as const },
      { key: "environment", max: 1000, windowMs: 60_000, onExceed: "deny" as const },
    ];
    const outcomes = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        stores[i % 4]!.enforce(enforcement({ limits, nowMs: 1_700_000_001_000 + i })),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.allow)).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome.reason === "rate_limited")).toHaveLength(397);
    // Only the allowed calls were counted in the other counter.
    const envCount = await rawRedisCommand(server.port, "ZCARD leash:{env:staging}:limit:environment");
    expect(envCount).toBe(":3");
  });

  it("revokes the task exactly once when concurrent calls exceed a revoke_task limit", async () => {
    await rawRedisCommand(server.port, "FLUSHALL");
    for (let i = 0; i < 4; i++) stores.push(await RedisStore.connect(server.url, { commandTimeoutMs: 5000 }));
    await stores[0]!.ensureGeneration("g", ["staging"]);
    const limits = [{ key: "task:task-1", max: 3, windowMs: 60_000, onExceed: "revoke_task" as const }];
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) => stores[i % 4]!.enforce(enforcement({ limits }))),
    );
    expect(outcomes.filter((outcome) => outcome.allow)).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome.taskRevoked)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.reason === "revoked")).toHaveLength(96);
  });
});

describe("RedisStore: principal records", () => {
  const stores: RedisStore[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it("reads every change another broker makes at once, and hands out records no caller can change", async () => {
    await rawRedisCommand(server.port, "FLUSHALL");
    for (let i = 0; i < 2; i++) stores.push(await RedisStore.connect(server.url));
    const [reader, writer] = stores as [RedisStore, RedisStore];
    const human = {
      id: "human-1",
      kind: "human" as const,
      keyHash: "a".repeat(64),
      disabled: false,
      createdAt: 1,
      scopes: [],
      roles: ["resource-server"],
    };
    await writer.savePrincipal(human);
    const first = await reader.getPrincipal("human-1");
    expect(first).toEqual(human);
    expect(() => first!.roles.push("admin")).toThrow(TypeError);
    expect(() => Object.assign(first!, { disabled: true })).toThrow(TypeError);
    expect(await reader.getPrincipal("human-1")).toEqual(human);
    expect(await reader.findPrincipalByKeyHash("a".repeat(64))).toEqual(human);

    await writer.savePrincipal({ ...human, disabled: true });
    expect((await reader.getPrincipal("human-1"))?.disabled).toBe(true);
    await writer.savePrincipal({ ...human, keyHash: "b".repeat(64) });
    expect((await reader.getPrincipal("human-1"))?.keyHash).toBe("b".repeat(64));
    expect(await reader.findPrincipalByKeyHash("a".repeat(64))).toBeNull();
  });
});

describe("RedisStore: fails closed and recovers", () => {
  let own: RedisServer;
  let store: RedisStore | undefined;
  beforeAll(async () => {
    own = await startRedisServer({ args: ["--enable-debug-command", "yes"] });
  });
  beforeEach(async () => {
    expect(await rawRedisCommand(own.port, "FLUSHALL")).toBe("+OK");
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  afterAll(async () => {
    await own?.stop();
  });

  const everyMethod = (s: Store): Array<[string, () => Promise<unknown>]> => [
    ["ping", () => s.ping()],
    ["getGeneration", () => s.getGeneration()],
    ["ensureGeneration", () => s.ensureGeneration("g2", ["staging"])],
    [
      "savePrincipal",
      () =>
        s.savePrincipal({
          id: "a",
          kind: "agent",
          keyHash: "h",
          disabled: false,
          createdAt: 1,
          scopes: [],
          roles: [],
        }),
    ],
    ["getPrincipal", () => s.getPrincipal("a")],
    ["findPrincipalByKeyHash", () => s.findPrincipalByKeyHash("h")],
    ["listPrincipals", () => s.listPrincipals("agent")],
    [
      "revoke",
      () =>
        s.revoke({ target: { kind: "jti", value: "j" }, env: "staging", atMs: 1, ttlMs: 1000, reason: "x" }),
    ],
    ["isTaskRevoked", () => s.isTaskRevoked("staging", "t")],
    ["enforce", () => s.enforce(enforcement())],
    ["approvals.get", () => s.approvals.get("apr_x")],
    ["approvals.claimTotpStep", () => s.approvals.claimTotpStep("h", 1, 1000)],
  ];

  it("rejects with StoreUnavailableError within 1 s after Redis is killed, then recovers by itself", async () => {
    store = await RedisStore.connect(own.url);
    await store.ensureGeneration("g", ["staging"]);
    expect((await store.enforce(enforcement())).allow).toBe(true);

    await own.kill();
    const enforceFailure = await timeRejection(store.enforce(enforcement()));
    expect(enforceFailure.error).toBeInstanceOf(StoreUnavailableError);
    expect(enforceFailure.ms).toBeLessThan(1000);
    const pingFailure = await timeRejection(store.ping());
    expect(pingFailure.error).toBeInstanceOf(StoreUnavailableError);
    expect(pingFailure.ms).toBeLessThan(1000);
    for (const [name, call] of everyMethod(store)) {
      const { error, ms } = await timeRejection(call());
      expect(error, name).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).status, name).toBe(503);
      expect(ms, name).toBeLessThan(1000);
    }

    // Redis comes back empty: the same store object reconnects, and every old token is stale.
    await own.restart();
    const recoveredInMs = await waitForRecovery(store, 5000);
    expect(recoveredInMs).toBeLessThan(5000);
    expect(await store.getGeneration()).toBeNull();
    expect(await store.enforce(enforcement())).toEqual({ allow: false, reason: "stale_generation" });
    expect(await store.ensureGeneration("g-new", ["staging"])).toBe("g-new");
    expect((await store.enforce(enforcement())).reason).toBe("stale_generation");
    expect((await store.enforce(enforcement({ generation: "g-new" }))).allow).toBe(true);
  });

  it("keeps working across a restart that keeps the data", async () => {
    store = await RedisStore.connect(own.url);
    await store.ensureGeneration("kept", ["staging"]);
    await store.revoke({
      target: { kind: "task", value: "t-bad" },
      env: "staging",
      atMs: 1,
      ttlMs: 60_000,
      reason: "x",
    });
    await own.restart({ keepData: true });
    await waitForRecovery(store, 5000);
    expect(await store.getGeneration()).toBe("kept");
    expect((await store.enforce(enforcement({ generation: "kept" }))).allow).toBe(true);
    expect((await store.enforce(enforcement({ generation: "kept", task: "t-bad" }))).reason).toBe("revoked");
  });

  it("times out a command against a Redis that stopped answering", async () => {
    store = await RedisStore.connect(own.url, { commandTimeoutMs: 300 });
    const blocker = rawRedisCommand(own.port, "DEBUG SLEEP 1.5", 5000).catch(() => "");
    await sleep(100);
    const { error, ms } = await timeRejection(store.enforce(enforcement()));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ms).toBeLessThan(1000);
    await blocker;
    await waitForRecovery(store, 3000);
  });

  it("fails fast when Redis was never reachable, and connect() gives up with StoreUnavailableError", async () => {
    const deadPort = own.port;
    await own.kill();
    const offline = new RedisStore(createRedisClient(`redis://127.0.0.1:${deadPort}`));
    try {
      const { error, ms } = await timeRejection(offline.ping());
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(ms).toBeLessThan(1000);
    } finally {
      await offline.close();
    }
    const { error } = await timeRejection(
      RedisStore.connect(`redis://127.0.0.1:${deadPort}`, { readyTimeoutMs: 300 }),
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    await own.restart();
  });

  it("reports connection errors to onError instead of printing them", async () => {
    const errors: Error[] = [];
    await own.kill();
    const client = createRedisClient(own.url, { onError: (error) => errors.push(error) });
    await sleep(300);
    client.disconnect();
    expect(errors.length).toBeGreaterThan(0);
    await own.restart();
  });
});
