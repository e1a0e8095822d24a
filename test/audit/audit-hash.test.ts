// The audit hash computed in Redis Lua (pure-Lua SHA-256, finished from a Node midstate) equals node:crypto's,
// and the Lua JSON escaping equals JSON.stringify, for arbitrary text.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Midstate } from "../../src/audit/midstate.ts";
import { type AuditEntry, canonicalAuditString, GENESIS_HASH } from "../../src/audit/record.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { AUDIT_LUA_FUNCTIONS } from "../../src/store/redis/audit-scripts.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

let server: RedisServer;
let client: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
});
afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

const FINISH = `${AUDIT_LUA_FUNCTIONS}
return leash_sha256_finish(ARGV[1], ARGV[2] .. ARGV[4], tonumber(ARGV[3]))`;
const JSON_LUA = `${AUDIT_LUA_FUNCTIONS}
local out = {}
for i = 1, #ARGV do out[i] = leash_json(ARGV[i]) end
return out`;

/** SHA-256 of prefix + suffix, the prefix's whole blocks compressed in Node and the rest finished in Lua. */
const luaHash = async (prefix: string, suffix: string) => {
  const midstate = sha256Midstate(prefix);
  return (await client.eval(
    FINISH,
    0,
    midstate.state,
    midstate.rest,
    String(midstate.compressed),
    Buffer.from(suffix, "utf8"),
  )) as string;
};

// Text that stresses the encodings: controls, quotes, backslashes, DEL, multi-byte and astral characters.
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', "\\", "\u0000", "\u001f", "\u007f", "\u2028", "é", "€", "😀", "\n", "\t", "/"),
    fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xd7ff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 300,
});

describe("pure-Lua SHA-256 in Redis", () => {
  it("matches node:crypto at every length around the block boundaries", async () => {
    for (let length = 0; length <= 200; length++) {
      const text = "x".repeat(length);
      expect(await luaHash(text, ""), `length ${length}`).toBe(sha256(text));
      expect(await luaHash("", text), `suffix length ${length}`).toBe(sha256(text));
    }
  });

  it("matches node:crypto for arbitrary prefixes and suffixes", async () => {
    await fc.assert(
      fc.asyncProperty(nasty, nasty, async (prefix, suffix) => {
        expect(await luaHash(prefix, suffix)).toBe(sha256(prefix + suffix));
      }),
      { numRuns: 150 },
    );
  });
});

describe("Lua JSON string escaping", () => {
  it("writes every ASCII character as JSON.stringify does", async () => {
    const all = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));
    expect(await client.eval(JSON_LUA, 0, ...all)).toEqual(all.map((c) => JSON.stringify(c)));
  });

  it("matches JSON.stringify for arbitrary text", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(nasty, { minLength: 1, maxLength: 5 }), async (texts) => {
        expect(await client.eval(JSON_LUA, 0, ...texts)).toEqual(texts.map((t) => JSON.stringify(t)));
      }),
      { numRuns: 100 },
    );
  });
});

describe("a record appended by the Lua script", () => {
  it("hashes as the memory store and the verifier do, whatever its text", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    await fc.assert(
      fc.asyncProperty(nasty, nasty, nasty, async (intent, resource, reason) => {
        await client.flushall();
        const redis = await RedisStore.connect(server.url);
        const memory = new MemoryStore(clock);
        try {
          const entry: AuditEntry = {
            time: clock.now(),
            event: "authorize",
            actor: "agent:a-1",
            agent: "a-1",
            environment: "staging",
            task: "task_1",
            intent,
            resource,
            decision: "deny",
            reason,
          };
          const fromRedis = await redis.audit.append({ entry });
          const fromMemory = await memory.audit.append({ entry });
          expect(fromRedis.prev).toBe(GENESIS_HASH);
          expect(fromRedis.hash).toBe(fromMemory.hash);
          const { hash, id: _id, chain: _chain, ...fields } = fromRedis;
          expect(hash).toBe(sha256(canonicalAuditString(fields)));
          const verified = await verifyAuditChain(redis.audit, "env:staging");
          expect(verified).toMatchObject({ ok: true, records: 1 });
          const [stored] = await redis.audit.range("env:staging", { count: 10 });
          expect(Object.fromEntries(stored!.fields)).toMatchObject({ intent, resource, reason, hash });
        } finally {
          await redis.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
