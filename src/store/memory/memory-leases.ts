// In-process lease store for dev mode and tests: the same rules as redis/redis-leases.ts, time from a Clock.
import type { Clock } from "../../clock/clock.ts";
import {
  type ClaimedRevocation,
  type ClaimOptions,
  checkEnvironmentTarget,
  checkLease,
  isAbsoluteTarget,
  type LeaseRecord,
  type LeaseRevocationBacklog,
  type LeaseStore,
  leaseIndexMember,
  leaseRecordTtlMs,
  leaseTargets,
  parseLeaseIndexMember,
  parseLeaseRecord,
  type RecordLeaseOptions,
} from "../leases.ts";
import type { RevocationTarget } from "../targets.ts";
import { memoryKeys } from "./memory-keys.ts";

/** What the lease store needs from the MemoryStore it belongs to. */
export interface MemoryLeaseHost {
  clock: Clock;
  /** Throws StoreUnavailableError once the store is closed. */
  assertOpen(): void;
  /** A live string key of the store (revocation markers), or null. */
  readString(key: string): string | null;
}

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** Sorted set: member → score. */
type SortedSet = Map<string, number>;

/** The index sets a lease is entered in. */
const indexKeys = (lease: LeaseRecord): string[] =>
  leaseTargets(lease).map((target) => memoryKeys.leaseIndex(lease.env, target));

export class MemoryLeaseStore implements LeaseStore {
  private readonly records = new Map<string, Expiring<string>>();
  private readonly indexes = new Map<string, Expiring<SortedSet>>();
  /** By environment, as are the schedules and the attempts. */
  private readonly queues = new Map<string, SortedSet>();
  private readonly schedules = new Map<string, SortedSet>();
  private readonly attempts = new Map<string, Map<string, number>>();
  private readonly envs = new Set<string>();

  constructor(private readonly host: MemoryLeaseHost) {}

  async record(lease: LeaseRecord, options: RecordLeaseOptions): Promise<{ revoked: boolean }> {
    this.host.assertOpen();
    checkLease(lease);
    const env = lease.env;
    this.envs.add(env);
    const ttlMs = leaseRecordTtlMs(lease, options.nowMs);
    const expiresAt = this.host.clock.now() + ttlMs;
    this.records.set(memoryKeys.leaseRecord(env, lease.leaseId), { value: JSON.stringify(lease), expiresAt });
    for (const key of indexKeys(lease)) {
      const index = this.liveIndex(key);
      for (const [member, score] of index) if (score < options.nowMs) index.delete(member);
      index.set(leaseIndexMember(lease), lease.vaultExpiresAt);
      const current = this.indexes.get(key)?.expiresAt ?? 0;
      this.indexes.set(key, { value: index, expiresAt: Math.max(current, expiresAt) });
    }
    if (this.tokenRevoked(lease)) {
      addNx(this.sortedSet(this.queues, env), lease.leaseId, options.nowMs);
      this.sortedSet(this.schedules, env).delete(lease.leaseId);
      return { revoked: true };
    }
    if (options.revokeAt !== null) {
      this.sortedSet(this.schedules, env).set(lease.leaseId, Math.ceil(options.revokeAt));
    }
    return { revoked: false };
  }

  async get(env: string, leaseId: string): Promise<LeaseRecord | null> {
    this.host.assertOpen();
    const json = this.liveRecord(memoryKeys.leaseRecord(env, leaseId));
    return json === null ? null : parseLeaseRecord(json);
  }

  async enqueueRevocation(
    env: string,
    target: RevocationTarget,
    atMs: number,
    nowMs: number,
  ): Promise<number> {
    this.host.assertOpen();
    checkEnvironmentTarget(env, target);
    const index = this.liveIndex(memoryKeys.leaseIndex(env, target));
    const queue = this.sortedSet(this.queues, env);
    const schedule = this.sortedSet(this.schedules, env);
    let queued = 0;
    for (const [member, score] of index) {
      if (score < nowMs) {
        index.delete(member);
        continue;
      }
      const entry = parseLeaseIndexMember(member);
      if (!entry || (!isAbsoluteTarget(target) && entry.issuedAtMs > atMs)) continue;
      addNx(queue, entry.leaseId, nowMs);
      schedule.delete(entry.leaseId);
      queued++;
    }
    return queued;
  }

  async enqueueLease(env: string, leaseId: string, nowMs: number): Promise<void> {
    this.host.assertOpen();
    this.envs.add(env);
    addNx(this.sortedSet(this.queues, env), leaseId, nowMs);
    this.sortedSet(this.schedules, env).delete(leaseId);
  }

