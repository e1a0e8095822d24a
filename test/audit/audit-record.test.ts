// A record appended by the Lua script is stored exactly as the memory store stores it, whatever its text: one value,
// JSON.stringify of its fields in canonical order; both stores' seals over it hash to the same value, which is plain
// SHA-256 of (prev hex ‖ stream id ‖ LF ‖ stored value). A record appended as its body (the batched enforce
// script's way, which writes the decided fields and the time itself) stores the same bytes.
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
  auditRecordValue,
  canonicalAuditString,
  chainHash,
  GENESIS_HASH,
  storedRecordFields,
  valueChainHash,
} from "../../src/store/audit-record.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import {
  AUDIT_LUA_FUNCTIONS,
  auditChainKeys,
  auditRecordBody,
} from "../../src/store/redis/scripts/audit-scripts.ts";
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
local time = ARGV[2]
if time == '' then time = nil end
local id, seq = leash_audit_append_decided(KEYS[1], KEYS[2], ARGV[1], time, ARGV[3], ARGV[4], ARGV[5], ARGV[6])
leash_audit_write_heads()
return {id, seq}`;

/** Appends `entry` as its body, at `ms` (its time as stored, or "" for the script to write it). */
const appendBody = (entry: AuditEntry, ms: string, time: string, ...decided: [string, string, string]) =>
  client.eval(
    APPEND_RECORD_LUA,
    2,
    ...auditChainKeys({ entry }),
    ms,
    time,
    auditRecordBody(entry),
    ...decided,
  );

const ISO_TIME_LUA = `${AUDIT_LUA_FUNCTIONS}
return leash_iso_time(ARGV[1])`;

// Text that stresses the encodings: controls, quotes, backslashes, DEL, multi-byte and astral characters.
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', "\\", "\u0000", "\u001f", "\u007f", "\u2028", "é", "€", "😀", "\n", "\t", "/"),
    fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x80, max: 0xd7ff }).map((code) => String.fromCharCode(code)),
  ),
  maxLength: 300,
});

describe("the stored value and the chain hash", () => {
  it("is a JSON array of every field's value in canonical order; hashed after the previous hash and the stream id", () => {
    const record = Object.fromEntries(AUDIT_FIELDS.map((field) => [field, `${field}"\n`]));
    const value = auditRecordValue(record);
    expect(value.startsWith('["v\\"\\n","time\\"\\n",')).toBe(true);
    expect(value.endsWith(',"seq\\"\\n"]')).toBe(true);
    expect(JSON.parse(value)).toEqual(AUDIT_FIELDS.map((field) => record[field]));
    const expected = createHash("sha256").update(`${GENESIS_HASH}1700000000000-3\n${value}`).digest("hex");
    expect(valueChainHash(GENESIS_HASH, "1700000000000-3", value)).toBe(expected);
    // The same value under another stream id (moved in the chain, or in time) hashes otherwise.
    expect(valueChainHash(GENESIS_HASH, "1700000000000-4", value)).not.toBe(expected);
    const { detail: _detail, ...withoutDetail } = record;
    expect(JSON.parse(auditRecordValue(withoutDetail))[AUDIT_FIELDS.indexOf("detail")]).toBe("");
  });
});

describe("the canonical encoding of a record stored field by field (format 2)", () => {
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
      fc.asyncProperty(nasty, nasty, nasty, nasty, async (intent, resource, reason, limit) => {
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
            limit,
          };
          const fromRedis = await redis.audit.append({ entry });
          const fromMemory = await memory.audit.append({ entry });
          expect(fromRedis).toEqual(fromMemory);
          const [stored] = await redis.audit.range("env:staging", { count: 10 });
          const [storedInMemory] = await memory.audit.range("env:staging", { count: 10 });
          expect(stored).toEqual(storedInMemory);
          const [[name, value]] = stored!.fields as [[string, string]];
          expect(name).toBe("record");
          expect(storedRecordFields(stored!.fields)).toMatchObject({
            intent,
            resource,
            reason,
            limit,
            seq: "1",
          });
          expect(value).toBe(auditRecordValue(storedRecordFields(stored!.fields)));

          await sealChain(redis.audit, "env:staging", { nowMs: clock.now() });
          await sealChain(memory.audit, "env:staging", { nowMs: clock.now() });
          const sealed = (await redis.audit.head("env:staging"))!.sealed;
          expect(sealed).toEqual((await memory.audit.head("env:staging"))!.sealed);
          expect(sealed.hash).toBe(valueChainHash(GENESIS_HASH, stored!.id, value));
          expect(await verifyAuditChain(redis.audit, "env:staging")).toMatchObject({ ok: true, sealed: 1 });

          // The same record appended as its body, its time and decided fields written by the script (how the
          // batched enforce script appends it).
          expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
          const time = new Date(entry.time).toISOString();
          await appendBody(entry, String(entry.time), time, "deny", reason, limit);
          expect(await redis.audit.range("env:staging", { count: 10 })).toEqual([storedInMemory]);
        } finally {
          await redis.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("a record whose decision is timed in the script", () => {
  it("carries that time, written as Date.prototype.toISOString writes it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), async (ms) => {
        expect(await client.eval(ISO_TIME_LUA, 0, String(ms))).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 500 },
    );
    for (const ms of [
      0,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2026, 11, 31),
    ])
      expect(await client.eval(ISO_TIME_LUA, 0, String(ms))).toBe(new Date(ms).toISOString());

    // A decision timed after its caller's clock (a counter held a later event): the record has the later time.
    expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
    const time = Date.UTC(2026, 10, 25, 12, 0, 0);
    const entry: AuditEntry = { time, event: "authorize", actor: "agent:a-1", environment: "staging" };
    await appendBody(entry, String(time + 1234), "", "allow", "ok", "");
    const redis = await RedisStore.connect(server.url);
    try {
      const [stored] = await redis.audit.range("env:staging", { count: 1 });
      expect(stored!.id).toBe(`${time + 1234}-0`);
      expect(storedRecordFields(stored!.fields)).toMatchObject({
        time: new Date(time + 1234).toISOString(),
        decision: "allow",
      });
    } finally {
      await redis.close();
    }
  });
});
