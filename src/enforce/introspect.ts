// RFC 7662 introspection: `active` only when authorize would not refuse the token itself (revoked, stale, expired…).
import type { BrokerContext } from "../broker/context.ts";
import { TokenVerificationError } from "../client/verify-task-token.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";
import { verifyBrokerToken } from "../tokens/verify-broker-token.ts";
import { tokenCheck } from "./authorize.ts";

export type Introspection = { active: false } | ({ active: true; token_type: "Bearer" } & TaskTokenClaims);

export async function introspect(context: BrokerContext, token: string): Promise<Introspection> {
  let claims: TaskTokenClaims;
  try {
    claims = await verifyBrokerToken(context, token);
  } catch (error) {
    if (error instanceof TokenVerificationError) return { active: false };
    throw error;
  }
  if (!context.scopes.current().scopes.has(claims.scope_id)) return { active: false };
  // The same atomic check authorize uses, with no counters: nothing is consumed.
  const outcome = await context.store.enforce({
    ...tokenCheck(context, claims),
    limits: [],
    eventId: "introspect",
  });
  return outcome.allow ? { active: true, token_type: "Bearer", ...claims } : { active: false };
}
