// The one test suite every Store implementation must pass (like Teleport's lib/backend/test/suite.go).

import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import type { Approval } from "../../src/store/approval-record.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import type { EnforcementCheck, LimitCounter, Lock, Principal, Store } from "../../src/store/store.ts";
import { advanceRedisTime } from "../helpers/redis-time.ts";

/** A pending call approval, for the approvals contract and other store tests. */
export const sampleCallApproval: Approval = {
  kind: "call",
  id: "apr_0123456789abcdef",
  version: 1,
  status: "pending",
  env: "production",
  scope: "production-ops",
  agent: "agent-1",
  owner: "admin",
  task: "t1",
  intent: "remove an old volume",
  rule: { approvers: ["sre"], quorum: 1 },
  approvedBy: [],
  deniedBy: null,
  denyReason: null,
  createdAt: 1000,
  expiresAt: 2000,
  jti: "j1",
  action: "volume:delete",
  resource: "railway:p/env/production/volume/v1",
  requestHash: "",
};

export interface StoreFixture {
  store: Store;
  clock: ManualClock;
  /**
   * Lets `ms` pass for the store without waiting: moves the clock, and for Redis the remaining life of every key
   * (Redis expires keys on its own clock; see test/helpers/redis-time.ts).
   */
  advance(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** The memory store on a ManualClock: everything it lets lapse reads that clock, so moving it is all time takes. */
export const memoryStoreFixture = (): StoreFixture => {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new MemoryStore(clock);
  return { store, clock, advance: async (ms) => clock.advance(ms), cleanup: () => store.close() };
};

/** A Redis store whose data lives on the servers at `primaryPorts`: time moves the clock and ages their keys. */
export const redisStoreFixture = (store: Store, primaryPorts: number[]): StoreFixture => {
  const clock = new ManualClock(1_700_000_000_000);
  return {
    store,
    clock,
    advance: async (ms) => {
      clock.advance(ms);
      await advanceRedisTime(primaryPorts, ms);
    },
    cleanup: () => store.close(),
  };
};

/**
 * A caller changing a record it was handed: a store may hand out copies (the change succeeds, on the copy only) or
 * frozen records (the change throws a TypeError); either way the store is left as it was.
 */
function attemptChange(change: () => void): void {
  try {
    change();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const runStoreContract = (name: string, makeStore: () => Promise<StoreFixture>): void => {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let clock: ManualClock;
    let elapse: (ms: number) => Promise<void>;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, clock, advance: elapse, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    const GEN = "gen-1";
    const ready = () => store.ensureGeneration(GEN, ["staging", "production"]);

    const check = (overrides: Partial<EnforcementCheck> = {}): EnforcementCheck => ({
      env: "staging",
      generation: GEN,
      jti: "jti-1",
      task: "task-1",
      agent: "agent-1",
      scope: "staging-fix",
      issuedAtMs: clock.now() - SECOND,
      nowMs: clock.now(),
      limits: [],
      taskRevocationTtlMs: 10 * MINUTE,
      eventId: randomUUID(),
      ...overrides,
    });

    const counter = (key: string, max: number, overrides: Partial<LimitCounter> = {}): LimitCounter => ({
      key,
      max,
      windowMs: MINUTE,
      onExceed: "deny",
      ...overrides,
    });

    const principal = (overrides: Partial<Principal> = {}): Principal => ({
      id: "agent-1",
      kind: "agent",
      keyHash: "a".repeat(64),
      disabled: false,
      createdAt: 1000,
      scopes: ["staging-*"],
      roles: [],
      ...overrides,
    });

    describe("ping and generation", () => {
      it("answers ping", async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it("has no generation until one is ensured, and enforce refuses with stale_generation", async () => {
        expect(await store.getGeneration()).toBeNull();
        expect(await store.enforce(check())).toEqual({ allow: false, reason: "stale_generation" });
      });

      it("reads a mint's checks: the environment's generation and the task's revocation there", async () => {
        expect(await store.mintChecks("staging", "task-1")).toEqual({ generation: null, taskRevoked: false });
        await store.ensureGeneration("first", ["staging"]);
        expect(await store.mintChecks("staging", "task-1")).toEqual({
          generation: "first",
          taskRevoked: false,
        });
        expect(await store.mintChecks("production", "task-1")).toEqual({
          generation: null,
          taskRevoked: false,
        });
        await store.revoke({
          target: { kind: "task", value: "task-1" },
          env: "staging",
          atMs: clock.now(),
          ttlMs: MINUTE,
          reason: "test",
        });
        expect(await store.mintChecks("staging", "task-1")).toEqual({
          generation: "first",
          taskRevoked: true,
        });
        expect(await store.mintChecks("staging", "task-2")).toEqual({
          generation: "first",
          taskRevoked: false,
        });
      });

      it("sets the generation once and never overwrites it", async () => {
        expect(await store.ensureGeneration("first", ["staging"])).toBe("first");
        expect(await store.ensureGeneration("second", ["staging"])).toBe("first");
        expect(await store.getGeneration()).toBe("first");
        expect((await store.enforce(check({ generation: "first" }))).allow).toBe(true);
        expect(await store.enforce(check({ generation: "second" }))).toEqual({
          allow: false,
          reason: "stale_generation",
        });
      });

      it("refuses a token whose generation differs from the store's", async () => {
        await ready();
        expect(await store.enforce(check({ generation: "gen-0" }))).toEqual({
          allow: false,
          reason: "stale_generation",
        });
        expect(await store.enforce(check())).toEqual({ allow: true, reason: "ok" });
      });

      it("refuses in an environment whose slot has no generation, until ensureGeneration names it", async () => {
        await ready();
        expect((await store.enforce(check({ env: "dev" }))).reason).toBe("stale_generation");
        expect(await store.ensureGeneration("other", ["dev"])).toBe(GEN);
        expect((await store.enforce(check({ env: "dev" }))).allow).toBe(true);
      });

      it("checks the generation before anything else", async () => {
        await ready();
        await store.revoke({
          target: { kind: "jti", value: "jti-1" },
          env: "staging",
          atMs: 0,
          ttlMs: MINUTE,
          reason: "x",
        });
        const outcome = await store.enforce(
          check({ generation: "old", denyReason: "action_not_granted", limits: [counter("c", 0)] }),
        );
        expect(outcome).toEqual({ allow: false, reason: "stale_generation" });
      });
    });

    describe("principals", () => {
      it("saves and reads a principal back, with optional fields", async () => {
        const human = principal({
          id: "alice",
          kind: "human",
          roles: ["admin", "approver:ops"],
          scopes: [],
          createdBy: "root",
          totp: { secret: "JBSWY3DPEHPK3PXP", confirmed: true },
        });
        await store.savePrincipal(human);
        expect(await store.getPrincipal("alice")).toEqual(human);
        expect(await store.getPrincipal("nobody")).toBeNull();
      });

      it("returns copies or frozen records: changing a returned principal does not change the store", async () => {
        await store.savePrincipal(principal());
        const read = await store.getPrincipal("agent-1");
        attemptChange(() => read!.scopes.push("production-*"));
        attemptChange(() => {
          read!.disabled = true;
        });
        expect(await store.getPrincipal("agent-1")).toEqual(principal());
      });

      it("finds a principal by key hash", async () => {
        await store.savePrincipal(principal());
        expect(await store.findPrincipalByKeyHash("a".repeat(64))).toEqual(principal());
        expect(await store.findPrincipalByKeyHash("f".repeat(64))).toBeNull();
      });

      it("rotating a key makes the old hash find nothing and the new hash find the principal", async () => {
        await store.savePrincipal(principal());
        expect(await store.findPrincipalByKeyHash("a".repeat(64))).toEqual(principal());
        const rotated = principal({ keyHash: "b".repeat(64) });
        await store.savePrincipal(rotated);
        expect(await store.findPrincipalByKeyHash("a".repeat(64))).toBeNull();
        expect(await store.findPrincipalByKeyHash("b".repeat(64))).toEqual(rotated);
      });

      it("keeps state such as disabled in step", async () => {
        await store.savePrincipal(principal());
        expect((await store.findPrincipalByKeyHash("a".repeat(64)))?.disabled).toBe(false);
        await store.savePrincipal(principal({ disabled: true }));
        expect((await store.findPrincipalByKeyHash("a".repeat(64)))?.disabled).toBe(true);
      });

      it("lists principals by kind, oldest first", async () => {
        await store.savePrincipal(principal({ id: "agent-b", keyHash: "1".repeat(64), createdAt: 3 }));
        await store.savePrincipal(principal({ id: "agent-a", keyHash: "2".repeat(64), createdAt: 2 }));
        await store.savePrincipal(
          principal({ id: "alice", kind: "human", keyHash: "3".repeat(64), roles: ["admin"] }),
        );
        expect((await store.listPrincipals("agent")).map((p) => p.id)).toEqual(["agent-a", "agent-b"]);
        expect((await store.listPrincipals("human")).map((p) => p.id)).toEqual(["alice"]);
        await store.savePrincipal(
          principal({ id: "agent-a", keyHash: "2".repeat(64), createdAt: 2, disabled: true }),
        );
        expect((await store.listPrincipals("agent")).map((p) => [p.id, p.disabled])).toEqual([
          ["agent-a", true],
          ["agent-b", false],
        ]);
      });

      it("lists nothing when there are no principals of a kind", async () => {
        expect(await store.listPrincipals("human")).toEqual([]);
      });

      it("returns copies or frozen records from findPrincipalByKeyHash", async () => {
        await store.savePrincipal(principal());
        const read = await store.findPrincipalByKeyHash("a".repeat(64));
        attemptChange(() => {
          read!.disabled = true;
        });
        expect(await store.findPrincipalByKeyHash("a".repeat(64))).toEqual(principal());
      });
    });

    describe("live-task registry", () => {
      const token = (task: string, jti: string, expiresIn: number, over: Record<string, unknown> = {}) => ({
        task,
        agent: "agent-1",
        intent: `intent of ${task}`,
        scope: "staging-fix",
        env: "staging",
        jti,
        issuedAt: clock.now(),
        expiresAt: clock.now() + expiresIn,
        ...over,
      });

      it("lists tasks with their live tokens, longest-living first, and drops expired tokens and tasks", async () => {
        const now = clock.now();
        await store.recordTaskToken(token("t-a", "j1", 10 * MINUTE));
        await store.recordTaskToken(
          token("t-a", "j2", 2 * MINUTE, { scope: "production-ops", env: "production", intent: "later" }),
        );
        await store.recordTaskToken(token("t-b", "j3", 20 * MINUTE, { agent: "agent-2" }));
        const all = await store.liveTasks(now, 10);
        expect(all.map((task) => task.task)).toEqual(["t-b", "t-a"]);
        expect(all[1]).toEqual({
          task: "t-a",
          agent: "agent-1",
          // The first token's intent names the task.
          intent: "intent of t-a",
          tokens: [
            { jti: "j1", scope: "staging-fix", env: "staging", issuedAt: now, expiresAt: now + 10 * MINUTE },
            {
              jti: "j2",
              scope: "production-ops",
              env: "production",
              issuedAt: now,
              expiresAt: now + 2 * MINUTE,
            },
          ],
        });
        expect(await store.liveTasks(now, 1)).toHaveLength(1);
        // Three minutes on: t-a's second token is gone from the list; eleven: t-a is.
        expect((await store.liveTasks(now + 3 * MINUTE, 10))[1]!.tokens.map((t) => t.jti)).toEqual(["j1"]);
        expect((await store.liveTasks(now + 11 * MINUTE, 10)).map((task) => task.task)).toEqual(["t-b"]);
        expect(await store.liveTasks(now + 21 * MINUTE, 10)).toEqual([]);
      });

      it("records tokens sent at once as it records them one after the other", async () => {
        const now = clock.now();
        await Promise.all([
          store.recordTaskToken(token("t-a", "j1", 10 * MINUTE)),
          store.recordTaskToken(token("t-b", "j2", 20 * MINUTE, { agent: "agent-2", intent: "b first" })),
          store.recordTaskToken(token("t-a", "j3", 30 * MINUTE, { intent: "a later" })),
          store.recordTaskToken(token("t-b", "j4", 5 * MINUTE, { intent: "b later" })),
        ]);
        const all = await store.liveTasks(now, 10);
        expect(all.map((task) => [task.task, task.agent, task.intent])).toEqual([
          ["t-a", "agent-1", "intent of t-a"],
          ["t-b", "agent-2", "b first"],
        ]);
        expect(all.map((task) => task.tokens.map((t) => t.jti))).toEqual([
          ["j1", "j3"],
          ["j2", "j4"],
        ]);
        // Each task lives as long as its longest token, whichever was recorded first.
        expect((await store.liveTasks(now + 25 * MINUTE, 10)).map((task) => task.task)).toEqual(["t-a"]);
        expect((await store.liveTasks(now + 15 * MINUTE, 10)).map((task) => task.task)).toEqual([
          "t-a",
          "t-b",
        ]);
      });

      it("reads how many events each counter holds in its window", async () => {
        await ready();
        const counters = [counter("usage:task", 5, { windowMs: MINUTE }), counter("usage:other", 5)];
        for (let i = 0; i < 3; i++) {
          clock.advance(10);
          expect((await store.enforce(check({ limits: [counters[0]!] }))).allow).toBe(true);
        }
        const windows = counters.map(({ key, windowMs }) => ({ key, windowMs }));
        expect(await store.limitUsage("staging", windows, clock.now())).toEqual([3, 0]);
        // Past the window nothing counts any more; another environment's counters are others.
        expect(await store.limitUsage("staging", windows, clock.now() + 2 * MINUTE)).toEqual([0, 0]);
        expect(await store.limitUsage("production", windows, clock.now())).toEqual([0, 0]);
        expect(await store.limitUsage("staging", [], clock.now())).toEqual([]);
      });
    });

    describe("task owners", () => {
      it("gives a task to the first agent that claims it and keeps it while claimed", async () => {
        expect(await store.claimTask("t-own", "agent-1", 300)).toBe("agent-1");
        expect(await store.claimTask("t-own", "agent-2", 10 * MINUTE)).toBe("agent-1");
        expect(await store.claimTask("t-own", "agent-1", 10 * MINUTE)).toBe("agent-1");
        await elapse(450);
        // The owner's second claim extended the record; another agent's claim never does.
        expect(await store.claimTask("t-own", "agent-2", MINUTE)).toBe("agent-1");
        expect(await store.claimTask("t-free", "agent-2", 300)).toBe("agent-2");
        await elapse(450);
        expect(await store.claimTask("t-free", "agent-1", MINUTE)).toBe("agent-1");
      });

      it("gives a task claimed by several agents at once to exactly one of them", async () => {
        const agents = ["agent-1", "agent-2", "agent-3", "agent-4"];
        const owners = await Promise.all(
          agents.flatMap((agent) =>
            ["t-race", "t-other"].map((task) => store.claimTask(task, agent, MINUTE)),
          ),
        );
        const [race, other] = [owners.filter((_, i) => i % 2 === 0), owners.filter((_, i) => i % 2 === 1)];
        expect(new Set(race).size).toBe(1);
        expect(new Set(other).size).toBe(1);
        expect(agents).toContain(race[0]);
        expect(await store.claimTask("t-race", "agent-5", MINUTE)).toBe(race[0]);
      });
    });

    describe("used workload tokens", () => {
      it("lets a workload token (issuer and jti) mint once while it lives, and forgets it after", async () => {
        expect(await store.claimWorkloadToken("https://issuer-a", "jti-1", 300)).toBe(true);
        expect(await store.claimWorkloadToken("https://issuer-a", "jti-1", 300)).toBe(false);
        // The same jti from another issuer is another token.
        expect(await store.claimWorkloadToken("https://issuer-b", "jti-1", 300)).toBe(true);
        await elapse(450);
        expect(await store.claimWorkloadToken("https://issuer-a", "jti-1", 300)).toBe(true);
      });
    });

    describe("locks", () => {
      beforeEach(async () => {
        await ready();
      });

      const lock = (over: Partial<Lock> = {}): Lock => ({
        id: `lock_${randomUUID()}`,
        target: { kind: "agent", value: "agent-1" },
        reason: "compromised",
        createdBy: "human:sec-1",
        createdAt: clock.now(),
        expiresAt: null,
        environments: ["staging"],
        ...over,
      });

      it("refuses every token of a locked target while the lock is in force, whatever its issued-at", async () => {
        const target = { kind: "agent", value: "agent-1" } as const;
        const inForce = await store.lock(lock({ target }));
        expect(await store.lockOn([target])).toEqual(inForce);
        expect(await store.enforce(check({ issuedAtMs: clock.now() + MINUTE }))).toEqual({
          allow: false,
          reason: "revoked",
        });
        expect((await store.enforce(check({ agent: "agent-2" }))).allow).toBe(true);
        expect((await store.enforce(check({ env: "production" }))).allow).toBe(true);
        for (const kind of ["scope", "environment"] as const) {
          const value = { scope: "staging-fix", environment: "staging" }[kind];
          await store.lock(lock({ target: { kind, value } }));
          expect(
            (await store.enforce(check({ agent: "agent-2", issuedAtMs: clock.now() + MINUTE }))).reason,
          ).toBe("revoked");
          await store.removeLock((await store.lockOn([{ kind, value }]))!.id);
        }
      });

      it("lists locks oldest first and lifts one by id", async () => {
        const first = await store.lock(lock());
        clock.advance(SECOND);
        const second = await store.lock(lock({ target: { kind: "scope", value: "staging-fix" } }));
        expect(await store.listLocks()).toEqual([first, second]);
        expect(await store.removeLock(first.id)).toEqual(first);
        expect(await store.removeLock(first.id)).toBeNull();
        expect(await store.listLocks()).toEqual([second]);
        expect(await store.lockOn([first.target])).toBeNull();
        expect((await store.enforce(check({ scope: "other", issuedAtMs: clock.now() }))).allow).toBe(true);
      });

      it("keeps one lock per target: same id, the later expiry (none beats any), the newer reason", async () => {
        const first = await store.lock(lock({ expiresAt: clock.now() + MINUTE }));
        const again = await store.lock(lock({ reason: "still bad", expiresAt: clock.now() + 10 * SECOND }));
        expect(again).toMatchObject({ id: first.id, reason: "still bad", expiresAt: clock.now() + MINUTE });
        const forever = await store.lock(lock({ environments: ["production"] }));
        expect(forever).toMatchObject({ id: first.id, expiresAt: null });
        expect(forever.environments.sort()).toEqual(["production", "staging"]);
        expect(await store.listLocks()).toHaveLength(1);
      });

      it("lets a lock lapse at its expiry", async () => {
        await store.lock(lock({ expiresAt: clock.now() + 300 }));
        expect((await store.enforce(check({ issuedAtMs: clock.now() + MINUTE }))).reason).toBe("revoked");
        await elapse(450);
        expect(await store.lockOn([{ kind: "agent", value: "agent-1" }])).toBeNull();
        expect(await store.listLocks()).toEqual([]);
        expect((await store.enforce(check({ issuedAtMs: clock.now() + MINUTE }))).allow).toBe(true);
      });
    });

    describe("revocation", () => {
      beforeEach(async () => {
        await ready();
      });

      const revoke = (
        kind: "jti" | "task" | "agent" | "scope" | "environment",
        value: string,
        atMs = clock.now(),
      ) =>
        store.revoke({
          target: { kind, value } as never,
          env: "staging",
          atMs,
          ttlMs: 10 * MINUTE,
          reason: "test",
        });

      it("revokes a jti absolutely", async () => {
        await revoke("jti", "jti-1");
        expect(await store.enforce(check())).toEqual({ allow: false, reason: "revoked" });
        expect((await store.enforce(check({ issuedAtMs: clock.now() + MINUTE }))).reason).toBe("revoked");
        expect((await store.enforce(check({ jti: "jti-2" }))).allow).toBe(true);
      });

      it("revokes a task absolutely, also for tokens minted later for it", async () => {
        await revoke("task", "task-1");
        expect(await store.isTaskRevoked("staging", "task-1")).toBe(true);
        expect(await store.isTaskRevoked("staging", "task-2")).toBe(false);
        expect(await store.isTaskRevoked("production", "task-1")).toBe(false);
        clock.advance(SECOND);
        expect((await store.enforce(check({ jti: "new", issuedAtMs: clock.now() }))).reason).toBe("revoked");
        expect((await store.enforce(check({ task: "task-2" }))).allow).toBe(true);
      });

      for (const kind of ["agent", "scope", "environment"] as const) {
        it(`revokes by ${kind} only tokens issued at or before atMs`, async () => {
          const value = { agent: "agent-1", scope: "staging-fix", environment: "staging" }[kind];
          const atMs = clock.now();
          await revoke(kind, value, atMs);
          expect((await store.enforce(check({ issuedAtMs: atMs - MINUTE }))).reason).toBe("revoked");
          expect((await store.enforce(check({ issuedAtMs: atMs }))).reason).toBe("revoked");
          expect(await store.enforce(check({ issuedAtMs: atMs + 1 }))).toEqual({ allow: true, reason: "ok" });
        });
      }

      it("does not let an agent or scope revocation reach other agents, scopes or environments", async () => {
        await revoke("agent", "agent-1");
        await revoke("scope", "staging-fix");
        expect((await store.enforce(check({ agent: "agent-2", scope: "other" }))).allow).toBe(true);
        expect((await store.enforce(check({ env: "production" }))).allow).toBe(true);
      });

      it("never lowers a not-before marker when an older revocation arrives later", async () => {
        const t = clock.now();
        await revoke("agent", "agent-1", t);
        await revoke("agent", "agent-1", t - MINUTE);
        expect((await store.enforce(check({ issuedAtMs: t - 1 }))).reason).toBe("revoked");
        await revoke("agent", "agent-1", t + MINUTE);
        expect((await store.enforce(check({ issuedAtMs: t + MINUTE - 1 }))).reason).toBe("revoked");
        expect((await store.enforce(check({ issuedAtMs: t + MINUTE + 1 }))).allow).toBe(true);
      });

      it("lets a marker expire after its ttl", async () => {
        await store.revoke({
          target: { kind: "task", value: "task-1" },
          env: "staging",
          atMs: clock.now(),
          ttlMs: 300,
          reason: "x",
        });
        await store.revoke({
          target: { kind: "agent", value: "agent-1" },
          env: "staging",
          atMs: clock.now(),
          ttlMs: 300,
          reason: "x",
        });
        expect(await store.isTaskRevoked("staging", "task-1")).toBe(true);
        await elapse(450);
        expect(await store.isTaskRevoked("staging", "task-1")).toBe(false);
        expect((await store.enforce(check({ issuedAtMs: clock.now() - MINUTE }))).allow).toBe(true);
      });

      it("never shortens a marker's life when re-revoked with a shorter ttl", async () => {
        const target = { kind: "task", value: "task-1" } as const;
        await store.revoke({ target, env: "staging", atMs: clock.now(), ttlMs: 800, reason: "long" });
        await store.revoke({ target, env: "staging", atMs: clock.now(), ttlMs: 100, reason: "short" });
        await elapse(300);
        expect(await store.isTaskRevoked("staging", "task-1")).toBe(true);
      });

      it("reports revoked before a deny reason", async () => {
        await revoke("jti", "jti-1");
        expect(await store.enforce(check({ denyReason: "action_not_granted" }))).toEqual({
          allow: false,
          reason: "revoked",
        });
        expect(await store.enforce(check({ jti: "jti-2", denyReason: "action_not_granted" }))).toEqual({
          allow: false,
          reason: "action_not_granted",
        });
      });

      it("refuses an environment revocation written to another environment's slot", async () => {
        await expect(
          store.revoke({
            target: { kind: "environment", value: "production" },
            env: "staging",
            atMs: 1,
            ttlMs: 1,
            reason: "x",
          }),
        ).rejects.toMatchObject({ code: "invalid_revocation" });
      });
    });

    describe("blast radius", () => {
      beforeEach(async () => {
        await ready();
      });

      it("stays exact when decisions run out of their clocks' order (a later now denied or held first)", async () => {
        const t0 = clock.now();
        const window = counter("task:late", 1, { windowMs: SECOND });
        const full = counter("task:full", 1, { windowMs: MINUTE });
        const at = (ms: number, over: Partial<EnforcementCheck> = {}) =>
          store.enforce(check({ nowMs: t0 + ms, limits: [window], ...over }));
        expect((await store.enforce(check({ nowMs: t0, limits: [full] }))).allow).toBe(true);

        expect((await at(0)).allow).toBe(true);
        // A broker whose clock is ahead: denied by another counter, or held; it must not age the first call out.
        expect((await at(SECOND + 1, { limits: [window, full] })).reason).toBe("rate_limited");
        expect((await at(SECOND + 2, { holdReason: "approval_required" })).reason).toBe("approval_required");
        // A broker whose clock is behind, deciding after them: the first call is 500 ms old by its clock.
        expect(await at(500)).toEqual({ allow: false, reason: "rate_limited", limit: "task:late" });

        // An allowed call timed ahead makes later-running calls with earlier clocks count from its time.
        expect((await at(5 * SECOND)).allow).toBe(true);
        expect((await at(4 * SECOND + 100)).reason).toBe("rate_limited");
        expect((await at(6 * SECOND)).reason).toBe("rate_limited");
        expect((await at(6 * SECOND + 1)).allow).toBe(true);
      });

      it("is an exact sliding window: max 3 per minute", async () => {
        const t0 = clock.now();
        const limits = [counter("task:task-1", 3)];
        const at = (ms: number) => store.enforce(check({ nowMs: t0 + ms, limits }));
        expect(await at(0)).toEqual({ allow: true, reason: "ok" });
        expect((await at(10 * SECOND)).allow).toBe(true);
        expect((await at(20 * SECOND)).allow).toBe(true);
        expect(await at(59 * SECOND)).toEqual({ allow: false, reason: "rate_limited", limit: "task:task-1" });
        expect((await at(60 * SECOND)).allow).toBe(false);
        expect(await at(60 * SECOND + 1)).toEqual({ allow: true, reason: "ok" });
        // Now 10 s, 20 s and 60.001 s are in the window.
        expect((await at(61 * SECOND)).allow).toBe(false);
        expect((await at(70 * SECOND + 1)).allow).toBe(true);
      });

      it("does not count denied calls", async () => {
        const t0 = clock.now();
        const limits = [counter("c", 2)];
        const at = (ms: number) => store.enforce(check({ nowMs: t0 + ms, limits }));
        expect((await at(0)).allow).toBe(true);
        expect((await at(1)).allow).toBe(true);
        for (let i = 0; i < 10; i++) expect((await at(2 + i)).allow).toBe(false);
        // Had the denials counted, the window would still be full after the first two aged out.
        expect((await at(MINUTE + 2)).allow).toBe(true);
        expect((await at(MINUTE + 3)).allow).toBe(true);
        expect((await at(MINUTE + 4)).allow).toBe(false);
      });

      it("does not count calls refused for a deny reason, revocation or stale generation", async () => {
        const limits = [counter("c", 1)];
        expect((await store.enforce(check({ limits, denyReason: "resource_not_granted" }))).allow).toBe(
          false,
        );
        expect((await store.enforce(check({ limits, generation: "old" }))).allow).toBe(false);
        await store.revoke({
          target: { kind: "jti", value: "bad" },
          env: "staging",
          atMs: 0,
          ttlMs: MINUTE,
          reason: "x",
        });
        expect((await store.enforce(check({ limits, jti: "bad" }))).allow).toBe(false);
        expect((await store.enforce(check({ limits }))).allow).toBe(true);
      });

      it("needs room in every counter and adds the event to all of them", async () => {
        const task = counter("task:task-1", 2);
        const env = counter("environment", 10);
        expect((await store.enforce(check({ limits: [task, env] }))).allow).toBe(true);
        expect((await store.enforce(check({ limits: [task, env] }))).allow).toBe(true);
        expect(await store.enforce(check({ limits: [env, task] }))).toEqual({
          allow: false,
          reason: "rate_limited",
          limit: "task:task-1",
        });
        // The environment counter holds exactly the two allowed events.
        const env3 = counter("environment", 3);
        expect((await store.enforce(check({ limits: [env3] }))).allow).toBe(true);
        expect((await store.enforce(check({ limits: [env3] }))).reason).toBe("rate_limited");
      });

      it("keeps counters per environment", async () => {
        const limits = [counter("environment", 1)];
        expect((await store.enforce(check({ limits }))).allow).toBe(true);
        expect((await store.enforce(check({ limits }))).allow).toBe(false);
        expect((await store.enforce(check({ env: "production", limits }))).allow).toBe(true);
      });

      it("a deny limit does not revoke the task", async () => {
        const limits = [counter("task:task-1", 1)];
        await store.enforce(check({ limits }));
        const outcome = await store.enforce(check({ limits }));
        expect(outcome).toEqual({ allow: false, reason: "rate_limited", limit: "task:task-1" });
        expect(await store.isTaskRevoked("staging", "task-1")).toBe(false);
      });

      it("a revoke_task limit revokes the whole task when exceeded", async () => {
        const limits = [counter("env", 100), counter("task:task-1:delete", 2, { onExceed: "revoke_task" })];
        expect((await store.enforce(check({ limits }))).allow).toBe(true);
        expect((await store.enforce(check({ limits }))).allow).toBe(true);
        expect(await store.enforce(check({ limits }))).toEqual({
          allow: false,
          reason: "rate_limited",
          limit: "task:task-1:delete",
          taskRevoked: true,
        });
        expect(await store.isTaskRevoked("staging", "task-1")).toBe(true);
        // Every later call for the task is revoked, even a harmless one with no limits.
        expect(await store.enforce(check({ jti: "jti-9", limits: [] }))).toEqual({
          allow: false,
          reason: "revoked",
        });
        expect((await store.enforce(check({ task: "task-2", limits: [] }))).allow).toBe(true);
      });

      it("the task revocation made by revoke_task lives taskRevocationTtlMs", async () => {
        const limits = [counter("t", 1, { onExceed: "revoke_task" })];
        await store.enforce(check({ limits }));
        expect((await store.enforce(check({ limits, taskRevocationTtlMs: 300 }))).taskRevoked).toBe(true);
        await elapse(450);
        expect(await store.isTaskRevoked("staging", "task-1")).toBe(false);
      });

      it("reports the hold reason after the budget check, without consuming budget", async () => {
        const limits = [counter("c", 1)];
        for (let i = 0; i < 3; i++) {
          expect(await store.enforce(check({ limits, holdReason: "approval_required" }))).toEqual({
            allow: false,
            reason: "approval_required",
          });
        }
        expect((await store.enforce(check({ limits }))).allow).toBe(true);
        // With the budget spent, the limit is reported rather than the hold.
        expect((await store.enforce(check({ limits, holdReason: "approval_required" }))).reason).toBe(
          "rate_limited",
        );
      });

      it("reports the deny reason before the budget check", async () => {
        const limits = [counter("c", 1)];
        await store.enforce(check({ limits }));
        expect((await store.enforce(check({ limits, denyReason: "action_not_granted" }))).reason).toBe(
          "action_not_granted",
        );
      });
    });

    describe("refusal tallies", () => {
      const refusal = (source: string, reason = "invalid_token") => ({
        event: "authorize",
        source,
        reason,
        about: { action: "volume:read", resource: "railway:p/env/staging/v" },
      });
      const window = (overrides: Partial<{ windowMs: number; maxOpen: number }> = {}) => ({
        windowMs: 10 * SECOND,
        nowMs: clock.now(),
        maxOpen: 100,
        ...overrides,
      });

      it("counts per source and reason; a tally is taken once, after its window closes, with its count", async () => {
        for (let i = 0; i < 5; i++) await store.refusals.count(refusal("10.0.0.1"), window());
        clock.advance(SECOND);
        for (let i = 0; i < 3; i++) await store.refusals.count(refusal("10.0.0.2"), window());
        await store.refusals.count(refusal("10.0.0.1", "expired"), window());
        expect(await store.refusals.takeClosed(clock.now(), 100)).toEqual([]);
        clock.advance(9 * SECOND);
        const first = await store.refusals.takeClosed(clock.now(), 100);
        expect(first).toEqual([
          {
            ...refusal("10.0.0.1"),
            count: 5,
            firstAt: clock.now() - 10 * SECOND,
            lastAt: clock.now() - 10 * SECOND,
          },
        ]);
        clock.advance(SECOND);
        const rest = await store.refusals.takeClosed(clock.now(), 100);
        expect(rest.map((t) => `${t.source} ${t.reason} ${t.count}`).sort()).toEqual([
          "10.0.0.1 expired 1",
          "10.0.0.2 invalid_token 3",
        ]);
        expect(await store.refusals.takeClosed(clock.now() + MINUTE, 100)).toEqual([]);
        // After its tally was taken, the next refusal opens a new window.
        await store.refusals.count(refusal("10.0.0.1"), window());
        clock.advance(10 * SECOND);
        expect((await store.refusals.takeClosed(clock.now(), 100)).map((t) => t.count)).toEqual([1]);
      });

      it("racing takers take each closed tally exactly once", async () => {
        for (let i = 0; i < 20; i++) await store.refusals.count(refusal(`10.0.1.${i}`), window());
        clock.advance(10 * SECOND);
        const taken = await Promise.all(
          Array.from({ length: 4 }, () => store.refusals.takeClosed(clock.now(), 100)),
        );
        const sources = taken.flat().map((t) => t.source);
        expect(sources).toHaveLength(20);
        expect(new Set(sources).size).toBe(20);
      });

      it("past maxOpen open tallies, new sources share one overflow tally", async () => {
        for (let i = 0; i < 5; i++)
          await store.refusals.count(refusal(`10.0.2.${i}`), window({ maxOpen: 3 }));
        // A source with an open tally still counts in its own.
        await store.refusals.count(refusal("10.0.2.0"), window({ maxOpen: 3 }));
        clock.advance(10 * SECOND);
        const closed = await store.refusals.takeClosed(clock.now(), 100);
        expect(closed.map((t) => `${t.source} ${t.count}`).sort()).toEqual([
          "* 2",
          "10.0.2.0 2",
          "10.0.2.1 1",
          "10.0.2.2 1",
        ]);
      });
    });

    describe("approvals", () => {
      const approval = sampleCallApproval;

      it("creates once, reads back, and lists pending", async () => {
        await store.approvals.create(approval, MINUTE);
        expect(await store.approvals.get(approval.id)).toEqual(approval);
        await expect(store.approvals.create(approval, MINUTE)).rejects.toThrow();
        expect(await store.approvals.pendingIds()).toEqual([approval.id]);
        expect(await store.approvals.get("apr_missing000000000")).toBeNull();
      });

      it("replaces only from the version it read: of two racing writers exactly one wins", async () => {
        await store.approvals.create(approval, MINUTE);
        const a = { ...approval, version: 2, approvedBy: ["alice"], status: "approved" as const };
        const b = { ...approval, version: 2, approvedBy: ["bob"], status: "approved" as const };
        const results = await Promise.all([store.approvals.replace(a), store.approvals.replace(b)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.approvals.get(approval.id))?.version).toBe(2);
        expect(await store.approvals.pendingIds()).toEqual([]);
        expect(await store.approvals.replace({ ...a, version: 2 })).toBe(false);
      });

      it("binds a call once and unbinds only its own approval", async () => {
        expect(await store.approvals.bindOnce("b1", "apr_first000000000000", MINUTE)).toBe(
          "apr_first000000000000",
        );
        expect(await store.approvals.bindOnce("b1", "apr_second00000000000", MINUTE)).toBe(
          "apr_first000000000000",
        );
        await store.approvals.unbind("b1", "apr_second00000000000");
        expect(await store.approvals.bindOnce("b1", "apr_third000000000000", MINUTE)).toBe(
          "apr_first000000000000",
        );
        await store.approvals.unbind("b1", "apr_first000000000000");
        expect(await store.approvals.bindOnce("b1", "apr_third000000000000", MINUTE)).toBe(
          "apr_third000000000000",
        );
      });

      it("claims a TOTP step once per human", async () => {
        expect(await store.approvals.claimTotpStep("alice", 42, MINUTE)).toBe(true);
        expect(await store.approvals.claimTotpStep("alice", 42, MINUTE)).toBe(false);
        expect(await store.approvals.claimTotpStep("bob", 42, MINUTE)).toBe(true);
        expect(await store.approvals.claimTotpStep("alice", 43, MINUTE)).toBe(true);
      });

      describe("TOTP attempts", () => {
        const limit = { maxFailures: 3, windowMs: 400 };

        it("locks after maxFailures failures, refuses every attempt while locked, and unlocks after the window", async () => {
          for (let i = 1; i <= 2; i++) {
            expect(await store.approvals.beginTotpAttempt("alice", limit)).toEqual({ allowed: true });
            expect(await store.approvals.endTotpAttempt("alice", "failed", limit)).toMatchObject({
              failures: i,
              locked: false,
            });
          }
          expect(await store.approvals.beginTotpAttempt("alice", limit)).toEqual({ allowed: true });
          const third = await store.approvals.endTotpAttempt("alice", "failed", limit);
          expect(third).toMatchObject({ failures: 3, locked: true, lockedNow: true });
          const refused = await store.approvals.beginTotpAttempt("alice", limit);
          expect(refused.allowed).toBe(false);
          expect(refused.allowed === false && refused.retryAfterMs).toBeGreaterThan(0);
          expect(refused.allowed === false && refused.retryAfterMs).toBeLessThanOrEqual(400);
          // Another human is not affected.
          expect(await store.approvals.beginTotpAttempt("bob", limit)).toEqual({ allowed: true });
          await elapse(450);
          expect(await store.approvals.beginTotpAttempt("alice", limit)).toEqual({ allowed: true });
          expect(await store.approvals.endTotpAttempt("alice", "failed", limit)).toMatchObject({
            failures: 1,
            locked: false,
          });
        });

        it("an accepted attempt gives its charge back; one ending inside a lock is reported locked", async () => {
          for (let i = 0; i < 5; i++) {
            expect(await store.approvals.beginTotpAttempt("carol", limit)).toEqual({ allowed: true });
            expect((await store.approvals.endTotpAttempt("carol", "accepted", limit)).locked).toBe(false);
          }
          expect(await store.approvals.beginTotpAttempt("carol", limit)).toEqual({ allowed: true });
          expect(await store.approvals.beginTotpAttempt("carol", limit)).toEqual({ allowed: true });
          expect(await store.approvals.beginTotpAttempt("carol", limit)).toEqual({ allowed: true });
          // Three attempts in flight fill the window: a fourth is not even checked.
          expect((await store.approvals.beginTotpAttempt("carol", limit)).allowed).toBe(false);
          expect((await store.approvals.endTotpAttempt("carol", "failed", limit)).lockedNow).toBe(true);
          const late = await store.approvals.endTotpAttempt("carol", "accepted", limit);
          expect(late).toMatchObject({ locked: true, lockedNow: false });
          expect((await store.approvals.endTotpAttempt("carol", "failed", limit)).lockedNow).toBe(false);
        });
      });

      describe("pending limits", () => {
        const pendingFor = (
          id: string,
          task: string,
          agent = "agent-1",
          expiresAt = clock.now() + MINUTE,
        ) => ({
          ...approval,
          id,
          task,
          agent,
          createdAt: clock.now(),
          expiresAt,
        });
        const limit = () => ({ perTask: 2, perAgent: 3, nowMs: clock.now() });

        it("refuses past the task's and then the agent's limit, naming which, with the time until room", async () => {
          expect(
            await store.approvals.create(pendingFor("apr_t1a0000000000000", "t1"), MINUTE, limit()),
          ).toEqual({
            created: true,
          });
          await store.approvals.create(pendingFor("apr_t1b0000000000000", "t1"), MINUTE, limit());
          const taskFull = await store.approvals.create(
            pendingFor("apr_t1c0000000000000", "t1"),
            MINUTE,
            limit(),
          );
          expect(taskFull).toMatchObject({ created: false, full: "task", pending: 2 });
          expect(taskFull.created === false && taskFull.retryAfterMs).toBeGreaterThan(0);
          expect(taskFull.created === false && taskFull.retryAfterMs).toBeLessThanOrEqual(MINUTE);
          expect(await store.approvals.get("apr_t1c0000000000000")).toBeNull();
          // Another task of the same agent has room until the agent's limit.
          await store.approvals.create(pendingFor("apr_t2a0000000000000", "t2"), MINUTE, limit());
          const agentFull = await store.approvals.create(
            pendingFor("apr_t3a0000000000000", "t3"),
            MINUTE,
            limit(),
          );
          expect(agentFull).toMatchObject({ created: false, full: "agent", pending: 3 });
          // The same task id of another agent is another task.
          expect(
            (
              await store.approvals.create(
                pendingFor("apr_o1a0000000000000", "t1", "agent-2"),
                MINUTE,
                limit(),
              )
            ).created,
          ).toBe(true);
          // Without a limit nothing is refused (records written by other means).
          expect(
            (await store.approvals.create(pendingFor("apr_free000000000000", "t1"), MINUTE)).created,
          ).toBe(true);
        });

        it("a decided approval frees its place at once; an expired one once its expiry passes", async () => {
          const first = pendingFor("apr_d1a0000000000000", "d1");
          await store.approvals.create(first, MINUTE, limit());
          await store.approvals.create(
            pendingFor("apr_d1b0000000000000", "d1", "agent-1", clock.now() + 300),
            MINUTE,
            limit(),
          );
          expect(
            (await store.approvals.create(pendingFor("apr_d1c0000000000000", "d1"), MINUTE, limit())).created,
          ).toBe(false);
          expect(await store.approvals.replace({ ...first, version: 2, status: "denied" })).toBe(true);
          expect(
            (await store.approvals.create(pendingFor("apr_d1c0000000000000", "d1"), MINUTE, limit())).created,
          ).toBe(true);
          expect(
            (await store.approvals.create(pendingFor("apr_d1d0000000000000", "d1"), MINUTE, limit())).created,
          ).toBe(false);
          clock.advance(301);
          expect(
            (await store.approvals.create(pendingFor("apr_d1d0000000000000", "d1"), MINUTE, limit())).created,
          ).toBe(true);
        });

        it("concurrent requests never open more than the limit", async () => {
          const results = await Promise.all(
            Array.from({ length: 30 }, (_, i) =>
              store.approvals.create(pendingFor(`apr_race${String(i).padStart(12, "0")}`, "race"), MINUTE, {
                perTask: 7,
                perAgent: 100,
                nowMs: clock.now(),
              }),
            ),
          );
          expect(results.filter((r) => r.created)).toHaveLength(7);
        });
      });

      it("forgets an approval after its ttl", async () => {
        await store.approvals.create(approval, 300);
        await elapse(450);
        expect(await store.approvals.get(approval.id)).toBeNull();
      });
    });
  });
};
