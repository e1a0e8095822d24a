// The broker's audit sealer: it seals what the broker records within an interval or so, keeps going (and logs)
// while Redis is away and seals once it is back, trims past the retention, and stops with the broker.
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditSealer } from "../../src/audit/audit-sealer.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { storedRecordFields } from "../../src/store/audit-record.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { api, mintToken, startTestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

function capturedLogger(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { logger: pino({ level: "info" }, stream), lines: () => lines };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describe("the broker's audit sealer", () => {
  it("seals what the broker recorded within about one interval, and stops with the broker", async () => {
    const test = await startTestBroker({ redisUrl: redis.url });
    try {
      const { token } = await mintToken(test, { scope: "staging-fix", task: { intent: "seal me" } });
      for (let i = 0; i < 5; i++)
        await api(test.url, "POST", "/v1/authorize", {
          body: { token, action: "volume:read", resource: `railway:prj_demo/env/staging/volume/v${i}` },
        });
      const result = await eventually(
        () => verifyAuditChain(test.store.audit, "env:staging"),
        (verified) => verified.unsealed === 0,
      );
      expect(result).toMatchObject({ ok: true, records: 6, sealed: 6, unsealed: 0 });
    } finally {
      await test.close();
    }
  });

  it("logs and retries while Redis is away, then seals; never throws", async () => {
    const store = await RedisStore.connect(redis.url);
    const { logger, lines } = capturedLogger();
    const clock = new ManualClock(1_700_000_000_000);
    const sealer = new AuditSealer({ audit: store.audit, clock, logger }, { intervalMs: 50 });
    try {
      await store.audit.append({
        entry: { time: clock.now(), event: "key.rotate", actor: "operator", environment: "staging" },
      });
      await redis.kill();
      sealer.start();
      await eventually(
        async () => lines(),
        (logged) => logged.filter((line) => line.level === 40).length >= 2,
      );
      expect(
        lines().some((line) => String(line.msg).includes("audit sealer could not reach the store")),
      ).toBe(true);
      await redis.restart({ keepData: false });
      await store.waitUntilReady(5000);
      await store.audit.append({
        entry: { time: clock.now(), event: "key.rotate", actor: "operator", environment: "staging" },
      });
      const sealed = await eventually(
        async () => (await store.audit.head("env:staging").catch(() => null))?.sealed.seq ?? 0,
        (seq) => seq === 1,
      );
      expect(sealed).toBe(1);
    } finally {
      await sealer.stop();
      await store.close();
    }
  });

  it("lets one broker's sealer seal a chain; another takes over when it stops or its claim runs out", async () => {
    await redis.restart({ keepData: false });
    const stores = await Promise.all([RedisStore.connect(redis.url), RedisStore.connect(redis.url)]);
    const clock = new ManualClock(1_700_000_000_000);
    const logger = pino({ level: "silent" });
    const [a, b, c] = [0, 1, 0].map(
      (i) => new AuditSealer({ audit: stores[i]!.audit, clock, logger }, { intervalMs: 100 }),
    );
    const append = () =>
      stores[0]!.audit.append({
        entry: { time: clock.now(), event: "key.rotate", actor: "operator", environment: "staging" },
      });
    try {
      // As a broker does at start: the sealer's passes after the first list only registered chains.
      await stores[0]!.audit.registerChains(["staging"]);
      await append();
      // Both pass at once: one claims the chain and seals; the other leaves it alone rather than hash it too.
      const passes = await Promise.all([a!.runOnce(), b!.runOnce()]);
      expect(passes.map((pass) => pass.records).sort()).toEqual([0, 1]);
      const [holder, other] = passes[0]!.records === 1 ? [a!, b!] : [b!, a!];
      await append();
      expect((await other.runOnce()).records).toBe(0);
      expect((await holder.runOnce()).records).toBe(1);

      // The holder stops: it lets go, and the other seals on its next pass.
      await holder.stop();
      await append();
      expect((await other.runOnce()).records).toBe(1);

      // Now the other goes quiet without letting go (its broker died): a third sealer gets the chain once the
      // claim, 3 intervals long, has run out.
      await append();
      expect((await c!.runOnce()).records).toBe(0);
      await sleep(350);
      expect((await c!.runOnce()).records).toBe(1);
      expect(await verifyAuditChain(stores[1]!.audit, "env:staging")).toMatchObject({ ok: true, sealed: 4 });
    } finally {
      await Promise.all([a!.stop(), b!.stop(), c!.stop()]);
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("trims whole sealed runs past the retention", async () => {
    await redis.restart({ keepData: false });
    const store = await RedisStore.connect(redis.url);
    const clock = new ManualClock(1_700_000_000_000);
    const logger = pino({ level: "silent" });
    try {
      const sealer = new AuditSealer(
        { audit: store.audit, clock, logger },
        { retentionMs: 60_000, batchSize: 2 },
      );
      for (let i = 0; i < 5; i++) {
        await store.audit.append({
          entry: { time: clock.now(), event: "key.rotate", actor: "operator", environment: "staging" },
        });
        clock.advance(20_000);
      }
      // Records at 0, 20, 40, 60, 80 s; now 100 s: sealed in runs ending at 20, 60, 80 s; the cutoff is 40 s.
      expect(await sealer.runOnce()).toMatchObject({ records: 5, trimmed: 1 });
      const left = await store.audit.range("env:staging", { count: 10 });
      expect(left.map((entry) => storedRecordFields(entry.fields).seq)).toEqual(["3", "4", "5"]);
      expect(
        await verifyAuditChain(store.audit, "env:staging", { retentionMs: 600_000, nowMs: clock.now() }),
      ).toMatchObject({ ok: true, trimmed: 2, records: 3 });
    } finally {
      await store.close();
    }
  });
});
