// A mint authenticated by a workload's OIDC token instead of an agent key: verified, bound, used once.
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { Principal } from "../store/store.ts";
import { findBinding } from "./bindings.ts";
import {
  type VerifiedWorkload,
  verifyWorkloadToken,
  WORKLOAD_CLOCK_TOLERANCE_S,
} from "./verify-workload-token.ts";

/** Who a workload-authenticated mint came from; carried by the task token (`workload` claim) and the audit log. */
export interface WorkloadIdentity {
  iss: string;
  sub: string;
  /** The binding of identities.yaml that mapped the workload to its agent. */
  binding: string;
}

export interface WorkloadCaller {
  agent: Principal;
  workload: WorkloadIdentity;
}

/** Verifies `token` against identities.yaml as it is now (step one; the binding needs the scope asked for). */
export function verifyWorkload(context: BrokerContext, token: string): Promise<VerifiedWorkload> {
  return verifyWorkloadToken(
    context.scopes.current().identities,
    context.workloadKeys,
    token,
    context.clock.now(),
  );
}

/**
 * Finds the binding for `scopeId`, checks a pinned environment, and resolves the bound agent (which must exist and
 * be enabled: disabling or locking it stops its workloads too). A bound token with a `jti` is spent as soon as its
 * binding is found, whatever the mint decides next: a workload token is used once. Unbound tokens are not recorded,
 * so tokens of workloads nobody trusts cannot fill the store.
 */
export async function bindWorkload(
  context: BrokerContext,
  { issuer, claims }: VerifiedWorkload,
  scopeId: string,
): Promise<WorkloadCaller> {
  const binding = findBinding(issuer, claims, scopeId);
  if (!binding) {
    throw new LeashError(
      "workload_not_bound",
      `no binding of issuer ${issuer.name} matches this workload's claims for scope ${scopeId}`,
    );
  }
  if (typeof claims.jti === "string" && claims.jti.length > 0) {
    const ttlMs = claims.exp * 1000 - context.clock.now() + WORKLOAD_CLOCK_TOLERANCE_S * 1000;
    if (!(await context.store.claimWorkloadToken(claims.iss, claims.jti, Math.max(ttlMs, 1000)))) {
      throw new LeashError(
        "workload_token_replayed",
        "this workload token was used before; request a fresh one",
      );
    }
  }
  const scope = context.scopes.current().scopes.get(scopeId);
  if (binding.environment && scope && scope.environment !== binding.environment) {
    throw new LeashError(
      "workload_environment_mismatch",
      `binding ${binding.name} is pinned to environment ${binding.environment}; scope ${scopeId} is in ${scope.environment}`,
    );
  }
  const agent = await context.store.getPrincipal(binding.agent);
  if (agent?.kind !== "agent") {
    throw new LeashError(
      "workload_agent_unknown",
      `binding ${binding.name} names agent ${binding.agent}, which does not exist`,
    );
  }
  if (agent.disabled) throw new LeashError("principal_disabled", `agent ${agent.id} is disabled`);
  return { agent, workload: { iss: claims.iss, sub: claims.sub, binding: binding.name } };
}
