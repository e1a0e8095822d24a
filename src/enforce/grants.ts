// What a task token may do right now: its own actions, narrowed by the scope as it is now, or why it may do nothing.

import type { BrokerContext } from "../context/broker-context.ts";
import { grantedActions, type TaskTokenClaims } from "../tokens/claims.ts";
import { TokenVerificationError } from "../tokens/verify-task-token.ts";
import { tokenCheck } from "./authorize.ts";
import { verifyBrokerToken } from "./verify-broker-token.ts";

export interface GrantedAction {
  action: string;
  /** Counted by destructive limits. */
  destructive: boolean;
  /** A human must approve each call (destructive, in a protected environment). */
  approval: boolean;
}

export type TokenGrants =
  | { active: false; reason: string }
  | {
      active: true;
      env: string;
      /** Destructive calls here wait for a human. */
      protected: boolean;
      task: string;
      jti: string;
      scope_id: string;
      exp: number;
      resources: string[];
      actions: GrantedAction[];
    };

/**
 * The same checks authorize makes about the token itself (signature, environment key, expiry, generation, every
 * revocation that covers it), without consuming budget or writing audit records: nothing here decides a call.
 */
export async function tokenGrants(context: BrokerContext, token: string): Promise<TokenGrants> {
  let claims: TaskTokenClaims;
  try {
    claims = await verifyBrokerToken(context, token);
  } catch (error) {
    if (error instanceof TokenVerificationError) {
      return { active: false, reason: error.code === "token_expired" ? "expired" : "invalid_token" };
    }
    throw error;
  }
  const set = context.scopes.current();
  const scope = set.scopes.get(claims.scope_id);
  const environment = set.environments.get(claims.env);
  if (!scope || !environment || scope.environment !== claims.env)
    return { active: false, reason: "scope_removed" };
  const outcome = await context.store.enforce(tokenCheck(context, claims, "grants"));
  if (!outcome.allow) return { active: false, reason: outcome.reason };
  const actions = grantedActions(claims).flatMap((action): GrantedAction[] => {
    const catalogued = set.actions.get(action);
    if (!catalogued?.grantable || !scope.actions.includes(action)) return [];
    const approval = catalogued.destructive && environment.protected;
    return [{ action, destructive: catalogued.destructive, approval }];
  });
  return {
    active: true,
    env: claims.env,
    protected: environment.protected,
    task: claims.task,
    jti: claims.jti,
    scope_id: claims.scope_id,
    exp: claims.exp,
    resources: claims.resources,
    actions,
  };
}
