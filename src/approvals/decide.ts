// A human approves (with a fresh TOTP code) or denies. Who may: an approver of a listed group, never the agent's owner.
import { humanActor, recordApprovalEvent } from "../audit/audit-trail.ts";
import type { AuditOrigin } from "../audit/record.ts";
import type { BrokerContext } from "../broker/context.ts";
import { conflict, forbidden } from "../errors/leash-error.ts";
import type { Principal } from "../store/store.ts";
import { type Approval, effectiveStatus } from "./approval.ts";
import { loadApproval, updateApproval } from "./records.ts";
import { acceptTotp } from "./totp.ts";

const approverGroups = (human: Principal) =>
  human.roles.filter((role) => role.startsWith("approver:")).map((role) => role.slice("approver:".length));

/** Whether this human may decide on this approval at all; throws the reason when not. */
export function checkEligible(human: Principal, approval: Approval): void {
  if (human.kind !== "human") throw forbidden("human_key_required", "only a human can approve");
  if (!approverGroups(human).some((group) => approval.rule.approvers.includes(group))) {
    throw forbidden(
      "not_an_approver",
      `approving needs the role approver:${approval.rule.approvers.join(" or approver:")}`,
    );
  }
  if (approval.owner !== null && human.id === approval.owner) {
    throw forbidden(
      "owner_cannot_approve",
      `${human.id} created agent ${approval.agent} and cannot approve its requests`,
    );
  }
}

function requirePending(approval: Approval, nowMs: number): void {
  const status = effectiveStatus(approval, nowMs);
  if (status !== "pending") throw conflict("approval_not_pending", `approval ${approval.id} is ${status}`);
}

export async function approve(
  context: BrokerContext,
  human: Principal,
  id: string,
  code: string,
  origin: AuditOrigin = {},
): Promise<Approval> {
  const nowMs = context.clock.now();
  const before = await loadApproval(context, id);
  checkEligible(human, before);
  requirePending(before, nowMs);
  if (before.approvedBy.includes(human.id)) {
    throw conflict("already_approved", `${human.id} already approved; quorum needs another approver`);
  }
  await acceptTotp(context, human, code, nowMs, { origin });
  const after = await updateApproval(context, id, (current) => {
    requirePending(current, nowMs);
    if (current.approvedBy.includes(human.id))
      throw conflict("already_approved", `${human.id} already approved`);
    const approvedBy = [...current.approvedBy, human.id];
    return {
      ...current,
      approvedBy,
      status: approvedBy.length >= current.rule.quorum ? "approved" : "pending",
    };
  });
  const event = after.status === "approved" ? "approval.approved" : "approval.partially_approved";
  await recordApprovalEvent(context, event, after, humanActor(human.id), origin);
  context.approvalEvents.emit(event, after);
  return after;
}

export async function deny(
  context: BrokerContext,
  human: Principal,
  id: string,
  reason: string,
  origin: AuditOrigin = {},
): Promise<Approval> {
  const nowMs = context.clock.now();
  checkEligible(human, await loadApproval(context, id));
  const after = await updateApproval(context, id, (current) => {
    requirePending(current, nowMs);
    return { ...current, status: "denied", deniedBy: human.id, denyReason: reason };
  });
  await recordApprovalEvent(context, "approval.denied", after, humanActor(human.id), origin);
  context.approvalEvents.emit("approval.denied", after);
  return after;
}

/** Pending approvals this human could decide on (admins and security see all). */
export async function listPendingFor(context: BrokerContext, human: Principal): Promise<Approval[]> {
  const nowMs = context.clock.now();
  const seesAll = human.roles.includes("admin") || human.roles.includes("security");
  const groups = approverGroups(human);
  const ids = await context.store.approvals.pendingIds();
  const approvals = await Promise.all(ids.map((id) => context.store.approvals.get(id)));
  return approvals.filter(
    (approval): approval is Approval =>
      approval !== null &&
      effectiveStatus(approval, nowMs) === "pending" &&
      (seesAll || approval.rule.approvers.some((group) => groups.includes(group))),
  );
}
