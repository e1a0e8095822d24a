// A store on a synced replica of a test server: what a broker still holds when a failover demotes its primary without
// a crash. Its connections stay up, and the READONLY reply of its first write is what moves the Sentinel client on.
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { StoreUnavailableError } from "../../src/errors/leash-error.ts";
import { reconnectsOnReply } from "../../src/store/redis/redis-client.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "./redis-server.ts";

/** Runs `use` on a store connected to a replica of `server`, once the replica holds `syncedKey`. */
export async function withDemotedPrimary(
  server: RedisServer,
  syncedKey: string,
  use: (demoted: RedisStore) => Promise<void>,
): Promise<void> {
  expect(await rawRedisCommand(server.port, "CONFIG SET repl-diskless-sync-delay 0")).toBe("+OK");
  const replica = await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(server.port)] });
  const demoted = await RedisStore.connect(replica.url);
  try {
    const deadline = Date.now() + 5000;
    while ((await rawRedisCommand(replica.port, `GET ${syncedKey}`).catch(() => "$-1")) === "$-1") {
      if (Date.now() > deadline) throw new Error("the replica has not synced");
      await sleep(50);
    }
    await use(demoted);
  } finally {
    await demoted.close();
    await replica.stop();
  }
}

/** `write` fails with Redis's own READONLY reply as the cause, one the Sentinel client reconnects on. */
export async function expectReconnectingRefusal(write: Promise<unknown>): Promise<void> {
  const refusal = await write.then(
    () => {
      throw new Error("a demoted primary took a write");
    },
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(StoreUnavailableError);
  const reply = (refusal as StoreUnavailableError).cause as Error;
  expect(reply.message).toMatch(/READONLY/);
  expect(reconnectsOnReply(reply)).toBe(true);
}
