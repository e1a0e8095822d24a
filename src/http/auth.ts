// Who is calling: the principal behind `Authorization: Bearer lsk_…|lsh_…`, checked per route.
import type { FastifyRequest } from "fastify";
import type { BrokerContext } from "../broker/context.ts";
import { forbidden, unauthorized } from "../errors/leash-error.ts";
import { authenticateApiKey } from "../principals/authenticate.ts";
import { requireRole } from "../principals/roles.ts";
import type { Principal } from "../store/store.ts";

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match)
    throw unauthorized("missing_credentials", "send an API key as Authorization: Bearer lsk_… or lsh_…");
  return match[1]!;
}

export async function requireAgent(context: BrokerContext, request: FastifyRequest): Promise<Principal> {
  const principal = await authenticateApiKey(context.store, bearer(request));
  if (principal.kind !== "agent")
    throw forbidden("agent_key_required", "this endpoint takes an agent key (lsk_…)");
  return principal;
}

/** Any human, whatever their roles; the operation itself decides what they may do. */
export async function authenticateHuman(context: BrokerContext, request: FastifyRequest): Promise<Principal> {
  const principal = await authenticateApiKey(context.store, bearer(request));
  if (principal.kind !== "human")
    throw forbidden("human_key_required", "this endpoint takes a human key (lsh_…)");
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
