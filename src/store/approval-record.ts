// An approval record: a human decision leash waits for, either to issue a token or to let one destructive call through.
import { createHash } from "node:crypto";

/** An MCP tool call as its approver is shown it (approvals/tool-call.ts checks it hashes to the request hash). */
export interface ToolCallShown {
  upstream: string;
  tool: string;
  /** The arguments as canonical JSON: keys sorted at every depth, no whitespace. */
  arguments: string;
}

/**
 * An HTTP request held by the proxy as its approver is shown it (approvals/http-request.ts checks it hashes to the
 * request hash): the parts the hash covers, nothing else.
 */
export interface HttpRequestShown {
  method: string;
  /** The path sent upstream, with the query when it is forwarded. */
  path: string;
  /** The hashed headers, lower-case, in the order hashed; null when the request did not send one. */
  headers: [string, string | null][];
  /** The body the proxy read, as base64. Absent: no body is part of the hash (none was sent, or it streams unread). */
  body_base64?: string;
}

/** `cancelled`: withdrawn by the asking agent while pending (nobody waited for it any more). */
export type ApprovalStatus = "pending" | "approved" | "denied" | "expired" | "used" | "cancelled";

export interface ApprovalRule {
  /** Groups whose members (role `approver:<group>`) may approve. */
  approvers: string[];
  /** Distinct approvers needed. */
  quorum: number;
  /** `webauthn`: only a passkey approves; absent or `any`: a TOTP code or a passkey. */
  factor?: "any" | "webauthn";
}

interface ApprovalBase {
  id: string;
  /** Bumped on every change; the store replaces a record only if nobody changed it since it was read. */
  version: number;
  status: ApprovalStatus;
  env: string;
  scope: string;
  agent: string;
  /** The human who created the agent: never allowed to approve its requests. */
  owner: string | null;
  /**
   * A delegated token's call: the act chain (agent ids, current actor first) and the owners of every agent in it,
   * none of whom may approve: a sub-agent's owner must not wave through what their agent was handed.
   */
  actChain?: string[];
  chainOwners?: string[];
  task: string;
  intent: string;
  rule: ApprovalRule;
  approvedBy: string[];
  deniedBy: string | null;
  denyReason: string | null;
  createdAt: number;
  expiresAt: number;
}

/** One destructive call, bound to exactly one (token, action, resource, request hash). */
export interface CallApproval extends ApprovalBase {
  kind: "call";
  jti: string;
  action: string;
  resource: string;
  requestHash: string;
  /** An MCP tool call: what the approver is shown (the tool and its canonical arguments, which hash to requestHash). */
  toolCall?: ToolCallShown;
  /** An HTTP request the proxy holds: what the approver is shown (the hashed parts, which hash to requestHash). */
  httpRequest?: HttpRequestShown;
  /** The caller said the call is destructive (an MCP tool its server annotates so) whatever the catalogue says. */
  destructive?: true;
}

/** A token issuance held until approved; the token is minted when the agent collects it, once. */
export interface IssueApproval extends ApprovalBase {
  kind: "issue";
  /** The original mint request, re-checked against the scope as it is when the token is collected. */
  request: Record<string, unknown>;
}

export type Approval = CallApproval | IssueApproval;

/** How long a human has to decide, and how long an approved call stays usable. */
export const APPROVAL_TTL_MS = 15 * 60_000;
/** Records outlive their decision window so an expiry can still be seen (and announced) before they vanish. */
export const APPROVAL_RECORD_TTL_MS = 2 * APPROVAL_TTL_MS;

/** The binding a call approval unlocks; any change to token, action, resource or request is a different call. */
export function callBinding(
  jti: string,
  action: string,
  resource: string,
  requestHash: string | undefined,
): string {
  return createHash("sha256")
    .update(JSON.stringify([jti, action, resource, requestHash ?? ""]))
    .digest("hex");
}

/** Past its expiry a pending or approved approval counts as expired, whoever reads it. */
export function effectiveStatus(approval: Approval, nowMs: number): ApprovalStatus {
  if ((approval.status === "pending" || approval.status === "approved") && nowMs >= approval.expiresAt)
    return "expired";
  return approval.status;
}

/** Approval ids are `apr_` and random base64url; anything else is not looked up. */
export const isApprovalId = (id: string) => /^apr_[A-Za-z0-9_-]{16,64}$/.test(id);
