// A batch's decisions share what they can (a token's profile, its markers, a counter's events), yet each must be
// decided, counted and recorded exactly as if it were alone: several tokens, tasks, agents, scopes and delegated
// tokens in one batch, sharing counters, with revocations and locks written between batches and by the batch itself.
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { type AuditEntry, storedRecordFields } from "../../src/store/audit-record.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { onlyReads } from "../../src/store/redis/token-standing.ts";
import type { EnforcementCheck, EnforcementOutcome, LimitCounter, Store } from "../../src/store/store.ts";
import type { LockTarget, RevocationTarget } from "../../src/store/targets.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

const NOW = 1_700_000_001_000;
const ENVS = ["staging", "production"];
let server: RedisServer;
let store: RedisStore;
let generation: string;
let events = 0;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await store?.close();
  await server?.stop();
});
beforeEach(async () => {
  await fresh();
});

async function fresh(): Promise<void> {
  await store?.close();
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  store = await RedisStore.connect(server.url);
  generation = await store.ensureGeneration("gen-profiles", ENVS);
}

/** A token as the enforce step sees it: who it is for, and (delegated) its lineage. */
interface Token {
  jti: string;
  task: string;
  agent: string;
  scope: string;
  issuedAtMs: number;
  lineage?: { jtis: string[]; agents: string[] };
}

// Two tokens of one task (one agent), a token of another task by another agent, and a token delegated from the first
// to a third agent: revoking the first token, or locking the second agent, refuses the delegated one.
const delegatedLineage = { jtis: ["jti-a"], agents: ["agent-2"] };
const TOKENS: Token[] = [
  { jti: "jti-a", task: "task-1", agent: "agent-1", scope: "scope-1", issuedAtMs: NOW - 1000 },
  { jti: "jti-b", task: "task-1", agent: "agent-1", scope: "scope-1", issuedAtMs: NOW - 400 },
  { jti: "jti-c", task: "task-2", agent: "agent-2", scope: "scope-2", issuedAtMs: NOW - 1000 },
  {
    jti: "jti-d",
    task: "task-1",
    agent: "agent-3",
    scope: "scope-1",
    issuedAtMs: NOW - 700,
    lineage: delegatedLineage,
  },
];

/**
 * The counters a call of this token may touch: its task's (deny and revoke_task), its scope's, the environment's.
 * Windows of minutes: Redis expires a counter in real time, the memory store by its (still) clock.
 */
const countersOf = (token: Token, pick: boolean[]): LimitCounter[] =>
  [
    { key: `task:${token.agent}/${token.task}`, max: 3, windowMs: 60_000, onExceed: "deny" as const },
    { key: `guard:${token.task}`, max: 5, windowMs: 90_000, onExceed: "revoke_task" as const },
    { key: `scope:${token.scope}`, max: 4, windowMs: 72_000, onExceed: "deny" as const },
    { key: "env:shared", max: 6, windowMs: 120_000, onExceed: "deny" as const },
  ].filter((_, i) => pick[i]);

const auditEntry = (env: string, token: Token, action: string, resource: string): AuditEntry => ({
  time: NOW,
  event: "authorize",
  actor: `agent:${token.agent}`,
  agent: token.agent,
  environment: env,
  task: token.task,
  jti: token.jti,
  action,
  resource,
});

interface Call {
  token: number;
  env: number;
  action: number;
  offsetMs: number;
  pick: boolean[];
  held: boolean;
  denied: boolean;
  stale: boolean;
  audited: boolean;
}

/** A call's check; calls of one token and action share everything but their clock, event id and record. */
function checkOf(call: Call, start: number, resource: string): EnforcementCheck {
  const token = TOKENS[call.token]!;
  const env = ENVS[call.env]!;
  // Each action has its own limits (a token's calls differ by action): the second action's pick is the first's
  // reversed, so both share the marker keys and differ in limits.
  const action = ["volume:delete", "volume:read"][call.action]!;
  const pick = call.action === 0 ? call.pick : [...call.pick].reverse();
  return {
    env,
    generation: call.stale ? "gen-old" : generation,
    jti: token.jti,
    task: token.task,
    agent: token.agent,
    scope: token.scope,
    issuedAtMs: token.issuedAtMs,
    nowMs: start + call.offsetMs,
    lineage: token.lineage,
    limits: countersOf(token, pick),
    taskRevocationTtlMs: 600_000,
    eventId: `ev-${events++}`,
    ...(call.held ? { holdReason: "approval_required" } : {}),
    ...(call.denied ? { denyReason: "resource_not_granted" } : {}),
    ...(call.audited
      ? { audit: { entry: auditEntry(env, token, action, resource), skipWhenHeld: call.held } }
      : {}),
  };
}

