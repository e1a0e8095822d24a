// The one interface to leash's shared state. Redis in production, memory in dev mode; both pass test/store/contract.
//
// Key layout (Redis): everything an authorize decision reads or writes for environment E lives under the hash tag
// `{env:E}`, so one Lua script touches one Redis Cluster slot. Principal keys share `{principals}` and approval
// records with their pending index share `{approvals}` (docs/redis-keys.md).

import type { ApprovalStore } from "./approvals.ts";
import type { AuditDraft, AuditLog, EnforcementAuditDraft } from "./audit.ts";

import type { LeaseStore } from "./leases.ts";
import type { RefusalStore } from "./refusals.ts";
import type { LockTarget, PrincipalKind, RevocationTarget } from "./targets.ts";

export interface Principal {
  id: string;
  kind: PrincipalKind;
  /** SHA-256 (hex) of the API key; the key itself is never stored. */
  keyHash: string;
  disabled: boolean;
  createdAt: number;
  /** Human who created this principal (an agent's owner); absent for the first admin. */
  createdBy?: string;
  /**
   * Admins who issued this principal a new key (rotate-key), each with when it first did: the new key was handed to
   * them, so from then on they could act as it, like its creator. Rotating one's own key is not recorded.
   */
  rekeyedBy?: Array<{ by: string; at: number }>;
  /** Agents: globs of scope ids the agent may request. */
  scopes: string[];
  /** Humans: `admin`, `security`, `approver:<group>`. */
  roles: string[];
  /**
   * Humans: the TOTP secret and whether enrolment was confirmed with a first code. `sealed`: the base32 secret
   * encrypted under a TOTP secret key (src/keys/totp-secret-keys.ts). `secret`: the base32 secret in clear, only in
   * records written before secrets were sealed; it is sealed on its next use.
   */
  totp?: { sealed?: string; secret?: string; confirmed: boolean };
  /** Humans: passkeys (WebAuthn credentials) enrolled as a second factor. */
  passkeys?: Passkey[];
  /** Humans: the one-time enrolment token (its SHA-256) that yields a TOTP secret to the human, until redeemed. */
  enrolment?: { tokenHash: string; expiresAt: number };
}

/** A WebAuthn credential a human enrolled; the public key only, with its signature counter. */
export interface Passkey {
  /** Credential id, base64url. */
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter at its last use (0 for authenticators that keep none). */
  counter: number;
  transports?: string[];
  createdAt: number;
}

export interface Lock {
  id: string;
  target: LockTarget;
  reason: string;
  /** Who put it in force (`human:<id>`). */
  createdBy: string;
  createdAt: number;
  /** When it lapses by itself; null: in force until removed. */
  expiresAt: number | null;
  /** Environments whose slot holds the lock's marker (what authorize reads). */
  environments: string[];
}

/** One task token as the live-task registry keeps it (what security sees and revokes), never the token itself. */
export interface TaskTokenRecord {
  task: string;
  agent: string;
  intent: string;
  scope: string;
  env: string;
  jti: string;
  issuedAt: number;
  expiresAt: number;
}

/** A task with its tokens; `tokens` holds only those not expired at the time asked. */
export interface LiveTask {
  task: string;
  agent: string;
  intent: string;
  tokens: Array<Pick<TaskTokenRecord, "jti" | "scope" | "env" | "issuedAt" | "expiresAt">>;
}

/** A blast-radius counter to read: its key (as in LimitCounter) and window. */
export interface CounterWindow {
  key: string;
  windowMs: number;
}

export interface Revocation {
  target: RevocationTarget;
  /** Environment whose slot holds the marker; revocations that span environments are written once per environment. */
  env: string;
  atMs: number;
  /** How long the marker must live: until every token it covers has expired. */
  ttlMs: number;
  reason: string;
  /** Its audit record, appended to the environment's chain in the same round trip as the marker. */
  audit?: AuditDraft;
}

export interface LimitCounter {
  /** Counter name inside the environment's slot, e.g. `scope:staging-fix:0:task:agent-1/t_123`. */
  key: string;
  max: number;
  windowMs: number;
  onExceed: "deny" | "revoke_task";
}

/** Everything the atomic enforcement step needs; built from a verified token plus the current scope set. */
export interface EnforcementCheck {
  env: string;
  /** Generation the token was minted under; must equal the store's. */
  generation: string;
  jti: string;
  task: string;
  agent: string;
  scope: string;
  issuedAtMs: number;
  nowMs: number;
  /**
   * A delegated token's lineage (token exchange): `jtis`, every ancestor token, each revoked absolutely like `jti`;
   * `agents`, every agent in its act chain other than `agent`, each revoked from `issuedAtMs` like `agent`. Checked
   * in the same atomic step, so revoking any ancestor refuses every descendant at once without listing them.
   */
  lineage?: { jtis: string[]; agents: string[] };
  /** A reason already decided without I/O (action/resource not granted…); reported after generation and revocation. */
  denyReason?: string;
  /** Blast-radius counters; each allowed call adds one event to every counter. */
  limits: LimitCounter[];
  /** A reason to deny after the budget check passes, without consuming budget (e.g. `approval_required`). */
  holdReason?: string;
  /** How long task revocations made by `revoke_task` must live. */
  taskRevocationTtlMs: number;
  /** Unique id for this call's event in the sliding windows. */
  eventId: string;
  /** The decision's audit record, appended (with the decision filled in) in the same atomic step. */
  audit?: EnforcementAuditDraft;
}

