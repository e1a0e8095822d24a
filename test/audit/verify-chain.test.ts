// verifyAuditChain against a real Redis that someone with write access edits directly: every kind of tampering with
// records (sealed and unsealed), seals and the head is found and named, with the record or seal where it shows.
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeRunIndex, runIndexEntryOfValue } from "../../src/audit/run-index.ts";
import { sealChain } from "../../src/audit/seal-chain.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { type AuditEntry, valueChainHash } from "../../src/store/audit-record.ts";
import { auditKeys } from "../../src/store/redis/keys.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { fieldByFieldRecord, withRecordFields } from "../helpers/audit-records.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const CHAIN = "env:staging";
const STREAM = auditKeys.stream(CHAIN);
const SEALS = auditKeys.seals(CHAIN);
const HEAD = auditKeys.head(CHAIN);
const T0 = 1_700_000_000_000;

let server: RedisServer;
let client: Redis;
let store: RedisStore;

type Entry = [string, string[]];
const entries = async (key = STREAM): Promise<Entry[]> => (await client.xrange(key, "-", "+")) as Entry[];
const field = (fields: string[], name: string) => fields[fields.indexOf(name) + 1]!;
const withField = (fields: string[], name: string, value: string) => {
  const copy = [...fields];
  copy[copy.indexOf(name) + 1] = value;
  return copy;
};
/** Replaces a stream with these entries, ids kept: what someone with write access to Redis can do. */
async function rewrite(key: string, list: Entry[]): Promise<void> {
  await client.del(key);
  for (const [id, fields] of list) await client.xadd(key, id, ...fields);
}
const verify = (options = {}) => verifyAuditChain(store.audit, CHAIN, options);

beforeAll(async () => {
  server = await startRedisServer();
  client = new Redis(server.url);
});
afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

/** Thirteen records: 1..10 sealed in runs 1..4, 5..8, 9..10; 11..13 not sealed yet. */
beforeEach(async () => {
  await client.flushall();
  await store?.close();
  store = await RedisStore.connect(server.url);
  const append = (i: number) =>
    store.audit.append({
      entry: {
        time: T0 + i * 1000,
        event: "authorize",
        actor: "agent:a-1",
        agent: "a-1",
        environment: "staging",
        task: `task-${i}`,
        decision: i % 3 === 0 ? "deny" : "allow",
        reason: i % 3 === 0 ? "action_not_granted" : "ok",
      },
    });
  for (let i = 1; i <= 10; i++) await append(i);
  await sealChain(store.audit, CHAIN, { nowMs: T0 + 11_000, batchSize: 4 });
  for (let i = 11; i <= 13; i++) await append(i);
});
afterAll(async () => {
  await store?.close();
});

