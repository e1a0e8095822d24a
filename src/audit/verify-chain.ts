// Walks an audit chain and its seals and names the first problem: a changed, removed or inserted record, a changed,
// removed or inserted seal, a head that disagrees, a malformed entry.
//
// Recomputes every seal from the stored records with node:crypto (never trusting a stored hash): each run's chain
// hash must be its seal's `hash`, each seal's `prev` the hash of the seal before it, seq must count up by one with
// no gap across seals and unsealed records, and the chain must end where its head (kept apart from the streams)
// says. Records after the last seal are checked for order and gaps and counted; their content is covered only
// once they are sealed. With a retention, the chain starts at its earliest remaining seal.
import {
  type AuditHead,
  type AuditLog,
  type AuditSeal,
  compareStreamIds,
  type StoredAuditEntry,
  type StoredAuditSeal,
} from "../store/audit.ts";
import {
  AUDIT_FIELDS,
  AUDIT_FORMAT_VERSION,
  chainHash,
  GENESIS_HASH,
  parseRecordValue,
  recordFieldsOfValues,
  storedRecordFields,
  storedRecordValue,
  valueChainHash,
} from "../store/audit-record.ts";
import { COUNT, type ParsedSeal, parseSeal } from "./parse-seal.ts";
import { compareRunIndex, decodeRunIndex, runIndexEntry, runIndexEntryOfValue } from "./run-index.ts";
import { StreamReader } from "./stream-reader.ts";

export { compareStreamIds } from "../store/audit.ts";

export type ChainBreakKind =
  /** A sealed record's content differs from what was sealed (its run's hash does not match its seal). */
  | "changed"
  /** Records are missing: a gap in seq, a run shorter than its seal, the chain shorter than its head. */
  | "removed"
  /** A record no append wrote: its seq repeats or goes back, it lies outside every sealed run, or after the head. */
  | "inserted"
  /** seq starts again at 1: the chain's head was deleted and appends started a new chain. */
  | "restarted"
  /** A record or seal without the fields of one. */
  | "malformed"
  /** A seal's own fields were changed: its prev does not link, its hash alone disagrees, its counts are off. */
  | "seal_changed"
  /** A seal is missing: records no seal covers, or the head sealed further than the last seal. */
  | "seal_removed"
  /** A seal overlaps the one before it, or reaches past the head's sealed position. */
  | "seal_inserted"
  /** The head's sealed position or last record disagrees with the streams in another way. */
  | "head_mismatch"
  | "head_missing"
  /** Records unsealed for longer than allowed (only with `maxUnsealedAgeMs`). */
  | "unsealed";

export interface ChainBreak {
  kind: ChainBreakKind;
  /** The first record (or, for seal problems, seal) that does not fit; absent when the chain's end is wrong. */
  id?: string;
  seq?: string;
  /** The seal concerned (its stream id = its run's last record id). */
  seal?: string;
  /** For a changed record its seal's index locates: the fields that changed (empty when none could be told). */
  fields?: string[];
  message: string;
}

export interface ChainVerification {
  chain: string;
  ok: boolean;
  problem?: ChainBreak;
  /** Records checked (sealed and unsealed). */
  records: number;
  /** Of them, records whose content a seal covers. */
  sealed: number;
  /** Records after the last seal, not yet sealed: checked for order and gaps only. */
  unsealed: number;
  /** Stream time (ms) of the oldest unsealed record. */
  oldestUnsealedMs: number | null;
  /** Records before the first checked one: trimmed by the retention (or about to be). */
  trimmed: number;
  seals: number;
  lastSeal: (Omit<AuditSeal, "record_index"> & { id: string }) | null;
  head: AuditHead | null;
}

export interface VerifyOptions {
  /**
   * The brokers' LEASH_AUDIT_RETENTION. Unset: a chain must start at seq 1 (a missing start is `removed`). Set:
   * it starts at its earliest seal, and seals within a minute of the retention are skipped (a sealer may trim them
   * while this runs).
   */
  retentionMs?: number;
  /** Report records unsealed for longer than this as a problem (`unsealed`). Default: only count them. */
  maxUnsealedAgeMs?: number;
  nowMs?: number;
}