export type EnforcementReason = "ok" | "stale_generation" | "revoked" | "rate_limited" | string;

export interface EnforcementOutcome {
  allow: boolean;
  reason: EnforcementReason;
  /** The counter that was exceeded, when `rate_limited`. */
  limit?: string;
  /** True when this call exceeded a `revoke_task` limit and the task was revoked by it. */
  taskRevoked?: boolean;
}

export interface Store {
  /** Vault leases and their durable revocation queue, on the same connection (src/store/leases.ts). */
  readonly leases: LeaseStore;

  ping(): Promise<void>;
  close(): Promise<void>;

  /** The generation id, or null when the store lost its data or was never initialised. */
  getGeneration(): Promise<string | null>;
  /** Sets the generation if absent (never overwrites), copies it into each environment's slot; returns the one in force. */
  ensureGeneration(candidate: string, environments: string[]): Promise<string>;

  /** Creates or replaces a principal, keeping the key-hash index in step (a rotated key's old hash stops working). */
  savePrincipal(principal: Principal): Promise<void>;
  getPrincipal(id: string): Promise<Principal | null>;
  /**
   * The principal whose API key has this hash: the key-hash index, then the record, which decides. Authentication
   * goes straight to the record (getPrincipal) for a key it has seen match before (src/principals/authenticate.ts).
   */
  findPrincipalByKeyHash(keyHash: string): Promise<Principal | null>;
  listPrincipals(kind: PrincipalKind): Promise<Principal[]>;

  /**
   * Records `agent` as the owner of `task` unless another agent already owns it, and keeps the record for `ttlMs`
   * more (never less than it had); returns the owner. A task belongs to the first agent that minted for it.
   */
  claimTask(task: string, agent: string, ttlMs: number): Promise<string>;

  /** Adds a minted token to the live-task registry; it is listed until it expires. */
  recordTaskToken(token: TaskTokenRecord): Promise<void>;
  /** Tasks with a token not expired at `nowMs`, the ones expiring last first, at most `limit`. */
  liveTasks(nowMs: number, limit: number): Promise<LiveTask[]>;
  /** Events each counter of environment `env` holds in its window ending at `nowMs` (what the next call is checked against). */
  limitUsage(env: string, counters: CounterWindow[], nowMs: number): Promise<number[]>;

  /**
   * Records that a workload token (by its issuer and `jti`) was used, for `ttlMs` (until it expires); false when it
   * was used before: a workload token mints once.
   */
  claimWorkloadToken(issuer: string, jti: string, ttlMs: number): Promise<boolean>;

  revoke(revocation: Revocation): Promise<void>;
  /** Whether a task is revoked in an environment (mint refuses revoked tasks). */
  isTaskRevoked(env: string, task: string): Promise<boolean>;
  /**
   * What a mint checks in an environment, in one read of its slot: the generation its tokens are checked against
   * (null when the store lost it or was never initialised) and whether the task is revoked there.
   */
  mintChecks(env: string, task: string): Promise<{ generation: string | null; taskRevoked: boolean }>;

  /**
   * Puts a lock in force: the lock record (listed, removable) and a marker in each of its environments' slots. One
   * lock per target: locking a locked target keeps the lock's id and the later expiry (none beats any), and takes
   * the newer reason and author. Returns the lock now in force.
   */
  lock(lock: Lock): Promise<Lock>;
  /** Locks in force, oldest first. */
  listLocks(): Promise<Lock[]>;
  /** The first lock in force on any of these targets, in one read (what a mint checks). */
  lockOn(targets: LockTarget[]): Promise<Lock | null>;
  /** Lifts a lock (its markers first, then its record); the lock that was lifted, or null if none has that id. */
  removeLock(id: string): Promise<Lock | null>;

  /** Generation, revocation and blast-radius check in one atomic step (one Lua script on Redis). */
  enforce(check: EnforcementCheck): Promise<EnforcementOutcome>;

  /** Issuance and call approvals. */
  readonly approvals: ApprovalStore;

  /** Hash-chained audit records (src/store/audit.ts). */
  readonly audit: AuditLog;

  /** Tallies of refusals given before a caller was identified (src/store/refusals.ts). */
  readonly refusals: RefusalStore;
}
