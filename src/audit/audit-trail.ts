// What leash records about what happens to it: one audit entry per mint, authorize decision, approval event,
// revocation, principal change and key change. Only identifiers go in (token ids, key ids), never a token, API
// key, TOTP code or secret, password or credential.

import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError, StoreUnavailableError } from "../errors/leash-error.ts";
import type { Approval } from "../store/approval-record.ts";
import type { AuditLog } from "../store/audit.ts";
import type { AuditEntry, AuditEvent, AuditOrigin } from "../store/audit-record.ts";
import type { Lock } from "../store/store.ts";
import type { PrincipalKind, RevocationTarget } from "../store/targets.ts";
import { actorChain, type TaskTokenClaims } from "../tokens/claims.ts";

export const agentActor = (id: string) => `agent:${id}`;
export const humanActor = (id: string) => `human:${id}`;
/** leash itself: expiry sweeps, limits that revoke a task, key loads. */
export const SYSTEM_ACTOR = "system";

/** The record of one authorize call about a verified token; the decision is filled in by whoever decides. */
export function authorizeEntry(
  claims: TaskTokenClaims,
  call: { action: string; resource: string; approval_id?: string; via?: string },
  nowMs: number,
  origin: AuditOrigin,
): AuditEntry {
  return {
    time: nowMs,
    event: "authorize",
    // A delegated token acts through its current actor (act.sub), on behalf of the task's agent.
    actor: claims.act ? claims.act.sub : agentActor(claims.client_id),
    agent: claims.client_id,
    environment: claims.env,
    task: claims.task,
    intent: claims.intent,
    scope: claims.scope_id,
    action: call.action,
    resource: call.resource,
    jti: claims.jti,
    approval: call.approval_id,
    request_id: origin.requestId,
    ...(call.via || claims.depth !== undefined
      ? {
          detail: [call.via, claims.depth === undefined ? undefined : delegationDetail(claims)]
            .filter(Boolean)
            .join("; "),
        }
      : {}),
  };
}

/** A delegated token's place in its tree, for its records: sub-task, parent, chain (root first), depth, act chain. */
export function delegationDetail(claims: TaskTokenClaims): string {
  return [
    `sub_task=${claims.sub_task}`,
    `parent=${claims.parent}`,
    `chain=${(claims.chain ?? []).join(">")}`,
    `depth=${claims.depth}`,
    `act=${actorChain(claims).join("<")}`,
  ].join("; ");
}

/** Appends a record whose decision leash made outside the enforce step (bad token, held or denied call). */
export async function recordDecision(context: BrokerContext, entry: AuditEntry): Promise<void> {
  await context.store.audit.append({ entry });
}

export interface MintAbout {
  agentId: string;
  scope: string;
  environment?: string;
  task?: { id?: string; intent: string };
  /** The workload whose OIDC token asked (instead of the agent's key). */
  workload?: { iss: string; sub: string; binding: string };
}

/** The mint record's detail, naming the workload when one asked. */
function mintDetail(about: MintAbout, parts: string[]): string | undefined {
  const all = about.workload
    ? [...parts, `workload=${about.workload.iss} sub=${about.workload.sub} binding=${about.workload.binding}`]
    : parts;
  return all.length > 0 ? all.join("; ") : undefined;
}

/** A mint's record. Written out in one literal: `{ ...entry, more }` costs V8 microseconds on every mint. */
function mintEntry(
  about: MintAbout,
  nowMs: number,
  origin: AuditOrigin,
  outcome: Pick<AuditEntry, "jti" | "approval" | "detail" | "decision" | "reason">,
): AuditEntry {
  return {
    time: nowMs,
    event: "token.mint",
    actor: agentActor(about.agentId),
    agent: about.agentId,
    environment: about.environment,
    task: about.task?.id,
    intent: about.task?.intent,
    scope: about.scope,
    jti: outcome.jti,
    approval: outcome.approval,
    request_id: origin.requestId,
    detail: outcome.detail,
    decision: outcome.decision,
    reason: outcome.reason,
  };
}

export async function recordMintGranted(
  context: BrokerContext,
  about: MintAbout,
  claims: TaskTokenClaims,
  withCredentials: boolean,
  origin: AuditOrigin,
): Promise<void> {
  const parts = [`actions=${claims.scope}`, `expires=${new Date(claims.exp * 1000).toISOString()}`];
  if (withCredentials) parts.push("vault_credentials=issued");
  if (claims.depth !== undefined) parts.push(`exchange: ${delegationDetail(claims)}`);
  const entry = mintEntry(about, context.clock.now(), origin, {
    jti: claims.jti,
    detail: mintDetail(about, parts),
    decision: "allow",
    reason: "ok",
  });
  await context.store.audit.append({ entry });
}

export async function recordMintPending(
  context: BrokerContext,
  about: MintAbout,
  requestId: string,
  origin: AuditOrigin,
): Promise<void> {
  const entry = mintEntry(about, context.clock.now(), origin, {
    approval: requestId,
    detail: mintDetail(about, []),
    decision: "pending",
    reason: "approval_required",
  });
  await context.store.audit.append({ entry });
}

/** A refused mint, with the refusal's code; store outages are not refusals (nothing could be recorded anyway). */
export async function recordMintRefused(
  context: BrokerContext,
  about: MintAbout,
  error: unknown,
  origin: AuditOrigin,
): Promise<void> {
  if (!(error instanceof LeashError) || error instanceof StoreUnavailableError) return;
  const entry = mintEntry(about, context.clock.now(), origin, {
    detail: mintDetail(about, [error.message]),
    decision: "deny",
    reason: error.code,
  });
  await context.store.audit.append({ entry });
}

