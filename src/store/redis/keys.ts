// Every Redis key name of the Store, in one place (docs/redis-keys.md describes the layout). Keys a script touches
// together share a hash tag, so the script touches one Redis Cluster slot; test/store/hash-slots.test.ts checks it.
import { createHash } from "node:crypto";
import { LeashError } from "../../errors/leash-error.ts";
import { type LeaseRecord, leaseTargets } from "../leases.ts";
import type { LockTarget, PrincipalKind, RevocationTarget } from "../targets.ts";

// The hash tag of an environment's slot is `{env:E}`; a `{` or `}` in E would move or split it, breaking the
// "one enforce script touches one Redis Cluster slot" rule. Environment names are identifiers, so this never
// fires for a valid scope set.
const fitsEnvTag = (env: string): boolean => env.length > 0 && !/[{}]/.test(env);

const envTag = (env: string): string => {
  if (!fitsEnvTag(env)) {
    throw new LeashError(
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

/** The index sets a lease is entered in, in leaseTargets order. */
export const leaseIndexKeys = (lease: LeaseRecord): string[] =>
  leaseTargets(lease).map((target) => leaseKeys.index(lease.env, target));

const auditTag = (chain: string): string => {
  if (chain === "global") return "leash:{audit}";
  const env = chain.startsWith("env:") ? chain.slice(4) : "";
  if (!fitsEnvTag(env))
    throw new LeashError("invalid_chain", `no audit chain named ${JSON.stringify(chain)}`);
  return `${envTag(env)}:audit`;
};

/**
 * Audit log keys. An environment's stream, seals and head carry its `{env:E}` hash tag (one Cluster slot with the
 * enforce step's keys, so the enforce script appends in the same call); the global ones share the tag `{audit}`.
 */
export const auditKeys = {
  stream: (chain: string) => auditTag(chain),
  head: (chain: string) => `${auditTag(chain)}:head`,
  seals: (chain: string) => `${auditTag(chain)}:seals`,
  /** Which broker's sealer is sealing the chain (a value with a ttl). */
  sealer: (chain: string) => `${auditTag(chain)}:sealer`,
  /** Set of environment names with a chain. */
  chains: "leash:audit:chains",
  /** SCAN pattern of every environment's stream, and the environment a matched key belongs to. */
  environmentStreams: "leash:{env:*}:audit",
  environmentOfStream: (key: string): string | null =>
    /^leash:\{env:([^{}]+)\}:audit$/.exec(key)?.[1] ?? null,
} as const;

/**
 * Approval keys. The record and the pending indexes share the hash tag `{approvals}` (the compare-and-set script
 * touches them together). Bindings and used TOTP steps are single keys, spread over the cluster.
 */
export const approvalKeys = {
  approval: (id: string) => `leash:{approvals}:approval:${id}`,
  pending: "leash:{approvals}:pending",
  /** Pending approvals of one agent and of one agent's task, scored by their expiry (what the limits count). */
  pendingOfAgent: (agent: string) => `leash:{approvals}:pending-of:agent:${agent}`,
  pendingOfTask: (agent: string, task: string) =>
    `leash:{approvals}:pending-of:task:${JSON.stringify([agent, task])}`,
  binding: (binding: string) => `leash:approval-binding:${binding}`,
  totpLastStep: (humanId: string) => `leash:totp-last-step:${humanId}`,
  enrolmentUsed: (tokenHash: string) => `leash:enrolment-used:${tokenHash}`,
  /** A WebAuthn challenge leash issued to a human and has not seen answered yet. */
  challenge: (humanId: string, challenge: string) => `leash:webauthn-challenge:${humanId}:${challenge}`,
  /** How many challenges this human was issued in the current window (the window's length is the key's ttl). */
  challengesIssued: (humanId: string) => `leash:webauthn-challenges-issued:${humanId}`,
  /** Attempts charged in the current window, and the lock: one slot per human, so one script touches both. */
  totpAttempts: (humanId: string) => `leash:{totp:${humanId}}:attempts`,
  totpLock: (humanId: string) => `leash:{totp:${humanId}}:lock`,
} as const;

/** Refusal tallies: every open tally and the index of when each window closes share the slot `{refusals}`. */
export const refusalKeys = {
  /** Sorted set: tally id → when its window closes. */
  closing: "leash:{refusals}:closing",
  /** Hash: count, first, last, sample (the first refusal's event, source, reason and fields as JSON). */
  tally: (id: string) => `leash:{refusals}:tally:${id}`,
} as const;
