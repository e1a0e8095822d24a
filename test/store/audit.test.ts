// The audit log contract on both stores, and many Redis connections appending to one chain at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";
import { runAuditContract } from "./audit.contract.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

runAuditContract("memory", async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new MemoryStore(clock);
  return { store, clock, cleanup: () => store.close() };
});

runAuditContract("redis", async () => {
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  const store = await RedisStore.connect(server.url);
  return { store, clock: new ManualClock(1_700_000_000_000), cleanup: () => store.close() };
});

describe("RedisAudit under concurrency", () => {
  it("keeps one valid chain when 8 connections append 400 records at once", async () => {
    await rawRedisCommand(server.port, "FLUSHALL");
    const stores = await Promise.all(
      Array.from({ length: 8 }, () => RedisStore.connect(server.url, { commandTimeoutMs: 10_000 })),
    );
    try {
      const records = await Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          stores[i % 8]!.audit.append({
            entry: {
              time: 1_700_000_000_000 + (i % 7),
              event: "authorize",
              actor: `agent:a${i % 8}`,
              environment: "staging",
              task: `t${i}`,
              decision: "allow",
              reason: "ok",
            },
          }),
        ),
      );
      expect(new Set(records.map((record) => record.seq)).size).toBe(400);
      expect(new Set(records.map((record) => record.prev)).size).toBe(400);
      expect(await verifyAuditChain(stores[0]!.audit, "env:staging")).toMatchObject({
        ok: true,
        records: 400,
      });
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});
