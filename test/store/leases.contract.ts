// The lease sub-store's contract: every Store implementation's `leases` must pass it (memory and Redis).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ManualClock } from "../../src/clock/clock.ts";
import { LeashError } from "../../src/errors/leash-error.ts";
import type { LeaseRecord } from "../../src/store/leases.ts";
import type { Store } from "../../src/store/store.ts";
import type { RevocationTarget } from "../../src/store/targets.ts";

export interface LeaseStoreFixture {
  store: Store;
  /** Starts at the real time, so Redis TTLs (real time) and record times agree. */
  clock: ManualClock;
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;

export const runLeaseStoreContract = (name: string, makeStore: () => Promise<LeaseStoreFixture>): void => {
  describe(`LeaseStore contract: ${name}`, () => {
    let store: Store;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;
    let now: number;

    beforeEach(async () => {
      ({ store, clock, cleanup } = await makeStore());
      now = clock.now();
    });
    afterEach(async () => {
      await cleanup();
    });

    let sequence = 0;
    const lease = (overrides: Partial<LeaseRecord> = {}): LeaseRecord => {
      sequence++;
      return {
        leaseId: `database/creds/staging-readwrite/L${sequence}`,
        env: "staging",
        task: "task-1",
        jti: `jti-${sequence}`,
        agent: "agent-1",
        scope: "staging-fix",
        path: "database/creds/staging-readwrite",
        issuedAtMs: Math.floor(now / 1000) * 1000 - 1000,
        vaultExpiresAt: now + 15 * MINUTE,
        expiresAt: now + 15 * MINUTE,
        ...overrides,
      };
    };
    const record = (value: LeaseRecord, revokeAt: number | null = null) =>
      store.leases.record(value, { revokeAt, nowMs: now });
    const claimAll = (at = now, visibilityMs = 30_000) =>
      store.leases.claim("staging", { nowMs: at, limit: 100, visibilityMs });
    const ids = (claimed: { leaseId: string }[]) => claimed.map((item) => item.leaseId).sort();

    it("records a lease, reads it back and lists its environment", async () => {
      const value = lease();
      expect(await record(value)).toEqual({ revoked: false });
      expect(await store.leases.get("staging", value.leaseId)).toEqual(value);
      expect(await store.leases.get("production", value.leaseId)).toBeNull();
      expect(await store.leases.environments()).toEqual(["staging"]);
      expect(await store.leases.backlog()).toEqual({ queued: 0, attempted: 0, scheduled: 0 });
      expect(await claimAll()).toEqual([]);
    });

    it.each<[string, (value: LeaseRecord) => RevocationTarget]>([
      ["task", (value) => ({ kind: "task", value: value.task })],
      ["jti", (value) => ({ kind: "jti", value: value.jti })],
      ["agent", (value) => ({ kind: "agent", value: value.agent })],
      ["scope", (value) => ({ kind: "scope", value: value.scope })],
      ["environment", () => ({ kind: "environment", value: "staging" })],
    ])("finds a lease by its %s, queues it once, and ack removes it everywhere", async (_kind, target) => {
      const value = lease();
      await record(value);
      expect(await store.leases.enqueueRevocation("staging", target(value), now, now)).toBe(1);
      // Asking again while it is queued does not add it twice.
      expect(await store.leases.enqueueRevocation("staging", target(value), now, now)).toBe(1);
      expect(await store.leases.backlog()).toEqual({ queued: 1, attempted: 0, scheduled: 0 });

      const claimed = await claimAll();
      expect(claimed).toEqual([{ leaseId: value.leaseId, attempts: 1 }]);
      expect(await store.leases.backlog()).toEqual({ queued: 1, attempted: 1, scheduled: 0 });

      await store.leases.ack("staging", value.leaseId);
      expect(await store.leases.backlog()).toEqual({ queued: 0, attempted: 0, scheduled: 0 });
      expect(await store.leases.get("staging", value.leaseId)).toBeNull();
      expect(await store.leases.enqueueRevocation("staging", target(value), now, now)).toBe(0);
      expect(await claimAll(now + 60 * MINUTE)).toEqual([]);
    });

    it("queues only what the revocation names", async () => {
      const mine = lease({ task: "task-a", agent: "agent-a" });
      const sameAgent = lease({ task: "task-b", agent: "agent-a" });
      const other = lease({ task: "task-c", agent: "agent-c", scope: "other-scope" });
      const production = lease({ env: "production", task: "task-a", agent: "agent-a" });
      for (const value of [mine, sameAgent, other, production]) await record(value);

      expect(
        await store.leases.enqueueRevocation("staging", { kind: "task", value: "task-a" }, now, now),
      ).toBe(1);
      expect(ids(await claimAll())).toEqual([mine.leaseId]);

      expect(
        await store.leases.enqueueRevocation("staging", { kind: "agent", value: "agent-a" }, now, now),
      ).toBe(2);
      // `mine` is claimed (hidden) already; only the other lease of the agent is handed out.
      expect(ids(await claimAll())).toEqual([sameAgent.leaseId]);
      expect(await store.leases.get("staging", other.leaseId)).toEqual(other);
      expect(await store.leases.environments()).toEqual(["production", "staging"]);
      expect(await store.leases.claim("production", { nowMs: now, limit: 10, visibilityMs: 1000 })).toEqual(
        [],
      );
    });

    it("covers, for agent, scope and environment, only leases of tokens issued at or before the revocation", async () => {
      const before = lease({ issuedAtMs: now - 5000 });
      const same = lease({ issuedAtMs: now - 1000 });
      const after = lease({ issuedAtMs: now + 5000 });
      for (const value of [before, same, after]) await record(value);
      const atMs = now - 1000;
      for (const target of [
        { kind: "agent", value: "agent-1" },
        { kind: "scope", value: "staging-fix" },
        { kind: "environment", value: "staging" },
      ] as const) {
        expect(await store.leases.enqueueRevocation("staging", target, atMs, now)).toBe(2);
      }
      expect(ids(await claimAll())).toEqual([before.leaseId, same.leaseId].sort());
      // A task revocation covers every lease of the task, whenever its token was issued.
      expect(
        await store.leases.enqueueRevocation("staging", { kind: "task", value: "task-1" }, atMs, now),
      ).toBe(3);
      expect(ids(await claimAll())).toEqual([after.leaseId]);
    });

    it("ignores leases Vault has already ended", async () => {
      const ended = lease({ vaultExpiresAt: now - 1, expiresAt: now - 1 });
      await record(ended);
      expect(
        await store.leases.enqueueRevocation("staging", { kind: "task", value: "task-1" }, now, now),
      ).toBe(0);
    });

    it("hides a claimed lease until its visibility timeout, then hands it out again (a worker died)", async () => {
      const value = lease();
      await record(value);
      await store.leases.enqueueRevocation("staging", { kind: "jti", value: value.jti }, now, now);
      expect(await claimAll(now, 10_000)).toEqual([{ leaseId: value.leaseId, attempts: 1 }]);
      expect(await claimAll(now + 9_999, 10_000)).toEqual([]);
      expect(await claimAll(now + 10_000, 10_000)).toEqual([{ leaseId: value.leaseId, attempts: 2 }]);
    });

    it("retries a failed lease at the time asked, and a retry after ack is a no-op", async () => {
      const value = lease();
      await record(value);
      await store.leases.enqueueRevocation("staging", { kind: "jti", value: value.jti }, now, now);
      await claimAll();
      await store.leases.retry("staging", value.leaseId, now + 2000);
      expect(await claimAll(now + 1999)).toEqual([]);
      expect(await claimAll(now + 2000)).toEqual([{ leaseId: value.leaseId, attempts: 2 }]);
      await store.leases.ack("staging", value.leaseId);
      await store.leases.retry("staging", value.leaseId, now + 3000);
      expect(await claimAll(now + 10 * MINUTE)).toEqual([]);
      expect((await store.leases.backlog()).queued).toBe(0);
    });

    it("claims at most `limit` leases, oldest due first", async () => {
      const values = [lease(), lease(), lease()];
      for (const [i, value] of values.entries()) {
        await record(value);
        await store.leases.enqueueLease("staging", value.leaseId, now + i);
      }
      const first = await store.leases.claim("staging", { nowMs: now + 10, limit: 2, visibilityMs: 1000 });
      expect(first.map((item) => item.leaseId)).toEqual([values[0]!.leaseId, values[1]!.leaseId]);
      const second = await store.leases.claim("staging", { nowMs: now + 10, limit: 2, visibilityMs: 1000 });
      expect(second.map((item) => item.leaseId)).toEqual([values[2]!.leaseId]);
    });

    it("revokes at token expiry: a scheduled lease is claimed once due, or at once when revoked earlier", async () => {
      const scheduled = lease();
      const revokedEarly = lease({ task: "task-early" });
      await record(scheduled, now + 5 * MINUTE);
      await record(revokedEarly, now + 5 * MINUTE);
      expect(await store.leases.backlog()).toEqual({ queued: 0, attempted: 0, scheduled: 2 });
      expect(await claimAll(now + 5 * MINUTE - 1)).toEqual([]);

      expect(
        await store.leases.enqueueRevocation("staging", { kind: "task", value: "task-early" }, now, now),
      ).toBe(1);
      expect(await store.leases.backlog()).toEqual({ queued: 1, attempted: 0, scheduled: 1 });
      // Claimed by a worker that is still at it when the scheduled one comes due.
      expect(ids(await claimAll(now + 1000, 10 * MINUTE))).toEqual([revokedEarly.leaseId]);

      expect(ids(await claimAll(now + 5 * MINUTE))).toEqual([scheduled.leaseId]);
      expect(await store.leases.backlog()).toEqual({ queued: 2, attempted: 2, scheduled: 0 });
      await store.leases.ack("staging", scheduled.leaseId);
      await store.leases.ack("staging", revokedEarly.leaseId);
      expect(await store.leases.backlog()).toEqual({ queued: 0, attempted: 0, scheduled: 0 });
    });

    it("queues a lease at once when its token was revoked before the lease was recorded", async () => {
      const revocation = (target: RevocationTarget, atMs: number) =>
        store.revoke({ target, env: "staging", atMs, ttlMs: 10 * MINUTE, reason: "test" });
      await revocation({ kind: "task", value: "task-gone" }, now);
      const byTask = lease({ task: "task-gone" });
      expect(await record(byTask, now + MINUTE)).toEqual({ revoked: true });

      const issuedAtMs = now - 10_000;
      await revocation({ kind: "agent", value: "agent-gone" }, issuedAtMs);
      const byAgent = lease({ agent: "agent-gone", issuedAtMs });
      expect(await record(byAgent)).toEqual({ revoked: true });
      // The agent marker only covers tokens issued at or before it.
      const laterToken = lease({ agent: "agent-gone", issuedAtMs: issuedAtMs + 1000 });
      expect(await record(laterToken)).toEqual({ revoked: false });

      expect(await store.leases.backlog()).toEqual({ queued: 2, attempted: 0, scheduled: 0 });
      expect(ids(await claimAll())).toEqual([byAgent.leaseId, byTask.leaseId].sort());
    });

    it("takes a single lease by id (credentials read but never handed out)", async () => {
      await store.leases.enqueueLease("production", "database/creds/production-readwrite/X", now);
      await store.leases.enqueueLease("production", "database/creds/production-readwrite/X", now);
      expect(await store.leases.environments()).toEqual(["production"]);
      expect(await store.leases.claim("production", { nowMs: now, limit: 10, visibilityMs: 1000 })).toEqual([
        { leaseId: "database/creds/production-readwrite/X", attempts: 1 },
      ]);
      await store.leases.ack("production", "database/creds/production-readwrite/X");
      expect(await store.leases.backlog()).toEqual({ queued: 0, attempted: 0, scheduled: 0 });
    });

    it("refuses an environment revocation looked up in another environment, and a lease without an id", async () => {
      await expect(
        store.leases.enqueueRevocation("staging", { kind: "environment", value: "production" }, now, now),
      ).rejects.toBeInstanceOf(LeashError);
      await expect(record(lease({ leaseId: " " }))).rejects.toMatchObject({ code: "invalid_lease" });
    });

    it("queues the task's leases when a revoke_task limit revokes the task inside enforce", async () => {
      await store.ensureGeneration("gen-1", ["staging"]);
      const value = lease({ task: "task-greedy" });
      await record(value, now + 5 * MINUTE);
      const limits = [
        { key: "task:task-greedy", max: 1, windowMs: MINUTE, onExceed: "revoke_task" as const },
      ];
      const check = (eventId: string) => ({
        env: "staging",
        generation: "gen-1",
        jti: value.jti,
        task: value.task,
        agent: value.agent,
        scope: value.scope,
        issuedAtMs: value.issuedAtMs,
        nowMs: now,
        limits,
        taskRevocationTtlMs: 10 * MINUTE,
        eventId,
      });
      expect((await store.enforce(check("e1"))).allow).toBe(true);
      expect(await store.enforce(check("e2"))).toMatchObject({ allow: false, taskRevoked: true });
      expect(await store.leases.backlog()).toEqual({ queued: 1, attempted: 0, scheduled: 0 });
      expect(ids(await claimAll())).toEqual([value.leaseId]);
    });
  });
};
