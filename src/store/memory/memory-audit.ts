// Audit chains in memory for dev mode and tests: the same chains, ids, stored values, heads and seals as the Redis
// streams.

import {
  type AppendedAuditRecord,
  AUDIT_SEAL_FIELDS,
  type AuditDraft,
  type AuditHead,
  type AuditLog,
  type AuditRange,
  type AuditSeal,
  compareStreamIds,
  parseStreamId,
  type SealedPosition,
  type StoredAuditEntry,
  type StoredAuditSeal,
} from "../audit.ts";
import {
  AUDIT_RECORD_FIELD,
  type AuditDecision,
  auditRecordToSeq,
  auditValueToSeqOf,
  chainOf,
  GENESIS_HASH,
  GLOBAL_CHAIN,
} from "../audit-record.ts";
import { wholeMs } from "../records.ts";

interface Chain {
  entries: StoredAuditEntry[];
  seals: StoredAuditSeal[];
  /** Fields of the head hash, as in Redis: seq, id, sealed_seq, sealed_id, sealed_hash. */
  head: Map<string, string>;
}

/** Whether `id` lies on the inner side of `bound` (`-`, `+`, `<id>` inclusive or `(<id>` exclusive). */
function within(id: string, bound: string | undefined, side: "start" | "end"): boolean {
  if (bound === undefined || bound === "-" || bound === "+") return true;
  const exclusive = bound.startsWith("(");
  const order = compareStreamIds(id, exclusive ? bound.slice(1) : bound);
  if (side === "start") return exclusive ? order > 0 : order >= 0;
  return exclusive ? order < 0 : order <= 0;
}

function select<T extends { id: string; fields: Array<[string, string]> }>(
  list: T[],
  range: AuditRange,
): T[] {
  const inRange = list.filter(
    (item) => within(item.id, range.start, "start") && within(item.id, range.end, "end"),
  );
  const ordered = range.reverse ? inRange.reverse() : inRange;
  return ordered.slice(0, range.count).map((item) => ({ ...item, fields: [...item.fields] }));
}

export class MemoryAudit implements AuditLog {
  private readonly chainsByName = new Map<string, Chain>();
  private readonly registered = new Set<string>();
  private readonly sealingClaims = new Map<string, { owner: string; expiresAt: number }>();

  constructor(
    private readonly assertOpen: () => void,
    private readonly now: () => number,
  ) {}

  async append(draft: AuditDraft): Promise<AppendedAuditRecord> {
    this.assertOpen();
    return this.appendNow(draft, draft.entry);
  }

  /** Appends without awaiting anything, so the memory store's enforce and revoke stay atomic. */
  appendNow(draft: AuditDraft, decision: AuditDecision): AppendedAuditRecord {
    const chainName = chainOf(draft.entry.environment);
    const chain = this.chain(chainName);
    // As in the Lua script: seq from the head; the id never below the head's (or, without one, the stream top's).
    const seq = String(Number(chain.head.get("seq") ?? 0) + 1);
    const lastId = chain.head.get("id") ?? chain.entries[chain.entries.length - 1]?.id;
    const record = auditRecordToSeq(draft.entry, decision);
    const [lastMs, lastSeq] = lastId ? parseStreamId(lastId) : [-1n, -1n];
    const time = BigInt(Math.trunc(draft.entry.time));
    const ms = time > lastMs ? time : lastMs;
    const n = ms === lastMs ? lastSeq + 1n : 0n;
    const id = `${ms}-${n}`;
    // seq is digits: the value with it is the value up to it, seq and the end, as the Lua append composes it.
    const value = `${auditValueToSeqOf(record)}${seq}"]`;
    chain.entries.push({ chain: chainName, id, fields: [[AUDIT_RECORD_FIELD, value]] });
    chain.head.set("seq", seq).set("id", id);
    return Object.assign(record, { seq, id, chain: chainName });
  }

  async registerChains(environments: string[]): Promise<void> {
    this.assertOpen();
    for (const env of environments) this.registered.add(env);
  }

