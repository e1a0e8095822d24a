// Names of the memory store's entries. Strings of several kinds share one map (the enforce step reads revocation
// markers, lock markers and the generation alike), so a name says its kind; its parts are JSON-quoted, so no two
// names collide whatever the ids hold.
import type { LockTarget, PrincipalKind, RevocationTarget } from "../targets.ts";

const name = (...parts: string[]): string => JSON.stringify(parts);

/** An environment target stands for the environment the entry lives in, so it names no value. */
const targetParts = (target: RevocationTarget): string[] =>
  target.kind === "environment" ? [target.kind] : [target.kind, target.value];

export const memoryKeys = {
  generation: name("generation"),
  envGeneration: (env: string) => name("generation", env),
  principal: (id: string) => name("principal", id),
  principalsOfKind: (kind: PrincipalKind) => name("principals-of-kind", kind),
  keyHash: (sha256: string) => name("key-hash", sha256),
  taskOwner: (task: string) => name("task-owner", task),
  workloadTokenUsed: (issuer: string, jti: string) => name("workload-token-used", issuer, jti),
  revocation: (env: string, target: RevocationTarget) => name("revocation", env, ...targetParts(target)),
  limit: (env: string, counterKey: string) => name("limit", env, counterKey),
  /** A lock's marker in one environment (what authorize reads). */
  envLock: (env: string, target: LockTarget) => name("lock-marker", env, target.kind, target.value),
  /** A lock's record, by target. */
  lock: (target: LockTarget) => name("lock", target.kind, target.value),
  leaseRecord: (env: string, leaseId: string) => name("lease", env, leaseId),
  leaseIndex: (env: string, target: RevocationTarget) => name("leases-by", env, ...targetParts(target)),
} as const;
