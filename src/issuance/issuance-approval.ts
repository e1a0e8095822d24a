// Issuance approval: a sensitive scope's token is minted only after a human approves, and handed over exactly once.

import { openApproval } from "../approvals/open-approval.ts";
import { approvalView, loadApproval, newApprovalId, updateApproval } from "../approvals/records.ts";
import { voidIfStale } from "../approvals/stale-rule.ts";
import { agentActor, recordApprovalEvent } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { WorkloadIdentity } from "../identity/authenticate-workload.ts";
import { APPROVAL_TTL_MS, effectiveStatus, type IssueApproval } from "../store/approval-record.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Principal } from "../store/store.ts";
import {
  decideGrantRecorded,
  type IssuanceGrant,
  type IssuedToken,
  mintGranted,
} from "./issue-task-token.ts";
import { type MintRequest, mintRequestSchema } from "./mint-request.ts";

export async function requestIssueApproval(
  context: BrokerContext,
  agent: Principal,
  request: MintRequest,
  grant: IssuanceGrant,
  origin: AuditOrigin = {},
): Promise<string> {
  const nowMs = context.clock.now();
  const approval: IssueApproval = {
    kind: "issue",
    id: newApprovalId(),
    version: 1,
    status: "pending",
    env: grant.scope.environment,
    scope: grant.scope.id,
    agent: agent.id,
    owner: agent.createdBy ?? null,
    task: grant.task.id,
    intent: grant.task.intent,
    rule: grant.scope.approval.issue!,
    approvedBy: [],
    deniedBy: null,
    denyReason: null,
    createdAt: nowMs,
    expiresAt: nowMs + APPROVAL_TTL_MS,
    request,
  };
  await openApproval(context, approval);
  await recordApprovalEvent(context, "approval.requested", approval, agentActor(agent.id), origin);
  context.approvalEvents.emit("approval.requested", approval);
  return approval.id;
}

export type IssuanceState =
  | { status: "pending" | "denied" | "expired" | "delivered"; approval: ReturnType<typeof approvalView> }
  | ({ status: "approved"; approval: ReturnType<typeof approvalView> } & Omit<IssuedToken, "status">);

/**
 * What the requesting agent sees of its issuance request. The first read after approval mints the token (against the
 * scope as it is now) and marks the request used, so the token is handed over exactly once.
 */
export async function collectIssuance(
  context: BrokerContext,
  agent: Principal,
  id: string,
  origin: AuditOrigin = {},
  workload?: WorkloadIdentity,
): Promise<IssuanceState> {
  const nowMs = context.clock.now();
  const loaded = await loadApproval(context, id);
  if (loaded.kind !== "issue" || loaded.agent !== agent.id) {
    throw new LeashError("not_your_request", `request ${id} belongs to another agent`);
  }
  const approval = await voidIfStale(context, loaded);
  const status = effectiveStatus(approval, nowMs);
  if (status !== "approved") {
    const shown = status === "used" ? "delivered" : (status as "pending" | "denied" | "expired");
    return { status: shown, approval: approvalView(approval, nowMs) };
  }
  let won = false;
  const used = await updateApproval(context, id, (current) => {
    won = effectiveStatus(current, nowMs) === "approved";
    return won ? { ...current, status: "used" } : current;
  });
  if (!won) return { status: "delivered", approval: approvalView(used, nowMs) };
  await recordApprovalEvent(context, "approval.used", used, agentActor(agent.id), origin);
  const request = mintRequestSchema.parse((approval as IssueApproval).request);
  // Re-checked against the scope as it is now: it may have changed while the request waited.
  const grant = await decideGrantRecorded(context, agent, request, origin, undefined, workload);
  const issued = await mintGranted(context, grant, origin);
  return { ...issued, status: "approved", approval: approvalView(used, nowMs) };
}