/** Seals this close to the retention may be trimmed while verify reads them: they are skipped. */
const TRIM_MARGIN_MS = 60_000;
/** Rounds of following seals written while verify runs (each round reads only the new ones). */
const FOLLOW_ROUNDS = 100;
const RECORD_NAMES = AUDIT_FIELDS.join(",");
type RecordPosition = { id: string; seq: number };
/** A record read in turn: its fields, and its stored value when it is stored as one (null: field by field). */
type TakenRecord = { entry: StoredAuditEntry; fields: Record<string, string>; value: string | null };

/** What makes a record stored field by field (format 2) not one, or null. */
function unlikeFieldRecord(entry: StoredAuditEntry): string | null {
  const names = entry.fields.map(([name]) => name).join(",");
  return names === RECORD_NAMES ? null : `fields are not an audit record's: ${names}`;
}

/**
 * What makes a stored value not a record's, or null. Only the canonical value of a record of this format passes, so
 * what verify hashes is exactly what a sealer hashed of a record as the store wrote it.
 */
function unlikeValueRecord(value: string, values: string[] | null): string | null {
  if (values === null) return "its value is not a JSON array of strings";
  if (values.length !== AUDIT_FIELDS.length)
    return `its value holds ${values.length} fields, not an audit record's ${AUDIT_FIELDS.length}`;
  if (values[0] !== AUDIT_FORMAT_VERSION)
    return `a record stored as one value has v ${JSON.stringify(values[0])}, not ${AUDIT_FORMAT_VERSION}`;
  if (JSON.stringify(values) !== value)
    return "its value is not in canonical form (JSON.stringify of its field values in canonical order)";
  return null;
}

const streamMs = (id: string): number => Number(id.split("-")[0]);
const seqRange = (from: number, to: number) =>
  from === to ? `record ${from} is` : `records ${from}..${to} are`;
const usable = (seal: ParsedSeal | string | null): ParsedSeal | null =>
  typeof seal === "string" ? null : seal;

/** Verifies one chain as stored now; records and seals written while it runs are followed to the head it ends with. */
export async function verifyAuditChain(
  log: AuditLog,
  chain: string,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const nowMs = options.nowMs ?? Date.now();
  const head = await log.head(chain);
  const seals = new StreamReader((start, count) => log.seals(chain, { start, count }));
  const start = await findStart(seals, head, options.retentionMs, nowMs);
  const walk = new ChainWalk(log, chain, head, seals, start);
  const problem =
    (options.retentionMs === undefined ? await walk.checkNothingTrimmed() : undefined) ??
    (await walk.checkSealedRuns()) ??
    walk.checkHeadAgreesWithLastSeal() ??
    (await walk.checkUnsealedRecords()) ??
    (await walk.checkChainEndsAtHead()) ??
    walk.checkUnsealedAge(options.maxUnsealedAgeMs, nowMs);
  return problem ? { ...walk.result, ok: false, problem } : walk.result;
}

/** Where the check starts, and with what the chain hash and seq must be there. */
interface ChainStart {
  /** The last seal skipped as about to be trimmed by the retention. */
  skipped: ParsedSeal | null;
  /** The first seal to check, as read before checking: parsed, a reason it is malformed, or none. */
  first: ParsedSeal | string | null;
  hash: string;
  nextSeq: number;
}

/**
 * Genesis, the first seal's prev (the retention trimmed what came before), past the seals the retention is about to
 * trim, or where the head says sealing got to when the retention trimmed every sealed run.
 */
