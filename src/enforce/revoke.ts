// Revocation: one marker per environment slot, never a scan over tokens, so revoking 100,000 tokens costs one write.
import { humanActor, revocationEntry } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import { setPrincipalDisabled } from "../principals/principals.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Principal } from "../store/store.ts";
import type { PrincipalKind, RevocationTarget } from "../store/targets.ts";

/** Markers outlive every token they could cover: the longest environment max_ttl plus clock-skew slack. */
const SKEW_SLACK_MS = 60_000;

export interface RevocationResult {
  revoked: RevocationTarget;
  environments: string[];
  at: string;
  reason: string;
  actor: string;
  /** Vault leases of what was revoked, now queued for revocation in Vault (done by the lease revoker). */
  vault_leases_queued: number;
}

/** Revokers are humans named by id, or callers already named with their kind (`agent:<id>` ending its task). */
const auditActor = (actor: string) => (actor.includes(":") ? actor : humanActor(actor));

export function revocationTtlMs(context: BrokerContext): number {
  const ttls = [...context.scopes.current().environments.values()].map((env) => env.max_ttl);
  return Math.max(...ttls) + SKEW_SLACK_MS;
}

export function revocationEnvironments(context: BrokerContext, target: RevocationTarget): string[] {
  const set = context.scopes.current();
  if (target.kind === "environment") {
    if (!set.environments.has(target.value))
      throw new LeashError("unknown_environment", `no environment named ${target.value}`);
    return [target.value];
  }
  const scope = target.kind === "scope" ? set.scopes.get(target.value) : undefined;
  // A scope that no longer exists may still have live tokens somewhere: mark every environment.
  return scope ? [scope.environment] : [...set.environments.keys()];
}

export async function revoke(
  context: BrokerContext,
  target: RevocationTarget,
  reason: string,
  actor: string,
  origin: AuditOrigin = {},
): Promise<RevocationResult> {
  const atMs = context.clock.now();
  const ttlMs = revocationTtlMs(context);
  const environments = revocationEnvironments(context, target);
  // Each environment's marker goes with its audit record, into that environment's chain.
  await Promise.all(
    environments.map((env) =>
      context.store.revoke({
        target,
        env,
        atMs,
        ttlMs,
        reason,
        audit: { entry: revocationEntry(target, env, reason, auditActor(actor), atMs, origin) },
      }),
    ),
  );
  context.metrics.revocations.inc({ kind: target.kind });
  // The markers are written: leash refuses from here on. Vault is never called on this path; the leases only
  // join the durable queue the lease revoker works through.
  const queued = await queueLeaseRevocations(context, target, environments, atMs);
  context.logger.info(
    { revoked: target, environments, actor, reason, vault_leases_queued: queued },
    "revoked",
  );
  return {
    revoked: target,
    environments,
    at: new Date(atMs).toISOString(),
    reason,
    actor,
    vault_leases_queued: queued,
  };
}

/** Queues the Vault leases a revocation covers in each environment; returns how many. */
export async function queueLeaseRevocations(
  context: BrokerContext,
  target: RevocationTarget,
  environments: string[],
  atMs: number,
): Promise<number> {
  const nowMs = context.clock.now();
  const counts = await Promise.all(
    environments.map((env) => context.store.leases.enqueueRevocation(env, target, atMs, nowMs)),
  );
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Disabling an agent also revokes every token it holds, at once. */
export async function disablePrincipal(
  context: BrokerContext,
  kind: PrincipalKind,
  id: string,
  actor: string,
  origin: AuditOrigin = {},
): Promise<Principal> {
  const principal = await setPrincipalDisabled(context.store, kind, id, true);
  if (!principal) throw new LeashError(`${kind}_not_found`, `no ${kind} with id ${id}`);
  if (kind === "agent") await revoke(context, { kind: "agent", value: id }, "agent disabled", actor, origin);
  return principal;
}
