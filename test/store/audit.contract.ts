// The audit log contract every Store implementation passes: chains, links, ids, heads, ranges, and records appended
// by the enforce step and by revocations in the same step as the decision.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AuditEntry, GENESIS_HASH } from "../../src/audit/record.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import type { ManualClock } from "../../src/clock/clock.ts";
import type { EnforcementCheck, Store } from "../../src/store/store.ts";
import type { StoreFixture } from "./contract.ts";

const GEN = "gen-1";

export const runAuditContract = (name: string, makeStore: () => Promise<StoreFixture>): void => {
  describe(`AuditLog contract: ${name}`, () => {
    let store: Store;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, clock, cleanup } = await makeStore());
      await store.ensureGeneration(GEN, ["staging", "production"]);
    });
    afterEach(async () => {
      await cleanup();
    });

    const entry = (overrides: Partial<AuditEntry> = {}): AuditEntry => ({
      time: clock.now(),
      event: "token.mint",
      actor: "agent:agent-1",
      agent: "agent-1",
      environment: "staging",
      task: "task-1",
      intent: "fix staging",
      decision: "allow",
      reason: "ok",
      ...overrides,
    });

    const fields = async (chain: string) =>
      (await store.audit.range(chain, { count: 1000 })).map((stored) => Object.fromEntries(stored.fields));

    const check = (overrides: Partial<EnforcementCheck> = {}): EnforcementCheck => ({
      env: "staging",
      generation: GEN,
      jti: "jti-1",
      task: "task-1",
      agent: "agent-1",
      scope: "staging-fix",
      issuedAtMs: clock.now() - 1000,
      nowMs: clock.now(),
      limits: [],
      taskRevocationTtlMs: 60_000,
      eventId: randomUUID(),
      ...overrides,
    });
    const authorizeEntry = (): AuditEntry => ({
      time: clock.now(),
      event: "authorize",
      actor: "agent:agent-1",
      agent: "agent-1",
      environment: "staging",
      task: "task-1",
      jti: "jti-1",
      action: "volume:delete",
      resource: "railway:prj_demo/env/staging/volume/v1",
    });

    it("links each record to the one before it, per chain, and keeps the head in step", async () => {
      const first = await store.audit.append({ entry: entry() });
      clock.advance(5);
      const second = await store.audit.append({ entry: entry({ task: "task-2" }) });
      const other = await store.audit.append({ entry: entry({ environment: "production" }) });
      const global = await store.audit.append({
        entry: entry({ environment: undefined, event: "agent.create" }),
      });

      expect(first).toMatchObject({ chain: "env:staging", seq: "1", prev: GENESIS_HASH });
      expect(second).toMatchObject({ chain: "env:staging", seq: "2", prev: first.hash });
      expect(other).toMatchObject({ chain: "env:production", seq: "1", prev: GENESIS_HASH });
      expect(global).toMatchObject({ chain: "global", seq: "1", environment: "" });
      expect(first.id).toBe(`${clock.now() - 5}-0`);
      expect(await store.audit.head("env:staging")).toEqual({ hash: second.hash, seq: 2, id: second.id });
      expect(await fields("env:staging")).toEqual([
        expect.objectContaining({ seq: "1", task: "task-1", hash: first.hash }),
        expect.objectContaining({ seq: "2", task: "task-2", hash: second.hash }),
      ]);
      for (const chain of ["env:staging", "env:production", "global"]) {
        expect(await verifyAuditChain(store.audit, chain)).toMatchObject({ ok: true });
      }
    });

    it("never lets stream ids go backwards when a broker's clock is behind", async () => {
      const first = await store.audit.append({ entry: entry() });
      const behind = await store.audit.append({ entry: entry({ time: clock.now() - 60_000 }) });
      const same = await store.audit.append({ entry: entry() });
      expect(behind.id).toBe(`${clock.now()}-1`);
      expect(same.id).toBe(`${clock.now()}-2`);
      expect(behind.time).toBe(new Date(clock.now() - 60_000).toISOString());
      expect(first.id < behind.id).toBe(true);
    });

    it("reads ranges forwards and backwards, with exclusive bounds and a count", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await store.audit.append({ entry: entry({ task: `t${i}` }) })).id);
        clock.advance(1);
      }
      const all = await store.audit.range("env:staging", { count: 10 });
      expect(all.map((stored) => stored.id)).toEqual(ids);
      const after = await store.audit.range("env:staging", { start: `(${ids[1]}`, count: 2 });
      expect(after.map((stored) => stored.id)).toEqual([ids[2], ids[3]]);
      const newest = await store.audit.range("env:staging", { reverse: true, count: 2 });
      expect(newest.map((stored) => stored.id)).toEqual([ids[4], ids[3]]);
      const before = await store.audit.range("env:staging", { reverse: true, end: `(${ids[2]}`, count: 10 });
      expect(before.map((stored) => stored.id)).toEqual([ids[1], ids[0]]);
      expect(await store.audit.range("env:nowhere", { count: 10 })).toEqual([]);
    });

    it("lists the global chain first, then registered environments and any with records", async () => {
      await store.audit.registerChains(["staging"]);
      await store.audit.append({ entry: entry({ environment: "production" }) });
      expect(await store.audit.chains()).toEqual(["global", "env:production", "env:staging"]);
      expect(await store.audit.head("env:staging")).toBeNull();
    });

    it("records the enforce step's decision in the same step, unless the caller goes on deciding", async () => {
      const allowed = await store.enforce(check({ audit: { entry: authorizeEntry(), skipWhenHeld: true } }));
      expect(allowed.allow).toBe(true);
      const held = await store.enforce(
        check({ holdReason: "approval_required", audit: { entry: authorizeEntry(), skipWhenHeld: true } }),
      );
      expect(held.reason).toBe("approval_required");
      const recordedHold = await store.enforce(
        check({ holdReason: "approval_required", audit: { entry: authorizeEntry(), skipWhenHeld: false } }),
      );
      expect(recordedHold.reason).toBe("approval_required");
      const denied = await store.enforce(
        check({ denyReason: "action_not_granted", audit: { entry: authorizeEntry(), skipWhenHeld: true } }),
      );
      expect(denied.allow).toBe(false);
      const limits = [{ key: "scope:s:0:task:task-1", max: 0, windowMs: 60_000, onExceed: "deny" as const }];
      await store.enforce(check({ limits, audit: { entry: authorizeEntry(), skipWhenHeld: true } }));
      await store.enforce(
        check({ generation: "old", audit: { entry: authorizeEntry(), skipWhenHeld: true } }),
      );

      expect(
        (await fields("env:staging")).map(({ decision, reason, limit }) => [decision, reason, limit]),
      ).toEqual([
        ["allow", "ok", ""],
        ["deny", "approval_required", ""],
        ["deny", "action_not_granted", ""],
        ["deny", "rate_limited", "scope:s:0:task:task-1"],
        ["deny", "stale_generation", ""],
      ]);
      expect(await verifyAuditChain(store.audit, "env:staging")).toMatchObject({ ok: true, records: 5 });
    });

    it("appends a revocation's record with its marker", async () => {
      await store.revoke({
        target: { kind: "task", value: "task-9" },
        env: "production",
        atMs: clock.now(),
        ttlMs: 60_000,
        reason: "stop",
        audit: {
          entry: {
            time: clock.now(),
            event: "revocation",
            actor: "human:sec-1",
            environment: "production",
            task: "task-9",
            resource: "task:task-9",
            decision: "revoked",
            reason: "stop",
          },
        },
      });
      expect(await store.isTaskRevoked("production", "task-9")).toBe(true);
      expect(await fields("env:production")).toEqual([
        expect.objectContaining({
          event: "revocation",
          task: "task-9",
          actor: "human:sec-1",
          reason: "stop",
        }),
      ]);
    });
  });
};
