// API-key authentication on real Redis, as two brokers share it: a key seen before is looked up with one read of its
// principal's record, and that record still decides on every call, so a rotation or a disabling through another
// broker holds on this broker's very next lookup.
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LeashError } from "../../src/errors/leash-error.ts";
import { generateApiKey, hashApiKey } from "../../src/principals/api-key.ts";
import { authenticateApiKey, lookupApiKey } from "../../src/principals/authenticate.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import type { Principal } from "../../src/store/store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

let server: RedisServer;
const stores: RedisStore[] = [];
beforeAll(async () => {
  server = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(async () => {
  await server?.stop();
});

const agent = (apiKey: string, over: Partial<Principal> = {}): Principal => ({
  id: "agent-keys",
  kind: "agent",
  keyHash: hashApiKey(apiKey),
  disabled: false,
  createdAt: 1000,
  scopes: ["*"],
  roles: [],
  ...over,
});

/** GET and MGET calls Redis has served so far. */
const reads = async (): Promise<number> => {
  const client = new Redis(server.url);
  try {
    const stats = await client.info("commandstats");
    return [...stats.matchAll(/cmdstat_(?:get|mget):calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  } finally {
    client.disconnect();
  }
};

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "authenticated",
    (error: unknown) => (error instanceof LeashError ? error.code : String(error)),
  );

const twoBrokers = async () => {
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  const reader = await RedisStore.connect(server.url);
  const writer = await RedisStore.connect(server.url);
  stores.push(reader, writer);
  return { reader, writer };
};

describe("API-key authentication across brokers", () => {
  it("reads only the record for a key seen before, and names the principal before reading anything", async () => {
    const { reader, writer } = await twoBrokers();
    const key = generateApiKey("agent");
    await writer.savePrincipal(agent(key));
    const first = lookupApiKey(reader, key);
    expect(first.expectedId).toBeUndefined();
    expect((await first.principal).id).toBe("agent-keys");

    const before = await reads();
    const lookup = lookupApiKey(reader, key);
    expect(lookup.expectedId).toBe("agent-keys");
    expect((await lookup.principal).id).toBe("agent-keys");
    expect((await reads()) - before).toBe(1);
  });

  it("refuses a key disabled or rotated through another broker on the next lookup", async () => {
    const { reader, writer } = await twoBrokers();
    const key = generateApiKey("agent");
    await writer.savePrincipal(agent(key));
    expect((await authenticateApiKey(reader, key)).id).toBe("agent-keys");

    await writer.savePrincipal(agent(key, { disabled: true }));
    expect(await codeOf(authenticateApiKey(reader, key))).toBe("principal_disabled");
    await writer.savePrincipal(agent(key));
    expect(await codeOf(authenticateApiKey(reader, key))).toBe("authenticated");

    const rotated = generateApiKey("agent");
    await writer.savePrincipal(agent(rotated));
    expect(await codeOf(authenticateApiKey(reader, key))).toBe("invalid_api_key");
    expect(await codeOf(authenticateApiKey(reader, rotated))).toBe("authenticated");
    expect(await codeOf(authenticateApiKey(reader, key))).toBe("invalid_api_key");
  });

  it("follows a key to the principal that now holds it, not the one it led to before", async () => {
    const { reader, writer } = await twoBrokers();
    const key = generateApiKey("agent");
    await writer.savePrincipal(agent(key));
    expect((await authenticateApiKey(reader, key)).id).toBe("agent-keys");
    // The first principal moves to another key; a second one is saved with this key (as a restore from backup could).
    await writer.savePrincipal(agent(generateApiKey("agent")));
    await writer.savePrincipal(agent(key, { id: "agent-other" }));
    expect((await authenticateApiKey(reader, key)).id).toBe("agent-other");
    const again = lookupApiKey(reader, key);
    expect(again.expectedId).toBe("agent-other");
    expect((await again.principal).id).toBe("agent-other");
  });

  it("refuses a key that is not a leash key without reading the store", async () => {
    const { reader } = await twoBrokers();
    const before = await reads();
    const lookup = lookupApiKey(reader, "not-a-key");
    expect(lookup.expectedId).toBeUndefined();
    expect(await codeOf(lookup.principal)).toBe("invalid_api_key");
    expect(await reads()).toBe(before);
  });
});