async function findStart(
  seals: StreamReader<StoredAuditSeal>,
  head: AuditHead | null,
  retentionMs: number | undefined,
  nowMs: number,
): Promise<ChainStart> {
  let skipped: ParsedSeal | null = null;
  if (retentionMs !== undefined) {
    const horizon = nowMs - retentionMs + TRIM_MARGIN_MS;
    for (let next = await seals.peek(); next && streamMs(next.id) < horizon; next = await seals.peek()) {
      const parsed = parseSeal(next);
      if (typeof parsed === "string") break;
      skipped = parsed;
      await seals.next();
    }
  }
  const firstStored = await seals.peek();
  const first = firstStored ? parseSeal(firstStored) : null;
  const start = { skipped, first };
  if (skipped) return { ...start, hash: skipped.hash, nextSeq: skipped.to_seq + 1 };
  if (first && typeof first !== "string" && first.from_seq > 1)
    return { ...start, hash: first.prev, nextSeq: first.from_seq };
  if (!first && head && head.sealed.seq > 0)
    return { ...start, hash: head.sealed.hash, nextSeq: head.sealed.seq + 1 };
  return { ...start, hash: GENESIS_HASH, nextSeq: 1 };
}

/** A sealed run as read from the records: its recomputed hash and index, and where each record sits. */
interface RunRead {
  hash: string;
  count: number;
  index: Buffer[];
  positions: RecordPosition[];
}

/** One walk along a chain: its records in seq order, its seals in turn, each step naming the first thing wrong. */
class ChainWalk {
  readonly result: ChainVerification;
  private readonly records: StreamReader<StoredAuditEntry>;
  /** The chain hash the next seal's prev must be: the last checked seal's hash. */
  private hash: string;
  /** The seq the next record must have. */
  private nextSeq: number;
  /** The seq before the first checked record. */
  private readonly anchorSeq: number;
  /** The seq through which seals were checked (or skipped as about to be trimmed). */
  private verifiedTo: number;
  private lastRecord: RecordPosition | null = null;
  /** The head as last read. */
  private head: AuditHead | null;

  constructor(
    private readonly log: AuditLog,
    private readonly chain: string,
    head: AuditHead | null,
    private readonly seals: StreamReader<StoredAuditSeal>,
    private readonly start: ChainStart,
  ) {
    this.head = head;
    this.hash = start.hash;
    this.nextSeq = start.nextSeq;
    this.anchorSeq = start.nextSeq - 1;
    this.verifiedTo = start.skipped ? start.skipped.to_seq : 0;
    this.result = {
      chain,
      ok: true,
      records: 0,
      sealed: 0,
      unsealed: 0,
      oldestUnsealedMs: null,
      trimmed: this.anchorSeq,
      seals: 0,
      lastSeal: null,
      head,
    };
    this.records = new StreamReader(
      (start, count) => log.range(chain, { start, count }),
      start.skipped ? start.skipped.last_id : null,
    );
  }

  /** Without a retention nothing is trimmed: a chain that starts after seq 1 lost its start. */
  async checkNothingTrimmed(): Promise<ChainBreak | undefined> {
    if (this.anchorSeq === 0) return undefined;
    const first = usable(this.start.first);
    const entry = await this.records.peek();
    const sealedFrom = first ? first.first_id : this.result.head?.sealed.id;
    if (entry && sealedFrom && compareStreamIds(entry.id, sealedFrom) < 0)
      return this.uncovered(entry, first);
    return {
      kind: "removed",
      message: `${seqRange(1, this.anchorSeq)} missing from the start, with their seals (LEASH_AUDIT_RETENTION is not set, so nothing should have been trimmed)`,
    };
  }

