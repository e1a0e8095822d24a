// What delegation costs authorize: the same call with a root task token, a child (depth 1) and a great-grandchild
// (depth 3), against one private redis-server, in-process (no HTTP), rounds interleaved so other load on the machine
// hits every kind alike. A delegated token's enforce step also checks a revocation marker per ancestor and the locks
// of every agent in its act chain, in the same script and round trip.
// `npx tsx bench/exchange-authorize.ts` prints wall and CPU (this process + redis-server) µs per call, and each ratio to
// the root token's; CPU is the figure to read on a busy machine.
import { Redis } from "ioredis";
import { authorize } from "../src/enforce/authorize.ts";
import { api, mintToken, startTestBroker } from "../test/helpers/broker.ts";
import { startRedisServer } from "../test/helpers/redis-server.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const BATCH = Number(process.env.BENCH_BATCH ?? 250);
const IN_FLIGHT = 32;
const RESOURCE = "railway:prj_demo/env/staging/volume/v1";

const redis = await startRedisServer();
const test = await startTestBroker({ redisUrl: redis.url });
try {
  const root = await mintToken(test, { scope: "staging-fix", task: { intent: "bench delegation" } });
  const exchange = async (subject: string) => {
    const answer = await api(test.url, "POST", "/v1/token-exchange", {
      body: {
        subject_token: subject,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        intent: "bench",
      },
    });
    if (answer.status !== 200) throw new Error(`exchange failed: ${JSON.stringify(answer.body)}`);
    return answer.body.access_token as string;
  };
  const child = await exchange(root.token);
  const grandchild = await exchange(child);
  const depth3 = await exchange(grandchild);
  const kinds = { "root token": root.token, "child (depth 1)": child, "depth 3": depth3 };
  const context = test.broker.context;

  const redisCpu = new Redis(redis.url);
  /** redis-server's CPU seconds so far (INFO cpu), to count what each call costs Redis as well as this process. */
  const redisCpuSeconds = async () => {
    const info = await redisCpu.info("cpu");
    const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    return field("used_cpu_user") + field("used_cpu_sys");
  };

  /** One batch of `BATCH` authorizes with `token`, `inFlight` at a time: wall, node CPU and Redis CPU in µs. */
  const batch = async (token: string, inFlight: number) => {
    let next = 0;
    const worker = async () => {
      while (next++ < BATCH) {
        const decision = await authorize(context, { token, action: "volume:read", resource: RESOURCE });
        if (!decision.allow) throw new Error(`refused: ${decision.reason}`);
      }
    };
    const redisBefore = await redisCpuSeconds();
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: inFlight }, worker));
    const wall = Number(process.hrtime.bigint() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const redisUs = ((await redisCpuSeconds()) - redisBefore) * 1e6;
    return { wall, node: used.user + used.system, redis: redisUs };
  };

  for (const inFlight of [1, IN_FLIGHT]) {
    const totals = new Map(Object.keys(kinds).map((kind) => [kind, { wall: 0, node: 0, redis: 0 }]));
    for (const token of Object.values(kinds)) await batch(token, inFlight); // warm-up
    // Short batches, kinds in turn: a burst of load from elsewhere lands on all of them alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, token] of Object.entries(kinds)) {
        const spent = await batch(token, inFlight);
        const total = totals.get(kind)!;
        total.wall += spent.wall;
        total.node += spent.node;
        total.redis += spent.redis;
      }
    }
    const calls = ROUNDS * BATCH;
    const perCall = (kind: string) => {
      const t = totals.get(kind)!;
      return {
        wall: t.wall / calls,
        cpu: (t.node + t.redis) / calls,
        node: t.node / calls,
        redis: t.redis / calls,
      };
    };
    const base = perCall("root token");
    process.stdout.write(
      `authorize, ${inFlight} in flight, ${ROUNDS} interleaved rounds × ${BATCH} calls per kind (µs per call; ratio to the root token):\n`,
    );
    for (const kind of totals.keys()) {
      const c = perCall(kind);
      process.stdout.write(
        `  ${kind.padEnd(16)} wall ${c.wall.toFixed(1).padStart(7)} ×${(c.wall / base.wall).toFixed(2)}   CPU node+Redis ${c.cpu.toFixed(1).padStart(7)} ×${(c.cpu / base.cpu).toFixed(2)}  (node ${c.node.toFixed(1)}, Redis ${c.redis.toFixed(1)})\n`,
      );
    }
  }
  redisCpu.disconnect();
} finally {
  await test.close();
  await redis.stop();
}
