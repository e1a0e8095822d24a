// The Sentinel client's edges on a real primary/replica pair behind three Sentinels: a reconnection cut off while it
// asks a Sentinel for the primary (what the failover detector of the connection before does when Sentinel announces
// the promoted replica while the client is reconnecting) does not end the client; quit() and disconnect() do.

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSentinelClient } from "../../src/store/redis/redis-client.ts";
import { waitFor } from "../faults/fleet.ts";
import { type RedisSentinelGroup, startRedisSentinelGroup } from "../helpers/redis-cluster.ts";

let group: RedisSentinelGroup;
beforeAll(async () => {
  group = await startRedisSentinelGroup({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
}, 60_000);
afterAll(async () => {
  await group?.stop();
});

const connected = async () => {
  const client = createSentinelClient(group.addresses, group.name);
  await waitFor(
    async () => client.status,
    (status) => status === "ready",
    5_000,
  );
  expect(client.status).toBe("ready");
  return client;
};

const writes = (client: ReturnType<typeof createSentinelClient>) =>
  client.set("leash:test:sentinel-client", String(Date.now())).then(
    () => true,
    () => false,
  );

describe("Redis Sentinel client", () => {
  it("reconnects to the promoted replica when a reconnection is cut off while it asks a Sentinel", async () => {
    const client = await connected();
    try {
      expect(await writes(client)).toBe(true);
      const victim = await group.primary();
      // "connecting" is emitted once the attempt is under way: the client is asking a Sentinel for the primary.
      // disconnect(true) is what the detector calls (through the connector) when Sentinel announces the switch.
      let cutOff = false;
      client.once("connecting", () => {
        cutOff = true;
        client.disconnect(true);
      });
      await victim.kill();
      const { value: resumed, ms } = await waitFor(
        () => writes(client),
        (ok) => ok,
        20_000,
      );
      expect(cutOff).toBe(true);
      expect(resumed, `status ${client.status} after ${ms} ms`).toBe(true);
      expect((await group.primary()).port).not.toBe(victim.port);
      await victim.restart();
      await group.waitHealthy({ replicas: 1 });
    } finally {
      client.disconnect();
    }
  });

  it("stays ended after quit() or disconnect()", async () => {
    const quitting = await connected();
    await quitting.quit();
    const disconnected = await connected();
    disconnected.disconnect();
    await sleep(1500);
    expect(quitting.status).toBe("end");
    expect(disconnected.status).toBe("end");
  });
});
