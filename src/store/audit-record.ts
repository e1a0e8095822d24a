// An audit record: its fields in their one canonical order, its stored value and the chain hash over a run.
//
// Every value is a string (absent = ""). A record is stored as one value, the canonical JSON array of its field
// values (the stream field `record`), made byte for byte alike by Node and by the Lua append. Records are appended raw (no hash in Redis); a
// sealer (seal-chain.ts) later chains them in stream order, hashing the stored bytes as they are:
// h_i = SHA-256(h_{i-1} as 64 hex digits ‖ stream id ‖ LF ‖ value_i), h_0 = GENESIS_HASH. Records of format 2
// (a stream field per record field) are still read and hashed as they were. docs/audit.md.
import { hash } from "node:crypto";

/**
 * The format version written in every record's `v`: 3 = one stored value; 2 = a stream field per record field;
 * 1 held prev/hash. 2 and 3 are appended raw and chained by seals.
 */
export const AUDIT_FORMAT_VERSION = "3";

/** The one stream field that holds a record's value. */
export const AUDIT_RECORD_FIELD = "record";

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

/** An entry's time as stored: ISO 8601 with milliseconds. */
export const auditTime = (ms: number): string => new Date(ms).toISOString();

/** The caller-known fields of an entry, as stored strings, in canonical order. */
export function entryFields(entry: AuditEntry): Array<[string, string]> {
  const values: Record<(typeof AUDIT_ENTRY_FIELDS)[number], string | undefined> = {
    v: AUDIT_FORMAT_VERSION,
    time: auditTime(entry.time),
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

const stored = (value: string | undefined): string => (value === undefined ? "" : wellFormed(value));

/** A record's fields as stored, all but seq (which the store assigns): entryFields and decidedFields as one object. */
export type AuditRecordToSeq = Omit<AuditRecordFields, "seq">;

/**
 * entryFields and decidedFields (of `decision`, the entry's own by default) as one object, written out rather than built from pairs: every append
 * makes one, and an object assembled with Object.fromEntries and spread cost an append tens of µs.
 */
export function auditRecordToSeq(entry: AuditEntry, decision: AuditDecision = entry): AuditRecordToSeq {
  return {
    v: AUDIT_FORMAT_VERSION,
    time: auditTime(entry.time),
    event: stored(entry.event),
    actor: stored(entry.actor),
    agent: stored(entry.agent),
    environment: stored(entry.environment),
    task: stored(entry.task),
    intent: stored(entry.intent),
    scope: stored(entry.scope),
    action: stored(entry.action),
    resource: stored(entry.resource),
    jti: stored(entry.jti),
    approval: stored(entry.approval),
    request_id: stored(entry.request_id),
    detail: stored(entry.detail),
    decision: stored(decision.decision),
    reason: stored(decision.reason),
    limit: stored(decision.limit),
  };
}

/** auditRecordValue of a record up to seq's value: everything but seq, then `,"` (the Lua append adds seq and `"]`). */
export function auditValueToSeqOf(r: AuditRecordToSeq): string {
  const value = JSON.stringify([
    r.v,
    r.time,
    r.event,
    r.actor,
    r.agent,
    r.environment,
    r.task,
    r.intent,
    r.scope,
    r.action,
    r.resource,
    r.jti,
    r.approval,
    r.request_id,
    r.detail,
    r.decision,
    r.reason,
    r.limit,
  ]);
  return `${value.slice(0, -1)},"`;
}

/**
 * A record's stored value: JSON.stringify of the array of its field values in AUDIT_FIELDS order (a missing one as
 * ""); the position names the field, so the names are not stored with every record. The Lua append composes the
 * same bytes (audit-scripts.ts), escaping as JSON.stringify does.
 */
export const auditRecordValue = (record: Partial<Record<AuditField, string>>): string =>
  JSON.stringify(AUDIT_FIELDS.map((field) => record[field] ?? ""));

/** The value of a stored record of format 3 (one `record` field); null for a record stored field by field. */
export const storedRecordValue = (fields: ReadonlyArray<readonly [string, string]>): string | null =>
  fields.length === 1 && fields[0]![0] === AUDIT_RECORD_FIELD ? fields[0]![1] : null;

/** The seq of a stored value, read from its end (its last element) without parsing; "" when it is not there. */
export function seqOfValue(value: string): string {
  const at = value.lastIndexOf(',"');
  return at < 0 || !value.endsWith('"]') ? "" : value.slice(at + 2, -2);
}

/** A stored value's elements; null when it is not a JSON array of strings. */
export function parseRecordValue(value: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || !parsed.every((element) => typeof element === "string")) return null;
  return parsed as string[];
}

/** The fields of a stored value's elements, by position. */
export const recordFieldsOfValues = (values: readonly string[]): AuditRecordFields =>
  Object.fromEntries(AUDIT_FIELDS.map((field, i) => [field, values[i]])) as AuditRecordFields;

/**
 * A stored record's fields by name, whichever its format. A value that is not an array of a record's field values
 * (edited) is shown as it is stored, under `record`.
 */
export function storedRecordFields(fields: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const value = storedRecordValue(fields);
  if (value === null) return Object.fromEntries(fields);
  const values = parseRecordValue(value);
  return values?.length === AUDIT_FIELDS.length
    ? recordFieldsOfValues(values)
    : { [AUDIT_RECORD_FIELD]: value };
}

/**
 * h_i of a record of format 3: SHA-256 of the previous chain hash (64 hex digits), the record's stream id, a line
 * feed and the stored value. The id is hashed so that a record cannot be moved (to another position, or another
 * time) without changing its chain hash; the line feed (never in an id) ends it. A format-2 encoding starts with `{`
 * where this has a digit, so no text is hashed as both.
 */
export const valueChainHash = (prev: string, id: string, value: string): string =>
  hash("sha256", `${prev}${id}\n${value}`, "hex");

/**
 * The canonical encoding of a format-2 record: JSON.stringify of an object with every field of AUDIT_FIELDS in
 * that order (a missing one as ""), then `id`, the record's stream id, so a record cannot be moved in its chain
 * (or in time) without changing its chain hash.
 */
export function canonicalAuditString(record: Partial<Record<AuditField, string>>, id: string): string {
  const ordered: Record<string, string> = {};
  for (const field of AUDIT_FIELDS) ordered[field] = record[field] ?? "";
  ordered.id = id;
  return JSON.stringify(ordered);
}

/** h_i of a format-2 record: SHA-256 of the previous chain hash as 64 hex digits, then its canonical encoding. */
export const chainHash = (prev: string, record: Partial<Record<AuditField, string>>, id: string): string =>
  hash("sha256", prev + canonicalAuditString(record, id), "hex");

/** Chains: one per environment (`env:<name>`) and one for events outside any environment (`global`). */
export const GLOBAL_CHAIN = "global";
export const chainOf = (environment: string | undefined): string =>
  environment ? `env:${environment}` : GLOBAL_CHAIN;
