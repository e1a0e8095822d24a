// Audit chains in memory for dev mode and tests: the same chains, ids and hashes as the Redis streams.
import {
  type AuditDecision,
  type AuditField,
  type AuditRecordFields,
  auditRecordHash,
  chainOf,
  decidedFields,
  entryFields,
  GENESIS_HASH,
  GLOBAL_CHAIN,
} from "../../audit/record.ts";
import type { AuditDraft, AuditHead, AuditLog, AuditRange, StoredAuditEntry } from "../audit.ts";

interface Chain {
  entries: StoredAuditEntry[];
  head: AuditHead | null;
}

/** Stream ids compared as Redis does: milliseconds, then sequence. */
const parseId = (id: string): [bigint, bigint] => {
  const [ms, seq] = id.split("-");
  return [BigInt(ms ?? "0"), BigInt(seq ?? "0")];
};
const compareIds = (a: string, b: string): number => {
  const [am, as] = parseId(a);
  const [bm, bs] = parseId(b);
  return am === bm ? (as === bs ? 0 : as < bs ? -1 : 1) : am < bm ? -1 : 1;
};

/** Whether `id` lies on the inner side of `bound` (`-`, `+`, `<id>` inclusive or `(<id>` exclusive). */
function within(id: string, bound: string | undefined, side: "start" | "end"): boolean {
  if (bound === undefined || bound === "-" || bound === "+") return true;
  const exclusive = bound.startsWith("(");
  const order = compareIds(id, exclusive ? bound.slice(1) : bound);
  if (side === "start") return exclusive ? order > 0 : order >= 0;
  return exclusive ? order < 0 : order <= 0;
}

export class MemoryAudit implements AuditLog {
  private readonly chainsByName = new Map<string, Chain>();
  private readonly registered = new Set<string>();

  constructor(private readonly assertOpen: () => void) {}

  async append(draft: AuditDraft): Promise<AuditRecordFields & { id: string; chain: string }> {
    this.assertOpen();
    return this.appendNow(draft, draft.entry);
  }

  /** Appends without awaiting anything, so the memory store's enforce and revoke stay atomic. */
  appendNow(draft: AuditDraft, decision: AuditDecision): AuditRecordFields & { id: string; chain: string } {
    const chainName = chainOf(draft.entry.environment);
    const chain = this.chain(chainName);
    // As in the Lua script: seq and prev from the head; the id never below the head's (or the stream top's).
    const lastId = chain.head?.id ?? chain.entries[chain.entries.length - 1]?.id;
    const seq = String((chain.head?.seq ?? 0) + 1);
    const prev = chain.head?.hash ?? GENESIS_HASH;
    const record = Object.fromEntries([
      ...entryFields(draft.entry),
      ...decidedFields(decision),
      ["seq", seq],
      ["prev", prev],
    ]) as Record<AuditField, string>;
    const hash = auditRecordHash(record);
    const [lastMs, lastSeq] = lastId ? parseId(lastId) : [-1n, -1n];
    const time = BigInt(Math.trunc(draft.entry.time));
    const ms = time > lastMs ? time : lastMs;
    const n = ms === lastMs ? lastSeq + 1n : 0n;
    const id = `${ms}-${n}`;
    chain.entries.push({
      chain: chainName,
      id,
      fields: [...Object.entries(record), ["hash", hash]] as Array<[string, string]>,
    });
    chain.head = { hash, seq: Number(seq), id };
    return { ...record, hash, id, chain: chainName };
  }

  async registerChains(environments: string[]): Promise<void> {
    this.assertOpen();
    for (const env of environments) this.registered.add(env);
  }

  async chains(): Promise<string[]> {
    this.assertOpen();
    const environments = new Set(this.registered);
    for (const name of this.chainsByName.keys()) if (name !== GLOBAL_CHAIN) environments.add(name.slice(4));
    return [GLOBAL_CHAIN, ...[...environments].sort().map((env) => chainOf(env))];
  }

  async head(chain: string): Promise<AuditHead | null> {
    this.assertOpen();
    const head = this.chainsByName.get(chain)?.head;
    return head ? { ...head } : null;
  }

  async range(chain: string, range: AuditRange): Promise<StoredAuditEntry[]> {
    this.assertOpen();
    const entries = this.chainsByName.get(chain)?.entries ?? [];
    const inRange = entries.filter(
      (entry) => within(entry.id, range.start, "start") && within(entry.id, range.end, "end"),
    );
    const ordered = range.reverse ? inRange.reverse() : inRange;
    return ordered.slice(0, range.count).map((entry) => ({ ...entry, fields: [...entry.fields] }));
  }

  /** For tests of tamper detection: the stored entries themselves, to edit in place. */
  entriesOf(chain: string): StoredAuditEntry[] {
    return this.chain(chain).entries;
  }

  private chain(name: string): Chain {
    let chain = this.chainsByName.get(name);
    if (!chain) {
      chain = { entries: [], head: null };
      this.chainsByName.set(name, chain);
    }
    return chain;
  }
}
