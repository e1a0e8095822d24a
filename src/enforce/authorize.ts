// The one decision every agent action passes: token, generation, revocation, grants, environment, blast radius, approval.

import { randomBytes } from "node:crypto";
import { callApprovalRule } from "../approvals/approval-rules.ts";
import { requestCallApproval, useCallApproval } from "../approvals/call-approval.ts";
import { type HttpRequestShown, httpRequestShownProblem } from "../approvals/http-request.ts";
import { type ToolCallShown, toolCallShownProblem } from "../approvals/tool-call.ts";
import { authorizeEntry, recordDecision, revocationEntry, SYSTEM_ACTOR } from "../audit/audit-trail.ts";
import { recordUnauthenticatedRefusal } from "../audit/unauthenticated-refusals.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import { isCanonicalResource } from "../scopes/glob-containment.ts";
import { matchesResource } from "../scopes/resource-glob.ts";
import { resourceNotCanonical } from "../scopes/resource-name.ts";
import type { BlastRadiusLimit, Environment, Scope } from "../scopes/schema.ts";
import type { ScopeSet } from "../scopes/scope-set.ts";
import type { AuditEntry, AuditOrigin } from "../store/audit-record.ts";
import type { EnforcementCheck, EnforcementOutcome, LimitCounter } from "../store/store.ts";
import { actorChain, grantedActions, type TaskTokenClaims } from "../tokens/claims.ts";
import { TokenVerificationError } from "../tokens/verify-task-token.ts";
import { revocationTtlMs } from "./revoke.ts";
import { verifyBrokerToken } from "./verify-broker-token.ts";

export interface AuthorizeInput {
  token: string;
  action: string;
  resource: string;
  request_hash?: string;
  /** The approval a human gave for this exact call (`Leash-Approval`). */
  approval_id?: string;
  /**
   * The caller knows this call is destructive (an MCP tool its server annotates so) even if the catalogue says
   * otherwise. It can only make the decision stricter: counted by destructive limits, held in protected environments.
   */
  destructive?: boolean;
  /** What the call came through, for the audit record (an MCP gateway's `mcp <upstream>/<tool>`). */
  via?: string;
  /** An MCP tool call as an approver is shown it: refused unless it hashes to request_hash. */
  tool_call?: ToolCallShown;
  /** An HTTP request the proxy holds, as an approver is shown it: refused unless it hashes to request_hash. */
  http_request?: HttpRequestShown;
}

export interface AuthorizeDecision {
  allow: boolean;
  reason: string;
  /** Present once the token verified: who and what the decision was about. */
  jti?: string;
  task?: string;
  agent?: string;
  environment?: string;
  /** The counter that was full, for `rate_limited`. */
  limit?: string;
  /** True when this call's limit breach revoked the whole task. */
  task_revoked?: boolean;
  /** Set when a human must approve this exact call first. */
  approval_id?: string;
  /** Token verification detail, for refusals before the token was trusted. */
  detail?: string;
}

/** Token problems a caller can act on differently; everything else about a bad token is `invalid_token`. */
export function tokenReason(error: TokenVerificationError): string {
  if (error.code === "token_expired") return "expired";
  if (error.code === "wrong_environment") return "wrong_environment";
  if (error.code === "invalid_issuer") return "invalid_issuer";
  if (error.code === "token_not_yet_valid") return "not_yet_valid";
  return "invalid_token";
}

/** What the token and the scope as it is now say about this call, without I/O; null when both grant it. */
export function grantDenial(
  set: ScopeSet,
  claims: TaskTokenClaims,
  action: string,
  resource: string,
): string | null {
  const scope = set.scopes.get(claims.scope_id);
  if (!scope) return "scope_removed";
  const environment = set.environments.get(claims.env);
  if (!environment || scope.environment !== claims.env) return "wrong_environment";
  const catalogued = set.actions.get(action);
  if (!catalogued?.grantable || !grantedActions(claims).includes(action) || !scope.actions.includes(action)) {
    return "action_not_granted";
  }
  // A delegated token's resources were proved narrower than its parent's for canonical resources only.
  if (claims.depth !== undefined && !isCanonicalResource(resource)) return "resource_not_granted";
  // A resource outside the token's environment is `wrong_environment` even when a (mis-written) scope glob covers it.
  if (!matchesResource(environment.resources, resource)) return "wrong_environment";
  if (!matchesResource(claims.resources, resource) || !matchesResource(scope.resources, resource)) {
    return "resource_not_granted";
  }
  return null;
}

const limitApplies = (limit: BlastRadiusLimit, action: string, destructive: boolean) =>
  "action" in limit.match ? limit.match.action === action : destructive;

/** Whose calls a counter counts: the token's agent, task, scope and environment. */
export type CounterSubject = Pick<TaskTokenClaims, "client_id" | "task" | "scope_id" | "env">;

