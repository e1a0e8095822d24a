// Opening an approval: stored only while the agent's and the task's pending approvals stay under their limits, so
// one token cannot flood approvers (or the store) with requests no human can read.
import type { BrokerContext } from "../context/broker-context.ts";
import { tooManyRequests } from "../errors/leash-error.ts";
import type { Approval } from "../store/approval-record.ts";
import { APPROVAL_RECORD_TTL_MS } from "../store/approval-record.ts";

/** What a broker allows unless configured otherwise (LEASH_MAX_PENDING_APPROVALS_PER_TASK, …_PER_AGENT). */
export const DEFAULT_PENDING_APPROVAL_LIMIT = { perTask: 20, perAgent: 50 } as const;

/** Stores a new pending approval, or refuses with `429 too_many_pending_approvals` when a limit is full. */
export async function openApproval(context: BrokerContext, approval: Approval): Promise<void> {
  const limit = context.pendingApprovalLimit ?? DEFAULT_PENDING_APPROVAL_LIMIT;
  const created = await context.store.approvals.create(approval, APPROVAL_RECORD_TTL_MS, {
    ...limit,
    nowMs: approval.createdAt,
  });
  if (created.created) return;
  context.metrics.approvalsRefused.inc({ limit: created.full });
  const holder = created.full === "task" ? `task ${approval.task}` : `agent ${approval.agent}`;
  throw tooManyRequests(
    "too_many_pending_approvals",
    `${holder} already has ${created.pending} approvals waiting for a human (at most ${limit[created.full === "task" ? "perTask" : "perAgent"]}); wait for one to be decided or to expire`,
    created.retryAfterMs,
  );
}
