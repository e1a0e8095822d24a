// A shell command the guard would only run with a human's yes: opened by the agent's hook with its task token, decided
// like any call approval, bound to the exact command text.
import { createHash } from "node:crypto";
import { recordApprovalEvent } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import { type Approval, callBinding, effectiveStatus } from "../store/approval-record.ts";
import { visibleText } from "../text/visible-text.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";
import { COMMAND_ACTION, commandApprovalRule } from "./approval-rules.ts";
import { requestCallApproval } from "./call-approval.ts";
import { updateApproval } from "./records.ts";
import { voidIfStale } from "./stale-rule.ts";

/**
 * Approvers see the whole command, as it will run: control characters as markers (`⟨LF⟩`, `⟨ESC⟩`), long runs of
 * spaces counted (`⟨490 spaces⟩`). A command whose shown form is longer than this is refused, never cut: what an
 * approver cannot see, they cannot approve.
 */
export const LONGEST_SHOWN_COMMAND = 4096;
export { COMMAND_ACTION };

export async function requestCommandApproval(
  context: BrokerContext,
  claims: TaskTokenClaims,
  command: string,
): Promise<{ reason: "approval_required" | "approval_denied"; approvalId: string }> {
  const scope = context.scopes.current().scopes.get(claims.scope_id);
  const rule = scope ? commandApprovalRule(scope) : undefined;
  if (!rule) {
    throw new LeashError(
      "no_approvers",
      `scope ${claims.scope_id} names no approvers; the agent's own UI must ask`,
    );
  }
  const shown = visibleText(command, { countSpaces: true });
  if (shown.length > LONGEST_SHOWN_COMMAND) {
    throw new LeashError(
      "command_too_long_to_show",
      `the command is ${shown.length} characters as an approver would see it; at most ${LONGEST_SHOWN_COMMAND} can be approved`,
    );
  }
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

/**
 * What the asker of an approval reads. A command runs on the asker's first read of `approved` (nothing else spends
 * it, as authorize spends a call's), so that read is its one use: it answers `approved` once and marks it `used`, and
 * the same command asked for again waits for a human again. Anything else is answered as it is.
 */
export async function readAsAsker(
  context: BrokerContext,
  approval: Approval,
  actor: string,
): Promise<Approval> {
  const nowMs = context.clock.now();
  if (approval.kind !== "call" || approval.action !== COMMAND_ACTION) return approval;
  const checked = await voidIfStale(context, approval);
  if (checked !== approval || effectiveStatus(approval, nowMs) !== "approved") return checked;
  const spent: { approved?: Approval } = {};
  const after = await updateApproval(context, approval.id, (current) => {
    spent.approved = effectiveStatus(current, nowMs) === "approved" ? current : undefined;
    return spent.approved ? { ...current, status: "used" } : current;
  });
  if (!spent.approved) return after;
  await context.store.approvals.unbind(
    callBinding(approval.jti, approval.action, approval.resource, approval.requestHash),
    approval.id,
  );
  await recordApprovalEvent(context, "approval.used", after, actor);
  return spent.approved;
}
