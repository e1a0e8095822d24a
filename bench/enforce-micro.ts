// `npx tsx bench/enforce-micro.ts`: the enforce step alone, without HTTP: 50 callers each calling store.enforce
// with the bench's same-token decision (one counted limit, an audit record) on a private redis-server (AOF on, as
// the bench's). Prints, per decision, the broker's CPU (this process: building the batch, ioredis, the reply),
// Redis' CPU (INFO cpu) and the enforce script's execution time (INFO commandstats).
// LEASH_TREE=<another checkout> measures that tree's store instead, for an A/B; ENFORCE_DECISIONS sets the count;
// ENFORCE_FRESH=1 gives every decision a token and task of its own (the bench's new-token row).
import type { RedisStore as Store } from "../src/store/redis/redis-store.ts";
import type { EnforcementCheck } from "../src/store/store.ts";
import { startRedisServer } from "../test/helpers/redis-server.ts";

const root = process.env.LEASH_TREE ?? new URL("..", import.meta.url).pathname;
const { RedisStore } = (await import(`${root}/src/store/redis/redis-store.ts`)) as {
  RedisStore: typeof Store;
};

const DECISIONS = Number(process.env.ENFORCE_DECISIONS ?? 100_000);
const FRESH = process.env.ENFORCE_FRESH === "1";
const CALLERS = 50;
const prefix = `${Math.random().toString(36).slice(2)}.`;
let events = 0;

const check = (): EnforcementCheck => {
  const nowMs = Date.now();
  const jti = FRESH ? `tok_${prefix}${events}` : "tok_abcdefghijklmnopqrstuv";
  const task = FRESH ? `task_${prefix}${events}` : "task_abcdefghijklmnop";
  return {
    env: "staging",
    generation: "gen_bench",
    jti,
    task,
    agent: "bench-agent",
    scope: "bench-counted",
    issuedAtMs: nowMs - 60_000,
    nowMs,
    lineage: undefined,
    denyReason: undefined,
    limits: [
      {
        key: `scope:bench-counted:0:task:bench-agent/${task}`,
        max: 1_000_000_000,
        windowMs: 10_000,
        onExceed: "deny",
      },
    ],
    holdReason: undefined,
    taskRevocationTtlMs: 3_600_000,
    eventId: prefix + events++,
    audit: {
      skipWhenHeld: true,
      entry: {
        time: nowMs,
        event: "authorize",
        actor: "agent:bench-agent",
        agent: "bench-agent",
        environment: "staging",
        task,
        intent: "bench: authorize throughput",
        scope: "bench-counted",
        action: "volume:read",
        resource: "railway:prj_bench/env/staging/volume/vol_1",
        jti,
        approval: undefined,
        request_id: `req-${events}`,
      },
    },
  };
};

const redis = await startRedisServer({ args: ["--appendonly", "yes", "--appendfsync", "everysec"] });
const store = await RedisStore.connect(redis.url);
const info = async (section: string) =>
  await (store as unknown as { client: { info(s: string): Promise<string> } }).client.info(section);
const field = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
const redisCpuUs = async () => {
  const text = await info("cpu");
  return (field(text, /used_cpu_user:([\d.]+)/) + field(text, /used_cpu_sys:([\d.]+)/)) * 1e6;
};
const evalshaUs = async () => field(await info("commandstats"), /cmdstat_evalsha:calls=\d+,usec=(\d+)/);

const run = async (count: number) => {
  let left = count;
  const caller = async () => {
    while (left-- > 0) {
      const outcome = await store.enforce(check());
      if (!outcome.allow) throw new Error(`refused: ${outcome.reason}`);
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
};

try {
  await store.ensureGeneration("gen_bench", ["staging"]);
  await run(DECISIONS / 5);
  const cpu = process.cpuUsage();
  const redisBefore = await redisCpuUs();
  const evalBefore = await evalshaUs();
  const started = performance.now();
  await run(DECISIONS);
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const redisUs = (await redisCpuUs()) - redisBefore;
  const evalUs = (await evalshaUs()) - evalBefore;
  const per = (us: number) => (us / DECISIONS).toFixed(2).padStart(6);
  console.log(
    `${root}${FRESH ? " (fresh)" : ""}: broker CPU ${per(used.user + used.system)} µs, Redis CPU ${per(redisUs)} µs, evalsha ${per(evalUs)} µs per decision; ${Math.round((DECISIONS / wallMs) * 1000)} decisions/s`,
  );
} finally {
  await store.close();
  await redis.stop();
}