/** A call that only reads: the standing of a token, as introspection asks for it. */
const READ_ONLY: Call = {
  token: 0,
  env: 0,
  action: 0,
  offsetMs: 0,
  pick: [false, false, false, false],
  held: false,
  denied: false,
  stale: false,
  audited: false,
};

/** What is written between two batches: a revocation (before or after the tokens' issue), a lock, or nothing. */
type Between =
  | { kind: "none" }
  | { kind: "revoke"; target: RevocationTarget; env: number; atMs: number }
  | { kind: "lock"; target: LockTarget; env: number };

const revocationTargets: RevocationTarget[] = [
  { kind: "jti", value: "jti-a" },
  { kind: "jti", value: "jti-c" },
  { kind: "task", value: "task-2" },
  { kind: "agent", value: "agent-1" },
  { kind: "agent", value: "agent-2" },
  { kind: "scope", value: "scope-1" },
  { kind: "environment", value: "staging" },
];
const lockTargets: LockTarget[] = [
  { kind: "agent", value: "agent-2" },
  { kind: "agent", value: "agent-3" },
  { kind: "scope", value: "scope-2" },
  { kind: "environment", value: "production" },
];

async function write(s: Store, between: Between, index: number): Promise<void> {
  if (between.kind === "revoke") {
    // An environment's revocation lives in that environment's slot.
    const env = between.target.kind === "environment" ? between.target.value : ENVS[between.env]!;
    await s.revoke({ target: between.target, env, atMs: between.atMs, ttlMs: 600_000, reason: "test" });
  } else if (between.kind === "lock") {
    await s.lock({
      id: `lock-${index}`,
      target: between.target,
      reason: "test",
      createdBy: "human:sec",
      createdAt: NOW,
      expiresAt: null,
      environments: [between.target.kind === "environment" ? between.target.value : ENVS[between.env]!],
    });
  }
}

const rare = fc.oneof(
  { arbitrary: fc.constant(false), weight: 6 },
  { arbitrary: fc.constant(true), weight: 1 },
);
const callArb: fc.Arbitrary<Call> = fc.record({
  token: fc.integer({ min: 0, max: TOKENS.length - 1 }),
  env: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.constant(1), weight: 1 }),
  action: fc.integer({ min: 0, max: 1 }),
  // Many calls share a millisecond; some land exactly on a window's edge.
  offsetMs: fc.oneof(
    { arbitrary: fc.constantFrom(0, 1, 60_000, 60_001, 72_000, 90_000, 120_000), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 150_000 }), weight: 1 },
  ),
  pick: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  held: rare,
  denied: rare,
  stale: rare,
  audited: fc.oneof(
    { arbitrary: fc.constant(true), weight: 6 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
});
const betweenArb: fc.Arbitrary<Between> = fc.oneof(
  { arbitrary: fc.constant({ kind: "none" as const }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant("revoke" as const),
      target: fc.constantFrom(...revocationTargets),
      env: fc.integer({ min: 0, max: 1 }),
      // Agent, scope and environment revocations cover tokens issued up to atMs: some of the tokens, or all.
      atMs: fc.constantFrom(NOW - 800, NOW - 500, NOW),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("lock" as const),
      target: fc.constantFrom(...lockTargets),
      env: fc.integer({ min: 0, max: 1 }),
    }),
    weight: 1,
  },
);
const stepArb = fc.record({
  // Any length up to 80 (fast-check's default size keeps arrays near 10): past 64 calls of one environment, a batch
  // leaves as two script runs, one after the other.
  calls: fc.array(callArb, { minLength: 1, maxLength: 80, size: "max" }),
  before: betweenArb,
  // How far the clock moves before the batch: the windows slide between batches too.
  advanceMs: fc.constantFrom(0, 1, 59_999, 60_000, 72_000, 90_000, 120_000),
});

