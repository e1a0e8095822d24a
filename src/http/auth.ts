// Who is calling: the principal behind `Authorization: Bearer lsk_…|lsh_…`, checked per route.
import type { FastifyRequest } from "fastify";
import { loadApproval } from "../approvals/records.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import { bindWorkload, verifyWorkload } from "../identity/authenticate-workload.ts";
import { looksLikeJwt } from "../identity/verify-workload-token.ts";
import type { MintCaller } from "../issuance/request-token.ts";
import { authenticateApiKey, lookupApiKey } from "../principals/authenticate.ts";
import { requireRole } from "../principals/roles.ts";
import type { Principal } from "../store/store.ts";

export function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match)
    throw new LeashError(
      "missing_credentials",
      "send an API key (lsk_… or lsh_…) or, to mint, a workload's OIDC token as Authorization: Bearer",
    );
  return match[1]!;
}

/** Who asks for a task token, being looked up. */
export interface MintCallerLookup {
  caller: Promise<MintCaller>;
  /** The agent the caller's key led to when last seen (a hint for early reads, see lookupApiKey). */
  expectedAgentId: string | undefined;
}

/**
 * Who asks for a task token: an agent by its key (`lsk_…`), or a workload by its OIDC token, bound through
 * identities.yaml to an agent for the scope it asks for. Every failure is a rejection of `caller`.
 */
export function lookupMintCaller(
  context: BrokerContext,
  request: FastifyRequest,
  scopeId: string,
): MintCallerLookup {
  let credential: string;
  try {
    credential = bearer(request);
  } catch (error) {
    return { caller: Promise.reject(error), expectedAgentId: undefined };
  }
  if (looksLikeJwt(credential)) {
    const caller = verifyWorkload(context, credential).then((verified) =>
      bindWorkload(context, verified, scopeId),
    );
    return { caller, expectedAgentId: undefined };
  }
  const lookup = lookupApiKey(context.store, credential);
  return {
    caller: lookup.principal.then((principal) => ({ agent: agentOnly(principal) })),
    expectedAgentId: lookup.expectedId,
  };
}

/**
 * Who polls an issuance request: its agent by key, or a workload bound (for the request's scope) to that agent.
 * The token is verified before the request is looked up, so an unauthenticated caller learns nothing of it.
 */
export async function requireRequestCaller(
  context: BrokerContext,
  request: FastifyRequest,
  requestId: string,
): Promise<MintCaller> {
  const credential = bearer(request);
  if (!looksLikeJwt(credential)) return { agent: await requireAgent(context, request) };
  const verified = await verifyWorkload(context, credential);
  const approval = await loadApproval(context, requestId);
  if (approval.kind !== "issue")
    throw new LeashError("not_your_request", "this request belongs to another agent");
  return bindWorkload(context, verified, approval.scope);
}

export async function requireAgent(context: BrokerContext, request: FastifyRequest): Promise<Principal> {
  return agentOnly(await authenticateApiKey(context.store, bearer(request)));
}

function agentOnly(principal: Principal): Principal {
  if (principal.kind !== "agent")
    throw new LeashError("agent_key_required", "this endpoint takes an agent key (lsk_…)");
  return principal;
}

/** Any human, whatever their roles; the operation itself decides what they may do. */
export async function authenticateHuman(context: BrokerContext, request: FastifyRequest): Promise<Principal> {
  const principal = await authenticateApiKey(context.store, bearer(request));
  if (principal.kind !== "human")
    throw new LeashError("human_key_required", "this endpoint takes a human key (lsh_…)");
  return principal;
}

/** A human holding one of `roles` (admins hold them all). */
export async function requireHuman(
  context: BrokerContext,
  request: FastifyRequest,
  roles: readonly string[],
): Promise<Principal> {
  const principal = await authenticateHuman(context, request);
  requireRole(principal, roles);
  return principal;
}
