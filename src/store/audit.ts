// The audit sub-store: hash-chained audit records, one chain per environment slot and one global chain. Redis in
// production (redis/redis-audit.ts, streams), memory in dev mode; both pass test/store/audit.contract.ts.
//
// Appending is atomic with respect to the chain's head across every broker process: the store reads the head,
// finishes the record's hash and writes record and head in one step (one Lua script on Redis), so no two records
// ever claim the same predecessor. The enforce step and revocations append in the same round trip as their decision.
import type { AuditEntry, AuditRecordFields } from "../audit/record.ts";
import { badRequest } from "../errors/leash-error.ts";

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

/** The chain's head: the last record's hash, seq and id, kept apart from the stream so a removed tail shows. */
export interface AuditHead {
  hash: string;
  seq: number;
  id: string;
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
  append(draft: AuditDraft): Promise<AuditRecordFields & { id: string; chain: string }>;
  /** Remembers that these environments have chains, so readers find them (and an emptied chain is noticed). */
  registerChains(environments: string[]): Promise<void>;
  /** Every chain that exists or was registered, `global` first. */
  chains(): Promise<string[]>;
  head(chain: string): Promise<AuditHead | null>;
  range(chain: string, range: AuditRange): Promise<StoredAuditEntry[]>;
}

const auditTag = (chain: string): string => {
  if (chain === "global") return "leash:{audit}";
  const env = chain.startsWith("env:") ? chain.slice(4) : "";
  if (env.length === 0 || /[{}]/.test(env))
    throw badRequest("invalid_chain", `no audit chain named ${JSON.stringify(chain)}`);
  return `leash:{env:${env}}:audit`;
};

/**
 * Redis keys. An environment's stream and head carry its `{env:E}` hash tag (one Cluster slot with the enforce
 * step's keys, so the enforce script appends in the same call); the global ones share the tag `{audit}`.
 */
export const auditKeys = {
  stream: (chain: string) => auditTag(chain),
  head: (chain: string) => `${auditTag(chain)}:head`,
  /** Set of environment names with a chain. */
  chains: "leash:audit:chains",
} as const;
