// What an approver is shown about one pending approval beyond its record: how much is at risk (a protected
// environment, a destructive action), who stands behind the agent, how long is left, and what the task did just before.
import { queryAudit } from "../audit/query.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import type { Approval } from "../store/approval-record.ts";
import { COMMAND_ACTION } from "./approval-rules.ts";
import { approvalView } from "./records.ts";

/** How many of the task's earlier authorize decisions an approver sees next to the request. */
export const RECENT_DECISIONS = 5;

export interface RecentDecision {
  time: string;
  action: string;
  resource: string;
  decision: string;
  reason: string;
}

export async function briefApproval(context: BrokerContext, approval: Approval, nowMs: number) {
  const set = context.scopes.current();
  // An environment or action the running scope set no longer knows is shown at its most dangerous.
  const environmentProtected = set.environments.get(approval.env)?.protected ?? true;
  const destructive =
    approval.kind === "call" &&
    (approval.action === COMMAND_ACTION ||
      approval.destructive === true ||
      (set.actions.get(approval.action)?.destructive ?? true));
  const page = await queryAudit(
    context.store.audit,
    { task: approval.task, environment: approval.env, event: "authorize" },
    // One more than shown: the call waiting for this approval is itself among the task's latest records.
    { order: "desc", limit: RECENT_DECISIONS + 1 },
  );
  const recentDecisions: RecentDecision[] = page.records
    .filter((record) => record.approval !== approval.id)
    .slice(0, RECENT_DECISIONS)
    .map((record) => ({
      time: record.time ?? "",
      action: record.action ?? "",
      resource: record.resource ?? "",
      decision: record.decision ?? "",
      reason: record.reason ?? "",
    }));
  return {
    ...approvalView(approval, nowMs),
    environment_protected: environmentProtected,
    destructive,
    owner: approval.owner,
    /** `webauthn`: only a passkey approves this one. */
    factor: approval.rule.factor ?? "any",
    /** Counted on the broker's clock, so a console whose clock is off still counts down the right time. */
    expires_in_ms: Math.max(0, approval.expiresAt - nowMs),
    recent_decisions: recentDecisions,
  };
}
export type ApprovalBriefing = Awaited<ReturnType<typeof briefApproval>>;
