// Concurrent authorize calls on one broker and Redis leave for the enforce script together: tokens of one scope, calls
// of one token with different actions (the same revocation markers, different limits), held production calls and
// malformed calls side by side. Each is still decided, counted and recorded exactly as if it were alone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { storedRecordFields } from "../../src/store/audit-record.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));

let redis: RedisServer;
let test: TestBroker;

beforeAll(async () => {
  const scopesDir = await scopesDirWith({
    "staging-mix.yaml": [
      "description: per-task deletes, a scope-wide cap on destructive calls, a scope-wide cap on updates",
      "environment: staging",
      'agents: ["*"]',
      "actions: [volume:read, volume:delete, service:update]",
      'resources: ["railway:prj_demo/env/staging/**"]',
      "ttl: {default: 15m, max: 1h}",
      "limits:",
      "  - {match: {action: volume:delete}, max: 3, per: 1m, key: task, on_exceed: deny}",
      "  - {match: {destructive: true}, max: 4, per: 1m, key: scope, on_exceed: deny}",
      "  - {match: {action: service:update}, max: 5, per: 1m, key: scope, on_exceed: deny}",
    ].join("\n"),
  });
  redis = await startRedisServer();
  test = await startTestBroker({ clock, scopesDir, redisUrl: redis.url });
}, 60_000);
afterAll(async () => {
  await test?.close();
  await redis?.stop();
});

const authorize = (body: unknown) => api(test.url, "POST", "/v1/authorize", { body });

/** The environment chain's authorize records, by resource; and the chain verified. */
async function authorizeRecords(env: string) {
  const chain = `env:${env}`;
  const verified = await verifyAuditChain(test.store.audit, chain);
  expect(verified.problem).toBeUndefined();
  expect(verified.ok).toBe(true);
  const records = (await test.store.audit.range(chain, { count: 100_000 })).map((r) =>
    storedRecordFields(r.fields),
  );
  expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => String(i + 1)));
  return records.filter((r) => r.event === "authorize");
}