function keyValue(limit: BlastRadiusLimit, claims: CounterSubject): string {
  switch (limit.key) {
    case "task":
      // Per agent as well: even a task id two agents somehow both hold never shares a budget (or a revoke_task).
      return `${claims.client_id}/${claims.task}`;
    case "agent":
      return claims.client_id;
    case "scope":
      return claims.scope_id;
    case "environment":
      return claims.env;
  }
}

/** A limit as its counter for one subject; `owner` names whose limit it is (`scope:<id>` or `env:<name>`). */
export interface BudgetCounter extends LimitCounter {
  owner: string;
  limit: BlastRadiusLimit;
}

/** Every counter a subject's calls under this scope can be counted against, whatever the action: its budget. */
export function budgetCounters(
  scope: Scope,
  environment: Environment,
  subject: CounterSubject,
): BudgetCounter[] {
  const counters = (owner: string, limits: BlastRadiusLimit[]) =>
    limits.map((limit, index) => ({
      owner,
      limit,
      key: `${owner}:${index}:${limit.key}:${keyValue(limit, subject)}`,
      max: limit.max,
      windowMs: limit.per,
      onExceed: limit.on_exceed,
    }));
  return [
    ...counters(`scope:${scope.id}`, scope.limits),
    ...counters(`env:${environment.name}`, environment.limits),
  ];
}

/** Every counter this call must fit in: the scope's limits and the environment's. */
export function limitCounters(
  scope: Scope,
  environment: Environment,
  claims: TaskTokenClaims,
  action: string,
  destructive: boolean,
): LimitCounter[] {
  const counters = (owner: string, limits: BlastRadiusLimit[]) =>
    limits.flatMap((limit, index) =>
      limitApplies(limit, action, destructive)
        ? [
            {
              key: `${owner}:${index}:${limit.key}:${keyValue(limit, claims)}`,
              max: limit.max,
              windowMs: limit.per,
              onExceed: limit.on_exceed,
            },
          ]
        : [],
    );
  return [
    ...counters(`scope:${scope.id}`, scope.limits),
    ...counters(`env:${environment.name}`, environment.limits),
  ];
}

/** Unique across processes (random per-process prefix) without paying for randomness on every call (6% of CPU). */
const EVENT_ID_PREFIX = `${randomBytes(9).toString("base64url")}.`;
let eventCounter = 0;
const nextEventId = () => EVENT_ID_PREFIX + eventCounter++;

/**
 * The enforce step for a token: its generation and every revocation that may cover it, then `limits` (none: nothing
 * is counted). Every field is set, so every check has one shape.
 */
export function tokenCheck(
  context: BrokerContext,
  claims: TaskTokenClaims,
  eventId: string,
  limits: LimitCounter[] = [],
): EnforcementCheck {
  return {
    env: claims.env,
    generation: claims.gen,
    jti: claims.jti,
    task: claims.task,
    agent: claims.client_id,
    scope: claims.scope_id,
    issuedAtMs: claims.iat * 1000,
    nowMs: context.clock.now(),
    lineage: claims.chain ? tokenLineage(claims) : undefined,
    denyReason: undefined,
    limits,
    holdReason: undefined,
    taskRevocationTtlMs: revocationTtlMs(context),
    eventId,
    audit: undefined,
  };
}

/** The ancestors a delegated token dies with: their jtis, and the agents of its act chain besides its own. */
export function tokenLineage(claims: TaskTokenClaims): { jtis: string[]; agents: string[] } {
  const agents = new Set(actorChain(claims));
  agents.delete(claims.client_id);
  return { jtis: claims.chain ?? [], agents: [...agents] };
}

/**
 * Every call leaves exactly one audit record: appended by the enforce step itself (same script, same round trip),
 * or, when leash decides without it or after it (bad token, held call), right after deciding.
 */
