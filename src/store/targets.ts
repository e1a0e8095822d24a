// What store records are about and keys are named after: principal kinds, revocation and lock targets.

/** Agents act; humans approve and administer. */
export type PrincipalKind = "agent" | "human";

/** What a revocation names. `agent`, `scope` and `environment` revoke tokens issued up to `atMs`; `jti` and `task` are absolute. */
export type RevocationTarget =
  | { kind: "jti"; value: string }
  | { kind: "task"; value: string }
  | { kind: "agent"; value: string }
  | { kind: "scope"; value: string }
  | { kind: "environment"; value: string };

/** What a lock names: while it is in force, nothing is minted for it and none of its tokens is allowed. */
export type LockTarget = { kind: "agent" | "scope" | "environment"; value: string };
