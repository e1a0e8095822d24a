// An audit record: its fields in their one canonical order, its canonical encoding and the chain hash over a run.
//
// Every value is a string (absent = ""), so the stored record and its encoding are the same wherever they are made.
// Records are appended raw (no hash in Redis); a sealer (seal-chain.ts) later chains them in stream order:
// h_i = SHA-256(h_{i-1} as 64 hex digits ‖ canonical(record_i)), h_0 = GENESIS_HASH. docs/audit.md.
import { hash } from "node:crypto";

/** The format version written in every record's `v`: 2 = appended raw, chained by seals (1 held prev/hash). */
export const AUDIT_FORMAT_VERSION = "2";

/** Fields the caller knows when it appends: everything up to `detail`, in canonical order. */
export const AUDIT_ENTRY_FIELDS = [
  "v",
  "time",
  "event",
  "actor",
  "agent",
  "environment",
  "task",
  "intent",
  "scope",
  "action",
  "resource",
  "jti",
  "approval",
  "request_id",
  "detail",
] as const;

/**
 * Fields that may be decided inside the store's atomic step (the enforce script decides an authorize call's
 * decision, reason and exhausted limit), then the record's number in its chain, which the store assigns.
 */
export const AUDIT_DECIDED_FIELDS = ["decision", "reason", "limit"] as const;
export const AUDIT_CHAIN_FIELDS = ["seq"] as const;

/** Every stored field, in stored (and canonical) order. */
export const AUDIT_FIELDS = [...AUDIT_ENTRY_FIELDS, ...AUDIT_DECIDED_FIELDS, ...AUDIT_CHAIN_FIELDS] as const;
export type AuditField = (typeof AUDIT_FIELDS)[number];

/** The chain hash before a chain's first record (a seal's `prev` at genesis). */
export const GENESIS_HASH = "0".repeat(64);

/** A record as stored: every field. */
export type AuditRecordFields = Record<AuditField, string>;

/** Event names, `<subject>.<verb>`; the list is documented in docs/audit.md. */
export type AuditEvent =
  | "authorize"
  | "token.mint"
  | `approval.${"requested" | "partially_approved" | "approved" | "denied" | "expired" | "used" | "cancelled"}`
  | "revocation"
  | `lock.${"create" | "remove"}`
  | `${"agent" | "human"}.${"create" | "disable" | "enable" | "rotate_key" | "totp_enrol" | "totp_confirm" | "passkey_enrol"}`
  | "key.rotate"
  | "key.activate"
  | `totp.${"failed" | "locked"}`;

/** What a caller appends. Never a secret: token ids (jti), not tokens; key ids, not keys. */
export interface AuditEntry {
  /** Caller's clock, ms since the epoch. */
  time: number;
  event: AuditEvent;
  /** Who did it: `agent:<id>`, `human:<id>`, `system` (leash itself), or "" when nobody could be identified. */
  actor: string;
  /** The agent the record is about (the one acting, or whose token, call or request it concerns). */
  agent?: string;
  /** The environment whose chain holds the record; absent: the global chain. */
  environment?: string;
  task?: string;
  intent?: string;
  scope?: string;
  action?: string;
  resource?: string;
  jti?: string;
  approval?: string;
  request_id?: string;
  /** Short non-secret context (granted actions, refused items, a key id). */
  detail?: string;
  /** `allow`, `deny` or `pending` for decisions; the event's own outcome otherwise. */
  decision?: string;
  reason?: string;
  /** The blast-radius counter that was full. */
  limit?: string;
}

/** The decided fields, when the store (not the caller) decides them. */
export type AuditDecision = Pick<AuditEntry, "decision" | "reason" | "limit">;

/** Where a request came from, for correlating audit records with log lines. */
export interface AuditOrigin {
  requestId?: string;
  /** Where the request came from (refusalSource of its address), for refusals before the caller is identified. */
  source?: string;
}

// A lone surrogate cannot be written as UTF-8: Redis would store U+FFFD and the hashes would disagree.
export const wellFormed = (value: string): string => (value.isWellFormed() ? value : value.toWellFormed());

/** The caller-known fields of an entry, as stored strings, in canonical order. */
export function entryFields(entry: AuditEntry): Array<[string, string]> {
  const values: Record<(typeof AUDIT_ENTRY_FIELDS)[number], string | undefined> = {
    v: AUDIT_FORMAT_VERSION,
    time: new Date(entry.time).toISOString(),
    event: entry.event,
    actor: entry.actor,
    agent: entry.agent,
    environment: entry.environment,
    task: entry.task,
    intent: entry.intent,
    scope: entry.scope,
    action: entry.action,
    resource: entry.resource,
    jti: entry.jti,
    approval: entry.approval,
    request_id: entry.request_id,
    detail: entry.detail,
  };
  return AUDIT_ENTRY_FIELDS.map((field) => [field, wellFormed(values[field] ?? "")]);
}

export const decidedFields = (decision: AuditDecision): Array<[string, string]> =>
  AUDIT_DECIDED_FIELDS.map((field) => [field, wellFormed(decision[field] ?? "")]);

/**
 * The canonical encoding of a stored record: JSON.stringify of an object with every field of AUDIT_FIELDS in
 * that order (a missing one as ""), then `id`, the record's stream id, so a record cannot be moved in its chain
 * (or in time) without changing its chain hash.
 */
export function canonicalAuditString(record: Partial<Record<AuditField, string>>, id: string): string {
  const ordered: Record<string, string> = {};
  for (const field of AUDIT_FIELDS) ordered[field] = record[field] ?? "";
  ordered.id = id;
  return JSON.stringify(ordered);
}

/** h_i = SHA-256(h_{i-1} ‖ canonical(record_i)): the previous chain hash as 64 hex digits, then the encoding. */
export const chainHash = (prev: string, record: Partial<Record<AuditField, string>>, id: string): string =>
  hash("sha256", prev + canonicalAuditString(record, id), "hex");

/** Chains: one per environment (`env:<name>`) and one for events outside any environment (`global`). */
export const GLOBAL_CHAIN = "global";
export const chainOf = (environment: string | undefined): string =>
  environment ? `env:${environment}` : GLOBAL_CHAIN;
