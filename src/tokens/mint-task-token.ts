// Signs a task token with the environment's active key.
import type { EnvironmentKeyRing } from "../keys/key-ring.ts";
import { environmentAudience, environmentIssuer, type TaskTokenClaims } from "./claims.ts";
import { randomBase64url } from "./random-id.ts";
import { signCompactJws } from "./sign-jws.ts";

export interface TaskTokenGrant {
  issuer: string;
  env: string;
  agentId: string;
  scopeId: string;
  actions: string[];
  resources: string[];
  extraAudiences: string[];
  task: string;
  intent: string;
  generation: string;
  ttlMs: number;
  nowMs: number;
  /** Token exchange: the child's place in the task's tree (claims.ts). */
  delegation?: Required<Pick<TaskTokenClaims, "act" | "sub_task" | "parent" | "chain" | "depth">>;
  /** The workload (OIDC issuer, subject, binding) that asked, when it was not an agent key. */
  workload?: { iss: string; sub: string; binding: string };
}

export interface MintedTaskToken {
  token: string;
  claims: TaskTokenClaims;
}

export const newTokenId = () => `tok_${randomBase64url(16)}`;

/** Synchronous: signing is node:crypto's one-shot sign, with no I/O. */
export function mintTaskToken(ring: EnvironmentKeyRing, grant: TaskTokenGrant): MintedTaskToken {
  const iat = Math.floor(grant.nowMs / 1000);
  const claims: TaskTokenClaims = {
    iss: environmentIssuer(grant.issuer, grant.env),
    aud: [environmentAudience(grant.env), ...grant.extraAudiences],
    sub: `agent:${grant.agentId}`,
    client_id: grant.agentId,
    jti: newTokenId(),
    iat,
    nbf: iat,
    exp: iat + Math.floor(grant.ttlMs / 1000),
    env: grant.env,
    scope: grant.actions.join(" "),
    resources: grant.resources,
    task: grant.task,
    intent: grant.intent,
    scope_id: grant.scopeId,
    gen: grant.generation,
    ...grant.delegation,
    ...(grant.workload ? { workload: grant.workload } : {}),
  };
  const key = ring.active;
  const token = signCompactJws({ alg: key.alg, kid: key.kid, typ: "at+jwt" }, claims, key.privateKeyObject);
  return { token, claims };
}
