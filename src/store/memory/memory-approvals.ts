// Approvals in memory for dev mode and tests; the same semantics as the Redis implementation.

import type { Clock } from "../../clock/clock.ts";
import type { Approval } from "../approval-record.ts";
import type { ApprovalStore, TotpAttemptEnd, TotpAttemptLimit, TotpAttemptStart } from "../approvals.ts";

interface Expiring {
  value: string;
  expiresAt: number;
}

export class MemoryApprovals implements ApprovalStore {
  private readonly entries = new Map<string, Expiring>();
  private readonly pending = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  async create(approval: Approval, ttlMs: number): Promise<void> {
    if (this.read(`approval:${approval.id}`) !== null) throw new Error(`approval ${approval.id} exists`);
    this.write(`approval:${approval.id}`, JSON.stringify(approval), ttlMs);
    this.pending.set(approval.id, approval.createdAt);
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
    if (next.status !== "pending") this.pending.delete(next.id);
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
    const key = `totp:${humanId}:${step}`;
    if (this.read(key) !== null) return false;
    this.write(key, "1", ttlMs);
    return true;
  }

  async claimEnrolment(tokenHash: string, ttlMs: number): Promise<boolean> {
    const key = `enrolment-used:${tokenHash}`;
    if (this.read(key) !== null) return false;
    this.write(key, "1", ttlMs);
    return true;
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
