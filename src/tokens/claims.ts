// The claims of a task token (RFC 9068 shaped) and how issuer and audience are derived from the environment. Read
// without zod: verifying a token (an agent hook, a resource server) should not load a schema library.

export const environmentIssuer = (issuer: string, env: string) => `${issuer.replace(/\/+$/, "")}/envs/${env}`;
export const environmentAudience = (env: string) => `urn:leash:env:${env}`;

/** RFC 8693 §4.1 `act`: the current actor, with the actor before it nested inside, down to the first delegate. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}
/** How many exchanges deep a chain may go unless configured (LEASH_MAX_DELEGATION_DEPTH). */
export const DEFAULT_MAX_DELEGATION_DEPTH = 3;

/** No configuration can allow deeper delegation; bounds the work a token's chain costs authorize. */
export const MAX_DELEGATION_DEPTH = 16;

/** A task token's claims as leash reads them (a type, not an interface: it is also a JWT payload). */
export type TaskTokenClaims = {
  iss: string;
  aud: string | string[];
  /** `agent:<id>` */
  sub: string;
  client_id: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  env: string;
  scope: string;
  resources: string[];
  task: string;
  intent: string;
  scope_id: string;
  gen: string;
  // Delegation (token exchange): all five present in a child token, none in a token minted by POST /v1/tokens.
  act?: ActorClaim;
  sub_task?: string;
  parent?: string;
  /** Every ancestor's jti, the root token's first and the parent's last. */
  chain?: string[];
  depth?: number;
  /** Present when a workload's OIDC token, not an agent key, asked for the token. */
  workload?: { iss: string; sub: string; binding: string };
};

const isString = (value: unknown): value is string => typeof value === "string";
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString);
const isAgentSubject = (value: unknown): value is string => isString(value) && value.startsWith("agent:");
const absent = (value: unknown) => value === undefined;

/** `act` as the schema reads it (unknown members dropped, nested actors too), or null when it does not fit. */
function actorClaim(value: unknown): ActorClaim | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const { sub, act } = value as Record<string, unknown>;
  if (!isAgentSubject(sub)) return null;
  if (absent(act)) return { sub };
  const inner = actorClaim(act);
  return inner ? { sub, act: inner } : null;
}

/**
 * The claims of a payload (null when they do not fit), checked by hand: a fresh token is checked on every first use,
 * and a generic schema parse cost as much as all the other checks before the signature. test/tokens/claims.test.ts
 * holds this to a zod schema of the same claims: the same answers and the same output, key order included.
 */
export function parseTaskTokenClaims(payload: Record<string, unknown>): TaskTokenClaims | null {
  const p = payload;
  if (
    !isString(p.iss) ||
    !(isString(p.aud) || isStringList(p.aud)) ||
    !isAgentSubject(p.sub) ||
    !isString(p.client_id) ||
    !isString(p.jti) ||
    p.jti.length < 1 ||
    !isInteger(p.iat) ||
    !isInteger(p.nbf) ||
    !isInteger(p.exp) ||
    !isString(p.env) ||
    !isString(p.scope) ||
    !isStringList(p.resources) ||
    !isString(p.task) ||
    !isString(p.intent) ||
    !isString(p.scope_id) ||
    !isString(p.gen)
  ) {
    return null;
  }
  const claims: TaskTokenClaims = {
    iss: p.iss,
    aud: isString(p.aud) ? p.aud : [...p.aud],
    sub: p.sub,
    client_id: p.client_id,
    jti: p.jti,
    iat: p.iat,
    nbf: p.nbf,
    exp: p.exp,
    env: p.env,
    scope: p.scope,
    resources: [...p.resources],
    task: p.task,
    intent: p.intent,
    scope_id: p.scope_id,
    gen: p.gen,
  };
  if (!absent(p.act)) {
    const act = actorClaim(p.act);
    if (!act) return null;
    claims.act = act;
  }
  if (!absent(p.sub_task)) {
    if (!isString(p.sub_task) || p.sub_task.length < 1) return null;
    claims.sub_task = p.sub_task;
  }
  if (!absent(p.parent)) {
    if (!isString(p.parent) || p.parent.length < 1) return null;
    claims.parent = p.parent;
  }
  if (!absent(p.chain)) {
    const chain = p.chain;
    if (!isStringList(chain) || chain.length > MAX_DELEGATION_DEPTH || chain.some((jti) => jti.length < 1))
      return null;
    claims.chain = [...chain];
  }
  if (!absent(p.depth)) {
    if (!isInteger(p.depth) || p.depth < 1 || p.depth > MAX_DELEGATION_DEPTH) return null;
    claims.depth = p.depth;
  }
  if (!absent(p.workload)) {
    const workload = p.workload;
    if (typeof workload !== "object" || workload === null || Array.isArray(workload)) return null;
    const { iss, sub, binding } = workload as Record<string, unknown>;
    if (!isString(iss) || !isString(sub) || !isString(binding)) return null;
    claims.workload = { iss, sub, binding };
  }
  return claims;
}

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
