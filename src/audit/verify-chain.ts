// Walks an audit chain and names its first broken record: changed, inserted, removed (the last one too), malformed.
//
// Recomputes every hash with node:crypto from the stored fields (never trusting a stored hash), checks that seq
// counts up from 1 with no gap and that each `prev` is the hash of the record before, and finally that the chain
// ends where its head (kept apart from the stream) says it ends.
import type { AuditHead, AuditLog, StoredAuditEntry } from "../store/audit.ts";
import { AUDIT_FIELDS, type AuditField, auditRecordHash, GENESIS_HASH } from "./record.ts";

export type ChainBreakKind = "changed" | "inserted" | "removed" | "malformed" | "restarted" | "head_missing";

export interface ChainBreak {
  kind: ChainBreakKind;
  /** The first record that does not fit (absent when the chain's end is what is wrong). */
  id?: string;
  seq?: string;
  message: string;
}

export interface ChainVerification {
  chain: string;
  records: number;
  head: AuditHead | null;
  ok: boolean;
  problem?: ChainBreak;
}

const EXPECTED_NAMES = [...AUDIT_FIELDS, "hash"].join(",");

/** Checks one record against the one before it; null when it fits. */
export function checkLink(
  entry: StoredAuditEntry,
  expectedSeq: number,
  expectedPrev: string,
): { problem: ChainBreak | null; hash: string; seq: number } {
  const names = entry.fields.map(([name]) => name).join(",");
  const record = Object.fromEntries(entry.fields) as Record<AuditField | "hash", string>;
  const at = { id: entry.id, seq: record.seq };
  if (names !== EXPECTED_NAMES) {
    const problem = {
      kind: "malformed" as const,
      ...at,
      message: `fields are not an audit record's: ${names}`,
    };
    return { problem, hash: "", seq: expectedSeq };
  }
  const seq = Number(record.seq);
  if (auditRecordHash(record) !== record.hash) {
    const message = "its content does not match its hash: the record was changed (or forged)";
    return { problem: { kind: "changed", ...at, message }, hash: record.hash, seq };
  }
  if (seq === expectedSeq && record.prev === expectedPrev) return { problem: null, hash: record.hash, seq };
  let problem: ChainBreak;
  if (!Number.isSafeInteger(seq) || seq < 1) {
    problem = {
      kind: "malformed",
      ...at,
      message: `seq ${JSON.stringify(record.seq)} is not a record number`,
    };
  } else if (seq > expectedSeq) {
    const missing = seq - 1 === expectedSeq ? `${expectedSeq} is` : `${expectedSeq}..${seq - 1} are`;
    problem = { kind: "removed", ...at, message: `record ${missing} missing before it: removed` };
  } else if (seq === 1 && record.prev === GENESIS_HASH) {
    problem = {
      kind: "restarted",
      ...at,
      message: `a new chain starts here after record ${expectedSeq - 1}: the chain's head was deleted`,
    };
  } else if (seq < expectedSeq) {
    problem = {
      kind: "inserted",
      ...at,
      message: `seq ${seq} after record ${expectedSeq - 1}: a record was inserted (or moved) here`,
    };
  } else {
    problem = {
      kind: "inserted",
      ...at,
      message:
        "its prev is not the hash of the record before it: a record before it was inserted or replaced",
    };
  }
  return { problem, hash: record.hash, seq };
}

const BATCH = 1000;

/** Verifies one chain as stored now; appends made while it runs are followed to the head it ends with. */
export async function verifyAuditChain(log: AuditLog, chain: string): Promise<ChainVerification> {
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  let records = 0;
  let last: { id: string; seq: number; hash: string } | null = null;
  const broken = (problem: ChainBreak, head: AuditHead | null = null): ChainVerification => ({
    chain,
    records,
    head,
    ok: false,
    problem,
  });

  for (let rounds = 0; ; rounds++) {
    for (;;) {
      const batch = await log.range(chain, { start: last ? `(${last.id}` : "-", count: BATCH });
      for (const entry of batch) {
        records++;
        const { problem, hash, seq } = checkLink(entry, expectedSeq, expectedPrev);
        if (problem) return broken(problem);
        last = { id: entry.id, seq, hash };
        expectedSeq = seq + 1;
        expectedPrev = hash;
      }
      if (batch.length < BATCH) break;
    }
    const head = await log.head(chain);
    if (!head) {
      if (!last) return { chain, records, head, ok: true };
      return broken({ kind: "head_missing", message: `the chain has ${records} records but no head` });
    }
    if (!last) {
      return broken(
        { kind: "removed", message: `the chain is empty but its head says ${head.seq} records (${head.id})` },
        head,
      );
    }
    if (head.id === last.id && head.seq === last.seq && head.hash === last.hash)
      return { chain, records, head, ok: true };
    // The head is ahead: records were appended while we read; follow them (a bounded number of times).
    if (compareStreamIds(head.id, last.id) > 0 && rounds < 5) continue;
    const at = { id: last.id, seq: String(last.seq) };
    if (head.id === last.id) {
      const message = `it does not match the chain's head (seq ${head.seq}, hash ${head.hash}): the record was replaced`;
      return broken({ kind: "changed", ...at, message }, head);
    }
    if (compareStreamIds(head.id, last.id) < 0) {
      const [first] = await log.range(chain, { start: `(${head.id}`, count: 1 });
      const seq = first?.fields.find(([name]) => name === "seq")?.[1];
      const message = `it comes after the chain's head (${head.id}, seq ${head.seq}): inserted at the end`;
      return broken({ kind: "inserted", id: first?.id ?? last.id, seq, message }, head);
    }
    return broken(
      {
        kind: "removed",
        message: `the chain ends at seq ${last.seq} (${last.id}) but its head says seq ${head.seq} (${head.id}): the last record(s) were removed`,
      },
      head,
    );
  }
}

export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split("-").map((part) => BigInt(part));
  const [bm, bs] = b.split("-").map((part) => BigInt(part));
  if (am !== bm) return am! < bm! ? -1 : 1;
  return as === bs ? 0 : as! < bs! ? -1 : 1;
}
