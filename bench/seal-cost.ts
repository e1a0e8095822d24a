// `npx tsx bench/seal-cost.ts`: the broker CPU one audit record costs its sealer, read from Redis and hashed, and what
// reading alone costs (the same pages, not hashed); then what appending it cost Redis (the append script's time, its
// XADD's) and the Redis memory it takes. Its own redis-server (AOF on, as compose.yaml), 20,000 authorize records
// appended first. LEASH_TREE=<another checkout> measures that tree instead, for an A/B.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { sealChain as SealChain } from "../src/audit/seal-chain.ts";
import type { AuditEntry } from "../src/store/audit-record.ts";
import type { RedisStore as Store } from "../src/store/redis/redis-store.ts";
import { startBenchRedis } from "./lib/redis-server.ts";

const root = process.env.LEASH_TREE ?? new URL("..", import.meta.url).pathname;
const { sealChain } = (await import(`${root}/src/audit/seal-chain.ts`)) as { sealChain: typeof SealChain };
const { RedisStore } = (await import(`${root}/src/store/redis/redis-store.ts`)) as {
  RedisStore: typeof Store;
};

const RECORDS = 20_000;
const PAGE = 200;
const CHAIN = "env:staging";
const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};
const entry = (i: number): AuditEntry => ({
  time: Date.now(),
  event: "authorize",
  actor: "agent:bench-agent",
  agent: "bench-agent",
  environment: "staging",
  task: "task_abcdefghijklmnop",
  intent: "bench the authorize path",
  scope: "staging-fix",
  action: "volume:read",
  resource: "railway:prj_demo/env/staging/volumes/vol_bench",
  jti: "tok_abcdefghijklmnopqrstuv",
  request_id: `5f1c3a8e-1c1e-4b1e-9c1e-${String(i).padStart(12, "0")}`,
  decision: "allow",
  reason: "ok",
});

const logDir = await mkdtemp(join(tmpdir(), "leash-seal-cost-"));
const redis = await startBenchRedis(logDir);
const store = await RedisStore.connect(redis.url);
const client = new Redis(redis.url);
try {
  await client.config("RESETSTAT");
  for (let i = 0; i < RECORDS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, k) => store.audit.append({ entry: entry(i + k) })));
  }
  const reading = process.cpuUsage();
  let read = 0;
  for (let after = ""; ; ) {
    const page = await store.audit.range(CHAIN, { start: after ? `(${after}` : "-", count: PAGE });
    read += page.length;
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }
  const readMicros = cpuMicros(reading);
  const sealing = process.cpuUsage();
  let sealed = 0;
  for (;;) {
    const result = await sealChain(store.audit, CHAIN, { nowMs: Date.now(), pageSize: PAGE });
    if (result.records === 0) break;
    sealed += result.records;
  }
  const sealMicros = cpuMicros(sealing);
  const stats = await client.info("commandstats");
  const perCall = (command: string) =>
    Number(new RegExp(`cmdstat_${command}:.*usec_per_call=([\\d.]+)`).exec(stats)?.[1]);
  const streamKey = (await client.keys("*audit")).find((key) => key.includes(CHAIN));
  const streamBytes = streamKey ? Number(await client.memory("USAGE", streamKey, "SAMPLES", 0)) : Number.NaN;
  console.log(
    `${root}: sealing ${sealed} records cost ${(sealMicros / sealed).toFixed(1)} µs of CPU each; reading them alone ${(readMicros / read).toFixed(1)} µs; appending one cost Redis ${perCall("evalsha").toFixed(1)} µs (its XADD ${perCall("xadd").toFixed(1)}); ${Math.round(streamBytes / RECORDS)} bytes of Redis memory a record`,
  );
} finally {
  client.disconnect();
  await store.close();
  await redis.stop();
  await rm(logDir, { recursive: true, force: true });
}
