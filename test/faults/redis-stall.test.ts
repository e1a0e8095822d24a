// Redis stalled (the redis-server process SIGSTOPped: connections stay open, nothing answers). Every request that
import { setTimeout as sleep } from "node:timers/promises";
// needs Redis must answer 503 problem+json within the configured command timeout, also the routes that make several
// Redis calls in a row (an unverifiable token's audit record, a mint, an API-key lookup), and leash must allow again
// by itself once the process is continued.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type Fleet, startFleet } from "../helpers/serve-fleet.ts";
import { type Answer, call, figures, principals, waitFor } from "./fleet.ts";
import { allowed, latency, STAGING_VOLUME } from "./load.ts";

/** Long enough that the margin below is small beside it, short enough for the test to stay quick. */
const COMMAND_TIMEOUT_MS = 800;
/** HTTP, JSON and a busy 2-core machine on top of the timeout; less than a second Redis wait would add. */
const MARGIN_MS = 400;
const CONCURRENT = 8;

let redis: RedisServer;
let fleet: Fleet;
let url: string;
let agentKey: string;
let token: string;

beforeAll(async () => {
  redis = await startRedisServer();
  fleet = await startFleet({
    count: 1,
    redisUrl: redis.url,
    env: { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) },
  });
  url = fleet.brokers[0]!.url;
  ({ agentKey } = await principals(url, fleet.adminKey, "stall"));
  const minted = await call(url, "POST", "/v1/tokens", {
    key: agentKey,
    body: { scope: "staging-fix", task: { intent: "work through a stalled Redis" } },
  });
  expect(minted.status).toBe(201);
  token = minted.body.token;
}, 90_000);

afterAll(async () => {
  redis?.resume();
  await fleet?.stop();
  await redis?.stop();
  console.log(figures.filter((line) => line.startsWith("[redis stall]")).join("\n"));
});

const authorize = (withToken: string) =>
  call(url, "POST", "/v1/authorize", {
    body: { token: withToken, action: "volume:read", resource: STAGING_VOLUME },
  });

/** Requests that each need Redis once or several times in a row before they can answer. */
const requests: Record<string, () => Promise<Answer>> = {
  authorize: () => authorize(token),
  // Refused before the token verifies, and that refusal is an audit record: Redis again.
  "authorize with an unverifiable token": () => authorize("e30.e30.c2ln"),
  mint: () =>
    call(url, "POST", "/v1/tokens", {
      key: agentKey,
      body: { scope: "staging-fix", task: { intent: "stalled" } },
    }),
  "list approvals": () => call(url, "GET", "/v1/approvals", { key: fleet.adminKey }),
};

/** CONCURRENT of each request at once; every answer must be a 503 store_unavailable problem. */
async function burst(): Promise<Array<Answer & { name: string }>> {
  const answers = await Promise.all(
    Object.entries(requests).flatMap(([name, send]) =>
      Array.from({ length: CONCURRENT }, async () => ({ ...(await send()), name })),
    ),
  );
  const odd = answers.filter((a) => a.status !== 503 || a.body?.code !== "store_unavailable");
  expect(odd.map((a) => `${a.name}: ${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
  return answers;
}

describe("Redis stalled (SIGSTOP)", () => {
  it(`${CONCURRENT} concurrent requests of each kind answer 503 problem+json within the command timeout; SIGCONT and it allows again`, async () => {
    expect(allowed(await authorize(token))).toBe(true);
    redis.stall();
    const stalledAt = Date.now();
    try {
      // The first burst meets the stall on a connection that looked healthy; the second, a connection known dead.
      const first = await burst();
      const second = await burst();
      for (const answers of [first, second]) {
        const slow = answers.filter((a) => latency(a) > COMMAND_TIMEOUT_MS + MARGIN_MS);
        expect(slow.map((a) => `${a.name}: ${latency(a)} ms`)).toEqual([]);
      }
      const problem = await fetch(new URL("/v1/authorize", url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, action: "volume:read", resource: STAGING_VOLUME }),
      });
      expect(problem.status).toBe(503);
      expect(problem.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(await problem.json()).toMatchObject({ status: 503, code: "store_unavailable" });
      figures.push(
        `[redis stall] Redis SIGSTOPped, command timeout ${COMMAND_TIMEOUT_MS} ms: ${first.length + second.length} requests (${CONCURRENT} concurrent of ${Object.keys(requests).length} kinds, twice) all 503, max ${Math.max(...first.map(latency))} ms on the first burst, ${Math.max(...second.map(latency))} ms once the stall was known`,
      );
    } finally {
      redis.resume();
    }
    const resumedAt = Date.now();
    const { value, ms } = await waitFor(() => authorize(token), allowed);
    expect(allowed(value)).toBe(true);
    await sleep(100);
    const again = await Promise.all(Array.from({ length: CONCURRENT }, () => authorize(token)));
    expect(again.filter((a) => !allowed(a))).toEqual([]);
    figures.push(
      `[redis stall] stalled ${resumedAt - stalledAt} ms; allows again ${ms} ms after SIGCONT, no leash restart`,
    );
  });
});
