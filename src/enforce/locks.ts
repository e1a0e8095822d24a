// Locks: revoking an agent, scope or environment also stops minting for it until the lock lapses or is removed.
//
// A lock is two things at once: revocation markers (tokens issued up to now are refused, for as long as any of them
// can live, even after the lock is lifted) and the lock itself (while it is in force, no token is minted for the
// target and none of its tokens is allowed, whenever it was issued).
import { humanActor, lockEntry } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Lock } from "../store/store.ts";
import type { LockTarget } from "../store/targets.ts";
import { randomBase64url } from "../tokens/random-id.ts";
import { type RevocationResult, revocationEnvironments, revoke } from "./revoke.ts";

export const newLockId = () => `lock_${randomBase64url(12)}`;

export interface LockResult extends RevocationResult {
  lock: Lock;
}

/**
 * Locks a target (`ttlMs`: lapses after that long; absent: until removed), then revokes the tokens issued up to now.
 * The lock goes first, so no mint that starts after this call began can outlive it.
 */
export async function lockTarget(
  context: BrokerContext,
  target: LockTarget,
  reason: string,
  actor: string,
  ttlMs: number | undefined,
  origin: AuditOrigin = {},
): Promise<LockResult> {
  const createdAt = context.clock.now();
  const lock = await context.store.lock({
    id: newLockId(),
    target,
    reason,
    createdBy: humanActor(actor),
    createdAt,
    expiresAt: ttlMs === undefined ? null : createdAt + ttlMs,
    environments: revocationEnvironments(context, target),
  });
  context.metrics.locks.inc({ event: "create", kind: target.kind });
  await context.store.audit.append({
    entry: lockEntry("create", lock, humanActor(actor), createdAt, origin),
  });
  const revoked = await revoke(context, target, reason, actor, origin);
  return { ...revoked, lock };
}

/** Lifts a lock: minting for its target works again; tokens it revoked stay revoked. */
export async function removeLock(
  context: BrokerContext,
  id: string,
  actor: string,
  origin: AuditOrigin = {},
): Promise<Lock> {
  const lock = await context.store.removeLock(id);
  if (!lock) throw new LeashError("lock_not_found", `no lock in force with id ${id}`);
  context.metrics.locks.inc({ event: "remove", kind: lock.target.kind });
  await context.store.audit.append({
    entry: lockEntry("remove", lock, humanActor(actor), context.clock.now(), origin),
  });
  context.logger.info({ lock: lock.id, target: lock.target, actor }, "lock removed");
  return lock;
}

/** What a mint's lock read is about: the agent, the scope and its environment. */
export interface MintTarget {
  agentId: string;
  scopeId: string;
  env: string;
}

/** The lock in force on a mint's agent, scope or environment, if any. Read for each mint, never cached. */
export function readMintLock(context: BrokerContext, mint: MintTarget): Promise<Lock | null> {
  return context.store.lockOn([
    { kind: "agent", value: mint.agentId },
    { kind: "scope", value: mint.scopeId },
    { kind: "environment", value: mint.env },
  ]);
}

/** Refuses a mint while a lock is in force on its agent, scope or environment: `403 locked`, with the lock's reason. */
export async function refuseIfLocked(context: BrokerContext, mint: MintTarget): Promise<void> {
  refuseWhileLocked(await readMintLock(context, mint));
}

/** The refusal of refuseIfLocked, for a lock read earlier in the same request. */
export function refuseWhileLocked(lock: Lock | null): void {
  if (!lock) return;
  throw new LeashError("locked", `${lock.target.kind} ${lock.target.value} is locked: ${lock.reason}`, {
    lock: {
      id: lock.id,
      target: lock.target,
      reason: lock.reason,
      expires_at: lock.expiresAt === null ? null : new Date(lock.expiresAt).toISOString(),
    },
  });
}

/** A lock as the API shows it. */
export function lockBody(lock: Lock) {
  return {
    id: lock.id,
    target: lock.target,
    reason: lock.reason,
    created_by: lock.createdBy,
    created_at: new Date(lock.createdAt).toISOString(),
    expires_at: lock.expiresAt === null ? null : new Date(lock.expiresAt).toISOString(),
    environments: lock.environments,
  };
}
