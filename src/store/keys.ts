// Redis key names for the Store, in one place so the Redis and memory stores (and docs/redis-keys.md) agree.
import { createHash } from "node:crypto";
import { badRequest } from "../errors/leash-error.ts";
import type { LockTarget, PrincipalKind, RevocationTarget } from "./targets.ts";

// The hash tag of an environment's slot is `{env:E}`; a `{` or `}` in E would move or split it, breaking the
// "one enforce script touches one Redis Cluster slot" rule. Environment names are identifiers, so this never
// fires for a valid scope set.
const envTag = (env: string): string => {
  if (env.length === 0 || /[{}]/.test(env)) {
    throw badRequest(
      "invalid_environment",
      `environment name ${JSON.stringify(env)} cannot be used in a store key`,
    );
  }
  return `leash:{env:${env}}`;
};

/**
 * Principal keys share the hash tag `{principals}`: savePrincipal writes the record, the key-hash index and the kind
 * set in one script and listPrincipals reads records with one MGET, which Redis Cluster allows in one slot only.
 */
const PRINCIPALS = "leash:{principals}";

/** The live-task registry: the index and each task's record share `{tasks}`, so one script writes both. */
const TASKS = "leash:{tasks}";

/** Lock records and their id index share `{locks}`: one script writes both. */
const LOCKS = "leash:{locks}";

export const storeKeys = {
  generation: "leash:gen",
  principal: (id: string) => `${PRINCIPALS}:principal:${id}`,
  principalsOfKind: (kind: PrincipalKind) => `${PRINCIPALS}:kind:${kind}`,
  keyHash: (sha256: string) => `${PRINCIPALS}:keyhash:${sha256}`,

  /** The agent that owns a task id (the first that minted for it). */
  taskOwner: (task: string) => `leash:task-owner:${task}`,

  /** Sorted set: task id → when its last token expires. */
  liveTasks: `${TASKS}:live`,
  /** Hash: `meta` (agent, intent) and one `jti:<jti>` field per token (scope, environment, issued, expires). */
  liveTask: (task: string) => `${TASKS}:task:${task}`,

  /** A workload token already used to mint; issuer and jti are hashed (both are the issuer's free text). */
  workloadTokenUsed: (issuer: string, jti: string) =>
    `leash:workload-used:${createHash("sha256").update(issuer).update("\n").update(jti).digest("hex")}`,

  envGeneration: (env: string) => `${envTag(env)}:gen`,
  revocation: (env: string, target: RevocationTarget) =>
    `${envTag(env)}:rev:${target.kind === "environment" ? "env" : `${target.kind}:${target.value}`}`,
  limit: (env: string, counterKey: string) => `${envTag(env)}:limit:${counterKey}`,
  /** A lock's marker in an environment's slot: the lock id while the lock is in force (authorize refuses). */
  envLock: (env: string, target: LockTarget) => `${envTag(env)}:lock:${target.kind}:${target.value}`,

  /** A lock's record, by target (one lock per target); read by every mint. */
  lock: (target: LockTarget) => `${LOCKS}:lock:${target.kind}:${target.value}`,
  /** Hash: lock id → its record's key; entries of lapsed locks are pruned when listing. */
  lockIds: `${LOCKS}:ids`,
} as const;

/**
 * The keys the enforce step reads, in the order the Lua script expects them: generation, the jti, task, agent, scope
 * and environment revocation markers, then the agent, scope and environment lock markers.
 */
export const enforcementKeys = (
  env: string,
  check: { jti: string; task: string; agent: string; scope: string },
) => [
  storeKeys.envGeneration(env),
  storeKeys.revocation(env, { kind: "jti", value: check.jti }),
  storeKeys.revocation(env, { kind: "task", value: check.task }),
  storeKeys.revocation(env, { kind: "agent", value: check.agent }),
  storeKeys.revocation(env, { kind: "scope", value: check.scope }),
  storeKeys.revocation(env, { kind: "environment", value: env }),
  storeKeys.envLock(env, { kind: "agent", value: check.agent }),
  storeKeys.envLock(env, { kind: "scope", value: check.scope }),
  storeKeys.envLock(env, { kind: "environment", value: env }),
];

/**
 * Vault lease keys (see src/store/leases.ts). A lease belongs to the environment of the token it came with, so its
 * record, its index sets and the revocation queue live in that environment's slot, next to the revocation markers
 * that `record` checks in the same script. Only the list of environments that ever held a lease is global.
 */
export const leaseKeys = {
  environments: "leash:leases:envs",
  record: (env: string, leaseId: string) => `${envTag(env)}:lease:${leaseId}`,
  index: (env: string, target: RevocationTarget) =>
    `${envTag(env)}:leases:by:${target.kind === "environment" ? "env" : `${target.kind}:${target.value}`}`,
  queue: (env: string) => `${envTag(env)}:leases:revoke`,
  attempts: (env: string) => `${envTag(env)}:leases:attempts`,
  schedule: (env: string) => `${envTag(env)}:leases:revoke-at`,
} as const;
