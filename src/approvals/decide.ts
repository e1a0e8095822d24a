// A human approves (with a fresh TOTP code) or denies. Who may: an approver of a listed group who is independent of
// the agent's owners (neither an owner, nor anyone an owner made, nor anyone who made an owner, however indirectly;
// whoever re-keyed an agent owns it, and a re-key counts as making); a quorum counts only approvers independent of
// each other.
import type { AuthenticationResponseJSON } from "@simplewebauthn/server";
import { humanActor, recordApprovalEvent } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import { type ChainLink, chainIds, creatorChain } from "../principals/creator-chain.ts";
import { acceptTotp } from "../principals/totp.ts";
import { type Approval, callBinding, effectiveStatus } from "../store/approval-record.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Principal } from "../store/store.ts";
import { acceptPasskey } from "./passkeys.ts";
import { loadApproval, updateApproval } from "./records.ts";
import { requireCurrentRule } from "./stale-rule.ts";

export const approverGroups = (human: Principal) =>
  human.roles.filter((role) => role.startsWith("approver:")).map((role) => role.slice("approver:".length));

/** Someone who holds or held the key of an agent this approval is for, so owns it. */
interface AgentOwner {
  id: string;
  /** What they own, for messages: `agent a` or `an agent in this call's delegation chain`. */
  owns: string;
  /** How: `created` or `re-keyed`. */
  how: string;
}

/**
 * Everyone who owns an agent this approval is for: each agent's creator (kept on the approval, so one since deleted
 * still counts) and, read now, whoever re-keyed the agent, since being handed its key they can act as it.
 */
async function agentOwners(
  approval: Approval,
  read: (id: string) => Promise<Principal | null>,
): Promise<AgentOwner[]> {
  const delegated = "an agent in this call's delegation chain";
  const owners: AgentOwner[] = [
    ...(approval.owner !== null
      ? [{ id: approval.owner, owns: `agent ${approval.agent}`, how: "created" }]
      : []),
    ...(approval.chainOwners ?? []).map((id) => ({ id, owns: delegated, how: "created" })),
  ];
  const agents = [approval.agent, ...(approval.actChain ?? []).filter((id) => id !== approval.agent)];
  for (const agentId of agents) {
    const agent = await read(agentId);
    if (agent?.kind !== "agent") continue;
    const owns = agentId === approval.agent ? `agent ${approval.agent}` : delegated;
    for (const { by } of agent.rekeyedBy ?? []) owners.push({ id: by, owns, how: "re-keyed" });
  }
  return owners;
}

/**
 * Whether this human may decide on this approval at all; throws the reason when not. Returns the human's chain of
 * creators (nearest first), which the quorum check reuses.
 */
export async function checkEligible(
  context: BrokerContext,
  human: Principal,
  approval: Approval,
): Promise<ChainLink[]> {
  if (human.kind !== "human") throw new LeashError("human_key_required", "only a human can approve");
  if (!approverGroups(human).some((group) => approval.rule.approvers.includes(group))) {
    throw new LeashError(
      "not_an_approver",
      `approving needs the role approver:${approval.rule.approvers.join(" or approver:")}`,
    );
  }
  const cache = new Map<string, Promise<Principal | null>>();
  const read = (id: string) => {
    let principal = cache.get(id);
    if (!principal) {
      principal = context.store.getPrincipal(id);
      cache.set(id, principal);
    }
    return principal;
  };
  const owners = await agentOwners(approval, read);
  const chain = await creatorChain(context.store, human, { read });
  for (const owner of owners) {
    if (owner.id === human.id) {
      throw new LeashError(
        "owner_cannot_approve",
        `${human.id} ${owner.how} ${owner.owns} and cannot approve its requests`,
      );
    }
    // The owner made this human, directly or not, or was handed the key of someone who did.
    const madeByOwner = chain.find((link) => link.id === owner.id);
    if (madeByOwner) {
      throw new LeashError(
        "owner_cannot_approve",
        `${human.id} was ${madeByOwner.path.join(", ")}, who ${owner.how} ${owner.owns}, and cannot approve its requests`,
      );
    }
  }
  // Whoever made an owner (directly or not), or was handed an owner's key, can act as that owner, so owns its agents.
  for (const owner of owners) {
    const principal = await read(owner.id);
    const ownerChain = principal
      ? await creatorChain(context.store, principal, { ownRekeyers: true, read })
      : [];
    const link = ownerChain.find((candidate) => candidate.id === human.id);
    if (link) {
      throw new LeashError(
        "owner_cannot_approve",
        `${owner.id} (who ${owner.how} ${owner.owns}) was ${link.path.join(", ")}, so ${human.id} can act as them and cannot approve its requests`,
      );
    }
  }
  return chain;
}

/**
 * A quorum counts humans independent of each other: refuses when an earlier approver made this one (directly or
 * not, or through a key they were handed), or this one made an earlier approver.
 */
