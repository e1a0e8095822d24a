// POST /v1/tokens: decide, then either mint now or park the request until a human approves its issuance.

import { recordMintPending } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { readMintLock } from "../enforce/locks.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { WorkloadIdentity } from "../identity/authenticate-workload.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Principal } from "../store/store.ts";
import { isPrintableText } from "../text/visible-text.ts";
import { requestIssueApproval } from "./issuance-approval.ts";
import {
  decideGrantRecorded,
  grantAbout,
  type IssuedToken,
  type MintChecks,
  mintGranted,
  newTaskId,
  type PendingIssuance,
  readMintChecks,
} from "./issue-task-token.ts";
import type { MintRequest } from "./mint-request.ts";

/**
 * The task id and, when the token is to be minted at once, the store reads mint checks before signing: started
 * before the agent is known. Async, so that whatever goes wrong here rejects alongside the agent's lookup.
 * `expectedAgentId`: the agent the caller's key led to before, if it did.
 */
async function startEarly(
  context: BrokerContext,
  request: MintRequest,
  expectedAgentId: string | undefined,
): Promise<{ taskId: string; checks?: MintChecks }> {
  const fresh = request.task.id === undefined;
  const taskId = request.task.id ?? newTaskId();
  const scope = context.scopes.current().scopes.get(request.scope);
  // An issuance approval reads them itself when it finally mints.
  if (!scope || scope.approval.issue) return { taskId };
  const env = scope.environment;
  // A fresh task is claimed after signing, so nothing else needs the store before it: the lock is read now too, for
  // the agent the key is expected to name (mintGranted uses it only if the key does name that agent).
  const target =
    fresh && expectedAgentId !== undefined ? { agentId: expectedAgentId, scopeId: scope.id, env } : null;
  const [checks, lock] = await Promise.all([
    readMintChecks(context, env, taskId, fresh),
    target ? readMintLock(context, target) : null,
  ]);
  if (target) checks.lock = { target, lock };
  return { taskId, checks };
}

/** Who asks: an agent by its key, or a workload by its OIDC token (acting as the agent its binding names). */
export interface MintCaller {
  agent: Principal;
  workload?: WorkloadIdentity;
}

/**
 * `caller` may still be in flight (the caller's API key being looked up): the mint's own store reads start alongside
 * it, so a mint waits for one store round trip before signing instead of two. Nothing is decided, and no refusal
 * other than authentication's is reported, before the agent is known.
 */
export async function issueTaskToken(
  context: BrokerContext,
  caller: MintCaller | Promise<MintCaller>,
  request: MintRequest,
  origin: AuditOrigin = {},
  expectedAgentId?: string,
): Promise<IssuedToken | PendingIssuance> {
  const [{ agent, workload }, early] = await Promise.all([
    caller,
    startEarly(context, request, expectedAgentId),
  ]);
  // People read intents in terminals, the console and the audit log: printable text only, refused rather than cleaned.
  if (!isPrintableText(request.task.intent)) {
    throw new LeashError(
      "intent_not_printable",
      "the intent holds control, bidi or invisible characters (newlines included); send printable text only",
    );
  }
  const grant = await decideGrantRecorded(context, agent, request, origin, early.taskId, workload);
  if (!grant.scope.approval.issue) return mintGranted(context, grant, origin, early.checks);
  const requestId = await requestIssueApproval(
    context,
    agent,
    { ...request, task: grant.task },
    grant,
    origin,
  );
  await recordMintPending(context, grantAbout(grant), requestId, origin);
  return { status: "pending", requestId, task: grant.task };
}
