// A primary SIGKILLed under authorize load, on a real Redis Cluster (the primary serving staging's slot) and on a
import { setTimeout as sleep } from "node:timers/promises";
// Sentinel-managed pair, with LEASH_REDIS_WAIT_REPLICAS=1 so the revocation made before the kill reached the replica.
// leash must refuse (503) while the slot has no primary, never allow the revoked token, and resume by itself once a
// replica is promoted, without a restart of leash. With no replica left, strict mode refuses new revocations (503)
// until the old primary is back as a replica.
import { afterAll, describe, expect, it } from "vitest";
import { type Answer, call, figures, percentile, principals, waitFor } from "../faults/fleet.ts";
import { allowed, type LoadRecord, latency, STAGING_VOLUME, startAuthorizeLoad } from "../faults/load.ts";
import { startRedisCluster, startRedisSentinelGroup } from "../helpers/redis-cluster.ts";
import type { RedisServer } from "../helpers/redis-server.ts";
import { type Fleet, startFleet } from "../helpers/serve-fleet.ts";

// The brokers reach Redis through REDIS_CLUSTER_NODES / REDIS_SENTINELS only; an inherited REDIS_URL would conflict.
delete process.env.REDIS_URL;

const PRODUCTION_VOLUME = "railway:prj_demo/env/production/volume/v1";

afterAll(() => {
  console.log(figures.filter((line) => line.startsWith("[failover]")).join("\n"));
});

interface Topology {
  label: string;
  fleet: Fleet;
  /** The server that serves staging's slot now (it will be killed). */
  stagingPrimary(): Promise<RedisServer>;
  /** Whether production's keys live on another primary (a Cluster shard that is not failing over). */
  productionElsewhere(): Promise<boolean>;
  /** The killed server is back and replicating: strict mode can acknowledge writes again. */
  waitReplicated(): Promise<void>;
}

const authorize = (url: string, token: string, resource = STAGING_VOLUME) =>
  call(url, "POST", "/v1/authorize", { body: { token, action: "volume:read", resource } });

const isStoreUnavailable = (answer: Answer) =>
  answer.status === 503 && answer.body?.code === "store_unavailable";