describe("verifyAuditChain", () => {
  it("passes an untouched chain and reports what is sealed and what is not yet", async () => {
    const records = await entries();
    expect(await verify({ nowMs: T0 + 14_000 })).toMatchObject({
      ok: true,
      records: 13,
      sealed: 10,
      unsealed: 3,
      oldestUnsealedMs: T0 + 11_000,
      trimmed: 0,
      seals: 3,
      lastSeal: { from_seq: 9, to_seq: 10, last_id: records[9]![0] },
      head: { seq: 13, id: records[12]![0], sealed: { seq: 10, id: records[9]![0] } },
    });
  });

  it("finds a sealed record whose content was changed, naming the record, its fields and its seal", async () => {
    const list = await entries();
    const edited = [...list];
    edited[5] = [list[5]![0], withRecordFields(list[5]![1], { reason: "edited" })];
    await rewrite(STREAM, edited);
    const seals = await entries(SEALS);
    expect(await verify()).toMatchObject({
      ok: false,
      problem: { kind: "changed", seal: seals[1]![0], id: list[5]![0], seq: "6", fields: ["reason"] },
    });

    // Several fields of the first and of the last record of a run.
    for (const [at, seq] of [
      [4, "5"],
      [7, "8"],
    ] as const) {
      const copy = [...list];
      copy[at] = [copy[at]![0], withRecordFields(copy[at]![1], { decision: "forged", actor: "agent:x" })];
      await rewrite(STREAM, copy);
      const problem = (await verify()).problem;
      expect(problem).toMatchObject({ kind: "changed", seal: seals[1]![0], id: list[at]![0], seq });
      expect(problem?.fields?.sort()).toEqual(["actor", "decision"]);
      expect(problem?.message).toContain(`record ${list[at]![0]} (seq ${seq})`);
      await rewrite(STREAM, list);
    }
  });

  it("finds a changed record in a seal without a record index, naming its run; an edited index is a changed seal", async () => {
    const seals = await entries(SEALS);
    const list = await entries();
    const withoutIndex = seals.map(
      ([id, fields]): Entry => [id, fields.slice(0, fields.indexOf("record_index"))],
    );
    await rewrite(SEALS, withoutIndex);
    expect((await verify()).ok).toBe(true);
    const changed = [...list];
    changed[5] = [list[5]![0], withRecordFields(list[5]![1], { reason: "edited" })];
    await rewrite(STREAM, changed);
    expect((await verify()).problem).toMatchObject({
      kind: "changed",
      seal: seals[1]![0],
      id: list[4]![0],
      seq: "5",
      message: expect.stringContaining("predates record indexes"),
    });

    // The records untouched, one entry of the index changed: the seal was edited.
    await rewrite(STREAM, list);
    const index = Buffer.from(field(seals[1]![1], "record_index"), "base64url");
    index[30] = index[30]! ^ 0xff;
    const edited = [...seals];
    edited[1] = [seals[1]![0], withField(seals[1]![1], "record_index", index.toString("base64url"))];
    await rewrite(SEALS, edited);
    expect((await verify()).problem).toMatchObject({ kind: "seal_changed", seal: seals[1]![0] });
  });

  it("finds a changed record whose forger also re-sealed its run: the record index still names it", async () => {
    const list = await entries();
    list[5] = [list[5]![0], withRecordFields(list[5]![1], { reason: "edited" })];
    await rewrite(STREAM, list);
    const seals = await entries(SEALS);
    let hash = field(seals[1]![1], "prev");
    for (const [id, fields] of list.slice(4, 8)) hash = valueChainHash(hash, id, fields[1]!);
    seals[1] = [seals[1]![0], withField(seals[1]![1], "hash", hash)];
    await rewrite(SEALS, seals);
    expect(await verify()).toMatchObject({
      ok: false,
      problem: { kind: "changed", seal: seals[1]![0], id: list[5]![0], seq: "6", fields: ["reason"] },
    });
    // Without the index, the next seal's prev no longer links.
    await rewrite(
      SEALS,
      seals.map(([id, fields]): Entry => [id, fields.slice(0, fields.indexOf("record_index"))]),
    );
    expect(await verify()).toMatchObject({
      ok: false,
      problem: { kind: "seal_changed", seal: seals[2]![0] },
    });
  });

  it("finds a sealed record that was deleted, in the middle, at a run's start and at a run's end", async () => {
    const list = await entries();
    await client.xdel(STREAM, list[5]![0]);
    expect((await verify()).problem).toMatchObject({ kind: "removed", id: list[6]![0], seq: "7" });

    await rewrite(STREAM, list);
    await client.xdel(STREAM, list[0]![0]);
    expect((await verify()).problem).toMatchObject({ kind: "removed", id: list[1]![0], seq: "2" });

    await rewrite(STREAM, list);
    await client.xdel(STREAM, list[7]![0]);
    const seals = await entries(SEALS);
    expect((await verify()).problem).toMatchObject({ kind: "removed", seal: seals[1]![0] });
  });

  it("finds an unsealed record that was deleted, by the seq gap or the head, and after it is sealed", async () => {
    const list = await entries();
    await client.xdel(STREAM, list[11]![0]);
    expect((await verify()).problem).toMatchObject({
      kind: "removed",
      id: list[12]![0],
      seq: "13",
      message: "record 12 is missing before it: removed",
    });
    // The sealer seals what it finds and says so; the gap stays visible inside the seal.
    const sealing = await sealChain(store.audit, CHAIN, { nowMs: T0 + 20_000 });
    expect(sealing).toMatchObject({ seals: 1, records: 2, gaps: ["12..12"] });
    expect((await verify()).problem).toMatchObject({ kind: "removed", id: list[12]![0], seq: "13" });
  });

  it("finds the last record deleted before it was sealed: the head remembers it", async () => {
    const list = await entries();
    await client.xdel(STREAM, list[12]![0]);
    expect((await verify()).problem).toMatchObject({
      kind: "removed",
      message: `the chain ends at seq 12 (${list[11]![0]}) but its head says seq 13 (${list[12]![0]}): the last record(s) were removed`,
    });
  });

  it("finds a removed seal: in the middle, the first, the last", async () => {
    const seals = await entries(SEALS);
    const list = await entries();
    await client.xdel(SEALS, seals[1]![0]);
    expect((await verify()).problem).toMatchObject({ kind: "seal_removed", id: list[4]![0], seq: "5" });

    await rewrite(SEALS, seals);
    await client.xdel(SEALS, seals[0]![0]);
    expect((await verify()).problem).toMatchObject({ kind: "seal_removed", id: list[0]![0], seq: "1" });

    await rewrite(SEALS, seals);
    await client.xdel(SEALS, seals[2]![0]);
    expect((await verify()).problem).toMatchObject({ kind: "seal_removed", id: list[8]![0], seq: "9" });
  });

  it("finds a changed seal: its hash, its prev, its count", async () => {
    const seals = await entries(SEALS);
    const edit = async (name: string, value: string) => {
      const copy = [...seals];
      copy[1] = [copy[1]![0], withField(copy[1]![1], name, value)];
      await rewrite(SEALS, copy);
      return (await verify()).problem;
    };
    expect(await edit("hash", "f".repeat(64))).toMatchObject({ kind: "seal_changed", seal: seals[1]![0] });
    expect(await edit("prev", "f".repeat(64))).toMatchObject({ kind: "seal_changed", seal: seals[1]![0] });
    expect(await edit("count", "3")).toMatchObject({ kind: "seal_changed", seal: seals[1]![0] });
    // Found only once its run is read, but reported as of the seal: the counts are those of the runs before it.
    expect(await verify()).toMatchObject({ ok: false, records: 4, sealed: 4, seals: 1 });
    expect(await edit("to_seq", "lots")).toMatchObject({ kind: "malformed", seal: seals[1]![0] });
  });

  it("finds a forged record: appended after the head, or slipped into a sealed run", async () => {
    const list = await entries();
    const [, last] = list[12]!;
    const forged = await client.xadd(STREAM, "*", ...withRecordFields(last, { seq: "14", task: "forged" }));
    expect((await verify()).problem).toMatchObject({ kind: "inserted", id: forged, seq: "14" });

    await rewrite(STREAM, list);
    const between = list[5]![0].replace(/-(\d+)$/, (_, n) => `-${Number(n) + 1}`);
    await rewrite(STREAM, [
      ...list.slice(0, 6),
      [between, withRecordFields(list[5]![1], { task: "x" })],
      ...list.slice(6),
    ]);
    expect((await verify()).problem).toMatchObject({ kind: "inserted", id: between, seq: "6" });
  });

  it("finds a head that disagrees, or is gone", async () => {
    await client.hset(HEAD, "sealed_hash", "e".repeat(64));
    expect((await verify()).problem).toMatchObject({ kind: "head_mismatch" });
    await client.del(HEAD);
    expect((await verify()).problem).toMatchObject({
      kind: "head_missing",
      message: "the chain has 13 records but no head",
    });
  });

  it("reports trimming as removal unless a retention is set", async () => {
    const seals = await entries(SEALS);
    await client.xtrim(
      STREAM,
      "MINID",
      seals[0]![0].replace(/-(\d+)$/, (_, n) => `-${Number(n) + 1}`),
    );
    await client.xdel(SEALS, seals[0]![0]);
    expect((await verify()).problem).toMatchObject({
      kind: "removed",
      message: expect.stringContaining("records 1..4 are missing from the start"),
    });
    expect(await verify({ retentionMs: 3_600_000, nowMs: T0 + 20_000 })).toMatchObject({
      ok: true,
      trimmed: 4,
      records: 9,
    });
  });

  it("fails on records unsealed for too long only when asked to", async () => {
    expect(await verify({ nowMs: T0 + 3_600_000 })).toMatchObject({ ok: true, unsealed: 3 });
    expect(await verify({ nowMs: T0 + 3_600_000, maxUnsealedAgeMs: 60_000 })).toMatchObject({
      ok: false,
      problem: { kind: "unsealed" },
    });
    expect(await verify({ nowMs: T0 + 14_000, maxUnsealedAgeMs: 60_000 })).toMatchObject({ ok: true });
  });

  it("does not see a forger who rewrites a record and every later seal and the head (anchor seals outside)", async () => {
    const list = await entries();
    list[5] = [list[5]![0], withRecordFields(list[5]![1], { reason: "edited" })];
    await rewrite(STREAM, list);
    const seals = await entries(SEALS);
    let hash = field(seals[1]![1], "prev");
    for (const i of [1, 2]) {
      const [sealId, sealFields] = seals[i]!;
      const from = Number(field(sealFields, "from_seq")) - 1;
      const index: Buffer[] = [];
      for (const [id, fields] of list.slice(from, Number(field(sealFields, "to_seq")))) {
        hash = valueChainHash(hash, id, fields[1]!);
        index.push(runIndexEntryOfValue(hash, fields[1]!, id));
      }
      seals[i] = [
        sealId,
        withField(
          withField(withField(sealFields, "hash", hash), "record_index", encodeRunIndex(index)),
          "prev",
          i === 1 ? field(sealFields, "prev") : field(seals[1]![1], "hash"),
        ),
      ];
    }
    await rewrite(SEALS, seals);
    await client.hset(HEAD, "sealed_hash", hash);
    expect(await verify()).toMatchObject({ ok: true });
  });
});

