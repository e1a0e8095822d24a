// The claims of a task token (RFC 9068 shaped) and how issuer and audience are derived from the environment.
import { z } from "zod";

export const environmentIssuer = (issuer: string, env: string) => `${issuer.replace(/\/+$/, "")}/envs/${env}`;
export const environmentAudience = (env: string) => `urn:leash:env:${env}`;

/** RFC 8693 §4.1 `act`: the current actor, with the actor before it nested inside, down to the first delegate. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}
const actorClaimSchema: z.ZodType<ActorClaim> = z.lazy(() =>
  z.object({ sub: z.string().startsWith("agent:"), act: actorClaimSchema.optional() }),
);

/** How many exchanges deep a chain may go unless configured (LEASH_MAX_DELEGATION_DEPTH). */
export const DEFAULT_MAX_DELEGATION_DEPTH = 3;

/** No configuration can allow deeper delegation; bounds the work a token's chain costs authorize. */
export const MAX_DELEGATION_DEPTH = 16;

export const taskTokenClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().startsWith("agent:"),
  client_id: z.string(),
  jti: z.string().min(1),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  env: z.string(),
  scope: z.string(),
  resources: z.array(z.string()),
  task: z.string(),
  intent: z.string(),
  scope_id: z.string(),
  gen: z.string(),
  // Delegation (token exchange): all five present in a child token, none in a token minted by POST /v1/tokens.
  act: actorClaimSchema.optional(),
  sub_task: z.string().min(1).optional(),
  parent: z.string().min(1).optional(),
  /** Every ancestor's jti, the root token's first and the parent's last. */
  chain: z.array(z.string().min(1)).max(MAX_DELEGATION_DEPTH).optional(),
  depth: z.number().int().min(1).max(MAX_DELEGATION_DEPTH).optional(),
  /** Present when a workload's OIDC token, not an agent key, asked for the token. */
  workload: z.object({ iss: z.string(), sub: z.string(), binding: z.string() }).optional(),
});
export type TaskTokenClaims = z.infer<typeof taskTokenClaimsSchema>;

/** The act chain as agent ids, the current actor first. */
export function actorChain(claims: Pick<TaskTokenClaims, "act">): string[] {
  const agents: string[] = [];
  for (let actor = claims.act; actor; actor = actor.act) agents.push(actor.sub.slice("agent:".length));
  return agents;
}

/**
 * Why a token's delegation claims do not fit together, or null. A key holder's bug or a mixed-up mint must not yield
 * a child whose chain names fewer ancestors than it has: revocation of an ancestor is checked along `chain`.
 */
export function delegationProblem(claims: TaskTokenClaims): string | null {
  const { act, sub_task, parent, chain, depth } = claims;
  const present = [act, sub_task, parent, chain, depth].filter((value) => value !== undefined).length;
  if (present === 0) return null;
  if (present !== 5) return "delegation claims act, sub_task, parent, chain and depth go together";
  if (chain!.length !== depth) return "depth must equal the length of chain";
  if (chain!.at(-1) !== parent) return "parent must be the last jti of chain";
  if (new Set([...chain!, claims.jti]).size !== depth! + 1) return "chain must name distinct tokens";
  if (actorChain(claims).length !== depth) return "act must name one actor per delegation";
  return null;
}

export const grantedActions = (claims: TaskTokenClaims): string[] => claims.scope.split(" ").filter(Boolean);
