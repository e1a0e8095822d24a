// Walks an audit chain and its seals and names the first problem: a changed, removed or inserted record, a changed,
// removed or inserted seal, a head that disagrees, a malformed entry.
//
// Recomputes every seal from the stored records with node:crypto (never trusting a stored hash): each run's chain
// hash must be its seal's `hash`, each seal's `prev` the hash of the seal before it, seq must count up by one with
// no gap across seals and unsealed records, and the chain must end where its head (kept apart from the streams)
// says. Records after the last seal are checked for order and gaps and counted; their content is covered only
// once they are sealed. With a retention, the chain starts at its earliest remaining seal.
import {
  AUDIT_SEAL_FIELDS,
  AUDIT_SEAL_FIELDS_WITHOUT_INDEX,
  type AuditHead,
  type AuditLog,
  type AuditSeal,
  compareStreamIds,
  type StoredAuditEntry,
  type StoredAuditSeal,
} from "../store/audit.ts";
import { AUDIT_FIELDS, chainHash, GENESIS_HASH } from "../store/audit-record.ts";
import { compareRunIndex, decodeRunIndex, runIndexEntry } from "./run-index.ts";

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

const BATCH = 1000;
/** Seals this close to the retention may be trimmed while verify reads them: they are skipped. */
const TRIM_MARGIN_MS = 60_000;
/** Rounds of following seals written while verify runs (each round reads only the new ones). */
const FOLLOW_ROUNDS = 100;
const RECORD_NAMES = AUDIT_FIELDS.join(",");
const SEAL_NAMES = AUDIT_SEAL_FIELDS.join(",");
const SEAL_NAMES_WITHOUT_INDEX = AUDIT_SEAL_FIELDS_WITHOUT_INDEX.join(",");
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const HASH = /^[0-9a-f]{64}$/;
const COUNT = /^(0|[1-9]\d{0,15})$/;

/** Reads a stream in order, a batch at a time, with one entry of lookahead; can resume after reaching the end. */
class StreamReader<T extends { id: string }> {
  private buffer: T[] = [];
  private index = 0;
  private done = false;

  constructor(
    private readonly fetch: (start: string) => Promise<T[]>,
    private after: string | null = null,
  ) {}

  async peek(): Promise<T | undefined> {
    if (this.index >= this.buffer.length && !this.done) {
      this.buffer = await this.fetch(this.after ? `(${this.after}` : "-");
      this.index = 0;
      this.done = this.buffer.length < BATCH;
    }
    return this.buffer[this.index];
  }

  async next(): Promise<T | undefined> {
    const item = await this.peek();
    if (item) {
      this.index++;
      this.after = item.id;
    }
    return item;
  }

  /** Reads again past the end (entries appended since). */
  resume(): void {
    this.done = false;
  }
}

type ParsedSeal = AuditSeal & { id: string };
type RecordPosition = { id: string; seq: number };

function parseSeal(stored: StoredAuditSeal): ParsedSeal | string {
  const names = stored.fields.map(([name]) => name).join(",");
  if (names !== SEAL_NAMES && names !== SEAL_NAMES_WITHOUT_INDEX) return `fields are not a seal's: ${names}`;
  const f = Object.fromEntries(stored.fields) as Record<(typeof AUDIT_SEAL_FIELDS)[number], string>;
  if (![f.from_seq, f.to_seq, f.count].every((value) => COUNT.test(value)))
    return "from_seq, to_seq or count is not a number";
  if (!STREAM_ID.test(f.first_id) || !STREAM_ID.test(f.last_id))
    return "first_id or last_id is not a stream id";
  if (!HASH.test(f.prev) || !HASH.test(f.hash)) return "prev or hash is not a SHA-256";
  return {
    id: stored.id,
    from_seq: Number(f.from_seq),
    to_seq: Number(f.to_seq),
    first_id: f.first_id,
    last_id: f.last_id,
    count: Number(f.count),
    prev: f.prev,
    hash: f.hash,
    sealed_at: f.sealed_at,
    record_index: f.record_index ?? "",
  };
}

const streamMs = (id: string): number => Number(id.split("-")[0]);
const seqRange = (from: number, to: number) =>
  from === to ? `record ${from} is` : `records ${from}..${to} are`;