async function failoverUnderLoad(topology: Topology): Promise<void> {
  const { label, fleet } = topology;
  const urls = fleet.brokers.map((broker) => broker.url);
  const { agentKey, securityKey } = await principals(urls[0]!, fleet.adminKey, label.replace(/\W/g, ""));
  const mint = async (scope: string) => {
    const answer = await call(urls[0]!, "POST", "/v1/tokens", {
      key: agentKey,
      body: { scope, task: { intent: "keep working through a failover" } },
    });
    if (answer.status !== 201) throw new Error(`mint: ${answer.status} ${JSON.stringify(answer.body)}`);
    return { token: answer.body.token as string, jti: answer.body.granted.jti as string };
  };
  const revoke = (jti: string) =>
    call(urls[1 % urls.length]!, "POST", "/v1/revocations", {
      key: securityKey,
      body: { jti, reason: `revoked before the ${label} failover` },
    });

  const live = [await mint("staging-fix"), await mint("staging-fix"), await mint("staging-fix")];
  const doomed = await mint("staging-fix");
  const production = await mint("production-read");
  // Answered 200 only once a replica acknowledged the marker (LEASH_REDIS_WAIT_REPLICAS=1).
  expect((await revoke(doomed.jti)).status).toBe(200);
  expect((await authorize(urls[0]!, doomed.token)).body).toMatchObject({ allow: false, reason: "revoked" });
  expect(allowed(await authorize(urls[0]!, live[0]!.token))).toBe(true);

  const tokens = [...live.map((minted) => minted.token), doomed.token];
  const doomedIndex = tokens.length - 1;
  const load = startAuthorizeLoad({ urls, tokens, loops: 8 });
  const productionLoad = startAuthorizeLoad({
    urls,
    tokens: [production.token],
    loops: 2,
    resource: PRODUCTION_VOLUME,
  });
  await sleep(500);
  const victim = await topology.stagingPrimary();
  const productionElsewhere = await topology.productionElsewhere();
  const killStartedAt = Date.now();
  await victim.kill();
  const killedAt = Date.now();
  // Every broker has found the new primary, not just the first: the tail below judges them all.
  const resumed = await Promise.all(
    urls.map((url) =>
      waitFor(
        () => authorize(url, live[0]!.token),
        (answer) => allowed(answer),
        30_000,
      ),
    ),
  );
  const failoverMs = Math.max(...resumed.map((r) => r.ms));
  await sleep(1000);
  const stoppedAt = Date.now();
  const records: LoadRecord[] = await load.stop();
  const productionRecords = await productionLoad.stop();

  // Never an allow for the revoked token, before, during or after the failover.
  expect(records.filter((r) => r.token === doomedIndex && allowed(r))).toEqual([]);
  // Every answer is allow, the revoked token's deny, or a fast 503 problem: nothing else (no 500, no hang).
  const odd = records.filter(
    (r) =>
      !allowed(r) &&
      !isStoreUnavailable(r) &&
      !(r.token === doomedIndex && r.status === 200 && r.body.reason === "revoked"),
  );
  expect(odd.map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
  const refused = records.filter(isStoreUnavailable);
  expect(refused.length).toBeGreaterThan(0);
  expect(Math.max(...refused.map(latency))).toBeLessThan(1000);
  expect(refused.every((r) => r.answeredAt >= killStartedAt)).toBe(true);
  // Resumed by itself: the last half second of load (sent well after the failover) has no refusal.
  const tail = records.filter((r) => r.sentAt > stoppedAt - 500);
  expect(tail.length).toBeGreaterThan(0);
  const lateRefusals = tail.filter(isStoreUnavailable);
  // A failure here once (Sentinel, loaded CI run, not reproduced in 2 reruns): say when, relative to the kill.
  expect(
    lateRefusals.map((r) => `broker ${r.broker} token ${r.token} sent +${r.sentAt - killedAt} ms`),
    `refused after resuming: kill at 0, every broker allowing again after ${failoverMs} ms, load stopped at +${stoppedAt - killedAt} ms`,
  ).toEqual([]);
  expect(tail.filter((r) => r.token !== doomedIndex).every(allowed)).toBe(true);

  // The revocation made before the kill survived on the promoted replica, on every broker.
  for (const url of urls) {
    expect((await authorize(url, doomed.token)).body).toMatchObject({ allow: false, reason: "revoked" });
  }

  // Strict mode with no replica left: a new revocation is not claimed done (503); it is once the old primary is
  // back as a replica, and it is in force either way.
  const unreplicated = await revoke(live[1]!.jti);
  expect(unreplicated.status).toBe(503);
  expect(unreplicated.body.detail ?? unreplicated.body.message ?? "").toMatch(/replicas/);
  expect((await authorize(urls[0]!, live[1]!.token)).body).toMatchObject({ allow: false, reason: "revoked" });
  const restartStarted = Date.now();
  await victim.restart();
  await topology.waitReplicated();
  const replicaBackMs = Date.now() - restartStarted;
  const { value: retried, ms: retryMs } = await waitFor(
    () => revoke(live[1]!.jti),
    (answer) => answer.status === 200,
    15_000,
  );
  expect(retried.status).toBe(200);

  const window = refused.length
    ? Math.max(...refused.map((r) => r.answeredAt)) - Math.min(...refused.map((r) => r.sentAt))
    : 0;
  const productionRefused = productionRecords.filter(isStoreUnavailable);
  const productionDuring = productionRecords.filter(
    (r) => r.sentAt > killedAt && r.sentAt < killedAt + failoverMs,
  );
  if (productionElsewhere) {
    // Another shard: production never noticed staging's failover.
    expect(productionRefused).toEqual([]);
    expect(productionDuring.length).toBeGreaterThan(0);
  }
  figures.push(
    `[failover] ${label}: primary SIGKILLed under load (${records.length} authorizes, 8 loops, 2 brokers); ` +
      `allows again ${failoverMs} ms after the kill; ${refused.length} answered 503 over a ${window} ms window ` +
      `(p99 ${percentile(refused.map(latency), 99)} ms, max ${Math.max(...refused.map(latency))} ms); ` +
      `0 allows of the token revoked before the kill; ` +
      (productionElsewhere
        ? `production (another shard): ${productionDuring.length} authorizes during the failover, ${productionRefused.length} refused; `
        : `production (same primary): ${productionRefused.length} refused; `) +
      `strict revocation refused (503) until the old primary was back as a replica (${replicaBackMs} ms), then 200 after ${retryMs} ms`,
  );
}

describe("Redis Cluster failover", () => {
  it("the primary of staging's slot is SIGKILLed: 503, never the revoked token, resumes without a leash restart", async () => {
    const cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
    let fleet: Fleet | undefined;
    try {
      fleet = await startFleet({
        count: 2,
        env: { REDIS_CLUSTER_NODES: cluster.seeds, LEASH_REDIS_WAIT_REPLICAS: "1" },
      });
      await failoverUnderLoad({
        label: "redis cluster (3 primaries + 3 replicas, cluster-node-timeout 1000)",
        fleet,
        stagingPrimary: () => cluster.primaryFor("leash:{env:staging}:gen"),
        productionElsewhere: async () =>
          (await cluster.primaryFor("leash:{env:production}:gen")).port !==
          (await cluster.primaryFor("leash:{env:staging}:gen")).port,
        waitReplicated: () => cluster.waitHealthy({ replicasPerPrimary: 1 }),
      });
    } finally {
      await fleet?.stop();
      await cluster.stop();
    }
  });
});

describe("Redis Sentinel failover", () => {
  it("the Sentinel-managed primary is SIGKILLed: 503, never the revoked token, resumes without a leash restart", async () => {
    const group = await startRedisSentinelGroup({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
    let fleet: Fleet | undefined;
    try {
      fleet = await startFleet({
        count: 2,
        env: {
          REDIS_SENTINELS: group.seeds,
          REDIS_SENTINEL_NAME: group.name,
          LEASH_REDIS_WAIT_REPLICAS: "1",
        },
      });
      await failoverUnderLoad({
        label: "redis sentinel (primary + replica, 3 Sentinels, down-after 1000)",
        fleet,
        stagingPrimary: () => group.primary(),
        productionElsewhere: async () => false,
        waitReplicated: () => group.waitHealthy({ replicas: 1 }),
      });
    } finally {
      await fleet?.stop();
      await group.stop();
    }
  });
});