  /** Every seal in turn, each run recomputed from its records; then the seals written meanwhile, up to the head. */
  async checkSealedRuns(): Promise<ChainBreak | undefined> {
    for (let round = 0; ; round++) {
      for (let stored = await this.seals.next(); stored; stored = await this.seals.next()) {
        const problem = await this.checkSealedRun(stored);
        if (problem) return problem;
      }
      // Where sealing got to, by the head (a sealer may have sealed more since the seals were read).
      this.head = await this.log.head(this.chain);
      this.result.head = this.head;
      const sealed = this.head?.sealed;
      const sealedTo = this.result.lastSeal?.to_seq ?? this.anchorSeq;
      if (!sealed || sealed.seq <= sealedTo) return undefined;
      const lastSealId = this.result.lastSeal?.id ?? this.start.skipped?.id;
      const more = await this.log.seals(this.chain, {
        start: lastSealId ? `(${lastSealId}` : "-",
        count: 1,
      });
      if (more.length > 0 && round < FOLLOW_ROUNDS) {
        this.seals.resume();
        continue;
      }
      return this.checkNoRecordSealedPastLastSeal(sealed, sealedTo);
    }
  }

  /** The head says records are sealed that no seal covers: the last seals were removed. */
  private async checkNoRecordSealedPastLastSeal(
    sealed: AuditHead["sealed"],
    sealedTo: number,
  ): Promise<ChainBreak> {
    this.records.resume();
    const entry = await this.records.peek();
    if (entry && compareStreamIds(entry.id, sealed.id) <= 0) return this.uncovered(entry, null);
    return {
      kind: "seal_removed",
      message: `the head says the chain is sealed through seq ${sealed.seq} (${sealed.id}) but the last seal ends at seq ${sealedTo}: seals were removed`,
    };
  }

  /** One seal: where it sits among the others, then its run read back and held against its count, hash and index. */
  private async checkSealedRun(stored: StoredAuditSeal): Promise<ChainBreak | undefined> {
    // Every seal is written after its records: read on past what the record reader last saw as the end.
    this.records.resume();
    const seal = parseSeal(stored);
    if (typeof seal === "string") return { kind: "malformed", id: stored.id, seal: stored.id, message: seal };
    const recordsBefore = this.result.records;
    const misplaced = await this.checkSealPlace(seal);
    if (misplaced) return misplaced;
    const run = await this.readRun(seal);
    if ("kind" in run) return run;
    const found =
      this.checkRunComplete(seal, run, recordsBefore) ??
      (run.hash === seal.hash ? undefined : await this.explainHashMismatch(seal, run)) ??
      this.checkRunIndex(seal, run);
    if (found) return found;
    this.hash = seal.hash;
    this.verifiedTo = seal.to_seq;
    this.result.seals++;
    this.result.sealed += run.count;
    const { record_index: _index, ...shown } = seal;
    this.result.lastSeal = shown;
    return undefined;
  }

  /** The seal's own numbers agree, it starts right after the run before it, and its prev links to that run's hash. */
  private async checkSealPlace(seal: ParsedSeal): Promise<ChainBreak | undefined> {
    if (seal.id !== seal.last_id) return sealNumbersChanged(seal);
    // Records between the last run and this one: no seal covers them.
    const before = await this.records.peek();
    if (before && compareStreamIds(before.id, seal.first_id) < 0) return this.uncovered(before, seal);
    if (seal.from_seq > this.nextSeq)
      return {
        kind: "removed",
        ...atSeal(seal),
        message: `${seqRange(this.nextSeq, seal.from_seq - 1)} missing before ${describeRun(seal)}, with their seal: removed`,
      };
    if (seal.from_seq < this.nextSeq)
      return {
        kind: "seal_inserted",
        ...atSeal(seal),
        message: `${describeRun(seal)} overlaps the run before it (sealed through seq ${this.nextSeq - 1}): a seal was inserted`,
      };
    if (seal.prev !== this.hash)
      return {
        kind: "seal_changed",
        ...atSeal(seal),
        message: `${describeRun(seal)}: its prev is not the hash of the seal before it: a seal was changed or replaced`,
      };
    return undefined;
  }

