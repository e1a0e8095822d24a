// Decides whether an agent may have the token it asks for, and mints it. Over-asking is refused, never narrowed.
import { type MintAbout, recordMintGranted, recordMintRefused } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import {
  abandonLease,
  readTaskCredentials,
  recordTaskLease,
  type TaskCredentials,
} from "../credentials/task-credentials.ts";
import { type MintTarget, refuseIfLocked, refuseWhileLocked } from "../enforce/locks.ts";
import { revocationTtlMs } from "../enforce/revoke.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { WorkloadIdentity } from "../identity/authenticate-workload.ts";
import { parseDuration } from "../scopes/duration.ts";
import { globContains, matchesResource } from "../scopes/resource-glob.ts";
import type { Scope } from "../scopes/schema.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Lock, Principal } from "../store/store.ts";
import { recordLiveToken } from "../tasks/live-tasks.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";
import { mintTaskToken } from "../tokens/mint-task-token.ts";
import { randomBase64url } from "../tokens/random-id.ts";
import type { MintRequest } from "./mint-request.ts";

export interface IssuedToken {
  status: "issued";
  token: string;
  claims: TaskTokenClaims;
  /** Only for scopes with `credentials.vault`: the credentials, or null when minted without Vault (dev mode). */
  credentials?: TaskCredentials | null;
  /** Why `credentials` is null. */
  warning?: string;
}
export interface PendingIssuance {
  status: "pending";
  requestId: string;
  task: { id: string; intent: string };
}

/** What the agent will get if the request is allowed: checked in full before anything is minted. */
export interface IssuanceGrant {
  scope: Scope;
  agentId: string;
  task: { id: string; intent: string };
  actions: string[];
  resources: string[];
  ttlMs: number;
  /** Set when a workload's OIDC token authenticated the request: named in the token and the audit log. */
  workload?: WorkloadIdentity;
}

/** Agent-id and scope-id globs share the resource globs' compiled-matcher cache (compiling on every mint was 5%). */
const matchesAny = matchesResource;

export const newTaskId = () => `task_${randomBase64url(12)}`;

/**
 * Checks the request against the scope as it is now; throws a 403/404 LeashError naming what was refused. `taskId`:
 * the id a request without one gets (made before deciding when the mint's reads start early, see request-token.ts).
 */
export function decideGrant(
  context: Pick<BrokerContext, "scopes">,
  agent: Principal,
  request: MintRequest,
  taskId: string = request.task.id ?? newTaskId(),
): IssuanceGrant {
  const set = context.scopes.current();
  const scope = set.scopes.get(request.scope);
  if (!scope) throw new LeashError("unknown_scope", `no scope named ${request.scope}`);
  if (!matchesAny(agent.scopes, scope.id) || !matchesAny(scope.agents, agent.id)) {
    throw new LeashError("agent_not_allowed", `agent ${agent.id} may not request scope ${scope.id}`);
  }

  const actions = request.actions ?? scope.actions;
  const notGrantable = actions.filter((action) => set.actions.get(action)?.grantable === false);
  if (notGrantable.length > 0) {
    throw new LeashError("action_not_grantable", `no scope can grant ${notGrantable.join(", ")}`, {
      refused: notGrantable,
    });
  }
  const notInScope = actions.filter((action) => !scope.actions.includes(action));
  if (notInScope.length > 0) {
    throw new LeashError("actions_not_allowed", `scope ${scope.id} does not allow ${notInScope.join(", ")}`, {
      refused: notInScope,
    });
  }

  const resources = request.resources ?? scope.resources;
  const outside = resources.filter(
    (resource) => !scope.resources.some((glob) => globContains(glob, resource)),
  );
  if (outside.length > 0) {
    throw new LeashError("resources_not_allowed", `scope ${scope.id} does not cover ${outside.join(", ")}`, {
      refused: outside,
    });
  }

  const ttlMs = request.ttl ? parseDuration(request.ttl)! : scope.ttl.default;
  const environment = set.environments.get(scope.environment)!;
  const maxTtlMs = Math.min(scope.ttl.max, environment.max_ttl);
  if (ttlMs > maxTtlMs) {
    throw new LeashError(
      "ttl_exceeds_max",
      `ttl ${request.ttl} is above the maximum of ${maxTtlMs / 1000}s for ${scope.id}`,
      {
        max_ttl_seconds: maxTtlMs / 1000,
      },
    );
  }

  return {
    scope,
    agentId: agent.id,
    task: { id: taskId, intent: request.task.intent },
    actions: [...new Set(actions)],
    resources: [...new Set(resources)],
    ttlMs,
  };
}

export const grantAbout = (grant: IssuanceGrant): MintAbout => ({
  agentId: grant.agentId,
  scope: grant.scope.id,
  environment: grant.scope.environment,
  task: grant.task,
  workload: grant.workload,
});

/** What a mint record can say about a request that may be refused before anything was decided. */
export function requestAbout(
  context: BrokerContext,
  agentId: string,
  request: MintRequest,
  workload?: WorkloadIdentity,
): MintAbout {
  return {
    agentId,
    scope: request.scope,
    environment: context.scopes.current().scopes.get(request.scope)?.environment,
    task: request.task,
    workload,
  };
}

/** What a mint checks in the store right before signing: whether the task was revoked, and the generation. */
export interface MintChecks {
  env: string;
  task: string;
  taskRevoked: boolean;
  generation: string | null;
  /**
   * The task id was made for this request and has not left the process yet: no other agent can hold it, so it is
   * claimed with the mint's records, after signing, instead of in a store round trip of its own before.
   */
  freshTask: boolean;
  /** The lock read alongside, for the agent the caller's key led to before (see request-token.ts). */
  lock?: { target: MintTarget; lock: Lock | null };
}

