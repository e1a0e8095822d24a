// Approvals in memory for dev mode and tests; the same semantics as the Redis implementation.
import type { Approval } from "../../approvals/approval.ts";
import type { Clock } from "../../clock/clock.ts";
import type { ApprovalStore } from "../approvals.ts";

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
