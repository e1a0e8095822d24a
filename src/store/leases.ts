// The lease sub-store: Vault leases recorded against their task, token, agent, scope and environment, and the
// durable queue that revokes them. Redis in production (redis/redis-leases.ts), memory in dev mode; both pass
// test/store/leases.contract.ts.
import { LeashError } from "../errors/leash-error.ts";
import type { RevocationTarget } from "./targets.ts";

export interface LeaseRecord {
  /** Vault's lease id, e.g. `database/creds/staging-readwrite/AbC…`. */
  leaseId: string;
  /** Environment of the token the lease came with; its slot holds the record. */
  env: string;
  task: string;
  jti: string;
  agent: string;
  scope: string;
  /** The Vault path the credentials were read from. */
  path: string;
  /**
   * The token's issued-at in ms (whole seconds, as enforce compares it): an agent, scope or environment
   * revocation covers the leases of tokens issued at or before its time, exactly as it covers the tokens.
   */
  issuedAtMs: number;
  /** When Vault ends the lease by itself; the record and its index entries are kept until then. */
  vaultExpiresAt: number;
  /** When the credentials stop working at the latest (the token's expiry when leash revokes the lease then). */
  expiresAt: number;
}

export interface RecordLeaseOptions {
  /** Revoke the lease at this time (the token's expiry) unless something revokes it earlier; null: Vault ends it. */
  revokeAt: number | null;
  nowMs: number;
}

export interface ClaimedRevocation {
  leaseId: string;
  /** How many times this lease has been claimed, this claim included (1 on the first attempt). */
  attempts: number;
}

export interface ClaimOptions {
  nowMs: number;
  /** At most this many leases per claim. */
  limit: number;
  /** A claimed lease not acked or retried within this time (its worker died) is handed out again. */
  visibilityMs: number;
}

export interface LeaseRevocationBacklog {
  /** Leases leash wants revoked now and Vault has not yet confirmed (in flight, waiting or retrying). */
  queued: number;
  /** Of those, the ones at least one attempt was made for. */
  attempted: number;
  /** Leases waiting for their token's expiry, when leash revokes them. */
  scheduled: number;
}

export interface LeaseStore {
  /**
   * Records a lease and, with `revokeAt`, schedules its revocation. In the same atomic step it checks the
   * token's revocation markers: if the token is already revoked (a revocation raced the mint), the lease is queued
   * for revocation at once and `revoked` is true.
   */
  record(lease: LeaseRecord, options: RecordLeaseOptions): Promise<{ revoked: boolean }>;
  get(env: string, leaseId: string): Promise<LeaseRecord | null>;
  /**
   * Queues for revocation every live lease in `env` that a revocation covers (jti and task: all of them; agent,
   * scope and environment: those of tokens issued at or before `atMs`). Returns how many are queued; a lease
   * already queued keeps its place and its retry time.
   */
  enqueueRevocation(env: string, target: RevocationTarget, atMs: number, nowMs: number): Promise<number>;
  /** Queues one lease by id (credentials read but never handed out). */
  enqueueLease(env: string, leaseId: string, nowMs: number): Promise<void>;
  /** Environments that have held a lease: where the revoker looks for work. */
  environments(): Promise<string[]>;
  /**
   * Moves scheduled revocations that are due into the queue, then claims up to `limit` due leases: each is hidden
   * for `visibilityMs` (not removed), so a worker that dies mid-way loses nothing.
   */
  claim(env: string, options: ClaimOptions): Promise<ClaimedRevocation[]>;
  /** Vault revoked the lease: it leaves the queue, the schedule, the indexes, and its record is deleted. */
  ack(env: string, leaseId: string): Promise<void>;
  /** The attempt failed: hand the lease out again at `nextAttemptAt`. No-op if it was acked meanwhile. */
  retry(env: string, leaseId: string, nextAttemptAt: number): Promise<void>;
  /** Totals over every environment that has held a lease. */
  backlog(): Promise<LeaseRevocationBacklog>;
}

/** Records and index entries outlive Vault's own end of the lease by this much (clock skew between hosts). */
export const LEASE_RECORD_SLACK_MS = 60_000;

/** The five revocation targets a lease can be found by. */
export const leaseTargets = (lease: LeaseRecord): RevocationTarget[] => [
  { kind: "task", value: lease.task },
  { kind: "jti", value: lease.jti },
  { kind: "agent", value: lease.agent },
  { kind: "scope", value: lease.scope },
  { kind: "environment", value: lease.env },
];

/**
 * Index member of a lease: `<issuedAtMs>:<leaseId>`, so the enqueue script can apply the "issued at or before"
 * rule without reading records; the score is the lease's vaultExpiresAt, so expired entries are pruned by score.
 */
export const leaseIndexMember = (lease: LeaseRecord): string => `${lease.issuedAtMs}:${lease.leaseId}`;

export const parseLeaseIndexMember = (member: string): { issuedAtMs: number; leaseId: string } | null => {
  const match = /^(\d+):(.+)$/s.exec(member);
  return match ? { issuedAtMs: Number(match[1]), leaseId: match[2]! } : null;
};

/** Targets whose revocation covers every lease, whatever its token's issued-at. */
export const isAbsoluteTarget = (target: RevocationTarget): boolean =>
  target.kind === "jti" || target.kind === "task";

/** Checks a lease before it is written: an id and finite times, in the environment its keys name. */
export const checkLease = (lease: LeaseRecord): void => {
  if (lease.leaseId.trim() === "") throw new LeashError("invalid_lease", "a lease needs Vault's lease id");
  for (const [name, value] of Object.entries({
    issuedAtMs: lease.issuedAtMs,
    vaultExpiresAt: lease.vaultExpiresAt,
    expiresAt: lease.expiresAt,
  })) {
    if (!Number.isFinite(value)) throw new LeashError("invalid_lease", `a lease needs a finite ${name}`);
  }
};

export const checkEnvironmentTarget = (env: string, target: RevocationTarget): void => {
  if (target.kind === "environment" && target.value !== env) {
    throw new LeashError(
      "invalid_revocation",
      `leases of environment ${JSON.stringify(target.value)} are found in that environment, not ${JSON.stringify(env)}`,
    );
  }
};

/** How long a lease's record must live, counted from `nowMs`: until Vault has ended the lease, plus slack. */
export const leaseRecordTtlMs = (lease: LeaseRecord, nowMs: number): number =>
  Math.max(1, Math.ceil(Math.max(lease.vaultExpiresAt, lease.expiresAt) - nowMs + LEASE_RECORD_SLACK_MS));

export const parseLeaseRecord = (json: string): LeaseRecord => {
  const value: unknown = JSON.parse(json);
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as { leaseId?: unknown }).leaseId !== "string"
  ) {
    // Plain error: the Redis store turns it into StoreUnavailableError (fail closed on corrupt state).
    throw new Error("stored lease is not a valid record");
  }
  return value as LeaseRecord;
};
