// The audit log contract every Store implementation passes: chains, seq, ids, heads, ranges, records appended by the
// enforce step and by revocations in the same step as the decision, seals (compare-and-set, racing sealers) and
// retention trimming.

import { createHash, randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sealChain } from "../../src/audit/seal-chain.ts";
import { trimChain } from "../../src/audit/trim-chain.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import type { ManualClock } from "../../src/clock/clock.ts";
import { type AuditEntry, GENESIS_HASH, storedRecordFields } from "../../src/store/audit-record.ts";
import type { EnforcementCheck, Store } from "../../src/store/store.ts";
import type { StoreFixture } from "./contract.ts";

const GEN = "gen-1";

export const runAuditContract = (name: string, makeStore: () => Promise<StoreFixture>): void => {
  describe(`AuditLog contract: ${name}`, () => {
    let store: Store;
    let clock: ManualClock;
    let elapse: (ms: number) => Promise<void>;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, clock, advance: elapse, cleanup } = await makeStore());
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
      (await store.audit.range(chain, { count: 1000 })).map((stored) => storedRecordFields(stored.fields));

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

    const sealOf = async (chain: string) =>
      (await store.audit.seals(chain, { count: 1000 })).map(
        (stored): Record<string, string> => ({ id: stored.id, ...Object.fromEntries(stored.fields) }),
      );

    it("numbers each record in its chain, stores it raw and keeps the head in step", async () => {
      const first = await store.audit.append({ entry: entry() });
      clock.advance(5);
      const second = await store.audit.append({ entry: entry({ task: "task-2" }) });
      const other = await store.audit.append({ entry: entry({ environment: "production" }) });
      const global = await store.audit.append({
        entry: entry({ environment: undefined, event: "agent.create" }),
      });

      expect(first).toMatchObject({ chain: "env:staging", seq: "1", v: "3", decision: "allow" });
      expect(second).toMatchObject({ chain: "env:staging", seq: "2" });
      expect(other).toMatchObject({ chain: "env:production", seq: "1" });
      expect(global).toMatchObject({ chain: "global", seq: "1", environment: "" });
      expect(first).not.toHaveProperty("hash");
      expect(first.id).toBe(`${clock.now() - 5}-0`);
      expect(await store.audit.head("env:staging")).toEqual({
        seq: 2,
        id: second.id,
        sealed: { seq: 0, id: "", hash: GENESIS_HASH },
      });
      const stored = await store.audit.range("env:staging", { count: 10 });
      // One stream field: a JSON array of the field values in canonical order, exactly as JSON.stringify writes it.
      const [[name, value]] = stored[0]!.fields as [[string, string]];
      expect(name).toBe("record");
      const fieldOrder = [
        ...["v", "time", "event", "actor", "agent", "environment", "task", "intent", "scope", "action"],
        ...["resource", "jti", "approval", "request_id", "detail", "decision", "reason", "limit", "seq"],
      ] as const;
      expect(value).toBe(JSON.stringify(fieldOrder.map((field) => first[field])));
      expect(await fields("env:staging")).toEqual([
        expect.objectContaining({ seq: "1", task: "task-1" }),
        expect.objectContaining({ seq: "2", task: "task-2" }),
      ]);
      for (const chain of ["env:staging", "env:production", "global"]) {
        expect(await verifyAuditChain(store.audit, chain)).toMatchObject({
          ok: true,
          unsealed: 1 + Number(chain === "env:staging"),
        });
      }
    });

    it("seals a chain's records in runs: each seal chains SHA-256 over its records from the one before", async () => {
      for (let i = 0; i < 5; i++) await store.audit.append({ entry: entry({ task: `t${i}` }) });
      const result = await sealChain(store.audit, "env:staging", { nowMs: clock.now(), batchSize: 2 });
      expect(result).toMatchObject({ seals: 3, records: 5, lostRaces: 0, gaps: [] });
      const records = await store.audit.range("env:staging", { count: 10 });
      const seals = await sealOf("env:staging");
      expect(seals.map((seal) => [seal.from_seq, seal.to_seq, seal.count])).toEqual([
        ["1", "2", "2"],
        ["3", "4", "2"],
        ["5", "5", "1"],
      ]);
      // By hand: h_i = SHA-256(h_{i-1} as hex ‖ stream id ‖ LF ‖ the stored value of record_i).
      let hash = GENESIS_HASH;
      for (const [i, seal] of seals.entries()) {
        expect(seal.prev).toBe(hash);
        for (const record of records.slice(2 * i, 2 * i + 2)) {
          hash = createHash("sha256").update(`${hash}${record.id}\n${record.fields[0]![1]}`).digest("hex");
        }
        expect(seal).toMatchObject({
          hash,
          id: seal.last_id,
          sealed_at: new Date(clock.now()).toISOString(),
        });
      }
      expect(seals[0]).toMatchObject({ first_id: records[0]!.id, last_id: records[1]!.id });
      expect((await store.audit.head("env:staging"))?.sealed).toEqual({ seq: 5, id: records[4]!.id, hash });
      expect(await sealChain(store.audit, "env:staging", { nowMs: clock.now() })).toMatchObject({ seals: 0 });
      expect(await verifyAuditChain(store.audit, "env:staging")).toMatchObject({
        ok: true,
        records: 5,
        sealed: 5,
        unsealed: 0,
        seals: 3,
        lastSeal: { from_seq: 5, to_seq: 5, hash },
      });
    });

    it("reads runs in pages: the same seals as one read, ending at the head each run started from", async () => {
      for (let i = 0; i < 11; i++) await store.audit.append({ entry: entry({ task: `t${i}` }) });
      const sealing = sealChain(store.audit, "env:staging", { nowMs: clock.now(), pageSize: 2 });
      // Appended while the pages are read: past the head the run started from, so sealed by the next run.
      await store.audit.append({ entry: entry({ task: "late" }) });
      expect(await sealing).toMatchObject({ seals: 2, records: 12, lostRaces: 0, gaps: [] });
      const records = await store.audit.range("env:staging", { count: 20 });
      let hash = GENESIS_HASH;
      for (const record of records.slice(0, 11)) {
        hash = createHash("sha256").update(`${hash}${record.id}\n${record.fields[0]![1]}`).digest("hex");
      }
      expect((await sealOf("env:staging"))[0]).toMatchObject({
        to_seq: "11",
        last_id: records[10]!.id,
        hash,
      });

      // Runs of 5 read 2 at a time: the pages of a run never spill into the next run's seal.
      for (let i = 0; i < 10; i++) await store.audit.append({ entry: entry({ task: `u${i}` }) });
      await sealChain(store.audit, "env:staging", { nowMs: clock.now(), batchSize: 5, pageSize: 2 });
      const seals = await sealOf("env:staging");
      expect(seals.map((seal) => [seal.from_seq, seal.to_seq, seal.count])).toEqual([
        ["1", "11", "11"],
        ["12", "12", "1"],
        ["13", "17", "5"],
        ["18", "22", "5"],
      ]);
      expect(await verifyAuditChain(store.audit, "env:staging")).toMatchObject({
        ok: true,
        sealed: 22,
        unsealed: 0,
      });
    });

    it("lets one owner at a time claim sealing a chain, renew it, release it, or lose it when it runs out", async () => {
      const { audit } = store;
      // Seconds: time is moved, not waited for, so a slow machine's own delays cannot end a claim early.
      expect(await audit.claimSealing("env:staging", "broker-a", 2_000)).toBe(true);
      expect(await audit.claimSealing("env:staging", "broker-b", 2_000)).toBe(false);
      // Claims are per chain.
      expect(await audit.claimSealing("global", "broker-b", 2_000)).toBe(true);
      // Renewing keeps the claim past its first ttl.
      await elapse(1_200);
      expect(await audit.claimSealing("env:staging", "broker-a", 2_000)).toBe(true);
      await elapse(1_200);
      expect(await audit.claimSealing("env:staging", "broker-b", 2_000)).toBe(false);
      // Only the owner can release it.
      await audit.releaseSealing("env:staging", "broker-b");
      expect(await audit.claimSealing("env:staging", "broker-b", 2_000)).toBe(false);
      await audit.releaseSealing("env:staging", "broker-a");
      expect(await audit.claimSealing("env:staging", "broker-b", 2_000)).toBe(true);
      // An owner that stops renewing loses it when the ttl runs out.
      await elapse(3_000);
      expect(await audit.claimSealing("env:staging", "broker-a", 2_000)).toBe(true);
    });

    it("writes a seal only if the head's sealed position is still what the sealer read", async () => {
      const first = await store.audit.append({ entry: entry() });
      const genesis = { seq: 0, id: "", hash: GENESIS_HASH };
      const seal = {
        from_seq: 1,
        to_seq: 1,
        first_id: first.id,
        last_id: first.id,
        count: 1,
        prev: GENESIS_HASH,
        hash: "a".repeat(64),
        sealed_at: new Date(clock.now()).toISOString(),
        record_index: "",
      };
      expect(await store.audit.writeSeal("env:staging", genesis, seal)).toBe(true);
      expect(await store.audit.writeSeal("env:staging", genesis, { ...seal, hash: "b".repeat(64) })).toBe(
        false,
      );
      expect(await sealOf("env:staging")).toEqual([
        expect.objectContaining({ id: first.id, hash: "a".repeat(64) }),
      ]);
      expect((await store.audit.head("env:staging"))?.sealed).toEqual({
        seq: 1,
        id: first.id,
        hash: "a".repeat(64),
      });
    });

    it("seals records appended while it sealed in the next round", async () => {
      for (let i = 0; i < 3; i++) await store.audit.append({ entry: entry({ task: `t${i}` }) });
      const sealing = sealChain(store.audit, "env:staging", { nowMs: clock.now() });
      const late = await store.audit.append({ entry: entry({ task: "late" }) });
      await sealing;
      const after = await verifyAuditChain(store.audit, "env:staging");
      expect(after).toMatchObject({ ok: true, records: 4 });
      await sealChain(store.audit, "env:staging", { nowMs: clock.now() });
      expect(await verifyAuditChain(store.audit, "env:staging")).toMatchObject({
        ok: true,
        records: 4,
        sealed: 4,
        unsealed: 0,
        lastSeal: { last_id: late.id, to_seq: 4 },
      });
    });

    it("two sealers racing on one chain leave one consistent chain of seals", async () => {
      for (let round = 0; round < 20; round++) {
        const appends = Array.from({ length: 7 }, (_, i) =>
          store.audit.append({ entry: entry({ task: `r${round}-${i}` }) }),
        );
        const sealers = [
          sealChain(store.audit, "env:staging", { nowMs: clock.now(), batchSize: 3 }),
          sealChain(store.audit, "env:staging", { nowMs: clock.now(), batchSize: 3 }),
        ];
        await Promise.all([...appends, ...sealers]);
      }
      await sealChain(store.audit, "env:staging", { nowMs: clock.now(), batchSize: 3 });
      const seals = await sealOf("env:staging");
      let next = 1;
      for (const seal of seals) {
        expect(Number(seal.from_seq)).toBe(next);
        next = Number(seal.to_seq) + 1;
      }
      expect(next).toBe(141);
      expect(await verifyAuditChain(store.audit, "env:staging")).toMatchObject({
        ok: true,
        records: 140,
        sealed: 140,
      });
    });

    it("trims only whole sealed runs older than the retention; verify then starts at the first seal left", async () => {
      const start = clock.now();
      for (let i = 0; i < 6; i++) {
        await store.audit.append({ entry: entry({ task: `t${i}` }) });
        clock.advance(1000);
      }
      await sealChain(store.audit, "env:staging", { nowMs: clock.now(), batchSize: 2 });
      for (let i = 6; i < 8; i++) {
        await store.audit.append({ entry: entry({ task: `t${i}` }) });
        clock.advance(1000);
      }
      // Seals end at start+1s, +3s, +5s; records 7 and 8 are unsealed. A cutoff at +3.5s takes the first two runs.
      expect(await trimChain(store.audit, "env:staging", start + 3500)).toBe(4);
      expect((await fields("env:staging")).map((record) => record.seq)).toEqual(["5", "6", "7", "8"]);
      expect((await sealOf("env:staging")).map((seal) => seal.from_seq)).toEqual(["5"]);
      const retention = { retentionMs: 3_600_000, nowMs: clock.now() };
      expect(await verifyAuditChain(store.audit, "env:staging", retention)).toMatchObject({
        ok: true,
        trimmed: 4,
        records: 4,
        sealed: 2,
        unsealed: 2,
      });
      // Seals within a minute of the retention may be trimmed while verify reads: it starts after them.
      expect(
        await verifyAuditChain(store.audit, "env:staging", {
          retentionMs: 60_000,
          nowMs: start + 60_000 + 5000,
        }),
      ).toMatchObject({ ok: true, trimmed: 6, records: 2, sealed: 0, unsealed: 2 });
      expect(await verifyAuditChain(store.audit, "env:staging")).toMatchObject({
        ok: false,
        problem: { kind: "removed" },
      });
      // Unsealed records stay, however old; when every sealed run is gone verify starts at the head's position.
      expect(await trimChain(store.audit, "env:staging", clock.now() + 1_000_000)).toBe(6);
      expect((await fields("env:staging")).map((record) => record.seq)).toEqual(["7", "8"]);
      expect(
        await verifyAuditChain(store.audit, "env:staging", { retentionMs: 1000, nowMs: clock.now() }),
      ).toMatchObject({ ok: true, trimmed: 6, records: 2, unsealed: 2, seals: 0 });
      expect(await trimChain(store.audit, "env:staging", clock.now() + 1_000_000)).toBe(0);
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
      await sealChain(store.audit, "env:staging", { nowMs: clock.now() });
      expect(await verifyAuditChain(store.audit, "env:staging")).toMatchObject({ ok: true, sealed: 5 });
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
