// The audit sub-store: audit records appended raw, one chain per environment slot and one global chain, and the
// seals that chain them afterwards. Redis in production (redis/redis-audit.ts, streams), memory in dev mode; both
// pass test/store/audit.contract.ts.
//
// Appending costs the decision no hashing: the store numbers the record (seq) and writes it in one step (one Lua
// script on Redis; the enforce step and revocations append in the same round trip as their decision). Sealers in
// every broker process (src/audit/audit-sealer.ts) then read the unsealed records, hash them in Node and write a
// seal with a compare-and-set on the head's sealed position, so racing sealers never fork the chain.

import type { AuditEntry, AuditRecordFields } from "./audit-record.ts";

/** What the store appends: the caller-known entry; decided fields it leaves out are filled in by the store's step. */
export interface AuditDraft {
  entry: AuditEntry;
}

/** A draft riding on the enforce step: the script fills in decision, reason and limit. */
export interface EnforcementAuditDraft extends AuditDraft {
  /**
   * The enforce step returns `holdReason` to a caller that goes on deciding (call approval): no record then, the
   * caller appends the final one itself, so each authorize call has exactly one record.
   */
  skipWhenHeld: boolean;
}

/** A stored record as read back: its stream id and its fields in stored order (a tampered record may have any). */
export interface StoredAuditEntry {
  chain: string;
  /** Stream id `<ms>-<n>`: ms is the record's time, never lower than the one before it in the chain. */
  id: string;
  fields: Array<[string, string]>;
}

/** A record just appended: every stored field, its stream id and its chain. */
export type AppendedAuditRecord = AuditRecordFields & { id: string; chain: string };

/** How far a chain is sealed: the last sealed record's seq and id, and the chain hash after it. */
export interface SealedPosition {
  /** 0 before the first seal. */
  seq: number;
  /** "" before the first seal. */
  id: string;
  /** GENESIS_HASH before the first seal. */
  hash: string;
}

/** The chain's head, kept apart from the stream so removed records and seals show. */
export interface AuditHead {
  /** The last appended record's seq and stream id. */
  seq: number;
  id: string;
  sealed: SealedPosition;
}

/**
 * A seal: the chain hash over a run of consecutive records of one chain, in stream order. `prev` is the chain hash
 * before the run (GENESIS_HASH at the chain's start), `hash` the one after its last record. Stored in the chain's
 * seal stream under the id of the run's last record.
 */
export interface AuditSeal {
  from_seq: number;
  to_seq: number;
  first_id: string;
  last_id: string;
  count: number;
  prev: string;
  hash: string;
  /** When it was sealed (ISO 8601), for the sealing delay; not part of any hash. */
  sealed_at: string;
  /**
   * Per record, a prefix of its chain hash and a fingerprint of each field (src/audit/run-index.ts): lets verify
   * name a changed record and field. "" in seals written before it existed.
   */
  record_index: string;
}

/** The seal fields in stored order. */
export const AUDIT_SEAL_FIELDS = [
  "from_seq",
  "to_seq",
  "first_id",
  "last_id",
  "count",
  "prev",
  "hash",
  "sealed_at",
  "record_index",
] as const;

/** The fields of seals written before the run index existed (verify still reads them). */
export const AUDIT_SEAL_FIELDS_WITHOUT_INDEX = AUDIT_SEAL_FIELDS.slice(0, -1);

/** A seal as read back: its stream id and its fields in stored order (a tampered seal may have any). */
export interface StoredAuditSeal {
  chain: string;
  id: string;
  fields: Array<[string, string]>;
}

export interface AuditRange {
  /** Stream ids; `(` before an id makes the bound exclusive. Default: the whole chain. */
  start?: string;
  end?: string;
  count: number;
  /** Newest first. */
  reverse?: boolean;
}

export interface AuditLog {
  /** Appends to the chain of `entry.environment` (global without one); decided fields come from the entry. */
  append(draft: AuditDraft): Promise<AppendedAuditRecord>;
  /** Remembers that these environments have chains, so readers find them (and an emptied chain is noticed). */
  registerChains(environments: string[]): Promise<void>;
  /**
   * Every chain that exists or was registered, `global` first. `registeredOnly`: the global chain and the
   * registered ones, without looking through the keyspace (what the sealer asks every interval).
   */
  chains(options?: { registeredOnly?: boolean }): Promise<string[]>;
  head(chain: string): Promise<AuditHead | null>;
  range(chain: string, range: AuditRange): Promise<StoredAuditEntry[]>;
  /** The chain's seals, by seal stream id (the id of each run's last record). */
  seals(chain: string, range: AuditRange): Promise<StoredAuditSeal[]>;
  /**
   * Writes `seal` and moves the head's sealed position to its end, only if the head's sealed position is still
   * `expected` (what the sealer read); false when another sealer got there first.
   */
  writeSeal(chain: string, expected: SealedPosition, seal: AuditSeal): Promise<boolean>;
  /** Removes the records and the seals whose ids are below `minId` (retention, by seal boundary). */
  trim(chain: string, minId: string): Promise<void>;
  /**
   * Claims, or renews, the right to seal `chain` for `ttlMs` on behalf of `owner`; false while another owner holds
   * it. It only spares brokers from sealing the same records in parallel: writeSeal's compare-and-set keeps the
   * chain right with or without it.
   */
  claimSealing(chain: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives up `owner`'s claim (a sealer stopping), so another broker's sealer takes the chain on its next pass. */
  releaseSealing(chain: string, owner: string): Promise<void>;
}

/** A stream id's two parts: milliseconds and sequence. */
export function parseStreamId(id: string): [bigint, bigint] {
  const [ms, n] = id.split("-");
  return [BigInt(ms ?? "0"), BigInt(n ?? "0")];
}

/** Stream ids compared as Redis does: milliseconds, then sequence. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = parseStreamId(a);
  const [bm, bs] = parseStreamId(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/** The smallest stream id after `id`. */
export function nextStreamId(id: string): string {
  const [ms, n] = parseStreamId(id);
  return `${ms}-${n + 1n}`;
}