/**
 * One read of the environment's slot; never cached, each mint reads its own. The generation is the environment's:
 * the one authorize checks the token's against.
 */
export async function readMintChecks(
  context: BrokerContext,
  env: string,
  task: string,
  freshTask = false,
): Promise<MintChecks> {
  return { env, task, freshTask, ...(await context.store.mintChecks(env, task)) };
}

const sameTarget = (a: MintTarget, b: MintTarget) =>
  a.agentId === b.agentId && a.scopeId === b.scopeId && a.env === b.env;

/**
 * Mints the token for a grant decided earlier (directly, or once its issuance approval came through) and records
 * the mint, granted or refused; a token whose record cannot be written is not handed out. `checks`: the reads of
 * readMintChecks made earlier in this same request; used only if they are for the grant's environment and task.
 */
export async function mintGranted(
  context: BrokerContext,
  grant: IssuanceGrant,
  origin: AuditOrigin = {},
  checks?: MintChecks,
): Promise<IssuedToken> {
  const fresh = checks?.freshTask === true && checks.task === grant.task.id;
  let issued: IssuedToken;
  try {
    issued = await mintSigned(context, grant, checks, fresh);
  } catch (error) {
    await recordMintRefused(context, grantAbout(grant), error, origin);
    throw error;
  }
  // Security sees every live token and the audit log every mint: a token that cannot be both listed and recorded is
  // not handed out. The registry and the chain live in different Redis Cluster slots (no one script writes both),
  // so the writes go out together rather than one after the other; any failing is the store's trouble (503), and
  // an audit record of a token that was then withheld errs on the side of saying too much.
  await Promise.all([
    fresh ? claimTask(context, grant.task.id, grant.agentId) : undefined,
    recordLiveToken(context, issued.claims),
    recordMintGranted(context, grantAbout(grant), issued.claims, Boolean(issued.credentials), origin),
  ]);
  return issued;
}

async function mintSigned(
  context: BrokerContext,
  grant: IssuanceGrant,
  earlier: MintChecks | undefined,
  fresh: boolean,
): Promise<IssuedToken> {
  const env = grant.scope.environment;
  const target = { agentId: grant.agentId, scopeId: grant.scope.id, env };
  // Locks are read right before signing, never cached: a lock put in force before this read stops the mint. A lock
  // read early in the request counts only when no round trip (a task claim) stands between it and signing.
  const earlyLock =
    fresh && earlier?.lock && sameTarget(earlier.lock.target, target) ? earlier.lock : undefined;
  // A scope reload between the early reads and the decision can move the scope to another environment.
  const [{ taskRevoked, generation }] = await Promise.all([
    earlier && earlier.env === env && earlier.task === grant.task.id
      ? earlier
      : readMintChecks(context, env, grant.task.id),
    earlyLock ? refuseWhileLocked(earlyLock.lock) : refuseIfLocked(context, target),
    fresh ? undefined : claimTask(context, grant.task.id, grant.agentId),
  ]);
  if (taskRevoked)
    throw new LeashError("task_revoked", `task ${grant.task.id} was revoked; start a new task`);
  if (!generation) {
    throw new LeashError(
      "store_not_initialized",
      "the store has no generation: run leash init (or Redis lost its data)",
    );
  }
  const ring = context.keys.get(env);
  if (!ring) throw new LeashError("no_signing_key", `no signing key is loaded for environment ${env}`);
  const { token, claims } = mintTaskToken(ring, {
    issuer: context.issuer,
    env,
    agentId: grant.agentId,
    scopeId: grant.scope.id,
    actions: grant.actions,
    resources: grant.resources,
    extraAudiences: grant.scope.audiences,
    task: grant.task.id,
    intent: grant.task.intent,
    generation,
    ttlMs: grant.ttlMs,
    nowMs: context.clock.now(),
    workload: grant.workload,
  });
  // Signed first (no I/O) so the lease can be planned against the token's real expiry; a token whose credentials
  // cannot be read or recorded is dropped, never returned.
  const vault = await readTaskCredentials(context, grant.scope, claims.exp * 1000);
  if (vault === null) return { status: "issued", token, claims };
  if (vault.kind === "omitted") {
    context.logger.warn({ scope: grant.scope.id, task: claims.task }, vault.warning);
    return { status: "issued", token, claims, credentials: null, warning: vault.warning };
  }
  try {
    const credentials = await recordTaskLease(context, vault.leased, claims);
    return { status: "issued", token, claims, credentials };
  } catch (error) {
    abandonLease(context, env, vault.leased.credentials.leaseId);
    throw error;
  }
}

/**
 * A task belongs to the first agent that minted for it: another agent naming the same id is refused (409), so it can
 * neither share the task's budget nor end it. The claim lives as long as any token of the task can.
 */
export async function claimTask(context: BrokerContext, task: string, agentId: string): Promise<void> {
  const owner = await context.store.claimTask(task, agentId, revocationTtlMs(context));
  if (owner !== agentId) {
    throw new LeashError(
      "task_owned_by_another_agent",
      `task ${task} belongs to another agent; start your own task`,
    );
  }
}

/** decideGrant, with a refusal recorded in the audit log before it is thrown. */
export async function decideGrantRecorded(
  context: BrokerContext,
  agent: Principal,
  request: MintRequest,
  origin: AuditOrigin,
  taskId?: string,
  workload?: WorkloadIdentity,
): Promise<IssuanceGrant> {
  try {
    const grant = decideGrant(context, agent, request, taskId);
    return workload ? { ...grant, workload } : grant;
  } catch (error) {
    await recordMintRefused(context, requestAbout(context, agent.id, request, workload), error, origin);
    throw error;
  }
}
