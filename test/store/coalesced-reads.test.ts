import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/errors/leash-error.ts";
import { CoalescedReads } from "../../src/store/redis/coalesced-reads.ts";
import { createRedisClient, RedisStore } from "../../src/store/redis/redis-store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

/** A client of the test's server, once it can take commands. */
async function connectedClient() {
  const client = createRedisClient(server.url);
  await new Promise((resolve) => client.once("ready", resolve));
  return client;
}

/** Calls per command name so far, from INFO commandstats. */
async function commandCalls(): Promise<Record<string, number>> {
  const client = await connectedClient();
  try {
    const info = await client.info("commandstats");
    return Object.fromEntries(
      [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)]),
    );
  } finally {
    client.disconnect();
  }
}

describe("plain reads as one MGET (one Redis server)", () => {
  it("answers a mint's reads, the principal, the mint checks and the locks, from one MGET", async () => {
    expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
    const store = await RedisStore.connect(server.url);
    try {
      await store.ensureGeneration("gen-1", ["staging"]);
      await store.savePrincipal({
        id: "agent-1",
        kind: "agent",
        keyHash: "a".repeat(64),
        disabled: false,
        createdAt: 1,
        scopes: ["*"],
        roles: [],
      });
      await store.lock({
        id: "lock-1",
        target: { kind: "scope", value: "staging-fix" },
        reason: "incident",
        createdBy: "human:sec",
        createdAt: Date.now(),
        expiresAt: null,
        environments: ["staging"],
      });
      const before = await commandCalls();
      const [principal, checks, lock, missing] = await Promise.all([
        store.getPrincipal("agent-1"),
        store.mintChecks("staging", "task-1"),
        store.lockOn([
          { kind: "agent", value: "agent-1" },
          { kind: "scope", value: "staging-fix" },
          { kind: "environment", value: "staging" },
        ]),
        store.getPrincipal("nobody"),
      ]);
      const after = await commandCalls();
      expect(principal?.id).toBe("agent-1");
      expect(checks).toEqual({ generation: "gen-1", taskRevoked: false });
      expect(lock?.id).toBe("lock-1");
      expect(missing).toBeNull();
      expect((after.mget ?? 0) - (before.mget ?? 0)).toBe(1);
      expect((after.get ?? 0) - (before.get ?? 0)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("reads of later ticks go out on their own, each answered with its own keys", async () => {
    expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
    const client = await connectedClient();
    try {
      await client.mset("a", "1", "b", "2", "c", "3");
      const reads = new CoalescedReads(client);
      const first = reads.mget(["a", "missing"]);
      await new Promise((resolve) => setImmediate(resolve));
      const second = [reads.mget(["c"]), reads.mget([]), reads.mget(["b", "a"])];
      expect(await first).toEqual(["1", null]);
      expect(await Promise.all(second)).toEqual([["3"], [], ["2", "1"]]);
    } finally {
      client.disconnect();
    }
  });

  it("reads made while an MGET is out wait for it and leave together as one MGET after it", async () => {
    // A client whose MGET answers only when told to: what the reads do while one is out is the subject.
    const sent: string[][] = [];
    const answers: Array<() => void> = [];
    const client = {
      mget: (keys: string[]) => {
        sent.push(keys);
        return new Promise<string[]>((resolve) => answers.push(() => resolve(keys.map((key) => `v:${key}`))));
      },
    };
    const reads = new CoalescedReads(client as unknown as ConstructorParameters<typeof CoalescedReads>[0]);
    const first = reads.mget(["principal:a"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([["principal:a"]]);
    // Two later ticks' reads, while the first MGET is out: nothing more is sent yet.
    const second = reads.mget(["principal:b"]);
    await new Promise((resolve) => setImmediate(resolve));
    const third = reads.mget(["generation", "principal:c"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    answers[0]!();
    expect(await first).toEqual(["v:principal:a"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([["principal:a"], ["principal:b", "generation", "principal:c"]]);
    answers[1]!();
    expect(await Promise.all([second, third])).toEqual([
      ["v:principal:b"],
      ["v:generation", "v:principal:c"],
    ]);
    // Idle again: the next read leaves on the next tick.
    const fourth = reads.mget(["principal:d"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(3);
    answers[2]!();
    expect(await fourth).toEqual(["v:principal:d"]);
  });

  it("reads waiting behind a failed MGET still leave, and fail or succeed on their own", async () => {
    const sent: string[][] = [];
    const settle: Array<(error?: Error) => void> = [];
    const client = {
      mget: (keys: string[]) => {
        sent.push(keys);
        return new Promise<string[]>((resolve, reject) =>
          settle.push((error) => (error ? reject(error) : resolve(keys.map(() => "1")))),
        );
      },
    };
    const reads = new CoalescedReads(client as unknown as ConstructorParameters<typeof CoalescedReads>[0]);
    const first = reads.mget(["a"]);
    await new Promise((resolve) => setImmediate(resolve));
    const second = reads.mget(["b"]);
    await new Promise((resolve) => setImmediate(resolve));
    settle[0]!(new Error("Command timed out"));
    await expect(first).rejects.toThrow("Command timed out");
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([["a"], ["b"]]);
    settle[1]!();
    expect(await second).toEqual(["1"]);
  });

  it("fails every read of the tick when the MGET fails, and the store closed (503)", async () => {
    const store = await RedisStore.connect(server.url);
    const client = await connectedClient();
    client.disconnect();
    const reads = new CoalescedReads(client);
    const results = await Promise.allSettled([reads.mget(["a"]), reads.mget(["b", "c"])]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);

    server.stall();
    try {
      const refusals = await Promise.allSettled([
        store.getPrincipal("agent-1"),
        store.mintChecks("staging", "task-1"),
      ]);
      for (const refusal of refusals) {
        expect(refusal.status).toBe("rejected");
        expect((refusal as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      }
    } finally {
      server.resume();
      await store.close();
    }
  });

  it("fails every read of the tick when the reply has another length than the keys it asked for", async () => {
    // No Redis answers a short MGET; a client that does (a proxy, a broken server) must not shift values between reads.
    const shortReply = { mget: async (keys: string[]) => keys.slice(1).map(() => "1") };
    const reads = new CoalescedReads(
      shortReply as unknown as ConstructorParameters<typeof CoalescedReads>[0],
    );
    const results = await Promise.allSettled([reads.mget(["lock"]), reads.mget(["principal", "generation"])]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
  });
});