async function checkIndependentOf(
  context: BrokerContext,
  human: Principal,
  chain: ChainLink[],
  earlierApprovers: string[],
): Promise<void> {
  for (const earlier of earlierApprovers) {
    const earlierPrincipal = await context.store.getPrincipal(earlier);
    const earlierChain = earlierPrincipal ? await creatorChain(context.store, earlierPrincipal) : [];
    if (chainIds(chain).includes(earlier) || chainIds(earlierChain).includes(human.id)) {
      throw new LeashError(
        "approver_not_independent",
        `${human.id} and ${earlier} (who already approved) are one's creation of the other; the quorum needs independent approvers`,
      );
    }
  }
}

/** The earlier approvers who are still enabled humans. */
async function stillEnabled(context: BrokerContext, approvers: string[]): Promise<string[]> {
  const principals = await Promise.all(approvers.map((id) => context.store.getPrincipal(id)));
  return approvers.filter((_id, index) => {
    const principal = principals[index];
    return principal?.kind === "human" && !principal.disabled;
  });
}

export function requirePending(approval: Approval, nowMs: number): void {
  const status = effectiveStatus(approval, nowMs);
  if (status !== "pending")
    throw new LeashError("approval_not_pending", `approval ${approval.id} is ${status}`);
}

/** The second factor an approver presents: a TOTP code, or a passkey's answer to a challenge for this approval. */
export type ApprovalFactor = { totp: string } | { webauthn: AuthenticationResponseJSON };

/** Refuses a TOTP code where the approval's rule asks for a passkey. */
function requireFactorAllowed(approval: Approval, factor: ApprovalFactor): void {
  if (approval.rule.factor === "webauthn" && "totp" in factor) {
    throw new LeashError(
      "passkey_required",
      `approving this request needs a passkey (scope ${approval.scope} says factor: webauthn); a TOTP code is not enough`,
    );
  }
}

export async function approve(
  context: BrokerContext,
  human: Principal,
  id: string,
  factor: ApprovalFactor,
  origin: AuditOrigin = {},
): Promise<Approval> {
  const nowMs = context.clock.now();
  const before = await loadApproval(context, id);
  const chain = await checkEligible(context, human, before);
  await requireCurrentRule(context, before);
  requirePending(before, nowMs);
  if (before.approvedBy.includes(human.id)) {
    throw new LeashError("already_approved", `${human.id} already approved; quorum needs another approver`);
  }
  const counted = await stillEnabled(context, before.approvedBy);
  await checkIndependentOf(context, human, chain, counted);
  requireFactorAllowed(before, factor);
  if ("totp" in factor) await acceptTotp(context, human, factor.totp, nowMs, { origin });
  else await acceptPasskey(context, human, before, factor.webauthn);
  const after = await updateApproval(context, id, (current) => {
    requirePending(current, nowMs);
    if (current.approvedBy.includes(human.id))
      throw new LeashError("already_approved", `${human.id} already approved`);
    // Someone approved between the independence check and now: it was not checked against them.
    if (current.approvedBy.some((earlier) => !before.approvedBy.includes(earlier)))
      throw new LeashError(
        "approval_changed",
        "another approver decided meanwhile; approve again with a new code",
      );
    // An approver disabled since they approved (a key found stolen, say) no longer counts towards the quorum.
    const approvedBy = [...current.approvedBy.filter((earlier) => counted.includes(earlier)), human.id];
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
  const before = await loadApproval(context, id);
  await checkEligible(context, human, before);
  await requireCurrentRule(context, before);
  const after = await updateApproval(context, id, (current) => {
    requirePending(current, nowMs);
    return { ...current, status: "denied", deniedBy: human.id, denyReason: reason };
  });
  await recordApprovalEvent(context, "approval.denied", after, humanActor(human.id), origin);
  context.approvalEvents.emit("approval.denied", after);
  return after;
}

/**
 * The asking agent withdraws a pending call approval nobody waits for any more (its hook or proxy gave up), so a
 * human cannot approve what no one would use: it becomes `cancelled`, and the same call may be asked for afresh.
 */
export async function withdrawApproval(
  context: BrokerContext,
  id: string,
  actor: string,
  reason: string,
  origin: AuditOrigin = {},
): Promise<Approval> {
  const nowMs = context.clock.now();
  const after = await updateApproval(context, id, (current) => {
    if (current.kind !== "call")
      throw new LeashError("approval_not_withdrawable", "an issuance request ends by expiring or a decision");
    requirePending(current, nowMs);
    return { ...current, status: "cancelled", denyReason: reason };
  });
  if (after.kind === "call") {
    await context.store.approvals.unbind(
      callBinding(after.jti, after.action, after.resource, after.requestHash),
      after.id,
    );
  }
  await recordApprovalEvent(context, "approval.cancelled", after, actor, origin);
  context.approvalEvents.emit("approval.cancelled", after);
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
