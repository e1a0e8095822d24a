// LEASH_REDIS_WAIT_REPLICAS on a real primary/replica pair: a durable change is on the replica when the store says it
// is done; with no replica to acknowledge it, the store refuses (503) instead of claiming success. Authorize's
// counting is not waited for.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/errors/leash-error.ts";
import { approvalKeys, storeKeys } from "../../src/store/redis/keys.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import type { EnforcementCheck } from "../../src/store/store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

let primary: RedisServer;
let replica: RedisServer;
/** Waits long enough for a loaded machine's replica to acknowledge: for the cases where it must. */
let store: RedisStore;
/** Gives up after 200 ms: for the case where the replica is paused. */
let impatient: RedisStore;

const WAIT = { replicas: 1, timeoutMs: 200 };

beforeAll(async () => {
  primary = await startRedisServer({ args: ["--repl-diskless-sync-delay", "0"] });
  replica = await startRedisServer({
    args: [
      "--replicaof",
      "127.0.0.1",
      String(primary.port),
      "--repl-diskless-sync-delay",
      "0",
      "--enable-debug-command",
      "local",
    ],
  });
  const deadline = Date.now() + 10_000;
  // Until the replica has synced, WAIT counts it as missing.
  for (;;) {
    const connected = await infoField(primary.port, "connected_slaves");
    if (connected === "1" && (await infoField(replica.port, "master_link_status")) === "up") break;
    if (Date.now() > deadline) throw new Error("replica did not sync");
    await sleep(50);
  }
  // A replica acknowledges a WAIT within milliseconds on an idle machine, but under a loaded CI run it once took
  // longer than 200 ms, failing the setup.
  store = await RedisStore.connect(primary.url, {
    commandTimeoutMs: 5_000,
    replicationWait: { replicas: 1, timeoutMs: 2_000 },
  });
  impatient = await RedisStore.connect(primary.url, { commandTimeoutMs: 1_000, replicationWait: WAIT });
  await store.ensureGeneration("g", ["staging"]);
  // Above the sync deadline: a slow sync fails with its own message, not vitest's default 10 s hook timeout.
}, 30_000);

afterAll(async () => {
  await store?.close();
  await impatient?.close();
  await replica?.stop();
  await primary?.stop();
});

async function infoField(port: number, field: string): Promise<string | undefined> {
  const { Redis } = await import("ioredis");
  const client = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const info = await client.info("replication");
    return new RegExp(`^${field}:(.*)$`, "m").exec(info)?.[1]?.trim();
  } finally {
    client.disconnect();
  }
}

const check = (overrides: Partial<EnforcementCheck> = {}): EnforcementCheck => ({
  env: "staging",
  generation: "g",
  jti: `jti-${randomUUID()}`,
  task: `task-${randomUUID()}`,
  agent: "agent-1",
  scope: "staging-fix",
  issuedAtMs: Date.now() - 1000,
  nowMs: Date.now(),
  limits: [],
  taskRevocationTtlMs: 60_000,
  eventId: randomUUID(),
  ...overrides,
});

describe("LEASH_REDIS_WAIT_REPLICAS=1", () => {
  it("reports a revocation, a principal change and an approval decision done only once the replica has them", async () => {
    const target = { kind: "task" as const, value: "task-durable" };
    await store.revoke({ target, env: "staging", atMs: 1, ttlMs: 60_000, reason: "x" });
    // Read from the replica right after the answer: no replication lag can hide the marker.
    expect(await rawRedisCommand(replica.port, `EXISTS ${storeKeys.revocation("staging", target)}`)).toBe(
      ":1",
    );

    await store.savePrincipal({
      id: "agent-durable",
      kind: "agent",
      keyHash: "c".repeat(64),
      disabled: true,
      createdAt: 1,
      scopes: [],
      roles: [],
    });
    expect(await rawRedisCommand(replica.port, `EXISTS ${storeKeys.principal("agent-durable")}`)).toBe(":1");

    expect(await store.approvals.claimTotpStep("alice", 7, 60_000)).toBe(true);
    expect(await rawRedisCommand(replica.port, `EXISTS ${approvalKeys.totpLastStep("alice")}`)).toBe(":1");
  });

  it("refuses (StoreUnavailableError, 503) when no replica acknowledges in time; authorize still counts", async () => {
    // The replica stops acknowledging: paused, it neither applies nor acks the stream.
    const paused = rawRedisCommand(replica.port, "DEBUG SLEEP 1", 5000);
    await sleep(50);
    try {
      const started = performance.now();
      const refused = await impatient
        .revoke({
          target: { kind: "jti", value: "j-lost" },
          env: "staging",
          atMs: 1,
          ttlMs: 60_000,
          reason: "x",
        })
        .then(
          () => null,
          (error: unknown) => error,
        );
      const elapsed = performance.now() - started;
      expect(refused).toBeInstanceOf(StoreUnavailableError);
      expect((refused as StoreUnavailableError).status).toBe(503);
      expect((refused as StoreUnavailableError).message).toMatch(
        /reached 0 of 1 Redis replicas within 200 ms/,
      );
      expect(elapsed).toBeGreaterThanOrEqual(WAIT.timeoutMs - 20);
      expect(elapsed).toBeLessThan(1000);

      // Counting an authorize is not waited for: it answers at once.
      expect((await impatient.enforce(check())).allow).toBe(true);
      // But a revoke_task limit's revocation is: the call is refused with 503, not answered "rate_limited".
      const task = `task-${randomUUID()}`;
      const limits = [{ key: `task:${task}`, max: 1, windowMs: 60_000, onExceed: "revoke_task" as const }];
      expect((await impatient.enforce(check({ task, limits }))).allow).toBe(true);
      await expect(impatient.enforce(check({ task, limits }))).rejects.toBeInstanceOf(StoreUnavailableError);
      // The marker is on the primary all the same: the task is revoked.
      expect(await impatient.isTaskRevoked("staging", task)).toBe(true);
    } finally {
      await paused;
    }
  });
});
