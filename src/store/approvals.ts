// Storage for approvals: create, read, compare-and-set replace, the pending index, call bindings and used TOTP steps.
//
// All decision logic lives in src/approvals/; this interface only guarantees atomicity: a record is replaced only if
// its version is the one the caller read, so two approvers (or two consumers of one approval) can never both win.
import type { Approval } from "./approval-record.ts";

/** How many WebAuthn challenges one human may be issued per window. */
export interface ChallengeLimit {
  max: number;
  windowMs: number;
}

export interface ApprovalStore {
  /**
   * Stores a new approval (never overwrites) and lists it as pending, also under its agent and its task (until it
   * leaves `pending` or its `expiresAt` passes). With a `limit`, refuses instead when the agent's or the task's
   * pending approvals already fill it, atomically, so concurrent requests on any number of processes never exceed it.
   */
  create(approval: Approval, ttlMs: number, limit?: PendingApprovalLimit): Promise<PendingApprovalCreation>;
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
  /**
   * Records that a human used the TOTP time step; false when it, or a later step, was used before: a replayed code, or
   * an older one that was never used but came after a newer one (RFC 6238's one use per step, kept monotonic).
   */
  claimTotpStep(humanId: string, step: number, ttlMs: number): Promise<boolean>;
  /** Marks an enrolment token (by hash) redeemed; false when it was redeemed before. */
  claimEnrolment(tokenHash: string, ttlMs: number): Promise<boolean>;
  /**
   * Keeps a WebAuthn challenge's record (what it was issued for) for `ttlMs`, unless this human was issued
   * `limit.max` challenges already in the current window of `limit.windowMs` (counted in the store, shared by every
   * broker): then nothing is kept and the answer says how long until the window ends.
   */
  saveChallenge(
    humanId: string,
    challenge: string,
    record: string,
    ttlMs: number,
    limit: ChallengeLimit,
  ): Promise<{ saved: true } | { saved: false; retryAfterMs: number }>;
  /** The record of a challenge issued to this human, removed as it is read: a challenge is good for one answer. */
  takeChallenge(humanId: string, challenge: string): Promise<string | null>;
  /**
   * Charges one TOTP attempt to a human before the code is checked, so concurrent guesses on any number of
   * processes can never check more than `maxFailures` codes per window. Refused (with the time left) while the
   * human is locked or while the attempts in flight and the failures already fill the window.
   */
  beginTotpAttempt(humanId: string, limit: TotpAttemptLimit): Promise<TotpAttemptStart>;
  /**
   * Settles a charged attempt. `accepted` gives the charge back, unless a lock began meanwhile (then `locked`);
   * `failed` keeps it, and locks the human for `windowMs` when the failures reach `maxFailures`
   * (`lockedNow` for the one call that set the lock).
   */
  endTotpAttempt(
    humanId: string,
    outcome: "accepted" | "failed",
    limit: TotpAttemptLimit,
  ): Promise<TotpAttemptEnd>;
}

/** How many approvals may wait for a human at once, per task (of one agent) and per agent. */
export interface PendingApprovalLimit {
  perTask: number;
  perAgent: number;
  /** The caller's time: approvals whose `expiresAt` is past it no longer count. */
  nowMs: number;
}

export type PendingApprovalCreation =
  | { created: true }
  | {
      created: false;
      /** Which limit is full. */
      full: "task" | "agent";
      pending: number;
      /** Until the oldest of those pending approvals expires (sooner if a human decides one). */
      retryAfterMs: number;
    };

/** How many wrong codes a human may send per window before every code is refused until the window passes. */
export interface TotpAttemptLimit {
  maxFailures: number;
  windowMs: number;
}

export type TotpAttemptStart = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface TotpAttemptEnd {
  /** Failures counted in the current window (0 once a lock has taken over the count). */
  failures: number;
  locked: boolean;
  lockedNow: boolean;
  /** Time until the lock ends, when locked. */
  retryAfterMs: number;
}
