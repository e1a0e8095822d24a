import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealChain } from "../../src/audit/seal-chain.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { expectReconnectingRefusal, withDemotedPrimary } from "../helpers/demoted-primary.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";
import { runAuditContract } from "./audit.contract.ts";
import { memoryStoreFixture, redisStoreFixture } from "./contract.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

runAuditContract("memory", async () => memoryStoreFixture());

runAuditContract("redis", async () => {
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  return redisStoreFixture(await RedisStore.connect(server.url), [server.port]);
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
      expect(new Set(records.map((record) => record.id)).size).toBe(400);
      expect(await verifyAuditChain(stores[0]!.audit, "env:staging")).toMatchObject({
        ok: true,
        records: 400,
      });
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("keeps one chain of seals when 4 connections seal while 4 others append, many times over", async () => {
    await rawRedisCommand(server.port, "FLUSHALL");
    const stores = await Promise.all(
      Array.from({ length: 8 }, () => RedisStore.connect(server.url, { commandTimeoutMs: 10_000 })),
    );
    try {
      let lostRaces = 0;
      for (let round = 0; round < 25; round++) {
        const appends = Array.from({ length: 40 }, (_, i) =>
          stores[i % 4]!.audit.append({
            entry: {
              time: 1_700_000_000_000 + round,
              event: "authorize",
              actor: `agent:a${i % 4}`,
              environment: "staging",
              task: `r${round}-${i}`,
              decision: "allow",
              reason: "ok",
            },
          }),
        );
        const sealers = stores
          .slice(4)
          .map((store) => sealChain(store.audit, "env:staging", { nowMs: Date.now(), batchSize: 7 }));
        const results = await Promise.all([...appends, ...sealers]);
        for (const result of results.slice(appends.length))
          lostRaces += (result as Awaited<ReturnType<typeof sealChain>>).lostRaces;
      }
      await sealChain(stores[0]!.audit, "env:staging", { nowMs: Date.now() });
      const seals = await stores[0]!.audit.seals("env:staging", { count: 10_000 });
      let next = 1;
      for (const seal of seals) {
        const fields = Object.fromEntries(seal.fields);
        expect(Number(fields.from_seq)).toBe(next);
        next = Number(fields.to_seq) + 1;
      }
      expect(next).toBe(1001);
      expect(lostRaces).toBeGreaterThan(0);
      expect(await verifyAuditChain(stores[0]!.audit, "env:staging")).toMatchObject({
        ok: true,
        records: 1000,
        sealed: 1000,
        unsealed: 0,
      });
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("verifies without false alarms while records are appended and sealed under it", async () => {
    await rawRedisCommand(server.port, "FLUSHALL");
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => RedisStore.connect(server.url, { commandTimeoutMs: 10_000 })),
    );
    try {
      let appending = true;
      const appender = (async () => {
        for (let i = 0; appending; i++) {
          await Promise.all(
            Array.from({ length: 20 }, (_, j) =>
              stores[j % 2]!.audit.append({
                entry: {
                  time: Date.now(),
                  event: "authorize",
                  actor: "agent:a",
                  environment: "staging",
                  task: `t${i}-${j}`,
                  decision: "allow",
                  reason: "ok",
                },
              }),
            ),
          );
        }
      })();
      const sealer = (async () => {
        while (appending)
          await sealChain(stores[2]!.audit, "env:staging", { nowMs: Date.now(), batchSize: 50 });
      })();
      const results = [];
      for (let i = 0; i < 15; i++) results.push(await verifyAuditChain(stores[3]!.audit, "env:staging"));
      appending = false;
      await Promise.all([appender, sealer]);
      expect(results.filter((result) => !result.ok).map((result) => result.problem)).toEqual([]);
      expect(results[results.length - 1]!.records).toBeGreaterThan(results[0]!.records);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("fails an append on a demoted primary with Redis's own READONLY reply, which the Sentinel client reconnects on", async () => {
    // A mint's record may be the first write a broker sends a demoted primary.
    await rawRedisCommand(server.port, "FLUSHALL");
    expect(await rawRedisCommand(server.port, "SET synced yes")).toBe("+OK");
    await withDemotedPrimary(server, "synced", (demoted) =>
      expectReconnectingRefusal(
        demoted.audit.append({
          entry: {
            time: Date.now(),
            event: "token.mint",
            actor: "agent:a",
            environment: "staging",
            decision: "allow",
            reason: "ok",
          },
        }),
      ),
    );
  });
});
