// What the agent SDK sends and receives: the shapes of leash's HTTP API, as an agent's code sees them.

export interface MintTaskTokenRequest {
  /** The scope to mint from (the scope file's name). */
  scope: string;
  /** What the task is for; shown to approvers and written to every audit record. */
  intent: string;
  /** Your own task id; leash makes one when it is absent. */
  taskId?: string;
  /** A subset of the scope's actions; asking for more than the scope allows is refused, never narrowed. */
  actions?: string[];
  /** A subset of the scope's resources. */
  resources?: string[];
  /** A lifetime such as "10m", at most the scope's maximum. */
  ttl?: string;
}

export interface IssuedTaskToken {
  status: "issued";
  token: string;
  token_type: "Bearer";
  expires_at: string;
  task: { id: string; intent: string };
  granted: { scope: string; environment: string; actions: string[]; resources: string[]; jti: string };
  /** Vault dynamic credentials, when the scope asks for them. */
  credentials?: { username: string; password: string; lease_id: string; expires_at: string } | null;
  warning?: string;
}

/** The scope needs a human before it issues: the token comes once the request is approved. */
export interface PendingIssuance {
  status: "pending";
  request_id: string;
  task: { id: string; intent: string };
}

/** `cancelled`: the agent withdrew it while it was pending. */
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "used" | "cancelled";

/** An issuance request that ended without a token. */
export interface RefusedIssuance {
  status: Exclude<ApprovalStatus, "pending" | "approved">;
  request_id: string;
}

export interface AuthorizeRequest {
  token: string;
  action: string;
  resource: string;
  /** A hash of the exact request, so that an approval holds for that request only. */
  requestHash?: string;
  /** The approval that lets this one call through (the `Leash-Approval` header). */
  approvalId?: string;
}

export interface AuthorizeDecision {
  allow: boolean;
  /** `ok`, or why not: `revoked`, `expired`, `wrong_environment`, `action_not_granted`, `rate_limited`… */
  reason: string;
  /** With `approval_required`: the approval a human decides; wait for it with waitForApproval. */
  approval_id?: string;
  task_revoked?: boolean;
  [extra: string]: unknown;
}

export interface ApprovalView {
  id: string;
  kind: "issue" | "call";
  status: ApprovalStatus;
  environment: string;
  scope: string;
  agent: string;
  task: string;
  intent: string;
  action?: string;
  resource?: string;
  approvers: string[];
  quorum: number;
  approved_by: string[];
  denied_by: string | null;
  deny_reason: string | null;
  requested_at: string;
  expires_at: string;
}

/** What to revoke: exactly one of these. */
export type RevocationTarget =
  | { jti: string }
  | { task: string }
  | { agent: string }
  | { scope: string }
  | { environment: string };

export interface RevocationResult {
  revoked: { kind: "jti" | "task" | "agent" | "scope" | "environment"; value: string };
  environments: string[];
  at: string;
  reason: string;
  actor: string;
  vault_leases_queued: number;
}

/** A child token for a sub-agent; every field narrows the parent's, absent ones keep the parent's. */
export interface ExchangeRequest {
  /** What the sub-task is for; required. */
  intent: string;
  actions?: string[];
  /** Globs that must be provably inside the parent's resources. */
  resources?: string[];
  /** A lifetime such as "5m", never past the parent's expiry. */
  ttl?: string;
  /** Another agent's API key: the child is handed to that agent (it becomes `act.sub`). */
  actorKey?: string;
}

/** RFC 8693 §2.2.1, plus the task, grant and place in the delegation tree. */
export interface ExchangedTaskToken {
  access_token: string;
  issued_token_type: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  token: string;
  expires_at: string;
  task: { id: string; intent: string; sub_task: string };
  granted: { scope: string; environment: string; actions: string[]; resources: string[]; jti: string };
  delegation: { actor: string; parent: string; chain: string[]; depth: number; act_chain: string[] };
}