export async function authorize(
  context: BrokerContext,
  input: AuthorizeInput,
  origin: AuditOrigin = {},
): Promise<AuthorizeDecision> {
  // Before anything else (and before anything is recorded): a resource spelled another way than the canonical one
  // is a malformed request, never matched against globs nor normalised.
  const notCanonical = resourceNotCanonical(input.resource);
  if (notCanonical) {
    throw new LeashError("resource_not_canonical", `the resource is not canonical: ${notCanonical}`, {
      grammar: "scopes/README.md#resources",
    });
  }
  // What an approver would be shown must be exactly the call the approval is bound to, or nothing is decided.
  const toolCallProblem = input.tool_call ? toolCallShownProblem(input.tool_call, input.request_hash) : null;
  if (toolCallProblem) throw new LeashError("tool_call_mismatch", `tool_call: ${toolCallProblem}`);
  if (input.http_request) {
    const problem = input.tool_call
      ? "a call is shown as a tool call or as an HTTP request, not both"
      : httpRequestShownProblem(input.http_request, input.request_hash);
    if (problem) throw new LeashError("http_request_mismatch", `http_request: ${problem}`);
  }
  let claims: TaskTokenClaims;
  try {
    claims = await verifyBrokerToken(context, input.token);
  } catch (error) {
    if (error instanceof TokenVerificationError) {
      const reason = tokenReason(error);
      // Nothing in an unverified token is trusted: no agent, no environment (the global chain), no token id. Nobody is
      // identified either, so the refusal is tallied per source and reason: one record per window, not per request.
      await recordUnauthenticatedRefusal(context, {
        event: "authorize",
        source: origin.source ?? "unknown",
        reason,
        action: input.action,
        resource: input.resource,
        detail: `token: ${error.code}`,
      });
      return { allow: false, reason, detail: error.message };
    }
    throw error;
  }
  const set = context.scopes.current();
  const denyReason = grantDenial(set, claims, input.action, input.resource);
  const scope = set.scopes.get(claims.scope_id);
  const environment = set.environments.get(claims.env);
  const destructive = (set.actions.get(input.action)?.destructive ?? true) || input.destructive === true;
  const limits =
    !denyReason && scope && environment
      ? limitCounters(scope, environment, claims, input.action, destructive)
      : [];
  const needsApproval = !denyReason && destructive && environment?.protected === true;

  const check = tokenCheck(context, claims, nextEventId(), limits);
  check.denyReason = denyReason ?? undefined;
  const entry = authorizeEntry(claims, input, check.nowMs, origin);
  const about = { jti: claims.jti, task: claims.task, agent: claims.client_id, environment: claims.env };
  // A held call checks everything up to the budget without consuming it; only an approved call spends budget.
  check.holdReason = needsApproval ? "approval_required" : undefined;
  check.audit = { entry, skipWhenHeld: true };
  const outcome = await context.store.enforce(check);
  if (outcome.reason !== "approval_required" || !scope)
    return decided(context, decision(outcome, about), entry);

  const call = {
    action: input.action,
    resource: input.resource,
    requestHash: input.request_hash,
    ...(input.tool_call ? { toolCall: input.tool_call } : {}),
    ...(input.http_request ? { httpRequest: input.http_request } : {}),
    ...(input.destructive === true ? { destructive: true as const } : {}),
  };
  if (input.approval_id) {
    const use = await useCallApproval(context, input.approval_id, claims, call);
    if (use === "used") {
      const approved = await context.store.enforce({
        ...check,
        holdReason: undefined,
        audit: { entry, skipWhenHeld: false },
      });
      return decided(context, decision(approved, about), entry);
    }
    if (use === "denied" || use === "other_call") {
      // An approval presented for another call than the one it was given for is a mismatch, not a human's no.
      const reason = use === "denied" ? "approval_denied" : "approval_mismatch";
      await recordDecision(context, { ...entry, decision: "deny", reason });
      return { allow: false, reason, ...about };
    }
  }
  const pending = await requestCallApproval(
    context,
    claims,
    call,
    callApprovalRule(scope, input.action),
  ).catch(async (error: unknown) => {
    // Too many approvals already wait for this task or agent: the call is refused (429), and recorded as such.
    if (error instanceof LeashError && error.status === 429)
      await recordDecision(context, { ...entry, decision: "deny", reason: error.code });
    throw error;
  });
  await recordDecision(context, {
    ...entry,
    approval: pending.approvalId,
    decision: "deny",
    reason: pending.reason,
  });
  return { allow: false, reason: pending.reason, approval_id: pending.approvalId, ...about };
}

/** After the enforce step recorded the decision: a limit that revoked the task is recorded as a revocation too. */
async function decided(
  context: BrokerContext,
  result: AuthorizeDecision,
  entry: AuditEntry,
): Promise<AuthorizeDecision> {
  if (result.task_revoked && entry.environment && entry.task) {
    context.metrics.revocations.inc({ kind: "task_limit" });
    const reason = `limit ${result.limit ?? ""} exceeded (on_exceed: revoke_task)`;
    await recordDecision(context, {
      ...revocationEntry(
        { kind: "task", value: entry.task },
        entry.environment,
        reason,
        SYSTEM_ACTOR,
        entry.time,
        {
          requestId: entry.request_id,
        },
      ),
      agent: entry.agent,
      jti: entry.jti,
    });
  }
  return result;
}

function decision(
  outcome: EnforcementOutcome,
  about: Pick<AuthorizeDecision, "jti" | "task" | "agent" | "environment">,
): AuthorizeDecision {
  const result: AuthorizeDecision = {
    allow: outcome.allow,
    reason: outcome.reason,
    jti: about.jti,
    task: about.task,
    agent: about.agent,
    environment: about.environment,
  };
  if (outcome.limit) result.limit = outcome.limit;
  if (outcome.taskRevoked) result.task_revoked = true;
  return result;
}