/** Verifies one chain as stored now; records and seals written while it runs are followed to the head it ends with. */
export async function verifyAuditChain(
  log: AuditLog,
  chain: string,
  options: VerifyOptions = {},
): Promise<ChainVerification> {
  const nowMs = options.nowMs ?? Date.now();
  const result: ChainVerification = {
    chain,
    ok: true,
    records: 0,
    sealed: 0,
    unsealed: 0,
    oldestUnsealedMs: null,
    trimmed: 0,
    seals: 0,
    lastSeal: null,
    head: await log.head(chain),
  };
  const fail = (problem: ChainBreak): ChainVerification => ({ ...result, ok: false, problem });

  const seals = new StreamReader((start) => log.seals(chain, { start, count: BATCH }));

  // Where the check starts: genesis, the first seal's prev (the retention trimmed what came before), or past the
  // seals the retention is about to trim.
  let skipped: ParsedSeal | null = null;
  if (options.retentionMs !== undefined) {
    const horizon = nowMs - options.retentionMs + TRIM_MARGIN_MS;
    for (let next = await seals.peek(); next && streamMs(next.id) < horizon; next = await seals.peek()) {
      const parsed = parseSeal(next);
      if (typeof parsed === "string") break;
      skipped = parsed;
      await seals.next();
    }
  }
  const firstStored = await seals.peek();
  const first = firstStored ? parseSeal(firstStored) : null;
  let hash = GENESIS_HASH;
  let nextSeq = 1;
  if (skipped) {
    hash = skipped.hash;
    nextSeq = skipped.to_seq + 1;
  } else if (first && typeof first !== "string" && first.from_seq > 1) {
    hash = first.prev;
    nextSeq = first.from_seq;
  } else if (!first && result.head && result.head.sealed.seq > 0) {
    // No seal left: the retention trimmed every sealed run; start where the head says sealing got to.
    hash = result.head.sealed.hash;
    nextSeq = result.head.sealed.seq + 1;
  }
  const anchorSeq = nextSeq - 1;
  result.trimmed = anchorSeq;
  const records = new StreamReader(
    (start) => log.range(chain, { start, count: BATCH }),
    skipped ? skipped.last_id : null,
  );
  /** The seq through which seals were checked (or skipped as about to be trimmed). */
  let verifiedTo = skipped ? skipped.to_seq : 0;
  let lastRecord = null as RecordPosition | null;

  /** A record that no seal covers, though one should: its seal was removed, or the record was inserted. */
  const uncovered = (entry: StoredAuditEntry, nextSeal: ParsedSeal | null): ChainBreak => {
    const seq = Object.fromEntries(entry.fields).seq;
    const n = Number(seq);
    const upper = nextSeal ? nextSeal.from_seq - 1 : (result.head?.sealed.seq ?? 0);
    const at = { id: entry.id, seq };
    if (Number.isSafeInteger(n) && n > verifiedTo && n <= upper)
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
  };

  if (anchorSeq > 0 && options.retentionMs === undefined) {
    const entry = await records.peek();
    const sealedFrom = first && typeof first !== "string" ? first.first_id : result.head?.sealed.id;
    if (entry && sealedFrom && compareStreamIds(entry.id, sealedFrom) < 0)
      return fail(uncovered(entry, first && typeof first !== "string" ? first : null));
    return fail({
      kind: "removed",
      message: `${seqRange(1, anchorSeq)} missing from the start, with their seals (LEASH_AUDIT_RETENTION is not set, so nothing should have been trimmed)`,
    });
  }

  /** Checks the next record's fields and seq; returns it parsed, or the problem. */
  const take = async (): Promise<
    { entry: StoredAuditEntry; fields: Record<string, string> } | ChainBreak
  > => {
    const entry = (await records.next())!;
    const fields = Object.fromEntries(entry.fields);
    const at = { id: entry.id, seq: fields.seq };
    const names = entry.fields.map(([name]) => name).join(",");
    if (names !== RECORD_NAMES)
      return { kind: "malformed", ...at, message: `fields are not an audit record's: ${names}` };
    if (!COUNT.test(fields.seq ?? "") || fields.seq === "0")
      return {
        kind: "malformed",
        ...at,
        message: `seq ${JSON.stringify(fields.seq)} is not a record number`,
      };
    const seq = Number(fields.seq);
    if (seq > nextSeq)
      return { kind: "removed", ...at, message: `${seqRange(nextSeq, seq - 1)} missing before it: removed` };
    if (seq < nextSeq) {
      if (seq === 1)
        return {
          kind: "restarted",
          ...at,
          message: `a new chain starts here after record ${nextSeq - 1}: the chain's head was deleted`,
        };
      return {
        kind: "inserted",
        ...at,
        message: `seq ${seq} after record ${nextSeq - 1}: a record was inserted (or moved) here`,
      };
    }
    result.records++;
    lastRecord = { id: entry.id, seq };
    nextSeq = seq + 1;
    return { entry, fields };
  };

  let head = result.head;
  for (let round = 0; ; round++) {
    // Sealed runs, one seal at a time, each recomputed from its records.
    for (let stored = await seals.next(); stored; stored = await seals.next()) {
      // Every seal is written after its records: read on past what the record reader last saw as the end.
      records.resume();
      const seal = parseSeal(stored);
      const atSeal = { id: stored.id, seal: stored.id };
      if (typeof seal === "string") return fail({ kind: "malformed", ...atSeal, message: seal });
      const run = `seal ${seal.id} (seq ${seal.from_seq}..${seal.to_seq})`;
      const changedSeal = fail({
        kind: "seal_changed",
        ...atSeal,
        message: `${run} does not add up (its id, last_id, seq range and count disagree): the seal was changed`,
      });
      if (seal.id !== seal.last_id) return changedSeal;
      // Records between the last run and this one: no seal covers them.
      const before = await records.peek();
      if (before && compareStreamIds(before.id, seal.first_id) < 0) return fail(uncovered(before, seal));
      if (seal.from_seq > nextSeq)
        return fail({
          kind: "removed",
          ...atSeal,
          message: `${seqRange(nextSeq, seal.from_seq - 1)} missing before ${run}, with their seal: removed`,
        });
      if (seal.from_seq < nextSeq)
        return fail({
          kind: "seal_inserted",
          ...atSeal,
          message: `${run} overlaps the run before it (sealed through seq ${nextSeq - 1}): a seal was inserted`,
        });
      if (seal.prev !== hash)
        return fail({
          kind: "seal_changed",
          ...atSeal,
          message: `${run}: its prev is not the hash of the seal before it: a seal was changed or replaced`,
        });
      let runHash = hash;
      let count = 0;
      const index: Buffer[] = [];
      const positions: RecordPosition[] = [];
      for (let entry = await records.peek(); entry; entry = await records.peek()) {
        if (compareStreamIds(entry.id, seal.last_id) > 0) break;
        const taken = await take();
        if ("kind" in taken) return fail(taken);
        runHash = chainHash(runHash, taken.fields, taken.entry.id);
        index.push(runIndexEntry(runHash, taken.fields, taken.entry.id));
        positions.push({ id: taken.entry.id, seq: Number(taken.fields.seq) });
        count++;
      }
      if (nextSeq - 1 < seal.to_seq)
        return fail({
          kind: "removed",
          ...atSeal,
          message: `${seqRange(nextSeq, seal.to_seq)} missing from the end of ${run}: removed`,
        });
      // The records fit (no gap): a seal whose own numbers disagree was edited.
      if (seal.to_seq - seal.from_seq + 1 !== seal.count) return changedSeal;
      if (count !== seal.count || lastRecord?.id !== seal.last_id)
        return fail({
          kind: "inserted",
          ...atSeal,
          message: `${run} holds ${seal.count} records ending at ${seal.last_id}; the stream has ${count} ending at ${lastRecord?.id}: records were inserted or moved`,
        });
      if (runHash !== seal.hash) {
        // Either a record changed or the seal's own hash did: the next seal's prev (or the head) tells which.
        const after = await seals.peek();
        const parsedAfter = after ? parseSeal(after) : null;
        const followingPrev =
          parsedAfter && typeof parsedAfter !== "string"
            ? parsedAfter.prev
            : !after && result.head?.sealed.seq === seal.to_seq
              ? result.head.sealed.hash
              : null;
        if (followingPrev === runHash)
          return fail({
            kind: "seal_changed",
            ...atSeal,
            message: `${run}: its hash alone disagrees with its records and with what follows it: the seal was changed`,
          });
        const sealedIndex = decodeRunIndex(seal.record_index, seal.count);
        const found = sealedIndex ? compareRunIndex(index, sealedIndex) : null;
        if (found?.kind === "record") {
          const at = positions[found.index]!;
          const what = found.fields.length > 0 ? `its ${found.fields.join(", ")} changed` : "changed";
          return fail({
            kind: "changed",
            id: at.id,
            seq: String(at.seq),
            seal: seal.id,
            fields: found.fields,
            message: `record ${at.id} (seq ${at.seq}) does not match ${run}: ${what} after sealing`,
          });
        }
        const unlocated = !sealedIndex
          ? seal.record_index === ""
            ? "the seal predates record indexes"
            : "the seal's record index is unreadable"
          : "the seal's record index does not locate it (edited too)";
        return fail({
          kind: "changed",
          id: seal.first_id,
          seq: String(seal.from_seq),
          seal: seal.id,
          message: `a record of seq ${seal.from_seq}..${seal.to_seq} (${seal.first_id}..${seal.last_id}) does not match ${run}: changed after sealing (${unlocated})`,
        });
      }
      // The run is as sealed; an index that disagrees with it was edited (it only locates changes, but must not
      // be left to point at the wrong record later).
      const sealedIndex = seal.record_index === "" ? null : decodeRunIndex(seal.record_index, seal.count);
      const indexFinding = sealedIndex ? compareRunIndex(index, sealedIndex) : null;
      if (indexFinding?.kind === "record") {
        // The hash was recomputed over changed records, but the index (and the next seal's prev) still show the
        // original run.
        const at = positions[indexFinding.index]!;
        return fail({
          kind: "changed",
          id: at.id,
          seq: String(at.seq),
          seal: seal.id,
          fields: indexFinding.fields,
          message: `record ${at.id} (seq ${at.seq}) does not match the record index of ${run}: ${indexFinding.fields.length > 0 ? `its ${indexFinding.fields.join(", ")} changed` : "changed"} after sealing, and the seal's hash was recomputed`,
        });
      }
      if (seal.record_index !== "" && indexFinding?.kind !== "agrees")
        return fail({
          kind: "seal_changed",
          ...atSeal,
          message: `${run}: its records match its hash but not its record index: the seal's record index was changed`,
        });
      hash = seal.hash;
      verifiedTo = seal.to_seq;
      result.seals++;
      result.sealed += count;
      const { record_index: _index, ...shown } = seal;
      result.lastSeal = shown;
    }

    // Where sealing got to, by the head (a sealer may have sealed more since the seals were read).
    head = await log.head(chain);
    result.head = head;
    const sealed = head?.sealed;
    const sealedTo = result.lastSeal?.to_seq ?? anchorSeq;
    if (sealed && sealed.seq > sealedTo) {
      const lastSealId = result.lastSeal?.id ?? skipped?.id;
      const more = await log.seals(chain, { start: lastSealId ? `(${lastSealId}` : "-", count: 1 });
      if (more.length > 0 && round < FOLLOW_ROUNDS) {
        seals.resume();
        continue;
      }
      // The head says records are sealed that no seal covers: the last seals were removed.
      records.resume();
      const entry = await records.peek();
      if (entry && compareStreamIds(entry.id, sealed.id) <= 0) return fail(uncovered(entry, null));
      return fail({
        kind: "seal_removed",
        message: `the head says the chain is sealed through seq ${sealed.seq} (${sealed.id}) but the last seal ends at seq ${sealedTo}: seals were removed`,
      });
    }
    break;
  }

  const sealed = head?.sealed;
  const sealedTo = result.lastSeal?.to_seq ?? anchorSeq;
  if (head && sealedTo > head.sealed.seq) {
    const last = result.lastSeal;
    return fail({
      kind: "seal_inserted",
      ...(last ? { id: last.id, seal: last.id } : {}),
      message: `the last seal ends at seq ${sealedTo} but the head says sealed through seq ${head.sealed.seq}: a seal was added`,
    });
  }
  if (sealed && sealed.seq > 0 && sealed.hash !== hash)
    return fail({
      kind: "head_mismatch",
      message: `the head's sealed hash ${sealed.hash} is not the last seal's ${hash}: the head was changed`,
    });

  // Unsealed records, up to the head read above (later ones are newer than this check): order and gaps only.
  records.resume();
  for (let entry = await records.peek(); entry; entry = await records.peek()) {
    if (head && compareStreamIds(entry.id, head.id) > 0) break;
    if (sealed?.id && compareStreamIds(entry.id, sealed.id) <= 0) return fail(uncovered(entry, null));
    const taken = await take();
    if ("kind" in taken) return fail(taken);
    result.unsealed++;
    result.oldestUnsealedMs ??= streamMs(taken.entry.id);
  }
  const last = lastRecord;
  if (!head) {
    if (!last && result.seals === 0) return result;
    return fail({ kind: "head_missing", message: `the chain has ${result.records} records but no head` });
  }
  const lastSeq = nextSeq - 1;
  if (lastSeq < head.seq || (last && last.id !== head.id))
    return fail({
      kind: "removed",
      message: `the chain ends at seq ${lastSeq}${last ? ` (${last.id})` : ""} but its head says seq ${head.seq} (${head.id}): the last record(s) were removed`,
    });
  // A record after the head is an append made since, unless the head (which every append moves) still does not
  // reach it when read again.
  const [after] = await log.range(chain, { start: `(${head.id}`, count: 1 });
  if (after) {
    const latest = await log.head(chain);
    if (!latest || compareStreamIds(after.id, latest.id) > 0)
      return fail({
        kind: "inserted",
        id: after.id,
        seq: Object.fromEntries(after.fields).seq,
        message: `it comes after the chain's head (${latest?.id}, seq ${latest?.seq}): inserted at the end`,
      });
  }

  if (
    options.maxUnsealedAgeMs !== undefined &&
    result.oldestUnsealedMs !== null &&
    nowMs - result.oldestUnsealedMs > options.maxUnsealedAgeMs
  ) {
    return fail({
      kind: "unsealed",
      message: `${result.unsealed} records are unsealed, the oldest since ${new Date(result.oldestUnsealedMs).toISOString()}: unsealed for longer than ${options.maxUnsealedAgeMs} ms (is a broker running its sealer?)`,
    });
  }
  return result;
}