const chainOf = async (s: Store, env: string) =>
  (await s.audit.range(`env:${env}`, { count: 100_000 })).map((r) => storedRecordFields(r.fields));

describe("batched enforce decisions that share profiles, markers and counters", () => {
  it("decides, counts and records every call as the memory store does one call at a time", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 4 }), async (steps) => {
        await fresh();
        const memory = new MemoryStore(new ManualClock(NOW));
        await memory.ensureGeneration(generation, ENVS);
        let start = NOW;
        for (const [index, step] of steps.entries()) {
          for (const s of [store, memory]) await write(s, step.before, index);
          start += step.advanceMs;
          const checks = step.calls.map((call, i) => checkOf(call, start, `vol-${index}-${i}`));
          // A check that only reads (no counter, reason or record) is judged from one read of its markers, not by the
          // script, whenever that read leaves: alongside a batch either order is right. Asked after the batch, every
          // token's standing must show what the batch wrote (a revoke_task) at once.
          const probes = TOKENS.flatMap((_, token) =>
            ENVS.map((_, env) => checkOf({ ...READ_ONLY, token, env }, start, "")),
          );
          for (const checked of [
            checks.filter((c) => !onlyReads(c)),
            [...checks.filter(onlyReads), ...probes],
          ]) {
            const batched = await Promise.all(checked.map((c) => store.enforce(c)));
            const oneByOne: EnforcementOutcome[] = [];
            for (const c of checked) oneByOne.push(await memory.enforce(c));
            expect(batched).toEqual(oneByOne);
          }
        }
        for (const env of ENVS) {
          const records = await chainOf(store, env);
          expect(records).toEqual(await chainOf(memory, env));
          expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => String(i + 1)));
          const verified = await verifyAuditChain(store.audit, `env:${env}`);
          expect(verified.problem).toBeUndefined();
          expect(verified.ok).toBe(true);
        }
        // What the counters hold afterwards is what the next call is checked against: the same in both stores.
        const counters = TOKENS.flatMap((token) => countersOf(token, [true, true, true, true]));
        for (const env of ENVS) {
          const windows = counters.map((c) => ({ key: c.key, windowMs: c.windowMs }));
          expect(await store.limitUsage(env, windows, start + 150_000)).toEqual(
            await memory.limitUsage(env, windows, start + 150_000),
          );
        }
      }),
      { numRuns: 80 },
    );
    // Room for shrinking a counterexample, so a failure reports one instead of a timeout.
  }, 120_000);

  it("counts events at a window's edge and events of the same millisecond, stored before the batch or added in it", async () => {
    const limit: LimitCounter = { key: "edge", max: 2, windowMs: 60_000, onExceed: "deny" };
    const at = (nowMs: number): EnforcementCheck => ({
      ...checkOf({ ...READ_ONLY, audited: true }, nowMs, `edge-${nowMs}`),
      limits: [limit],
    });
    const memory = new MemoryStore(new ManualClock(NOW));
    await memory.ensureGeneration(generation, ENVS);
    const batches = [
      [at(NOW)],
      // One batch: a stored event exactly one window back still counts; one millisecond later it does not; an event
      // the batch added counts for later decisions up to (and at) its own window's edge.
      [
        at(NOW + 60_000),
        at(NOW + 60_000),
        at(NOW + 60_001),
        at(NOW + 60_001),
        at(NOW + 120_000),
        at(NOW + 120_001),
      ],
    ];
    const outcomes: string[][] = [];
    for (const checks of batches) {
      const batched = await Promise.all(checks.map((c) => store.enforce(c)));
      const oneByOne: EnforcementOutcome[] = [];
      for (const c of checks) oneByOne.push(await memory.enforce(c));
      expect(batched).toEqual(oneByOne);
      outcomes.push(batched.map((o) => o.reason));
    }
    expect(outcomes).toEqual([["ok"], ["ok", "rate_limited", "ok", "rate_limited", "rate_limited", "ok"]]);
  });
});
