// Storage for approvals: create, read, compare-and-set replace, the pending index, call bindings and used TOTP steps.
//
// All decision logic lives in src/approvals/; this interface only guarantees atomicity: a record is replaced only if
// its version is the one the caller read, so two approvers (or two consumers of one approval) can never both win.
import type { Approval } from "../approvals/approval.ts";

export interface ApprovalStore {
  /** Stores a new approval (never overwrites) and lists it as pending. */
  create(approval: Approval, ttlMs: number): Promise<void>;
  get(id: string): Promise<Approval | null>;
  /** Replaces the record if its stored version is `next.version - 1`; false when someone else changed it first. */
  replace(next: Approval): Promise<boolean>;
  /** Ids listed as pending (oldest first); entries whose record left `pending` are removed by `replace`. */
  pendingIds(): Promise<string[]>;
  /** Removes an id from the pending index (its record is gone). */
  dropPending(id: string): Promise<void>;
  /** Links a call binding to an approval id unless one is linked already; returns the id in force. */
  bindOnce(binding: string, id: string, ttlMs: number): Promise<string>;
  /** Forgets a binding (after its approval was used, denied or expired) so the call can be asked for again. */
  unbind(binding: string, id: string): Promise<void>;
  /** Records that a human used the TOTP time step; false when it was used before (a replayed code). */
  claimTotpStep(humanId: string, step: number, ttlMs: number): Promise<boolean>;
}

/**
 * The record and the pending index share the hash tag `{approvals}` (the compare-and-set script touches both, which
 * Redis Cluster allows in one slot only). Bindings and used TOTP steps are single keys, spread over the cluster.
 */
export const approvalKeys = {
  approval: (id: string) => `leash:{approvals}:approval:${id}`,
  pending: "leash:{approvals}:pending",
  binding: (binding: string) => `leash:approval-binding:${binding}`,
  totpStep: (humanId: string, step: number) => `leash:totp-used:${humanId}:${step}`,
} as const;