  async chains(options: { registeredOnly?: boolean } = {}): Promise<string[]> {
    this.assertOpen();
    const environments = new Set(this.registered);
    if (!options.registeredOnly) {
      for (const [name, chain] of this.chainsByName)
        if (name !== GLOBAL_CHAIN && (chain.entries.length > 0 || chain.head.size > 0))
          environments.add(name.slice(4));
    }
    return [GLOBAL_CHAIN, ...[...environments].sort().map((env) => chainOf(env))];
  }

  async head(chain: string): Promise<AuditHead | null> {
    this.assertOpen();
    const head = this.chainsByName.get(chain)?.head;
    const seq = head?.get("seq");
    const id = head?.get("id");
    if (!head || !seq || !id) return null;
    return {
      seq: Number(seq),
      id,
      sealed: {
        seq: Number(head.get("sealed_seq") ?? 0),
        id: head.get("sealed_id") ?? "",
        hash: head.get("sealed_hash") ?? GENESIS_HASH,
      },
    };
  }

  async range(chain: string, range: AuditRange): Promise<StoredAuditEntry[]> {
    this.assertOpen();
    return select(this.chainsByName.get(chain)?.entries ?? [], range);
  }

  async seals(chain: string, range: AuditRange): Promise<StoredAuditSeal[]> {
    this.assertOpen();
    return select(this.chainsByName.get(chain)?.seals ?? [], range);
  }

  async writeSeal(chain: string, expected: SealedPosition, seal: AuditSeal): Promise<boolean> {
    this.assertOpen();
    // As the Lua script: compare the sealed position, then write seal and head without awaiting in between.
    const state = this.chain(chain);
    const seq = state.head.get("sealed_seq") ?? "0";
    const hash = state.head.get("sealed_hash") ?? GENESIS_HASH;
    if (seq !== String(expected.seq) || hash !== expected.hash) return false;
    const top = state.seals[state.seals.length - 1];
    if (top && compareStreamIds(seal.last_id, top.id) <= 0)
      throw new Error("ERR The ID specified in XADD is equal or smaller than the target stream top item");
    state.seals.push({
      chain,
      id: seal.last_id,
      fields: AUDIT_SEAL_FIELDS.map((field) => [field, String(seal[field])]),
    });
    state.head
      .set("sealed_seq", String(seal.to_seq))
      .set("sealed_id", seal.last_id)
      .set("sealed_hash", seal.hash);
    return true;
  }

  async trim(chain: string, minId: string): Promise<void> {
    this.assertOpen();
    const state = this.chainsByName.get(chain);
    if (!state) return;
    state.entries = state.entries.filter((entry) => compareStreamIds(entry.id, minId) >= 0);
    state.seals = state.seals.filter((seal) => compareStreamIds(seal.id, minId) >= 0);
  }

  async claimSealing(chain: string, owner: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    const claim = this.sealingClaims.get(chain);
    if (claim && claim.owner !== owner && claim.expiresAt > this.now()) return false;
    this.sealingClaims.set(chain, { owner, expiresAt: this.now() + wholeMs(ttlMs) });
    return true;
  }

  async releaseSealing(chain: string, owner: string): Promise<void> {
    this.assertOpen();
    if (this.sealingClaims.get(chain)?.owner === owner) this.sealingClaims.delete(chain);
  }

  /** For tests of tamper detection: the stored entries themselves, to edit in place. */
  entriesOf(chain: string): StoredAuditEntry[] {
    return this.chain(chain).entries;
  }

  /** For tests of tamper detection: the stored seals themselves, to edit in place. */
  sealsOf(chain: string): StoredAuditSeal[] {
    return this.chain(chain).seals;
  }

  /** For tests of tamper detection: the head's fields, to edit in place. */
  headOf(chain: string): Map<string, string> {
    return this.chain(chain).head;
  }

  private chain(name: string): Chain {
    let chain = this.chainsByName.get(name);
    if (!chain) {
      chain = { entries: [], seals: [], head: new Map() };
      this.chainsByName.set(name, chain);
    }
    return chain;
  }
}
