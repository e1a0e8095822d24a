// A reload that changes an approval's rule (who approves, how many, with which factor) voids what was asked, or
// approved, under the old one: it expires, its call binding is freed, and the call or token is asked for afresh.
import { recordApprovalEvent, SYSTEM_ACTOR } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import { type Approval, callBinding, effectiveStatus } from "../store/approval-record.ts";
import { ruleNow, sameRule } from "./approval-rules.ts";
import { updateApproval } from "./records.ts";

const RULE_CHANGED = "the scope's approval rule changed since this was asked; it must be asked for again";

const live = (approval: Approval, nowMs: number) => {
  const status = effectiveStatus(approval, nowMs);
  return status === "pending" || status === "approved";
};

/** The approval as it stands once checked against the scope's rule now: unchanged, or expired when the rule moved. */
export async function voidIfRuleChanged(context: BrokerContext, approval: Approval): Promise<Approval> {
  const nowMs = context.clock.now();
  if (!live(approval, nowMs)) return approval;
  const rule = ruleNow(context.scopes.current(), approval);
  if (rule && sameRule(rule, approval.rule)) return approval;
  let won = false;
  const after = await updateApproval(context, approval.id, (current) => {
    won = live(current, nowMs);
    return won ? { ...current, status: "expired", denyReason: RULE_CHANGED } : current;
  });
  if (!won) return after;
  if (after.kind === "call") {
    await context.store.approvals.unbind(
      callBinding(after.jti, after.action, after.resource, after.requestHash),
      after.id,
    );
  }
  await recordApprovalEvent(context, "approval.expired", after, SYSTEM_ACTOR);
  context.approvalEvents.emit("approval.expired", after);
  return after;
}

/** For a decision: throws 409 `approval_rule_changed` (after voiding it) when the approval's rule moved. */
export async function requireCurrentRule(context: BrokerContext, approval: Approval): Promise<void> {
  const checked = await voidIfRuleChanged(context, approval);
  if (checked !== approval)
    throw new LeashError("approval_rule_changed", `approval ${approval.id}: ${RULE_CHANGED}`);
}
