// Seals the next runs of a chain's unsealed records: reads them in stream order, chains their hashes in Node and
// writes one seal per run with a compare-and-set on the head's sealed position (AuditLog.writeSeal).
//
// Any number of broker processes may seal one chain at once: each reads the head's sealed position, hashes the
// records after it and writes its seal only if the position is unchanged, so exactly one seal follows each position
// and the loser re-reads. No lock. The sealer never repairs a chain: a gap (a removed record) is sealed as it is
// and reported, so `leash audit verify` keeps finding it.
import type { AuditLog, AuditSeal, SealedPosition, StoredAuditEntry } from "../store/audit.ts";
import { chainHash } from "./record.ts";

export interface SealChainOptions {
  /** Records per seal. Default 1000. */
  batchSize?: number;
  /** Most seals one call writes (a chain far behind catches up over several passes). Default 50. */
  maxSeals?: number;
  /** The sealer's clock, for the seals' `sealed_at`. */
  nowMs: number;
}

export interface SealChainResult {
  seals: number;
  records: number;
  /** Seals another sealer wrote first (this one's work was dropped and the position re-read). */
  lostRaces: number;
  /** Seq ranges missing from sealed runs, like `41..42`: records removed before they were sealed. */
  gaps: string[];
}

const DEFAULT_BATCH = 1000;
const DEFAULT_MAX_SEALS = 50;

/** The seal over `records`, the run that follows `sealed`; gaps in their seq are reported, not repaired. */
export function sealRun(
  sealed: SealedPosition,
  records: StoredAuditEntry[],
  nowMs: number,
): { seal: AuditSeal; gaps: string[] } {
  let hash = sealed.hash;
  let expected = sealed.seq + 1;
  const gaps: string[] = [];
  for (const record of records) {
    const fields = Object.fromEntries(record.fields);
    const seq = Number(fields.seq);
    if (Number.isSafeInteger(seq) && seq > expected) gaps.push(`${expected}..${seq - 1}`);
    if (Number.isSafeInteger(seq) && seq >= expected) expected = seq + 1;
    hash = chainHash(hash, fields, record.id);
  }
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const lastSeq = Number(Object.fromEntries(last.fields).seq);
  const from = sealed.seq + 1;
  return {
    seal: {
      from_seq: from,
      to_seq: Number.isSafeInteger(lastSeq) && lastSeq >= from ? lastSeq : from + records.length - 1,
      first_id: first.id,
      last_id: last.id,
      count: records.length,
      prev: sealed.hash,
      hash,
      sealed_at: new Date(nowMs).toISOString(),
    },
    gaps,
  };
}

/** Seals `chain` up to the head it reads (records appended meanwhile are left to the next call). */
export async function sealChain(
  log: AuditLog,
  chain: string,
  options: SealChainOptions,
): Promise<SealChainResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const maxSeals = options.maxSeals ?? DEFAULT_MAX_SEALS;
  const result: SealChainResult = { seals: 0, records: 0, lostRaces: 0, gaps: [] };
  // Every lost race means another sealer moved the chain on, so the attempts are bounded by the work there is.
  for (let attempt = 0; result.seals < maxSeals && attempt < 2 * maxSeals; attempt++) {
    const head = await log.head(chain);
    if (!head || head.seq <= head.sealed.seq) break;
    const records = await log.range(chain, {
      start: head.sealed.id ? `(${head.sealed.id}` : "-",
      end: head.id,
      count: batchSize,
    });
    // The head counts records the stream no longer has: they were removed; verify reports it, nothing to seal.
    if (records.length === 0) break;
    const { seal, gaps } = sealRun(head.sealed, records, options.nowMs);
    if (await log.writeSeal(chain, head.sealed, seal)) {
      result.seals++;
      result.records += seal.count;
      result.gaps.push(...gaps);
    } else {
      result.lostRaces++;
    }
  }
  return result;
}
