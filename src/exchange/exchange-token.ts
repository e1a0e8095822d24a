// Token exchange (RFC 8693): a task token becomes a child token for a sub-agent that can only narrow the parent's
// grant, stays in the parent's task and environment, and dies with every ancestor.
import { agentActor, type MintAbout, recordMintGranted, recordMintRefused } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { tokenCheck } from "../enforce/authorize.ts";
import { verifyBrokerToken } from "../enforce/verify-broker-token.ts";
import { LeashError } from "../errors/leash-error.ts";
import { authenticateApiKey } from "../principals/authenticate.ts";
import { provablyContained } from "../scopes/glob-containment.ts";
import { globContainedInAny, matchesResource } from "../scopes/resource-glob.ts";
import type { ScopeSet } from "../scopes/scope-set.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Principal } from "../store/store.ts";
import { recordLiveToken } from "../tasks/live-tasks.ts";
import {
  type ActorClaim,
  actorChain,
  DEFAULT_MAX_DELEGATION_DEPTH,
  environmentAudience,
  grantedActions,
  MAX_DELEGATION_DEPTH,
  type TaskTokenClaims,
} from "../tokens/claims.ts";
import { mintTaskToken } from "../tokens/mint-task-token.ts";
import { randomBase64url } from "../tokens/random-id.ts";
import { TokenVerificationError } from "../tokens/verify-task-token.ts";
import type { ExchangeRequest } from "./exchange-request.ts";
import { oauthError } from "./oauth-error.ts";

/** What the child will be, decided before anything is signed. */
export interface ExchangeGrant {
  parent: TaskTokenClaims;
  /** The agent the child acts as (`act.sub`). */
  actorId: string;
  actions: string[];
  resources: string[];
  ttlMs: number;
  intent: string;
  delegation: Required<Pick<TaskTokenClaims, "act" | "sub_task" | "parent" | "chain" | "depth">>;
}

export interface ExchangeLimits {
  nowMs: number;
  maxDepth: number;
}

export const newSubTaskId = () => `sub_${randomBase64url(12)}`;

/** The agent a token acts as: its current actor, or the task's agent for a token minted directly. */
export const actingAgent = (claims: TaskTokenClaims) =>
  (claims.act?.sub ?? claims.sub).slice("agent:".length);

/**
 * Pure: the child grant, or the OAuth error that refuses it. Asking for more than the parent holds is refused, never
 * narrowed silently; whatever cannot be proved narrower (a glob outside the provable language) is refused too.
 */
export function decideExchange(
  set: ScopeSet,
  parent: TaskTokenClaims,
  request: ExchangeRequest,
  limits: ExchangeLimits,
  actor?: Principal,
): ExchangeGrant {
  const depth = (parent.depth ?? 0) + 1;
  const maxDepth = Math.min(limits.maxDepth, MAX_DELEGATION_DEPTH);
  if (depth > maxDepth)
    throw oauthError(
      "invalid_request",
      "delegation_too_deep",
      `delegation is limited to ${maxDepth} levels`,
      {
        max_depth: maxDepth,
      },
    );

  const scope = set.scopes.get(parent.scope_id);
  const environment = set.environments.get(parent.env);
  if (!scope || !environment || scope.environment !== parent.env)
    throw oauthError(
      "invalid_grant",
      "scope_removed",
      `scope ${parent.scope_id} no longer grants anything here`,
    );

  const audience = environmentAudience(parent.env);
  const parentAudiences = Array.isArray(parent.aud) ? parent.aud : [parent.aud];
  const foreign = request.audiences.filter((a) => a !== audience && !parentAudiences.includes(a));
  if (foreign.length > 0)
    throw oauthError(
      "invalid_target",
      "wrong_environment",
      `a child stays in environment ${parent.env} (audience ${audience}); refused: ${foreign.join(", ")}`,
      { refused: foreign },
    );

  const held = grantedActions(parent);
  const actions = request.actions ?? held;
  const widened = actions.filter(
    (action) =>
      !held.includes(action) ||
      !scope.actions.includes(action) ||
      set.actions.get(action)?.grantable !== true,
  );
  if (widened.length > 0)
    throw oauthError(
      "invalid_scope",
      "actions_not_delegable",
      `the parent token does not hold ${widened.join(", ")}`,
      { refused: widened },
    );

  const resources = request.resources ?? parent.resources;
  const outside = resources.filter((glob) => !provablyContained(parent.resources, glob));
  if (outside.length > 0) {
    // Only to name the refusal: a glob that reads as another environment's resource is an attempt to cross over.
    const otherEnvironment = outside.some((glob) =>
      [...set.environments.values()].some(
        (other) => other.name !== parent.env && globContainedInAny(other.resources, glob),
      ),
    );
    throw oauthError(
      "invalid_target",
      otherEnvironment ? "wrong_environment" : "resources_not_delegable",
      `not provably inside the parent's resources (${parent.resources.join(", ")}): ${outside.join(", ")}`,
      { refused: outside },
    );
  }

  // Whole seconds, as the token says: the child's exp = its iat + ttl must not pass the parent's exp.
  const iat = Math.floor(limits.nowMs / 1000);
  const remainingMs = (parent.exp - iat) * 1000;
  if (remainingMs < 1000)
    throw oauthError("invalid_grant", "subject_token_expired", "the parent token has expired");
  if (request.ttlMs !== undefined && request.ttlMs > remainingMs)
    throw oauthError(
      "invalid_request",
      "ttl_exceeds_parent",
      `ttl ${request.ttlText} outlives the parent token, which has ${remainingMs / 1000}s left`,
      { max_ttl_seconds: remainingMs / 1000 },
    );
  const ttlMs = Math.floor((request.ttlMs ?? Math.min(scope.ttl.default, remainingMs)) / 1000) * 1000;

  if (actor) {
    if (actor.kind !== "agent" || actor.disabled)
      throw oauthError("invalid_request", "invalid_actor_token", "actor_token: not an enabled agent's key");
    if (!matchesResource(actor.scopes, scope.id) || !matchesResource(scope.agents, actor.id))
      throw oauthError(
        "invalid_request",
        "actor_not_allowed",
        `agent ${actor.id} may not hold tokens of scope ${scope.id}`,
      );
  }
  const actorId = actor?.id ?? actingAgent(parent);
  const act: ActorClaim = { sub: agentActor(actorId), ...(parent.act ? { act: parent.act } : {}) };
  return {
    parent,
    actorId,
    actions,
    resources,
    ttlMs,
    intent: request.intent,
    delegation: {
      act,
      sub_task: newSubTaskId(),
      parent: parent.jti,
      chain: [...(parent.chain ?? []), parent.jti],
      depth,
    },
  };
}

