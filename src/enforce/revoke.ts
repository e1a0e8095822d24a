// Revocation: one marker per environment slot, never a scan over tokens, so revoking 100,000 tokens costs one write.
import type { BrokerContext } from "../broker/context.ts";
import { notFound } from "../errors/leash-error.ts";
import { setPrincipalDisabled } from "../principals/principals.ts";
import type { Principal, PrincipalKind, RevocationTarget } from "../store/store.ts";

/** Markers outlive every token they could cover: the longest environment max_ttl plus clock-skew slack. */
const SKEW_SLACK_MS = 60_000;

export interface RevocationResult {
  revoked: RevocationTarget;
  environments: string[];
  at: string;
  reason: string;
  actor: string;
}

export function revocationTtlMs(context: BrokerContext): number {
  const ttls = [...context.scopes.current().environments.values()].map((env) => env.max_ttl);
  return Math.max(...ttls) + SKEW_SLACK_MS;
}

function environmentsFor(context: BrokerContext, target: RevocationTarget): string[] {
  const set = context.scopes.current();
  if (target.kind === "environment") {
    if (!set.environments.has(target.value))
      throw notFound("unknown_environment", `no environment named ${target.value}`);
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
): Promise<RevocationResult> {
  const atMs = context.clock.now();
  const ttlMs = revocationTtlMs(context);
  const environments = environmentsFor(context, target);
  await Promise.all(environments.map((env) => context.store.revoke({ target, env, atMs, ttlMs, reason })));
  context.logger.info({ revoked: target, environments, actor, reason }, "revoked");
  return { revoked: target, environments, at: new Date(atMs).toISOString(), reason, actor };
}

/** Disabling an agent also revokes every token it holds, at once. */
export async function disablePrincipal(
  context: BrokerContext,
  kind: PrincipalKind,
  id: string,
  actor: string,
): Promise<Principal> {
  const principal = await setPrincipalDisabled(context.store, kind, id, true);
  if (!principal) throw notFound(`${kind}_not_found`, `no ${kind} with id ${id}`);
  if (kind === "agent") await revoke(context, { kind: "agent", value: id }, "agent disabled", actor);
  return principal;
}