  /** The records up to the seal's last id, each checked in turn and chained onto the hash before the run. */
  private async readRun(seal: ParsedSeal): Promise<RunRead | ChainBreak> {
    const run: RunRead = { hash: this.hash, count: 0, index: [], positions: [] };
    for (let entry = await this.records.peek(); entry; entry = await this.records.peek()) {
      if (compareStreamIds(entry.id, seal.last_id) > 0) break;
      const taken = await this.takeRecord();
      if ("kind" in taken) return taken;
      const { id } = taken.entry;
      if (taken.value === null) {
        run.hash = chainHash(run.hash, taken.fields, id);
        run.index.push(runIndexEntry(run.hash, taken.fields, id));
      } else {
        run.hash = valueChainHash(run.hash, id, taken.value);
        run.index.push(runIndexEntryOfValue(run.hash, taken.value, id));
      }
      run.positions.push({ id, seq: Number(taken.fields.seq) });
      run.count++;
    }
    return run;
  }

  /** The run reaches the seal's last seq, and holds as many records as the seal counts, ending at its last id. */
  private checkRunComplete(seal: ParsedSeal, run: RunRead, recordsBefore: number): ChainBreak | undefined {
    if (this.nextSeq - 1 < seal.to_seq)
      return {
        kind: "removed",
        ...atSeal(seal),
        message: `${seqRange(this.nextSeq, seal.to_seq)} missing from the end of ${describeRun(seal)}: removed`,
      };
    // The records fit (no gap): a seal whose own numbers disagree was edited. It is reported as of the seal, before
    // its run was read, like the same finding made before reading.
    if (seal.to_seq - seal.from_seq + 1 !== seal.count) {
      this.result.records = recordsBefore;
      return sealNumbersChanged(seal);
    }
    if (run.count !== seal.count || this.lastRecord?.id !== seal.last_id)
      return {
        kind: "inserted",
        ...atSeal(seal),
        message: `${describeRun(seal)} holds ${seal.count} records ending at ${seal.last_id}; the stream has ${run.count} ending at ${this.lastRecord?.id}: records were inserted or moved`,
      };
    return undefined;
  }

  /**
   * The run's hash is not the seal's: either a record changed or the seal's own hash did. The next seal's prev (or
   * the head) tells which; the seal's record index, when it has a usable one, tells which record.
   */
  private async explainHashMismatch(seal: ParsedSeal, run: RunRead): Promise<ChainBreak> {
    const after = await this.seals.peek();
    const parsedAfter = after ? parseSeal(after) : null;
    const followingPrev =
      parsedAfter && typeof parsedAfter !== "string"
        ? parsedAfter.prev
        : !after && this.result.head?.sealed.seq === seal.to_seq
          ? this.result.head.sealed.hash
          : null;
    if (followingPrev === run.hash)
      return {
        kind: "seal_changed",
        ...atSeal(seal),
        message: `${describeRun(seal)}: its hash alone disagrees with its records and with what follows it: the seal was changed`,
      };
    const sealedIndex = decodeRunIndex(seal.record_index, seal.count);
    const found = sealedIndex ? compareRunIndex(run.index, sealedIndex) : null;
    if (found?.kind === "record") {
      const at = run.positions[found.index]!;
      const what = found.fields.length > 0 ? `its ${found.fields.join(", ")} changed` : "changed";
      return {
        kind: "changed",
        id: at.id,
        seq: String(at.seq),
        seal: seal.id,
        fields: found.fields,
        message: `record ${at.id} (seq ${at.seq}) does not match ${describeRun(seal)}: ${what} after sealing`,
      };
    }
    const unlocated = !sealedIndex
      ? seal.record_index === ""
        ? "the seal predates record indexes"
        : "the seal's record index is unreadable"
      : "the seal's record index does not locate it (edited too)";
    return {
      kind: "changed",
      id: seal.first_id,
      seq: String(seal.from_seq),
      seal: seal.id,
      message: `a record of seq ${seal.from_seq}..${seal.to_seq} (${seal.first_id}..${seal.last_id}) does not match ${describeRun(seal)}: changed after sealing (${unlocated})`,
    };
  }

