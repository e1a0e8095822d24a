// A shell command the guard would only run with a human's yes: opened by the agent's hook with its task token, decided
// like any call approval, bound to the exact command text.
import { createHash } from "node:crypto";
import type { BrokerContext } from "../broker/context.ts";
import { forbidden } from "../errors/leash-error.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";
import { requestCallApproval } from "./call-approval.ts";

/** Approvers see this much of the command; the binding covers all of it. */
const SHOWN_COMMAND_LENGTH = 500;
export const COMMAND_ACTION = "command:run";

export async function requestCommandApproval(
  context: BrokerContext,
  claims: TaskTokenClaims,
  command: string,
): Promise<{ reason: "approval_required" | "approval_denied"; approvalId: string }> {
  const scope = context.scopes.current().scopes.get(claims.scope_id);
  const rule = scope?.approval.destructive ?? scope?.approval.issue;
  if (!rule) {
    throw forbidden(
      "no_approvers",
      `scope ${claims.scope_id} names no approvers; the agent's own UI must ask`,
    );
  }
  const shown =
    command.length > SHOWN_COMMAND_LENGTH ? `${command.slice(0, SHOWN_COMMAND_LENGTH)}…` : command;
  return requestCallApproval(
    context,
    claims,
    {
      action: COMMAND_ACTION,
      resource: `command: ${shown}`,
      requestHash: createHash("sha256").update(command).digest("hex"),
    },
    rule,
  );
}
