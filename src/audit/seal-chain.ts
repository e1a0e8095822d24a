// Seals the next runs of a chain's unsealed records: reads them in stream order, chains their hashes in Node and
// writes one seal per run with a compare-and-set on the head's sealed position (AuditLog.writeSeal).
//
// Any number of broker processes may seal one chain at once: each reads the head's sealed position, hashes the
// records after it and writes its seal only if the position is unchanged, so exactly one seal follows each position
// and the loser re-reads. No lock: the broker's sealer claims a chain before sealing it, so races are rare, but
// correctness never depends on the claim. The sealer never repairs a chain: a gap (a removed record) is sealed as it
// is and reported, so `leash audit verify` keeps finding it.
import type { AuditLog, AuditSeal, SealedPosition, StoredAuditEntry } from "../store/audit.ts";
import { chainHash, seqOfValue, storedRecordValue, valueChainHash } from "../store/audit-record.ts";
import { encodeRunIndex, runIndexEntry, runIndexEntryOfValue } from "./run-index.ts";

export interface SealChainOptions {
  /** Records per seal. Default 1000. */
  batchSize?: number;
  /** Most seals one call writes (a chain far behind catches up over several passes). Default 50. */
  maxSeals?: number;
  /** Records read (and hashed) per round trip. Default 200. */
  pageSize?: number;
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
const DEFAULT_PAGE = 200;

/** Reads a stored record's fields as an object (a later duplicate field wins, as in a forged record). */
function fieldsOf(record: StoredAuditEntry): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of record.fields) fields[name] = value;
  return fields;
}

/** The run that follows `sealed`, hashed page by page as its records arrive; gaps in seq are reported, not repaired. */
class RunHasher {
  #hash: string;
  #expected: number;
  #first: StoredAuditEntry | undefined;
  #last: StoredAuditEntry | undefined;
  #lastSeq = Number.NaN;
  readonly #index: Buffer[] = [];
  count = 0;
  readonly gaps: string[] = [];

  constructor(private readonly sealed: SealedPosition) {
    this.#hash = sealed.hash;
    this.#expected = sealed.seq + 1;
  }

  add(records: StoredAuditEntry[]): void {
    for (const record of records) {
      // A record stored as one value is hashed as stored; one stored field by field (format 2) as it always was.
      const value = storedRecordValue(record.fields);
      const fields = value === null ? fieldsOf(record) : null;
      const seq = Number(fields ? fields.seq : seqOfValue(value!));
      if (Number.isSafeInteger(seq) && seq > this.#expected) this.gaps.push(`${this.#expected}..${seq - 1}`);
      if (Number.isSafeInteger(seq) && seq >= this.#expected) this.#expected = seq + 1;
      if (fields) {
        this.#hash = chainHash(this.#hash, fields, record.id);
        this.#index.push(runIndexEntry(this.#hash, fields, record.id));
      } else {
        this.#hash = valueChainHash(this.#hash, record.id, value!);
        this.#index.push(runIndexEntryOfValue(this.#hash, value!, record.id));
      }
      this.#first ??= record;
      this.#last = record;
      this.#lastSeq = seq;
      this.count++;
    }
  }

  /** The seal over every record added so far (at least one). */
  seal(nowMs: number): AuditSeal {
    const from = this.sealed.seq + 1;
    return {
      from_seq: from,
      to_seq:
        Number.isSafeInteger(this.#lastSeq) && this.#lastSeq >= from ? this.#lastSeq : from + this.count - 1,
      first_id: this.#first!.id,
      last_id: this.#last!.id,
      count: this.count,
      prev: this.sealed.hash,
      hash: this.#hash,
      sealed_at: new Date(nowMs).toISOString(),
      record_index: encodeRunIndex(this.#index),
    };
  }
}

/** Seals `chain` up to the head it reads (records appended meanwhile are left to the next call). */
export async function sealChain(
  log: AuditLog,
  chain: string,
  options: SealChainOptions,
): Promise<SealChainResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const maxSeals = options.maxSeals ?? DEFAULT_MAX_SEALS;
  const pageSize = options.pageSize ?? DEFAULT_PAGE;
  const result: SealChainResult = { seals: 0, records: 0, lostRaces: 0, gaps: [] };
  // Every lost race means another sealer moved the chain on, so the attempts are bounded by the work there is.
  for (let attempt = 0; result.seals < maxSeals && attempt < 2 * maxSeals; attempt++) {
    const head = await log.head(chain);
    if (!head || head.seq <= head.sealed.seq) break;
    // Read in pages: hashing a page takes a millisecond or two of the event loop, and every read in between lets the
    // requests waiting on it run (hashing a 1,000-record run in one go held the loop for 7-15 ms on the bench box).
    const run = new RunHasher(head.sealed);
    let after = head.sealed.id;
    while (run.count < batchSize) {
      const wanted = Math.min(pageSize, batchSize - run.count);
      const page = await log.range(chain, { start: after ? `(${after}` : "-", end: head.id, count: wanted });
      run.add(page);
      if (page.length < wanted) break;
      after = page[page.length - 1]!.id;
    }
    // The head counts records the stream no longer has: they were removed; verify reports it, nothing to seal.
    if (run.count === 0) break;
    const seal = run.seal(options.nowMs);
    if (await log.writeSeal(chain, head.sealed, seal)) {
      result.seals++;
      result.records += seal.count;
      result.gaps.push(...run.gaps);
    } else {
      result.lostRaces++;
    }
  }
  return result;
}
