// Several real broker processes on one real Redis: exact limits, linearizable revocation, failing closed.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type ServeFleet, startServeFleet } from "../helpers/serve-fleet.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
let redis: RedisServer;
let fleet: ServeFleet;
let agentKey: string;
let securityKey: string;

beforeAll(async () => {
  redis = await startRedisServer();
  // A 400-call burst on a 2-core machine can queue past the 500 ms default command timeout; these tests are about
  // exactness and revocation, not about the timeout (test/faults covers that), so give Redis room.
  fleet = await startServeFleet({ count: 4, redisUrl: redis.url, env: { REDIS_COMMAND_TIMEOUT_MS: "3000" } });
  const admin = fleet.adminKey;
  agentKey = (
    await api(fleet.urls[0]!, "POST", "/v1/agents", { key: admin, body: { id: "agent-mp", scopes: ["*"] } })
  ).body.api_key;
  securityKey = (
    await api(fleet.urls[1]!, "POST", "/v1/humans", {
      key: admin,
      body: { id: "sec-mp", roles: ["security"] },
    })
  ).body.api_key;
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
});

async function mint(body: Record<string, unknown>, url = fleet.urls[0]!) {
  const response = await api(url, "POST", "/v1/tokens", { key: agentKey, body });
  expect(response.status).toBe(201);
  return {
    token: response.body.token as string,
    task: response.body.task.id as string,
    jti: response.body.granted.jti as string,
  };
}

const authorize = (url: string, token: string, action: string, resource: string) =>
  api(url, "POST", "/v1/authorize", { body: { token, action, resource } });

describe("several broker processes on one Redis", () => {
  it("4 processes × 100 concurrent destructive calls on a max-3 limit yield exactly 3 allows", async () => {
    const { token } = await mint({ scope: "staging-fix", task: { intent: "exactness" } });
    const calls = fleet.urls.flatMap((url) =>
      Array.from({ length: 100 }, (_, i) => authorize(url, token, "volume:delete", staging(`volume/${i}`))),
    );
    const results = await Promise.all(calls);
    const allows = results.filter((r) => r.body.allow === true);
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(allows).toHaveLength(3);
    const reasons = new Set(results.filter((r) => !r.body.allow).map((r) => r.body.reason));
    expect([...reasons].every((reason) => reason === "rate_limited" || reason === "revoked")).toBe(true);
  });

  for (const kind of ["jti", "task", "agent", "scope", "environment"] as const) {
    it(`a revocation by ${kind} on one process is seen by every other at once`, async () => {
      // Not-before markers have one-second resolution (iat): step past the previous test's revocation second.
      await sleep(1000);
      const minted = await mint({ scope: "production-read", task: { intent: `race ${kind}` } });
      const value = {
        jti: minted.jti,
        task: minted.task,
        agent: "agent-mp",
        scope: "production-read",
        environment: "production",
      }[kind];
      const resource = "railway:prj_demo/env/production/volume/v1";
      let revokedAt = Number.POSITIVE_INFINITY;
      let stop = false;
      const violations: number[] = [];
      let allowsBefore = 0;
      let sentAfter = 0;
      const racer = async (url: string) => {
        while (!stop) {
          const sentAt = performance.now();
          const response = await authorize(url, minted.token, "volume:read", resource);
          if (sentAt > revokedAt) sentAfter++;
          if (response.body.allow) {
            if (sentAt > revokedAt) violations.push(sentAt - revokedAt);
            else allowsBefore++;
          }
        }
      };
      const racers = fleet.urls.slice(1).flatMap((url) => [racer(url), racer(url)]);
      // The race is on once the other processes are answering allows (a condition, not a delay).
      await until(() => allowsBefore >= 4);
      const answer = await api(fleet.urls[0]!, "POST", "/v1/revocations", {
        key: securityKey,
        body: { [kind]: value, reason: "race test" },
      });
      revokedAt = performance.now();
      expect(answer.status).toBe(200);
      // Every racer has had calls answered that were sent after the revocation's answer.
      await until(() => sentAfter >= 12);
      stop = true;
      await Promise.all(racers);
      expect(allowsBefore).toBeGreaterThan(0);
      expect(violations).toEqual([]);
      // Agent, scope and environment revocations are locks that also refuse minting: lift them for the next case.
      const locks = await api(fleet.urls[0]!, "GET", "/v1/locks", { key: securityKey });
      for (const lock of locks.body.locks) {
        await api(fleet.urls[0]!, "DELETE", `/v1/locks/${lock.id}`, { key: securityKey });
      }
    });
  }
});

describe("failing closed when Redis goes away", () => {
  it("answers 503 within 1 s, never allow; stale_generation after an empty restart; recovers without restarting leash", async () => {
    // A fresh Redis of its own, so killing it does not disturb the tests above.
    const own = await startRedisServer();
    const solo = await startServeFleet({ count: 1, redisUrl: own.url });
    try {
      const url = solo.urls[0]!;
      const agent = await api(url, "POST", "/v1/agents", {
        key: solo.adminKey,
        body: { id: "agent-f", scopes: ["*"] },
      });
      const body = { scope: "staging-fix", task: { intent: "survive" } };
      const minted = await api(url, "POST", "/v1/tokens", { key: agent.body.api_key, body });
      const token = minted.body.token as string;
      expect((await authorize(url, token, "volume:read", staging("v"))).body.allow).toBe(true);

      await own.kill();
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const refused = await authorize(url, token, "volume:read", staging("v"));
        const elapsed = performance.now() - started;
        expect(refused.status).toBe(503);
        expect(refused.body.code).toBe("store_unavailable");
        expect(refused.headers.get("content-type")).toContain("application/problem+json");
        expect(elapsed).toBeLessThan(1000);
      }
      const mintWhileDown = await api(url, "POST", "/v1/tokens", { key: agent.body.api_key, body });
      expect(mintWhileDown.status).toBe(503);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);

      // Back, but empty: Redis lost its data. Old tokens are refused as stale, readiness says why.
      await own.restart({ keepData: false });
      const stale = await waitFor(
        () => authorize(url, token, "volume:read", staging("v")),
        (r) => r.status === 200,
      );
      expect(stale.body).toMatchObject({ allow: false, reason: "stale_generation" });
      const ready = await (await fetch(`${url}/readyz`)).json();
      expect(ready.problems.join(" ")).toContain("generation missing");
    } finally {
      await solo.stop();
      await own.stop();
    }
  });

  it("resumes by itself when Redis comes back with its data", async () => {
    const own = await startRedisServer();
    const solo = await startServeFleet({ count: 1, redisUrl: own.url });
    try {
      const url = solo.urls[0]!;
      const agent = await api(url, "POST", "/v1/agents", {
        key: solo.adminKey,
        body: { id: "agent-r", scopes: ["*"] },
      });
      const minted = await api(url, "POST", "/v1/tokens", {
        key: agent.body.api_key,
        body: { scope: "staging-fix", task: { intent: "survive" } },
      });
      const token = minted.body.token as string;
      await own.restart({ keepData: true });
      const back = await waitFor(
        () => authorize(url, token, "volume:read", staging("v")),
        (r) => r.status === 200,
      );
      expect(back.body.allow).toBe(true);
    } finally {
      await solo.stop();
      await own.stop();
    }
  });
});

/** Resolves once `condition` holds; fails the test if it does not within `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

async function waitFor<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}