  /**
   * The run is as sealed; an index that disagrees with it was edited (it only locates changes, but must not be left
   * to point at the wrong record later).
   */
  private checkRunIndex(seal: ParsedSeal, run: RunRead): ChainBreak | undefined {
    const sealedIndex = seal.record_index === "" ? null : decodeRunIndex(seal.record_index, seal.count);
    const indexFinding = sealedIndex ? compareRunIndex(run.index, sealedIndex) : null;
    if (indexFinding?.kind === "record") {
      // The hash was recomputed over changed records, but the index (and the next seal's prev) still show the
      // original run.
      const at = run.positions[indexFinding.index]!;
      return {
        kind: "changed",
        id: at.id,
        seq: String(at.seq),
        seal: seal.id,
        fields: indexFinding.fields,
        message: `record ${at.id} (seq ${at.seq}) does not match the record index of ${describeRun(seal)}: ${indexFinding.fields.length > 0 ? `its ${indexFinding.fields.join(", ")} changed` : "changed"} after sealing, and the seal's hash was recomputed`,
      };
    }
    if (seal.record_index !== "" && indexFinding?.kind !== "agrees")
      return {
        kind: "seal_changed",
        ...atSeal(seal),
        message: `${describeRun(seal)}: its records match its hash but not its record index: the seal's record index was changed`,
      };
    return undefined;
  }

  /** The last seal ends where the head says sealing got to, and its hash is the head's sealed hash. */
  checkHeadAgreesWithLastSeal(): ChainBreak | undefined {
    const { head } = this;
    const sealedTo = this.result.lastSeal?.to_seq ?? this.anchorSeq;
    if (head && sealedTo > head.sealed.seq) {
      const last = this.result.lastSeal;
      return {
        kind: "seal_inserted",
        ...(last ? { id: last.id, seal: last.id } : {}),
        message: `the last seal ends at seq ${sealedTo} but the head says sealed through seq ${head.sealed.seq}: a seal was added`,
      };
    }
    const sealed = head?.sealed;
    if (sealed && sealed.seq > 0 && sealed.hash !== this.hash)
      return {
        kind: "head_mismatch",
        message: `the head's sealed hash ${sealed.hash} is not the last seal's ${this.hash}: the head was changed`,
      };
    return undefined;
  }

  /** Unsealed records, up to the head read last (later ones are newer than this check): order and gaps only. */
  async checkUnsealedRecords(): Promise<ChainBreak | undefined> {
    const { head } = this;
    const sealed = head?.sealed;
    this.records.resume();
    for (let entry = await this.records.peek(); entry; entry = await this.records.peek()) {
      if (head && compareStreamIds(entry.id, head.id) > 0) break;
      if (sealed?.id && compareStreamIds(entry.id, sealed.id) <= 0) return this.uncovered(entry, null);
      const taken = await this.takeRecord();
      if ("kind" in taken) return taken;
      this.result.unsealed++;
      this.result.oldestUnsealedMs ??= streamMs(taken.entry.id);
    }
    return undefined;
  }

  /** The chain ends at its head: no head without records, no record missing before it, none after it. */
  async checkChainEndsAtHead(): Promise<ChainBreak | undefined> {
    const { head, lastRecord: last } = this;
    if (!head) {
      if (!last && this.result.seals === 0) return undefined;
      return { kind: "head_missing", message: `the chain has ${this.result.records} records but no head` };
    }
    const lastSeq = this.nextSeq - 1;
    if (lastSeq < head.seq || (last && last.id !== head.id))
      return {
        kind: "removed",
        message: `the chain ends at seq ${lastSeq}${last ? ` (${last.id})` : ""} but its head says seq ${head.seq} (${head.id}): the last record(s) were removed`,
      };
    // A record after the head is an append made since, unless the head (which every append moves) still does not
    // reach it when read again.
    const [after] = await this.log.range(this.chain, { start: `(${head.id}`, count: 1 });
    if (after) {
      const latest = await this.log.head(this.chain);
      if (!latest || compareStreamIds(after.id, latest.id) > 0)
        return {
          kind: "inserted",
          id: after.id,
          seq: storedRecordFields(after.fields).seq,
          message: `it comes after the chain's head (${latest?.id}, seq ${latest?.seq}): inserted at the end`,
        };
    }
    return undefined;
  }

