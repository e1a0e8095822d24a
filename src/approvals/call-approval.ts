// Call-level approval: a destructive call in a protected environment waits for a human, then runs once, exactly as approved.
import { agentActor, recordApprovalEvent, SYSTEM_ACTOR } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import {
  APPROVAL_TTL_MS,
  type ApprovalRule,
  type CallApproval,
  callBinding,
  effectiveStatus,
} from "../store/approval-record.ts";
import { actorChain, type TaskTokenClaims } from "../tokens/claims.ts";
import type { HttpRequestShown } from "./http-request.ts";
import { openApproval } from "./open-approval.ts";
import { newApprovalId, updateApproval } from "./records.ts";
import { voidIfStale } from "./stale-rule.ts";
import type { ToolCallShown } from "./tool-call.ts";

export interface CallToApprove {
  action: string;
  resource: string;
  requestHash?: string;
  /** An MCP tool call, shown to the approver; its canonical arguments hash to requestHash (checked by authorize). */
  toolCall?: ToolCallShown;
  /** An HTTP request the proxy holds, shown to the approver; it hashes to requestHash (checked by authorize). */
  httpRequest?: HttpRequestShown;
  /** Destructive by the caller's word (an upstream's destructiveHint), whatever the catalogue says. */
  destructive?: true;
}

export type ApprovalUse = "used" | "denied" | "pending" | "other_call" | "spent";

/** Spends an approval on this exact call, once. Anything but `used` means the call does not run. */
export async function useCallApproval(
  context: BrokerContext,
  approvalId: string,
  claims: TaskTokenClaims,
  call: CallToApprove,
): Promise<ApprovalUse> {
  const nowMs = context.clock.now();
  const stored = await context.store.approvals.get(approvalId);
  if (stored?.kind !== "call") return "spent";
  const binding = callBinding(claims.jti, call.action, call.resource, call.requestHash);
  if (callBinding(stored.jti, stored.action, stored.resource, stored.requestHash) !== binding)
    return "other_call";
  const approval = await voidIfStale(context, stored);
  const status = effectiveStatus(approval, nowMs);
  if (status === "denied") return "denied";
  if (status === "pending") return "pending";
  if (status !== "approved") return "spent";
  let won = false;
  const used = await updateApproval(context, approvalId, (current) => {
    won = effectiveStatus(current, nowMs) === "approved";
    return won ? { ...current, status: "used" } : current;
  });
  if (!won) return "spent";
  await context.store.approvals.unbind(binding, approvalId);
  await recordApprovalEvent(context, "approval.used", used, agentActor(claims.client_id));
  return "used";
}

/**
 * The approval this call is waiting for: the one already open for the same binding, or a new one. A denied binding
 * stays denied until it expires, so an agent cannot wear a human down by asking again.
 */
