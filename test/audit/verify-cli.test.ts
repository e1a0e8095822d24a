// `leash audit verify`, the real CLI against a real redis-server: it passes on the chains real traffic wrote and a
// broker sealed, and names the first problem after someone edits Redis directly — a record changed, removed
// (sealed or not, the last one too) or inserted, a seal removed, the head deleted.
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { withRecordFields } from "../helpers/audit-records.ts";
import { api, mintToken, startTestBroker } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const STREAM = "leash:{env:staging}:audit";
const HEAD = "leash:{env:staging}:audit:head";
const SEALS = "leash:{env:staging}:audit:seals";
const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;

let redis: RedisServer;
let client: Redis;
const snapshot: Record<string, Buffer> = {};

const verify = (...args: string[]) => runCli(["audit", "verify", ...args], { env: { REDIS_URL: redis.url } });

type Entry = [string, string[]];
const entries = async (key = STREAM): Promise<Entry[]> => (await client.xrange(key, "-", "+")) as Entry[];

/** Replaces the stream with these entries, ids kept: what someone with write access to Redis can do. */
async function rewrite(list: Entry[]): Promise<void> {
  await client.del(STREAM);
  for (const [id, fields] of list) await client.xadd(STREAM, id, ...fields);
}

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
    // What the broker's sealer does every interval, made certain here (a pass already running may predate them).
    await test.broker.auditSealer.runOnce();
    await test.broker.auditSealer.runOnce();
  } finally {
    await test.close();
  }
  // One more record that no sealer has seen yet.
  const store = await RedisStore.connect(redis.url);
  clock.advance(1000);
  await store.audit.append({
    entry: {
      time: clock.now(),
      event: "key.activate",
      actor: "system",
      environment: "staging",
      decision: "ok",
    },
  });
  await store.close();
  for (const key of [STREAM, HEAD, SEALS]) snapshot[key] = (await client.dumpBuffer(key))!;
});

beforeEach(async () => {
  for (const [key, dump] of Object.entries(snapshot)) await client.restore(key, 0, dump, "REPLACE");
});

afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
});

describe("leash audit verify", () => {
  it("passes on the untouched chains and shows each chain's last seal and what is not sealed yet", async () => {
    const result = await verify();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok\s+global\s+1 records\s+1 sealed in 1 seals\s+0 unsealed/m);
    // staging: the mint, four authorize decisions, the task's revocation (sealed), then the key event (not yet).
    expect(result.stdout).toMatch(
      /^ok\s+env:staging\s+7 records\s+6 sealed in 1 seals\s+1 unsealed \(oldest 2026-11-25T12:00:06\.000Z\)\s+last seal seq 1\.\.6 [0-9a-f]{64} at \S+\s+head seq 7$/m,
    );
    expect(result.stdout).toMatch(/^ok\s+env:production\s+1 records\s+1 sealed in 1 seals/m);

    const json = await verify("--json", "--chain", "env:staging");
    const [staging] = JSON.parse(json.stdout).chains;
    expect(staging).toMatchObject({ ok: true, records: 7, sealed: 6, unsealed: 1, lastSeal: { to_seq: 6 } });
  });

  it("fails on records waiting for their seal too long only with --max-unsealed-age", async () => {
    const result = await verify("--max-unsealed-age", "1m");
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/BROKEN {2}env:staging: unsealed: 1 records are unsealed/);
  });

  it("names the record whose content was changed, its fields and its seal", async () => {
    const list = await entries();
    const [id, fields] = list[3]!;
    list[3] = [id, withRecordFields(fields, { decision: "allow", reason: "ok" })];
    await rewrite(list);
    const [sealId] = (await entries(SEALS))[0]!;
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      `BROKEN  env:staging at record ${id} (seq 4): changed: record ${id} (seq 4) does not match seal ${sealId} (seq 1..6): its decision, reason changed after sealing`,
    );
    expect(result.stderr).toContain("audit chain broken: env:staging");
    const json = JSON.parse((await verify("--json", "--chain", "env:staging")).stdout);
    expect(json.chains[0].problem).toMatchObject({ kind: "changed", id, seq: "4", seal: sealId });
    expect(json.chains[0].problem.fields.sort()).toEqual(["decision", "reason"]);
  });

  it("names the record after one that was deleted (XDEL), sealed or not", async () => {
    const list = await entries();
    expect(await client.xdel(STREAM, list[2]![0])).toBe(1);
    const sealed = await verify();
    expect(sealed.code).toBe(1);
    expect(sealed.stdout).toContain(
      `BROKEN  env:staging at record ${list[3]![0]} (seq 4): removed: record 3 is missing before it`,
    );

    await rewrite(list);
    const [lastId] = list[list.length - 1]!;
    expect(await client.xdel(STREAM, lastId)).toBe(1);
    const unsealed = await verify();
    expect(unsealed.code).toBe(1);
    expect(unsealed.stdout).toContain(
      `BROKEN  env:staging: removed: the chain ends at seq 6 (${list[5]![0]}) but its head says seq 7 (${lastId})`,
    );
  });

  it("names a record inserted with XADD at the end", async () => {
    const list = await entries();
    const [, lastFields] = list[list.length - 1]!;
    const id = await client.xadd(STREAM, "*", ...withRecordFields(lastFields, { seq: "8", task: "forged" }));
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN  env:staging at record ${id} (seq 8): inserted:`);
  });

  it("names the first record a removed seal no longer covers", async () => {
    const [sealId] = (await entries(SEALS))[0]!;
    const [firstId] = (await entries())[0]!;
    await client.xdel(SEALS, sealId);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`BROKEN  env:staging at record ${firstId} (seq 1): seal_removed:`);
  });

  it("reports a chain whose head was deleted", async () => {
    await client.del(HEAD);
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("BROKEN  env:staging: head_missing: the chain has 7 records but no head");
  });
});
