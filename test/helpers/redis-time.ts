// Moves a real Redis' time forward for the keys it holds, so store tests need not sleep while a ttl runs out.
//
// Key expiry is the only clock of Redis' that leash relies on: its scripts take every time from the caller (never
// Redis TIME), and each record that must lapse is written with PX/PEXPIRE. So taking `ms` off every key's remaining
// life, and deleting the keys whose life it ends, is what Redis would show after `ms` of real time. Keys without a
// ttl are untouched, so a store that forgot one, or set it in the wrong unit, still fails the test that waits for it.
import { Redis } from "ioredis";

/** Per key, atomically: take ARGV[1] ms off its remaining life; a key whose life that ends is deleted. */
const AGE_KEY = `
local left = redis.call('PTTL', KEYS[1])
if left <= 0 then return 0 end
local by = tonumber(ARGV[1])
if left <= by then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], left - by) end
return 1
`;

/** Ages every key on each primary at `ports` (one server, or each primary of a Cluster) by `ms`. */
export async function advanceRedisTime(ports: number[], ms: number): Promise<void> {
  await Promise.all(ports.map((port) => ageKeys(port, ms)));
}

async function ageKeys(port: number, ms: number): Promise<void> {
  const client = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "COUNT", 1000);
      cursor = next;
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.eval(AGE_KEY, 1, key, ms);
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}
