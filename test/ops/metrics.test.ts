// /metrics: Prometheus counters, histograms and gauges that move with real traffic; each broker its own registry.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { startServeFleet } from "../helpers/serve-fleet.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;

/** The value of one sample (`name{labels}`), 0 when absent. */
async function sample(url: string, series: string): Promise<number> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  const line = (await response.text()).split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe("/metrics on a broker with Redis", () => {
  let redis: RedisServer;
  let test: TestBroker;
  let other: TestBroker;
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));

  beforeAll(async () => {
    redis = await startRedisServer();
    test = await startTestBroker({ redisUrl: redis.url, clock });
    other = await startTestBroker({ clock });
  });
  afterAll(async () => {
    await test?.close();
    await other?.close();
    await redis?.stop();
  });

  it("counts decisions by result and reason, mints, revocations and latencies; gauges read the store", async () => {
    const series = {
      allow: 'leash_authorize_decisions_total{result="allow",reason="ok"}',
      notGranted: 'leash_authorize_decisions_total{result="deny",reason="action_not_granted"}',
      held: 'leash_authorize_decisions_total{result="deny",reason="approval_required"}',
      granted: 'leash_mint_requests_total{result="granted",reason="ok"}',
      refused: 'leash_mint_requests_total{result="refused",reason="action_not_grantable"}',
      mintCount: "leash_mint_duration_seconds_count",
      authorizeCount: "leash_authorize_duration_seconds_count",
      fast: 'leash_authorize_duration_seconds_bucket{le="2.5"}',
      revokedTasks: 'leash_revocations_total{kind="task"}',
      pending: "leash_approvals_pending",
      backlog: 'leash_vault_revocation_backlog{state="queued"}',
      requests: 'leash_http_requests_total{method="POST",route="/v1/authorize",status="200"}',
    };
    const before = Object.fromEntries(
      await Promise.all(Object.entries(series).map(async ([name, s]) => [name, await sample(test.url, s)])),
    );

    const { token, task } = await mintToken(test, { scope: "staging-fix", task: { intent: "metrics" } });
    const refused = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "staging-fix", task: { intent: "x" }, actions: ["backup:delete"] },
    });
    expect(refused.status).toBe(403);
    const authorize = (body: Record<string, unknown>) => api(test.url, "POST", "/v1/authorize", { body });
    for (let i = 0; i < 3; i++) await authorize({ token, action: "volume:read", resource: staging("v") });
    await authorize({ token, action: "backup:delete", resource: staging("v") });
    const prod = await mintToken(test, { scope: "production-ops", task: { intent: "delete" } });
    await authorize({ token: prod.token, action: "volume:delete", resource: production("volume/x") });
    await api(test.url, "POST", "/v1/revocations", { key: test.keys.security, body: { task, reason: "m" } });

    const after = Object.fromEntries(
      await Promise.all(Object.entries(series).map(async ([name, s]) => [name, await sample(test.url, s)])),
    );
    expect(after.allow - before.allow).toBe(3);
    expect(after.notGranted - before.notGranted).toBe(1);
    expect(after.held - before.held).toBe(1);
    expect(after.granted - before.granted).toBe(2);
    expect(after.refused - before.refused).toBe(1);
    expect(after.mintCount - before.mintCount).toBe(3);
    expect(after.authorizeCount - before.authorizeCount).toBe(5);
    expect(after.fast - before.fast).toBe(5);
    expect(after.revokedTasks - before.revokedTasks).toBe(1);
    expect(after.pending).toBe(1);
    expect(after.backlog).toBe(0);
    expect(after.requests - before.requests).toBe(5);

    // A second broker in the same process keeps its own numbers.
    expect(await sample(other.url, series.allow)).toBe(0);
  });

  it("counts requests refused because the store failed", async () => {
    const { token } = await mintToken(other, { scope: "staging-fix", task: { intent: "outage" } });
    const before = await sample(other.url, "leash_store_unavailable_total");
    await other.store.close();
    const refused = await api(other.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:read", resource: staging("v") },
    });
    expect(refused.status).toBe(503);
    expect(await sample(other.url, "leash_store_unavailable_total")).toBe(before + 1);
    expect(
      await sample(other.url, 'leash_authorize_decisions_total{result="error",reason="store_unavailable"}'),
    ).toBe(1);
  });
});

describe("/metrics on leash serve", () => {
  it("counts Redis connection errors", async () => {
    const redis = await startRedisServer();
    const fleet = await startServeFleet({ count: 1, redisUrl: redis.url });
    try {
      const url = fleet.urls[0]!;
      expect(await sample(url, "leash_redis_errors_total")).toBe(0);
      await redis.kill();
      await sleep(500);
      expect(await sample(url, "leash_redis_errors_total")).toBeGreaterThan(0);
    } finally {
      await fleet.stop();
      await redis.stop();
    }
  });
});
