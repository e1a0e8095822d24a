// What was asked, or approved, stands only while what it rested on does. A reload that changes an approval's rule
// (who approves, how many, with which factor) voids it; so does an approver disabled (or gone) since approving, when
// the humans still standing fall short of the quorum. Voided, it expires, its call binding is freed, and the call or
// token is asked for afresh.
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

/**
 * Why an approved approval no longer has its quorum: the approvers disabled or gone since they approved (a pending
 * one only counts the standing ones when the next approver decides); null while it stands.
 */
async function fallenApprovers(
  context: BrokerContext,
  approval: Approval,
  nowMs: number,
): Promise<string | null> {
  if (effectiveStatus(approval, nowMs) !== "approved") return null;
  const principals = await Promise.all(approval.approvedBy.map((id) => context.store.getPrincipal(id)));
  const fallen = approval.approvedBy.filter((_id, index) => {
    const principal = principals[index];
    return principal?.kind !== "human" || principal.disabled;
  });
  if (approval.approvedBy.length - fallen.length >= approval.rule.quorum) return null;
  return `approved by ${fallen.join(", ")}, disabled since; it must be asked for again`;
}

/**
 * The approval as it stands once checked against the scope's rule and its approvers now: unchanged, or expired
 * (with the reason in deny_reason) when the rule moved or an approver it needed was disabled.
 */
export async function voidIfStale(context: BrokerContext, approval: Approval): Promise<Approval> {
  const nowMs = context.clock.now();
  if (!live(approval, nowMs)) return approval;
  const rule = ruleNow(context.scopes.current(), approval);
  const reason =
    rule && sameRule(rule, approval.rule) ? await fallenApprovers(context, approval, nowMs) : RULE_CHANGED;
  if (reason === null) return approval;
  let won = false;
  const after = await updateApproval(context, approval.id, (current) => {
    won = live(current, nowMs);
    return won ? { ...current, status: "expired", denyReason: reason } : current;
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
  const checked = await voidIfStale(context, approval);
  if (checked !== approval && checked.denyReason === RULE_CHANGED)
    throw new LeashError("approval_rule_changed", `approval ${approval.id}: ${RULE_CHANGED}`);
}
