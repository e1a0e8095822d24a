// A record appended by the Redis Lua script is stored exactly as the memory store stores it, whatever its text, and
// both stores' seals over it hash to the same value, which is plain SHA-256 of (prev hex ‖ canonical encoding). The
// JSON form of a record (for scripts that take one JSON argument per decision) stores the same bytes.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealChain } from "../../src/audit/seal-chain.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import {
  AUDIT_FIELDS,
  type AuditEntry,
  canonicalAuditString,
  chainHash,
  GENESIS_HASH,
} from "../../src/store/audit-record.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { AUDIT_LUA_FUNCTIONS, auditRecordPayload } from "../../src/store/redis/scripts/audit-scripts.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

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

const APPEND_RECORD_LUA = `${AUDIT_LUA_FUNCTIONS}
local id, seq = leash_audit_append_record(cjson.decode(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return {id, seq}`;

// Text that stresses the encodings: controls, quotes, backslashes, DEL, multi-byte and astral characters.
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', "\\", "\u0000", "\u001f", "\u007f", "\u2028", "é", "€", "😀", "\n", "\t", "/"),
    fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xd7ff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 300,
});

describe("the canonical encoding and the chain hash", () => {
  it("is JSON of every field in canonical order, then the stream id; hashed after the previous hash in hex", () => {
    const record = Object.fromEntries(AUDIT_FIELDS.map((field) => [field, `${field}"\n`]));
    const canonical = canonicalAuditString(record, "1700000000000-3");
    expect(canonical.startsWith('{"v":"v\\"\\n","time":"time\\"\\n",')).toBe(true);
    expect(canonical.endsWith('"seq":"seq\\"\\n","id":"1700000000000-3"}')).toBe(true);
    expect(Object.keys(JSON.parse(canonical))).toEqual([...AUDIT_FIELDS, "id"]);
    const expected = createHash("sha256")
      .update(GENESIS_HASH + canonical)
      .digest("hex");
    expect(chainHash(GENESIS_HASH, record, "1700000000000-3")).toBe(expected);
    // A missing field counts as "" (a malformed record is reported by verify, but still hashes).
    const { detail: _detail, ...withoutDetail } = record;
    expect(canonicalAuditString(withoutDetail, "1-0")).toContain('"detail":""');
  });
});

describe("a record appended by the Lua script", () => {
  it("is stored as the memory store stores it and seals to the same hash, whatever its text", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    await fc.assert(
      fc.asyncProperty(nasty, nasty, nasty, async (intent, resource, reason) => {
        expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
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
          expect(fromRedis).toEqual(fromMemory);
          const [stored] = await redis.audit.range("env:staging", { count: 10 });
          const [storedInMemory] = await memory.audit.range("env:staging", { count: 10 });
          expect(stored).toEqual(storedInMemory);
          expect(Object.fromEntries(stored!.fields)).toMatchObject({ intent, resource, reason, seq: "1" });

          await sealChain(redis.audit, "env:staging", { nowMs: clock.now() });
          await sealChain(memory.audit, "env:staging", { nowMs: clock.now() });
          const sealed = (await redis.audit.head("env:staging"))!.sealed;
          expect(sealed).toEqual((await memory.audit.head("env:staging"))!.sealed);
          expect(sealed.hash).toBe(chainHash(GENESIS_HASH, Object.fromEntries(stored!.fields), stored!.id));
          expect(await verifyAuditChain(redis.audit, "env:staging")).toMatchObject({ ok: true, sealed: 1 });

          // The same record passed as JSON (how a script taking one JSON argument per decision appends it).
          expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
          const payload = JSON.stringify(auditRecordPayload({ entry }));
          await client.eval(APPEND_RECORD_LUA, 0, payload, String(entry.time), "deny", reason, "");
          expect(await redis.audit.range("env:staging", { count: 10 })).toEqual([storedInMemory]);
        } finally {
          await redis.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
