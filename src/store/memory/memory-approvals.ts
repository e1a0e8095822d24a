// Approvals in memory for dev mode and tests; the same semantics as the Redis implementation.

import type { Clock } from "../../clock/clock.ts";
import type { Approval } from "../approval-record.ts";
import type {
  ApprovalStore,
  ChallengeLimit,
  PendingApprovalCreation,
  PendingApprovalLimit,
  TotpAttemptEnd,
  TotpAttemptLimit,
  TotpAttemptStart,
} from "../approvals.ts";

interface Expiring {
  value: string;
  expiresAt: number;
}

const taskKey = (approval: Approval) => JSON.stringify([approval.agent, approval.task]);

export class MemoryApprovals implements ApprovalStore {
  private readonly entries = new Map<string, Expiring>();
  private readonly pending = new Map<string, number>();
  /** Pending approval ids → expiresAt, by agent and by the agent's task (what the pending limits count). */
  private readonly pendingOfAgent = new Map<string, Map<string, number>>();
  private readonly pendingOfTask = new Map<string, Map<string, number>>();

  constructor(private readonly clock: Clock) {}

  async create(
    approval: Approval,
    ttlMs: number,
    limit?: PendingApprovalLimit,
  ): Promise<PendingApprovalCreation> {
    if (this.read(`approval:${approval.id}`) !== null) throw new Error(`approval ${approval.id} exists`);
    const nowMs = limit?.nowMs ?? approval.createdAt;
    const sets = { task: taskKey(approval), agent: approval.agent };
    const counted = [
      { full: "task" as const, of: this.pendingOfTask, key: sets.task, max: limit?.perTask ?? 0 },
      { full: "agent" as const, of: this.pendingOfAgent, key: sets.agent, max: limit?.perAgent ?? 0 },
    ];
    for (const { full, of, key, max } of counted) {
      const pending = of.get(key) ?? new Map<string, number>();
      for (const [id, expiresAt] of pending) if (expiresAt <= nowMs) pending.delete(id);
      if (max > 0 && pending.size >= max) {
        const oldest = Math.min(...pending.values());
        return { created: false, full, pending: pending.size, retryAfterMs: Math.max(1, oldest - nowMs) };
      }
    }
    this.write(`approval:${approval.id}`, JSON.stringify(approval), ttlMs);
    this.pending.set(approval.id, approval.createdAt);
    for (const { of, key } of counted) {
      const pending = of.get(key) ?? new Map<string, number>();
      pending.set(approval.id, approval.expiresAt);
      of.set(key, pending);
    }
    return { created: true };
  }

  async get(id: string): Promise<Approval | null> {
    const json = this.read(`approval:${id}`);
    return json === null ? null : (JSON.parse(json) as Approval);
  }

  async replace(next: Approval): Promise<boolean> {
    const key = `approval:${next.id}`;
    const entry = this.entries.get(key);
    const current = this.read(key);
    if (!entry || current === null || (JSON.parse(current) as Approval).version !== next.version - 1)
      return false;
    entry.value = JSON.stringify(next);
    if (next.status !== "pending") {
      this.pending.delete(next.id);
      this.pendingOfTask.get(taskKey(next))?.delete(next.id);
      this.pendingOfAgent.get(next.agent)?.delete(next.id);
    }
    return true;
  }

