// RFC 7662 introspection: `active` only when authorize would not refuse the token itself (revoked, stale, expired…).

import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";
import { TokenVerificationError } from "../tokens/verify-task-token.ts";
import { tokenCheck } from "./authorize.ts";
import { verifyBrokerToken } from "./verify-broker-token.ts";

export type Introspection = { active: false } | ({ active: true; token_type: "Bearer" } & TaskTokenClaims);

/** The enforce step's verdict on a verified token itself, nothing consumed: ok, revoked, stale_generation… */
async function tokenStanding(context: BrokerContext, claims: TaskTokenClaims): Promise<string> {
  // The same atomic check authorize uses, with no counters: nothing is consumed.
  const outcome = await context.store.enforce(tokenCheck(context, claims, "introspect"));
  return outcome.allow ? "ok" : outcome.reason;
}

/** Refuses (401) a verified token that authorize would refuse for itself: revoked, stale, or its scope removed. */
export async function requireActiveToken(context: BrokerContext, claims: TaskTokenClaims): Promise<void> {
  if (!context.scopes.current().scopes.has(claims.scope_id)) {
    throw new LeashError("invalid_token", "the task token's scope no longer exists");
  }
  const standing = await tokenStanding(context, claims);
  if (standing !== "ok")
    throw new LeashError("token_not_active", `the task token is not active (${standing})`);
}

/** The claims of an active token; null when introspection answers `active: false`. */
export async function activeClaims(context: BrokerContext, token: string): Promise<TaskTokenClaims | null> {
  let claims: TaskTokenClaims;
  try {
    claims = await verifyBrokerToken(context, token);
  } catch (error) {
    if (error instanceof TokenVerificationError) return null;
    throw error;
  }
  if (!context.scopes.current().scopes.has(claims.scope_id)) return null;
  return (await tokenStanding(context, claims)) === "ok" ? claims : null;
}

export async function introspect(context: BrokerContext, token: string): Promise<Introspection> {
  const claims = await activeClaims(context, token);
  return claims ? activeIntrospection(claims) : { active: false };
}

export const activeIntrospection = (claims: TaskTokenClaims): Introspection => ({
  active: true,
  token_type: "Bearer",
  ...claims,
});
