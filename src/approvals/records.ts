// Reading and changing approval records safely: every change is a compare-and-set on the record's version.
import { randomBytes } from "node:crypto";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import { type Approval, effectiveStatus, isApprovalId } from "../store/approval-record.ts";
import { type HttpRequestShown, shownBodyText } from "./http-request.ts";

export const newApprovalId = () => `apr_${randomBytes(15).toString("base64url")}`;

export async function loadApproval(context: BrokerContext, id: string): Promise<Approval> {
  const approval = isApprovalId(id) ? await context.store.approvals.get(id) : null;
  if (!approval) throw new LeashError("approval_not_found", `no approval ${id} (it may have expired)`);
  return approval;
}

/**
 * Applies `change` to the current record and stores it only if nobody changed it in between; re-reads and re-applies on
 * a lost race. `change` may throw to refuse (it sees the fresh record each time).
 */
export async function updateApproval(
  context: BrokerContext,
  id: string,
  change: (current: Approval) => Approval,
): Promise<Approval> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await loadApproval(context, id);
    const next = { ...change(current), version: current.version + 1 } as Approval;
    if (await context.store.approvals.replace(next)) return next;
  }
  throw new LeashError("approval_busy", `approval ${id} is changing too fast; try again`);
}

/** What people and agents are shown: never the original request body or token. */
export function approvalView(approval: Approval, nowMs: number) {
  return {
    id: approval.id,
    kind: approval.kind,
    status: effectiveStatus(approval, nowMs),
    environment: approval.env,
    scope: approval.scope,
    agent: approval.agent,
    task: approval.task,
    intent: approval.intent,
    ...(approval.kind === "call" ? { action: approval.action, resource: approval.resource } : {}),
    ...(approval.kind === "call" && approval.toolCall ? { tool_call: approval.toolCall } : {}),
    ...(approval.kind === "call" && approval.httpRequest
      ? { http_request: httpRequestView(approval.httpRequest) }
      : {}),
    ...(approval.actChain ? { act_chain: approval.actChain } : {}),
    approvers: approval.rule.approvers,
    quorum: approval.rule.quorum,
    approved_by: approval.approvedBy,
    denied_by: approval.deniedBy,
    deny_reason: approval.denyReason,
    requested_at: new Date(approval.createdAt).toISOString(),
    expires_at: new Date(approval.expiresAt).toISOString(),
  };
}
export type ApprovalView = ReturnType<typeof approvalView>;

/** A held HTTP request for people and webhooks: the body as text when it is UTF-8, else as the base64 it was sent as. */
function httpRequestView(shown: HttpRequestShown) {
  const text = shownBodyText(shown);
  return {
    method: shown.method,
    path: shown.path,
    headers: shown.headers,
    ...(text !== undefined
      ? { body: text }
      : shown.body_base64 !== undefined
        ? { body_base64: shown.body_base64 }
        : {}),
  };
}
