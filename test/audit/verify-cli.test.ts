// `leash audit verify`, the real CLI against a real redis-server: it passes on the chains real traffic wrote, and
// names the first bad record after someone edits Redis directly — a record changed, removed (the last one too) or
// inserted, whether the forger recomputed hashes or not.
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AuditField, auditRecordHash } from "../../src/audit/record.ts";
import { compareStreamIds } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, startTestBroker } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const STREAM = "leash:{env:staging}:audit";
const HEAD = "leash:{env:staging}:audit:head";
const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;

let redis: RedisServer;
let client: Redis;
const snapshot: Record<string, Buffer> = {};

const verify = () => runCli(["audit", "verify"], { env: { REDIS_URL: redis.url } });

type Entry = [string, string[]];
const entries = async (): Promise<Entry[]> => (await client.xrange(STREAM, "-", "+")) as Entry[];

/** Replaces the stream with these entries, ids kept: what someone with write access to Redis can do. */
async function rewrite(list: Entry[]): Promise<void> {
  await client.del(STREAM);
  for (const [id, fields] of list) await client.xadd(STREAM, id, ...fields);
}

/** A record's fields with some changed, and (for a careful forger) its hash recomputed. */
function forge(fields: string[], changes: Record<string, string>, rehash: boolean): string[] {
  const record = Object.fromEntries(
    Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i]!, fields[2 * i + 1]!]),
  );
  Object.assign(record, changes);
  if (rehash) record.hash = auditRecordHash(record as Record<AuditField, string>);
  return Object.entries(record).flat();
}

const hashOf = (fields: string[]) => fields[fields.indexOf("hash") + 1]!;
const seqOf = (fields: string[]) => fields[fields.indexOf("seq") + 1]!;

beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url);
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
  const test = await startTestBroker({ redisUrl: redis.url, clock });
  try {
    await api(test.url, "POST", "/v1/agents", {
      key: test.keys.admin,
      body: { id: "agent-v", scopes: ["*"] },
    });
    const { token, task } = await mintToken(test, { scope: "staging-fix", task: { intent: "verify me" } });
    for (const [action, path] of [
      ["volume:read", "volume/v1"],
      ["volume:delete", "volume/v2"],
      ["backup:delete", "volume/v3"],
      ["volume:read", "volume/v4"],
    ] as Array<[string, string]>) {
      clock.advance(1000);
      await api(test.url, "POST", "/v1/authorize", { body: { token, action, resource: staging(path) } });
    }
    clock.advance(1000);
    await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { task, reason: "verify test" },
    });
  } finally {
    await test.close();
  }
  for (const key of [STREAM, HEAD]) snapshot[key] = (await client.dumpBuffer(key))!;
});

beforeEach(async () => {
  for (const [key, dump] of Object.entries(snapshot)) await client.restore(key, 0, dump, "REPLACE");
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

describe("leash audit verify", () => {
  it("passes on the untouched chains", async () => {
    const result = await verify();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok\s+global\s+1 records/m);
    // staging: the mint, four authorize decisions, the task's revocation; production: the revocation too.
    expect(result.stdout).toMatch(/^ok\s+env:staging\s+6 records\s+head seq 6 [0-9a-f]{64}$/m);
    expect(result.stdout).toMatch(/^ok\s+env:production\s+1 records\s+head seq 1 [0-9a-f]{64}$/m);
  });

  it("names a record whose content was changed", async () => {
    const list = await entries();
    const [id, fields] = list[3]!;
    list[3] = [id, forge(fields, { decision: "allow", reason: "ok" }, false)];
    await rewrite(list);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN  env:staging at record ${id} (seq 4): changed:`);
    expect(result.stderr).toContain("audit chain broken: env:staging");
  });

  it("names the record after one that was changed and re-hashed by a careful forger", async () => {
    const list = await entries();
    list[3] = [list[3]![0], forge(list[3]![1], { decision: "allow", reason: "ok" }, true)];
    await rewrite(list);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN  env:staging at record ${list[4]![0]} (seq 5): inserted:`);
  });

  it("names the record after one that was deleted (XDEL)", async () => {
    const list = await entries();
    expect(await client.xdel(STREAM, list[2]![0])).toBe(1);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `BROKEN  env:staging at record ${list[3]![0]} (seq 4): removed: record 3 is missing`,
    );
  });

  it("notices that the last record was deleted: the head remembers it", async () => {
    const list = await entries();
    const [lastId] = list[list.length - 1]!;
    expect(await client.xdel(STREAM, lastId)).toBe(1);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `BROKEN  env:staging: removed: the chain ends at seq 5 (${list[4]![0]}) but its head says seq 6 (${lastId})`,
    );
  });

  it("names a record inserted with XADD at the end", async () => {
    const list = await entries();
    const [, lastFields] = list[list.length - 1]!;
    const forged = forge(lastFields, { seq: "7", prev: hashOf(lastFields), task: "task_forged" }, true);
    const id = await client.xadd(STREAM, "*", ...forged);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN  env:staging at record ${id} (seq 7): inserted:`);
  });

  it("names a record inserted in the middle (stream rewritten with a forged entry)", async () => {
    const list = await entries();
    const [beforeId, beforeFields] = list[2]!;
    const forgedId = beforeId.replace(/-(\d+)$/, (_, n) => `-${Number(n) + 1}`);
    expect(compareStreamIds(forgedId, list[3]![0])).toBe(-1);
    const naive = forge(beforeFields, { task: "task_forged" }, false);
    await rewrite([...list.slice(0, 3), [forgedId, naive], ...list.slice(3)]);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN  env:staging at record ${forgedId} (seq 3): changed:`);

    // A forger who links the insertion properly is caught at the next original record, whose seq repeats.
    const linked = forge(beforeFields, { seq: "4", prev: hashOf(beforeFields), task: "task_forged" }, true);
    await rewrite([...list.slice(0, 3), [forgedId, linked], ...list.slice(3)]);
    const again = await verify();
    expect(again.code).toBe(1);
    expect(seqOf(list[3]![1])).toBe("4");
    expect(again.stdout).toContain(`BROKEN  env:staging at record ${list[3]![0]} (seq 4): inserted:`);
  });

  it("reports a chain whose head was deleted", async () => {
    await client.del(HEAD);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN  env:staging: head_missing: the chain has 6 records but no head");
  });
});