export interface ExchangedToken {
  token: string;
  claims: TaskTokenClaims;
}

/** Verifies the parent, checks it (and its ancestors) are not revoked, decides, signs, records. */
export async function exchangeToken(
  context: BrokerContext,
  request: ExchangeRequest,
  origin: AuditOrigin = {},
): Promise<ExchangedToken> {
  let parent: TaskTokenClaims;
  try {
    parent = await verifyBrokerToken(context, request.subjectToken);
  } catch (error) {
    if (error instanceof TokenVerificationError)
      throw oauthError("invalid_grant", "invalid_subject_token", `subject_token: ${error.message}`, {
        token_error: error.code,
      });
    throw error;
  }
  const about: MintAbout = {
    agentId: parent.client_id,
    scope: parent.scope_id,
    environment: parent.env,
    task: { id: parent.task, intent: request.intent },
  };
  try {
    // An exchange is a mint: the parent must be usable right now (generation, its own and every ancestor's
    // revocation), read fresh in one atomic step, never cached; nothing is counted.
    const [outcome, actor] = await Promise.all([
      context.store.enforce(tokenCheck(context, parent, "exchange")),
      request.actorKey === undefined ? undefined : authenticateActor(context, request.actorKey),
    ]);
    if (!outcome.allow)
      throw oauthError(
        "invalid_grant",
        outcome.reason === "stale_generation" ? "subject_token_stale_generation" : "subject_token_revoked",
        `subject_token: the parent token is ${outcome.reason === "revoked" ? "revoked" : `refused (${outcome.reason})`}`,
      );
    await refuseIfLocked(context, parent, actor?.id ?? actingAgent(parent));
    const nowMs = context.clock.now();
    const grant = decideExchange(
      context.scopes.current(),
      parent,
      request,
      { nowMs, maxDepth: context.maxDelegationDepth ?? DEFAULT_MAX_DELEGATION_DEPTH },
      actor,
    );
    const ring = context.keys.get(parent.env);
    if (!ring)
      throw new LeashError("no_signing_key", `no signing key is loaded for environment ${parent.env}`);
    const audiences = Array.isArray(parent.aud) ? parent.aud : [parent.aud];
    const minted = mintTaskToken(ring, {
      issuer: context.issuer,
      env: parent.env,
      // The task stays the parent's agent's: counters, locks and ownership keyed by agent see one task.
      agentId: parent.client_id,
      scopeId: parent.scope_id,
      actions: grant.actions,
      resources: grant.resources,
      extraAudiences: audiences.filter((a) => a !== environmentAudience(parent.env)),
      task: parent.task,
      intent: grant.intent,
      // The enforce step just checked it is the store's.
      generation: parent.gen,
      ttlMs: grant.ttlMs,
      nowMs,
      delegation: grant.delegation,
    });
    await recordLiveToken(context, minted.claims);
    await recordMintGranted(context, about, minted.claims, false, origin);
    return minted;
  } catch (error) {
    await recordMintRefused(context, about, error, origin);
    throw error;
  }
}

/**
 * An exchange is a mint: refused while the task's agent, any agent of the new act chain, the scope or the environment
 * is locked. Read here, never cached.
 */
async function refuseIfLocked(
  context: BrokerContext,
  parent: TaskTokenClaims,
  actorId: string,
): Promise<void> {
  const agents = new Set([parent.client_id, actorId, ...actorChain(parent)]);
  const lock = await context.store.lockOn([
    ...[...agents].map((agent) => ({ kind: "agent" as const, value: agent })),
    { kind: "scope", value: parent.scope_id },
    { kind: "environment", value: parent.env },
  ]);
  if (!lock) return;
  throw oauthError(
    "invalid_grant",
    "locked",
    `${lock.target.kind} ${lock.target.value} is locked: ${lock.reason}`,
    {
      lock: { id: lock.id, target: lock.target, reason: lock.reason },
    },
  );
}

async function authenticateActor(context: BrokerContext, key: string): Promise<Principal> {
  try {
    return await authenticateApiKey(context.store, key);
  } catch (error) {
    if (error instanceof LeashError && error.status === 401)
      throw oauthError("invalid_request", "invalid_actor_token", "actor_token: not a valid agent key");
    throw error;
  }
}