  async environments(): Promise<string[]> {
    this.host.assertOpen();
    return [...this.envs].sort();
  }

  async claim(env: string, options: ClaimOptions): Promise<ClaimedRevocation[]> {
    this.host.assertOpen();
    const queue = this.sortedSet(this.queues, env);
    const schedule = this.sortedSet(this.schedules, env);
    for (const [leaseId] of byScore(schedule, options.nowMs).slice(0, 1000)) {
      addNx(queue, leaseId, options.nowMs);
      schedule.delete(leaseId);
    }
    const attempts = this.attemptsOf(env);
    const visibleAgainAt = options.nowMs + Math.max(1, options.visibilityMs);
    return byScore(queue, options.nowMs)
      .slice(0, Math.max(1, Math.floor(options.limit)))
      .map(([leaseId]) => {
        queue.set(leaseId, visibleAgainAt);
        const count = (attempts.get(leaseId) ?? 0) + 1;
        attempts.set(leaseId, count);
        return { leaseId, attempts: count };
      });
  }

  async ack(env: string, leaseId: string): Promise<void> {
    this.host.assertOpen();
    const recordKey = memoryKeys.leaseRecord(env, leaseId);
    const json = this.liveRecord(recordKey);
    const lease = json === null ? null : parseLeaseRecord(json);
    this.sortedSet(this.queues, env).delete(leaseId);
    this.attemptsOf(env).delete(leaseId);
    this.sortedSet(this.schedules, env).delete(leaseId);
    this.records.delete(recordKey);
    if (lease) for (const key of indexKeys(lease)) this.liveIndex(key).delete(leaseIndexMember(lease));
  }

  async retry(env: string, leaseId: string, nextAttemptAt: number): Promise<void> {
    this.host.assertOpen();
    const queue = this.sortedSet(this.queues, env);
    if (queue.has(leaseId)) queue.set(leaseId, Math.ceil(nextAttemptAt));
  }

  async backlog(): Promise<LeaseRevocationBacklog> {
    this.host.assertOpen();
    const totals: LeaseRevocationBacklog = { queued: 0, attempted: 0, scheduled: 0 };
    for (const env of this.envs) {
      totals.queued += this.queues.get(env)?.size ?? 0;
      totals.attempted += this.attempts.get(env)?.size ?? 0;
      totals.scheduled += this.schedules.get(env)?.size ?? 0;
    }
    return totals;
  }

  /** The same marker rules as the enforce step: jti and task absolute, agent/scope/environment by issued-at. */
  private tokenRevoked(lease: LeaseRecord): boolean {
    const marker = (target: RevocationTarget) =>
      this.host.readString(memoryKeys.revocation(lease.env, target));
    if (marker({ kind: "jti", value: lease.jti }) !== null) return true;
    if (marker({ kind: "task", value: lease.task }) !== null) return true;
    return [
      marker({ kind: "agent", value: lease.agent }),
      marker({ kind: "scope", value: lease.scope }),
      marker({ kind: "environment", value: lease.env }),
    ].some((at) => at !== null && Number(at) >= lease.issuedAtMs);
  }

  private liveRecord(key: string): string | null {
    const entry = this.records.get(key);
    if (!entry) return null;
    if (this.host.clock.now() >= entry.expiresAt) {
      this.records.delete(key);
      return null;
    }
    return entry.value;
  }

  private liveIndex(key: string): SortedSet {
    const entry = this.indexes.get(key);
    if (entry && this.host.clock.now() < entry.expiresAt) return entry.value;
    this.indexes.delete(key);
    return new Map();
  }

  private sortedSet(sets: Map<string, SortedSet>, key: string): SortedSet {
    let set = sets.get(key);
    if (!set) {
      set = new Map();
      sets.set(key, set);
    }
    return set;
  }

  private attemptsOf(env: string): Map<string, number> {
    const key = env;
    let attempts = this.attempts.get(key);
    if (!attempts) {
      attempts = new Map();
      this.attempts.set(key, attempts);
    }
    return attempts;
  }
}

/** ZADD NX: a member already present keeps its score. */
function addNx(set: SortedSet, member: string, score: number): void {
  if (!set.has(member)) set.set(member, score);
}

/** Members with score ≤ max, lowest score first (then by member, like Redis). */
function byScore(set: SortedSet, max: number): [string, number][] {
  return [...set]
    .filter(([, score]) => score <= max)
    .sort(([a, sa], [b, sb]) => sa - sb || (a < b ? -1 : a > b ? 1 : 0));
}