describe("concurrent authorize calls decided in one enforce batch", () => {
  it("keeps every limit exact across tokens and actions, and records each call once", async () => {
    const first = await mintToken(test, { scope: "staging-mix", task: { intent: "batch one" } });
    const second = await mintToken(test, { scope: "staging-mix", task: { intent: "batch two" } });
    const calls = [first, second].flatMap((minted, t) =>
      ["volume:delete", "service:update", "volume:read"].flatMap((action) =>
        Array.from({ length: 8 }, (_, i) => ({
          token: minted.token,
          action,
          resource: staging(`${action.replace(":", "-")}/${t}-${i}`),
        })),
      ),
    );
    // Interleaved, so one token's actions and the two tokens alternate within the batch.
    calls.sort((a, b) => a.resource.slice(-1).localeCompare(b.resource.slice(-1)));
    const answers = await Promise.all(calls.map((call) => authorize(call)));
    expect(answers.map((a) => a.status)).toEqual(calls.map(() => 200));
    const allowed = (action: string, token?: string) =>
      answers.filter(
        (a, i) =>
          a.body.allow === true && calls[i]!.action === action && (!token || calls[i]!.token === token),
      ).length;
    // Deletes: at most 3 per task, at most 4 destructive calls in the scope, whichever refuses first.
    expect(allowed("volume:delete")).toBe(4);
    expect(allowed("volume:delete", first.token)).toBeLessThanOrEqual(3);
    expect(allowed("volume:delete", second.token)).toBeLessThanOrEqual(3);
    // Updates: 5 across both tokens; a refused delete took nothing from them, nor did reads.
    expect(allowed("service:update")).toBe(5);
    expect(allowed("volume:read")).toBe(16);
    for (const [i, a] of answers.entries()) {
      if (a.body.allow !== true)
        expect([calls[i]!.action, a.body.reason]).toEqual([calls[i]!.action, "rate_limited"]);
    }

    // One record per call, saying what the caller was told.
    const records = await authorizeRecords("staging");
    const byResource = new Map(records.map((r) => [r.resource, r]));
    expect(records).toHaveLength(calls.length);
    for (const [i, call] of calls.entries()) {
      const record = byResource.get(call.resource)!;
      expect(record.decision).toBe(answers[i]!.body.allow ? "allow" : "deny");
      expect(record.reason).toBe(answers[i]!.body.reason);
      expect(record.limit).toBe(answers[i]!.body.limit ?? "");
    }

    // What was counted is what was allowed: one more of each is refused, and admitted a minute later.
    const after = await Promise.all([
      authorize({ token: first.token, action: "volume:delete", resource: staging("late/1") }),
      authorize({ token: second.token, action: "service:update", resource: staging("late/2") }),
    ]);
    expect(after.map((a) => a.body.reason)).toEqual(["rate_limited", "rate_limited"]);
    clock.advance(60_001);
    const later = await Promise.all([
      authorize({ token: first.token, action: "volume:delete", resource: staging("later/1") }),
      authorize({ token: second.token, action: "service:update", resource: staging("later/2") }),
    ]);
    expect(later.map((a) => a.body.allow)).toEqual([true, true]);
  });

  it("holds production deletes without counting them, and refuses malformed calls in the same batch", async () => {
    const ops = await mintToken(test, { scope: "production-ops", task: { intent: "held deletes" } });
    const read = await mintToken(test, { scope: "production-read", task: { intent: "reads" } });
    const held = Array.from({ length: 12 }, (_, i) => ({
      token: ops.token,
      action: "volume:delete",
      resource: production(`volume/held-${i}`),
    }));
    const reads = Array.from({ length: 6 }, (_, i) => ({
      token: read.token,
      action: "volume:read",
      resource: production(`volume/read-${i}`),
    }));
    const malformed: unknown[] = [
      { token: ops.token, action: "volume:delete", resource: production(`volume/${"x".repeat(200_000)}`) },
      { token: ops.token, action: "x".repeat(100_000), resource: production("volume/a") },
      {
        token: `${ops.token}${"A".repeat(50_000)}`,
        action: "volume:delete",
        resource: production("volume/b"),
      },
      { token: ops.token, action: "volume:delete", resource: [production("volume/c")] },
      { token: ops.token, action: ["volume:delete"], resource: production("volume/d") },
      { token: [ops.token], action: "volume:delete", resource: production("volume/e") },
      { token: ops.token, action: "volume:delete", resource: production("volume/../../staging/f") },
      { token: ops.token, action: "volume:delete", resource: `${production("volume/g")}\u0000` },
      { token: ops.token, action: "backup:delete", resource: production("backup/h") },
      {
        token: ops.token,
        action: "volume:delete",
        resource: production("volume/i"),
        approval_id: "x".repeat(10_000),
      },
      { token: ops.token, action: "volume:delete", resource: production("volume/j"), destructive: "no" },
    ];
    const answers = await Promise.all([...held, ...reads, ...malformed].map((body) => authorize(body)));
    const heldAnswers = answers.slice(0, held.length);
    const readAnswers = answers.slice(held.length, held.length + reads.length);
    const malformedAnswers = answers.slice(held.length + reads.length);
    expect(heldAnswers.map((a) => [a.status, a.body.reason])).toEqual(
      held.map(() => [200, "approval_required"]),
    );
    expect(heldAnswers.every((a) => typeof a.body.approval_id === "string")).toBe(true);
    expect(readAnswers.map((a) => a.body.allow)).toEqual(reads.map(() => true));
    for (const a of malformedAnswers) {
      expect(a.status).toBeLessThan(500);
      expect(a.body?.allow).not.toBe(true);
    }

    // Held calls spent nothing of production's budget of destructive calls (10 per 10 minutes).
    const usage = await test.store.limitUsage(
      "production",
      [{ key: "env:production:0:environment:production", windowMs: 600_000 }],
      clock.now(),
    );
    expect(usage).toEqual([0]);
    const records = await authorizeRecords("production");
    for (const call of [...held, ...reads]) {
      expect(records.filter((r) => r.resource === call.resource)).toHaveLength(1);
    }
    expect(records.filter((r) => r.reason === "approval_required").map((r) => r.decision)).toEqual(
      held.map(() => "deny"),
    );
  });
});