  async pendingIds(): Promise<string[]> {
    return [...this.pending.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  }

  async dropPending(id: string): Promise<void> {
    this.pending.delete(id);
  }

  async bindOnce(binding: string, id: string, ttlMs: number): Promise<string> {
    const existing = this.read(`binding:${binding}`);
    if (existing !== null) return existing;
    this.write(`binding:${binding}`, id, ttlMs);
    return id;
  }

  async unbind(binding: string, id: string): Promise<void> {
    if (this.read(`binding:${binding}`) === id) this.entries.delete(`binding:${binding}`);
  }

  async claimTotpStep(humanId: string, step: number, ttlMs: number): Promise<boolean> {
    const key = `totp-last-step:${humanId}`;
    const last = this.read(key);
    if (last !== null && Number(last) >= step) return false;
    this.write(key, String(step), ttlMs);
    return true;
  }

  async claimEnrolment(tokenHash: string, ttlMs: number): Promise<boolean> {
    const key = `enrolment-used:${tokenHash}`;
    if (this.read(key) !== null) return false;
    this.write(key, "1", ttlMs);
    return true;
  }

  async saveChallenge(
    humanId: string,
    challenge: string,
    record: string,
    ttlMs: number,
    limit: ChallengeLimit,
  ): Promise<{ saved: true } | { saved: false; retryAfterMs: number }> {
    const countKey = `challenges-issued:${humanId}`;
    const issued = Number(this.read(countKey) ?? 0) + 1;
    const window = this.entries.get(countKey);
    const windowEnds = issued === 1 || !window ? this.clock.now() + limit.windowMs : window.expiresAt;
    this.entries.set(countKey, { value: String(issued), expiresAt: windowEnds });
    if (issued > limit.max) return { saved: false, retryAfterMs: Math.max(1, windowEnds - this.clock.now()) };
    this.write(`challenge:${humanId}:${challenge}`, record, ttlMs);
    return { saved: true };
  }

  async takeChallenge(humanId: string, challenge: string): Promise<string | null> {
    const key = `challenge:${humanId}:${challenge}`;
    const record = this.read(key);
    this.entries.delete(key);
    return record;
  }

  async beginTotpAttempt(humanId: string, limit: TotpAttemptLimit): Promise<TotpAttemptStart> {
    const lockLeft = this.timeLeft(`totp-lock:${humanId}`);
    if (lockLeft > 0) return { allowed: false, retryAfterMs: lockLeft };
    const attemptsKey = `totp-attempts:${humanId}`;
    const attempts = Number(this.read(attemptsKey) ?? "0");
    if (attempts >= limit.maxFailures) {
      return { allowed: false, retryAfterMs: this.timeLeft(attemptsKey) || limit.windowMs };
    }
    this.count(attemptsKey, attempts + 1, limit.windowMs);
    return { allowed: true };
  }

  async endTotpAttempt(
    humanId: string,
    outcome: "accepted" | "failed",
    limit: TotpAttemptLimit,
  ): Promise<TotpAttemptEnd> {
    const lockKey = `totp-lock:${humanId}`;
    const lockLeft = this.timeLeft(lockKey);
    if (lockLeft > 0) return { failures: 0, locked: true, lockedNow: false, retryAfterMs: lockLeft };
    const attemptsKey = `totp-attempts:${humanId}`;
    let attempts = Number(this.read(attemptsKey) ?? "0");
    if (outcome === "accepted") {
      if (attempts > 0) this.count(attemptsKey, --attempts, limit.windowMs);
      return { failures: attempts, locked: false, lockedNow: false, retryAfterMs: 0 };
    }
    if (attempts === 0) this.count(attemptsKey, ++attempts, limit.windowMs);
    if (attempts >= limit.maxFailures) {
      this.write(lockKey, "1", limit.windowMs);
      this.entries.delete(attemptsKey);
      return { failures: attempts, locked: true, lockedNow: true, retryAfterMs: limit.windowMs };
    }
    return { failures: attempts, locked: false, lockedNow: false, retryAfterMs: 0 };
  }

  /** Sets a counter, keeping its expiry if it has one (like INCR on a key with a TTL). */
  private count(key: string, value: number, ttlMs: number): void {
    const entry = this.read(key) === null ? undefined : this.entries.get(key);
    if (entry) entry.value = String(value);
    else this.write(key, String(value), ttlMs);
  }

  private timeLeft(key: string): number {
    return this.read(key) === null ? 0 : this.entries.get(key)!.expiresAt - this.clock.now();
  }

  private read(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this.clock.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  private write(key: string, value: string, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.clock.now() + Math.max(1, Math.ceil(ttlMs)) });
  }
}