describe("verifyAuditChain on records moved, reordered or rewritten in another form", () => {
  it("finds records swapped in place, and a record moved to another time", async () => {
    const list = await entries();
    const swapped = [...list];
    swapped[5] = [list[5]![0], list[6]![1]];
    swapped[6] = [list[6]![0], list[5]![1]];
    await rewrite(STREAM, swapped);
    expect((await verify()).problem).toMatchObject({ kind: "removed", id: list[5]![0], seq: "7" });

    // Swapped with their seq numbers swapped back: the order checks pass, the chain hash does not.
    const renumbered = [...list];
    renumbered[5] = [list[5]![0], withRecordFields(list[6]![1], { seq: "6" })];
    renumbered[6] = [list[6]![0], withRecordFields(list[5]![1], { seq: "7" })];
    await rewrite(STREAM, renumbered);
    expect((await verify()).problem).toMatchObject({ kind: "changed", id: list[5]![0], seq: "6" });

    // The same value under a later stream id (its time as queries and the retention see it): the id is hashed.
    const moved = [...list];
    const later = `${Number(list[5]![0].split("-")[0]) + 1}-0`;
    moved[5] = [later, list[5]![1]];
    await rewrite(STREAM, moved);
    expect((await verify()).problem).toMatchObject({ kind: "changed", id: later, seq: "6", fields: ["id"] });
  });

  it("reports a value that is not a record's canonical JSON as malformed, sealed or not", async () => {
    const list = await entries();
    const value = list[5]![1][1]!;
    for (const [at, edited] of [
      [5, value.replace('["3",', '["3", ')],
      [5, value.slice(0, -1)],
      [12, value.replace(',"6"]', ",6]")],
      [12, value.replace(',"6"]', ',"13",""]')],
      [12, value.replace('["3",', '["2",')],
      [12, value.replace('["3",', '{"v":"3",').replace(/\]$/, "}")],
    ] as const) {
      const copy = [...list];
      copy[at] = [list[at]![0], ["record", edited]];
      await rewrite(STREAM, copy);
      expect((await verify()).problem, edited).toMatchObject({ kind: "malformed", id: list[at]![0] });
    }
  });
});

