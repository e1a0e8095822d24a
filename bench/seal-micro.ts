// `npx tsx bench/seal-micro.ts`: how long sealing a 1,000-record run holds the event loop (memory store, one page, so
// only the hashing and the store's own bookkeeping count). LEASH_TREE=<another checkout> measures that tree instead,
// for an A/B.
import type { sealChain as SealChain } from "../src/audit/seal-chain.ts";
import type { ManualClock as Clock } from "../src/clock/clock.ts";
import type { MemoryStore as Store } from "../src/store/memory/memory-store.ts";

const root = process.env.LEASH_TREE ?? new URL("..", import.meta.url).pathname;
const { sealChain } = (await import(`${root}/src/audit/seal-chain.ts`)) as { sealChain: typeof SealChain };
const { MemoryStore } = (await import(`${root}/src/store/memory/memory-store.ts`)) as {
  MemoryStore: typeof Store;
};
const { ManualClock } = (await import(`${root}/src/clock/clock.ts`)) as { ManualClock: typeof Clock };

const RECORDS = 1000;
const REPEATS = 15;
let best = Number.POSITIVE_INFINITY;
for (let repeat = 0; repeat < REPEATS; repeat++) {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new MemoryStore(clock);
  for (let i = 0; i < RECORDS; i++) {
    await store.audit.append({
      entry: {
        time: clock.now(),
        event: "authorize",
        actor: "agent:bench-agent",
        agent: "bench-agent",
        environment: "staging",
        task: "task_abcdefghijkl",
        intent: "bench",
        scope: "bench-counted",
        action: "volume:read",
        resource: "staging/volumes/vol-1",
        jti: "tok_abcdefghijklmnop",
        request_id: "5f1c3a8e-1c1e-4b1e-9c1e-1c1e1c1e1c1e",
        decision: "allow",
        reason: "ok",
      },
    });
  }
  const started = performance.now();
  await sealChain(store.audit, "env:staging", { nowMs: clock.now(), pageSize: RECORDS });
  best = Math.min(best, performance.now() - started);
}
console.log(
  `${root}: sealing ${RECORDS} records in one page took ${best.toFixed(2)} ms (best of ${REPEATS})`,
);
