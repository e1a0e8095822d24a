// Audit retention: removes a chain's oldest records together with their seals, only ever whole sealed runs.
//
// A run goes when its last record is older than the cutoff: XTRIM MINID just past that record, on the records and
// on the seals (a seal's stream id is its run's last record id), in one transaction. Unsealed records and runs
// that reach past the cutoff stay, so `leash audit verify` always starts at a seal whose records are all there.
import { type AuditLog, nextStreamId } from "../store/audit.ts";

/** Trims the sealed runs of `chain` that ended before `cutoffMs`; returns the seq of the last record trimmed (0: none). */
export async function trimChain(log: AuditLog, chain: string, cutoffMs: number): Promise<number> {
  const cutoff = Math.max(0, Math.floor(cutoffMs));
  const [newestOld] = await log.seals(chain, { start: "-", end: `(${cutoff}-0`, reverse: true, count: 1 });
  if (!newestOld) return 0;
  await log.trim(chain, nextStreamId(newestOld.id));
  return Number(Object.fromEntries(newestOld.fields).to_seq) || 0;
}
