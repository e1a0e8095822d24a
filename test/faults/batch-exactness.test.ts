// Several `leash serve` processes on one Redis, each batching its concurrent authorize calls into one enforce script
// run: calls of two tasks, and of one token with different actions (the same revocation markers, different limits),
// share a task's, a scope's counters. Every limit stays exact across the processes and every call leaves one record.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { storedRecordFields } from "../../src/store/audit-record.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type Fleet, scopesDirWith, startFleet } from "../helpers/serve-fleet.ts";
import { type Answer, call, principals } from "./fleet.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
let redis: RedisServer;
let fleet: Fleet;
let urls: string[];
let agentKey: string;

beforeAll(async () => {
  redis = await startRedisServer();
  const scopesDir = await scopesDirWith({
    "staging-mix.yaml": [
      "description: per-task deletes, a scope-wide cap on destructive calls, a scope-wide cap on updates",
      "environment: staging",
      'agents: ["*"]',
      "actions: [volume:read, volume:delete, service:update]",
      'resources: ["railway:prj_demo/env/staging/**"]',
      "ttl: {default: 15m, max: 1h}",
      "limits:",
      "  - {match: {action: volume:delete}, max: 3, per: 10m, key: task, on_exceed: deny}",
      "  - {match: {destructive: true}, max: 4, per: 10m, key: scope, on_exceed: deny}",
      "  - {match: {action: service:update}, max: 5, per: 10m, key: scope, on_exceed: deny}",
    ].join("\n"),
  });
  fleet = await startFleet({
    count: 3,
    redisUrl: redis.url,
    scopesDir,
    // Exactness is the subject, not latency: 180 calls at once on two busy cores may queue past the shipped bound.
    env: { REDIS_COMMAND_TIMEOUT_MS: "5000" },
  });
  urls = fleet.brokers.map((broker) => broker.url);
  ({ agentKey } = await principals(urls[0]!, fleet.adminKey, "batch"));
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
});

async function mint(intent: string): Promise<string> {
  const minted = await call(urls[0]!, "POST", "/v1/tokens", {
    key: agentKey,
    body: { scope: "staging-mix", task: { intent } },
  });
  expect(minted.status).toBe(201);
  return minted.body.token as string;
}

describe("leash serve × 3 batching mixed authorize calls on one Redis", () => {
  it("allows exactly what each shared counter admits, and records every call once in a chain that verifies", async () => {
    const tokens = [await mint("batch one"), await mint("batch two")];
    const calls = urls.flatMap((url, u) =>
      tokens.flatMap((token, t) =>
        ["volume:delete", "service:update", "volume:read"].flatMap((action) =>
          Array.from({ length: 10 }, (_, i) => ({
            url,
            body: { token, action, resource: staging(`${action.replace(":", "-")}/${u}-${t}-${i}`) },
          })),
        ),
      ),
    );
    const answers: Answer[] = await Promise.all(
      calls.map(({ url, body }) => call(url, "POST", "/v1/authorize", { body })),
    );
    expect(answers.map((a) => a.status)).toEqual(calls.map(() => 200));
    const allowed = (action: string) =>
      answers.filter((a, i) => a.body.allow === true && calls[i]!.body.action === action).length;
    // Deletes: at most 3 per task, at most 4 destructive calls in the scope.
    expect(allowed("volume:delete")).toBe(4);
    expect(allowed("service:update")).toBe(5);
    expect(allowed("volume:read")).toBe(60);
    for (const a of answers) {
      if (a.body.allow !== true) expect(a.body.reason).toBe("rate_limited");
      else expect(a.body.reason).toBe("ok");
    }

    const store = await RedisStore.connect(redis.url);
    try {
      const verified = await verifyAuditChain(store.audit, "env:staging");
      expect(verified.problem).toBeUndefined();
      expect(verified.ok).toBe(true);
      const records = (await store.audit.range("env:staging", { count: 100_000 })).map((r) =>
        storedRecordFields(r.fields),
      );
      expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => String(i + 1)));
      const byResource = new Map<string, Array<Record<string, string>>>();
      for (const record of records.filter((r) => r.event === "authorize")) {
        byResource.set(record.resource!, [...(byResource.get(record.resource!) ?? []), record]);
      }
      expect(byResource.size).toBe(calls.length);
      for (const [i, { body }] of calls.entries()) {
        const [record, ...more] = byResource.get(body.resource) ?? [];
        expect(more).toEqual([]);
        expect([record?.decision, record?.reason]).toEqual([
          answers[i]!.body.allow ? "allow" : "deny",
          answers[i]!.body.reason,
        ]);
      }
    } finally {
      await store.close();
    }
  });
});