export async function requestCallApproval(
  context: BrokerContext,
  claims: TaskTokenClaims,
  call: CallToApprove,
  rule: ApprovalRule,
): Promise<{ reason: "approval_required" | "approval_denied"; approvalId: string }> {
  const nowMs = context.clock.now();
  const binding = callBinding(claims.jti, call.action, call.resource, call.requestHash);
  for (let attempt = 0; attempt < 3; attempt++) {
    const candidate = newApprovalId();
    const boundId = await context.store.approvals.bindOnce(binding, candidate, APPROVAL_TTL_MS);
    if (boundId === candidate) {
      const agent = await context.store.getPrincipal(claims.client_id);
      const chain = claims.act ? await delegationOwners(context, claims) : undefined;
      const approval: CallApproval = {
        kind: "call",
        id: candidate,
        version: 1,
        status: "pending",
        env: claims.env,
        scope: claims.scope_id,
        agent: claims.client_id,
        owner: agent?.createdBy ?? null,
        task: claims.task,
        intent: claims.intent,
        rule,
        approvedBy: [],
        deniedBy: null,
        denyReason: null,
        createdAt: nowMs,
        expiresAt: nowMs + APPROVAL_TTL_MS,
        jti: claims.jti,
        action: call.action,
        resource: call.resource,
        requestHash: call.requestHash ?? "",
        ...(call.toolCall ? { toolCall: call.toolCall } : {}),
        ...(call.httpRequest ? { httpRequest: call.httpRequest } : {}),
        ...(call.destructive ? { destructive: true as const } : {}),
        ...chain,
      };
      try {
        await openApproval(context, approval);
      } catch (error) {
        // Not opened (a limit is full): the call may be asked for again once there is room.
        await context.store.approvals.unbind(binding, candidate);
        throw error;
      }
      await recordApprovalEvent(context, "approval.requested", approval, agentActor(claims.client_id));
      context.approvalEvents.emit("approval.requested", approval);
      return { reason: "approval_required", approvalId: candidate };
    }
    const bound = await context.store.approvals.get(boundId);
    const existing = bound ? await voidIfStale(context, bound) : null;
    const status = existing ? effectiveStatus(existing, nowMs) : "expired";
    if (status === "denied") return { reason: "approval_denied", approvalId: boundId };
    if (status === "pending" && existing?.kind === "call" && !existing.toolCall && !existing.httpRequest)
      await showCallOnPending(context, boundId, call);
    if (status === "pending" || status === "approved")
      return { reason: "approval_required", approvalId: boundId };
    // Used or expired: free the binding and open a fresh approval.
    await context.store.approvals.unbind(binding, boundId);
  }
  throw new Error("approval binding kept changing");
}

/**
 * A pending approval opened without the call shown (its token's holder asked leash directly, say) gets it from the
 * first caller that sends it: it hashes to the same request hash (authorize checked), so it is the call the approval is
 * bound to, and a human still deciding sees what runs. An approval already decided is left as it was decided.
 */
async function showCallOnPending(context: BrokerContext, id: string, call: CallToApprove): Promise<void> {
  if (!call.toolCall && !call.httpRequest) return;
  await updateApproval(context, id, (current) =>
    current.kind === "call" &&
    current.status === "pending" &&
    !current.toolCall &&
    !current.httpRequest &&
    current.requestHash === (call.requestHash ?? "")
      ? {
          ...current,
          ...(call.toolCall ? { toolCall: call.toolCall } : {}),
          ...(call.httpRequest ? { httpRequest: call.httpRequest } : {}),
        }
      : current,
  );
}

/** The act chain of a delegated token and every owner of an agent in it (a missing agent has none to exclude). */
async function delegationOwners(
  context: BrokerContext,
  claims: TaskTokenClaims,
): Promise<{ actChain: string[]; chainOwners: string[] }> {
  const actChain = actorChain(claims);
  const agents = await Promise.all(actChain.map((id) => context.store.getPrincipal(id)));
  const owners = agents.map((agent) => agent?.createdBy).filter((owner): owner is string => Boolean(owner));
  return { actChain, chainOwners: [...new Set(owners)] };
}

/** Marks pending approvals whose time ran out as expired (one process wins each), and announces it. */
export async function expireOverdueApprovals(context: BrokerContext): Promise<number> {
  const nowMs = context.clock.now();
  let expired = 0;
  for (const id of await context.store.approvals.pendingIds()) {
    const approval = await context.store.approvals.get(id);
    if (!approval) {
      await context.store.approvals.dropPending(id);
      continue;
    }
    if (approval.status !== "pending" || nowMs < approval.expiresAt) continue;
    let won = false;
    await updateApproval(context, id, (current) => {
      won = current.status === "pending";
      return won ? { ...current, status: "expired" } : current;
    }).catch(() => undefined);
    if (won) {
      expired++;
      await recordApprovalEvent(
        context,
        "approval.expired",
        { ...approval, status: "expired" },
        SYSTEM_ACTOR,
      );
      context.approvalEvents.emit("approval.expired", { ...approval, status: "expired" });
    }
  }
  return expired;
}
