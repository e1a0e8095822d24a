// Which approval rule a scope names for an approval: per action, for destructive calls, for shell commands, for
// issuance. An approval is decided and spent under the rule as the scope names it now.
import type { Scope } from "../scopes/schema.ts";
import type { ScopeSet } from "../scopes/scope-set.ts";
import type { Approval, ApprovalRule } from "../store/approval-record.ts";

/** The action a shell command approval is opened for. */
export const COMMAND_ACTION = "command:run";

/** Who approves this action under this scope; with no rule nobody can, so the call can never run. */
export function callApprovalRule(scope: Scope, action: string): ApprovalRule {
  return scope.approval.actions?.[action] ?? scope.approval.destructive ?? { approvers: [], quorum: 1 };
}

/** Who approves a shell command the guard flagged; undefined when the scope names no approvers. */
export const commandApprovalRule = (scope: Scope): ApprovalRule | undefined =>
  scope.approval.destructive ?? scope.approval.issue;

/** The rule the scope names for this approval now; null when the scope or its rule is gone. */
export function ruleNow(set: ScopeSet, approval: Approval): ApprovalRule | null {
  const scope = set.scopes.get(approval.scope);
  if (!scope) return null;
  if (approval.kind === "issue") return scope.approval.issue ?? null;
  if (approval.action === COMMAND_ACTION) return commandApprovalRule(scope) ?? null;
  return callApprovalRule(scope, approval.action);
}

/** Same groups (in any order), same quorum, same factor (absent is `any`). */
export function sameRule(left: ApprovalRule, right: ApprovalRule): boolean {
  const groups = (rule: ApprovalRule) => JSON.stringify([...new Set(rule.approvers)].sort());
  return (
    left.quorum === right.quorum &&
    (left.factor ?? "any") === (right.factor ?? "any") &&
    groups(left) === groups(right)
  );
}