const APPROVAL_DECISIONS: Record<string, string> = {
  requested: "pending",
  partially_approved: "pending",
  approved: "allow",
  denied: "deny",
  expired: "deny",
  used: "allow",
  cancelled: "deny",
};

export type ApprovalAuditEvent = Extract<AuditEvent, `approval.${string}`>;

export async function recordApprovalEvent(
  context: BrokerContext,
  event: ApprovalAuditEvent,
  approval: Approval,
  actor: string,
  origin: AuditOrigin = {},
): Promise<void> {
  const verb = event.slice("approval.".length);
  const entry: AuditEntry = {
    time: context.clock.now(),
    event,
    actor,
    agent: approval.agent,
    environment: approval.env,
    task: approval.task,
    intent: approval.intent,
    scope: approval.scope,
    ...(approval.kind === "call"
      ? { action: approval.action, resource: approval.resource, jti: approval.jti }
      : {}),
    approval: approval.id,
    request_id: origin.requestId,
    detail: [
      `kind=${approval.kind}`,
      `approvers=${approval.rule.approvers.join(",")}`,
      `quorum=${approval.rule.quorum}`,
      ...(approval.approvedBy.length > 0 ? [`approved_by=${approval.approvedBy.join(",")}`] : []),
    ].join("; "),
    decision: APPROVAL_DECISIONS[verb] ?? "",
    reason:
      event === "approval.denied" || event === "approval.cancelled" ? (approval.denyReason ?? verb) : verb,
  };
  context.metrics.approvalEvents.inc({ event: verb });
  await context.store.audit.append({ entry });
}

/** The record of a revocation marker in one environment (appended with the marker, in the same round trip). */
export function revocationEntry(
  target: RevocationTarget,
  env: string,
  reason: string,
  actor: string,
  nowMs: number,
  origin: AuditOrigin,
): AuditEntry {
  return {
    time: nowMs,
    event: "revocation",
    actor,
    environment: env,
    resource: `${target.kind}:${target.value}`,
    ...(target.kind === "jti" ? { jti: target.value } : {}),
    ...(target.kind === "task" ? { task: target.value } : {}),
    ...(target.kind === "agent" ? { agent: target.value } : {}),
    ...(target.kind === "scope" ? { scope: target.value } : {}),
    request_id: origin.requestId,
    decision: "revoked",
    reason,
  };
}

/** A lock put in force or lifted; in the global chain (a lock may span environments). */
export function lockEntry(
  verb: "create" | "remove",
  lock: Lock,
  actor: string,
  nowMs: number,
  origin: AuditOrigin,
): AuditEntry {
  const { target } = lock;
  return {
    time: nowMs,
    event: `lock.${verb}`,
    actor,
    ...(target.kind === "agent" ? { agent: target.value } : {}),
    ...(target.kind === "scope" ? { scope: target.value } : {}),
    ...(target.kind === "environment" ? { environment: target.value } : {}),
    resource: `${target.kind}:${target.value}`,
    request_id: origin.requestId,
    detail: [
      `lock=${lock.id}`,
      `expires=${lock.expiresAt === null ? "never" : new Date(lock.expiresAt).toISOString()}`,
      `environments=${lock.environments.join(",")}`,
    ].join("; "),
    decision: verb === "create" ? "locked" : "unlocked",
    reason: lock.reason,
  };
}

export type PrincipalVerb =
  | "create"
  | "disable"
  | "enable"
  | "rotate_key"
  | "totp_enrol"
  | "totp_confirm"
  | "passkey_enrol";

export interface PrincipalSubject {
  kind: PrincipalKind;
  id: string;
  roles?: string[];
  scopes?: string[];
}

/** Agent and human changes go to the global chain: they belong to no environment. */
export function principalChangeEntry(
  verb: PrincipalVerb,
  subject: PrincipalSubject,
  actor: string,
  nowMs: number,
  origin: AuditOrigin = {},
): AuditEntry {
  const detail =
    verb !== "create"
      ? undefined
      : subject.kind === "agent"
        ? `scopes=${(subject.scopes ?? []).join(",")}`
        : `roles=${(subject.roles ?? []).join(",")}`;
  return {
    time: nowMs,
    event: `${subject.kind}.${verb}`,
    actor,
    ...(subject.kind === "agent" ? { agent: subject.id } : {}),
    resource: `${subject.kind}:${subject.id}`,
    request_id: origin.requestId,
    detail,
    decision: "ok",
  };
}

export async function recordPrincipalChange(
  context: BrokerContext,
  verb: PrincipalVerb,
  subject: PrincipalSubject,
  actor: string,
  origin: AuditOrigin,
): Promise<void> {
  await context.store.audit.append({
    entry: principalChangeEntry(verb, subject, actor, context.clock.now(), origin),
  });
}

/** A signing key change in one environment: made by `leash keys rotate`, or put in use by a broker's reload. */
export async function recordKeyEvent(
  audit: AuditLog,
  event: "key.rotate" | "key.activate",
  env: string,
  detail: string,
  actor: string,
  nowMs: number,
): Promise<void> {
  await audit.append({
    entry: { time: nowMs, event, actor, environment: env, detail, decision: "ok" },
  });
}

/**
 * A wrong TOTP code (`totp.failed`) or the lock it caused (`totp.locked`), in the global chain. Never the code:
 * the reason, the count in the window and, when locked, until when.
 */
export async function recordTotpEvent(
  context: BrokerContext,
  event: "totp.failed" | "totp.locked",
  humanId: string,
  detail: string,
  reason: string,
  origin: AuditOrigin = {},
): Promise<void> {
  await context.store.audit.append({
    entry: {
      time: context.clock.now(),
      event,
      actor: humanActor(humanId),
      resource: `human:${humanId}`,
      request_id: origin.requestId,
      detail,
      decision: "deny",
      reason,
    },
  });
}