  /** With `maxUnsealedAgeMs`: no record waits for its seal longer than that. */
  checkUnsealedAge(maxUnsealedAgeMs: number | undefined, nowMs: number): ChainBreak | undefined {
    const { oldestUnsealedMs, unsealed } = this.result;
    if (
      maxUnsealedAgeMs === undefined ||
      oldestUnsealedMs === null ||
      nowMs - oldestUnsealedMs <= maxUnsealedAgeMs
    )
      return undefined;
    return {
      kind: "unsealed",
      message: `${unsealed} records are unsealed, the oldest since ${new Date(oldestUnsealedMs).toISOString()}: unsealed for longer than ${maxUnsealedAgeMs} ms (is a broker running its sealer?)`,
    };
  }

  /** The next record has a record's fields and the seq that comes next; returns it parsed, or the problem. */
  private async takeRecord(): Promise<TakenRecord | ChainBreak> {
    const entry = (await this.records.next())!;
    const value = storedRecordValue(entry.fields);
    const values = value === null ? null : parseRecordValue(value);
    const fields: Record<string, string> =
      value === null ? Object.fromEntries(entry.fields) : values ? recordFieldsOfValues(values) : {};
    const at = { id: entry.id, seq: fields.seq };
    const unlike = value === null ? unlikeFieldRecord(entry) : unlikeValueRecord(value, values);
    if (unlike) return { kind: "malformed", ...at, message: unlike };
    if (!COUNT.test(fields.seq ?? "") || fields.seq === "0")
      return {
        kind: "malformed",
        ...at,
        message: `seq ${JSON.stringify(fields.seq)} is not a record number`,
      };
    const seq = Number(fields.seq);
    if (seq > this.nextSeq)
      return {
        kind: "removed",
        ...at,
        message: `${seqRange(this.nextSeq, seq - 1)} missing before it: removed`,
      };
    if (seq < this.nextSeq) {
      if (seq === 1)
        return {
          kind: "restarted",
          ...at,
          message: `a new chain starts here after record ${this.nextSeq - 1}: the chain's head was deleted`,
        };
      return {
        kind: "inserted",
        ...at,
        message: `seq ${seq} after record ${this.nextSeq - 1}: a record was inserted (or moved) here`,
      };
    }
    this.result.records++;
    this.lastRecord = { id: entry.id, seq };
    this.nextSeq = seq + 1;
    return { entry, fields, value };
  }

  /** A record that no seal covers, though one should: its seal was removed, or the record was inserted. */
  private uncovered(entry: StoredAuditEntry, nextSeal: ParsedSeal | null): ChainBreak {
    const seq = storedRecordFields(entry.fields).seq;
    const n = Number(seq);
    const upper = nextSeal ? nextSeal.from_seq - 1 : (this.result.head?.sealed.seq ?? 0);
    const at = { id: entry.id, seq };
    if (Number.isSafeInteger(n) && n > this.verifiedTo && n <= upper)
      return {
        kind: "seal_removed",
        ...at,
        message: "no seal covers it, though the chain is sealed past it: the seal of its run was removed",
      };
    return {
      kind: "inserted",
      ...at,
      message: "it lies outside every sealed run, where none is missing: inserted",
    };
  }
}

const atSeal = (seal: ParsedSeal) => ({ id: seal.id, seal: seal.id });
const describeRun = (seal: ParsedSeal) => `seal ${seal.id} (seq ${seal.from_seq}..${seal.to_seq})`;
const sealNumbersChanged = (seal: ParsedSeal): ChainBreak => ({
  kind: "seal_changed",
  ...atSeal(seal),
  message: `${describeRun(seal)} does not add up (its id, last_id, seq range and count disagree): the seal was changed`,
});