describe("verifyAuditChain on a chain begun field by field (format 2) and continued one value a record", () => {
  const LEGACY = "env:legacy";
  const stream = auditKeys.stream(LEGACY);
  const entry = (i: number): AuditEntry => ({
    time: T0 + i * 1000,
    event: "authorize",
    actor: "agent:a-1",
    environment: "legacy",
    task: `task-${i}`,
    decision: "allow",
    reason: "ok",
  });

  it("seals and verifies both formats, and finds a changed or removed record of either", async () => {
    for (let i = 1; i <= 5; i++) {
      const id = `${T0 + i * 1000}-0`;
      await client.xadd(stream, id, ...fieldByFieldRecord(entry(i), i));
      await client.hset(auditKeys.head(LEGACY), "seq", String(i), "id", id);
    }
    await sealChain(store.audit, LEGACY, { nowMs: T0 + 6_000, batchSize: 3 });
    for (let i = 6; i <= 8; i++) await store.audit.append({ entry: entry(i) });
    expect(await sealChain(store.audit, LEGACY, { nowMs: T0 + 9_000, batchSize: 4 })).toMatchObject({
      seals: 1,
      records: 3,
      gaps: [],
    });
    const list = await entries(stream);
    expect(list.map(([, fields]) => fields.length)).toEqual([38, 38, 38, 38, 38, 2, 2, 2]);
    const verifyLegacy = () => verifyAuditChain(store.audit, LEGACY);
    expect(await verifyLegacy()).toMatchObject({ ok: true, records: 8, sealed: 8, seals: 3 });

    const rewriteLegacy = (edited: Entry[]) => rewrite(stream, edited);
    for (const [at, fields] of [
      [1, withField(list[1]![1], "reason", "edited")],
      [6, withRecordFields(list[6]![1], { reason: "edited" })],
    ] as const) {
      const copy = [...list];
      copy[at] = [list[at]![0], fields];
      await rewriteLegacy(copy);
      expect((await verifyLegacy()).problem).toMatchObject({
        kind: "changed",
        id: list[at]![0],
        seq: String(at + 1),
        fields: ["reason"],
      });
      await rewriteLegacy(list);
      await client.xdel(stream, list[at]![0]);
      expect((await verifyLegacy()).problem).toMatchObject({ kind: "removed", id: list[at + 1]![0] });
      await rewriteLegacy(list);
    }
    expect((await verifyLegacy()).ok).toBe(true);
  });
});
