// A call a gateway refused before asking leash (a tool it cannot map, arguments it cannot read): recorded in the audit
// trail like an authorize decision, so every call an agent made through leash leaves a record, refused or not.
import { authorizeEntry, recordDecision } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";
import { TokenVerificationError } from "../tokens/verify-task-token.ts";
import { verifyBrokerToken } from "./verify-broker-token.ts";

export interface GatewayRefusal {
  /** The task token the refused call came with. */
  token: string;
  /** What the call came through, as authorize's `via`: `mcp <upstream>/<tool>`. */
  via: string;
  /** The gateway's refusal code (unmapped_tool, unresolvable_resource, invalid_arguments, …). */
  reason: string;
  /** The leash action the tool maps to, when the gateway knows it. */
  action?: string;
}

/**
 * Appends one `authorize` record with decision `deny`. It decides nothing and spends nothing: the call was refused
 * already. The endpoint takes no API key, so the task token is the caller's only credential: one that does not verify
 * is 401 and records nothing (otherwise anyone could append records of their own wording to the global chain).
 */
export async function recordGatewayRefusal(
  context: BrokerContext,
  refusal: GatewayRefusal,
  origin: AuditOrigin = {},
): Promise<void> {
  const nowMs = context.clock.now();
  const detail = `${refusal.via}; refused by the gateway before authorize`;
  let claims: TaskTokenClaims;
  try {
    claims = await verifyBrokerToken(context, refusal.token);
  } catch (error) {
    if (!(error instanceof TokenVerificationError)) throw error;
    throw new LeashError(
      "invalid_token",
      `the task token does not verify (${error.code}); nothing was recorded`,
    );
  }
  const entry = authorizeEntry(
    claims,
    { action: refusal.action ?? "", resource: "", via: detail },
    nowMs,
    origin,
  );
  await recordDecision(context, { ...entry, decision: "deny", reason: refusal.reason });
}
