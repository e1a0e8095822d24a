// A seal as stored in the seals stream, read back into its fields with each one's form checked.
import {
  AUDIT_SEAL_FIELDS,
  AUDIT_SEAL_FIELDS_WITHOUT_INDEX,
  type AuditSeal,
  type StoredAuditSeal,
} from "../store/audit.ts";

const SEAL_NAMES = AUDIT_SEAL_FIELDS.join(",");
const SEAL_NAMES_WITHOUT_INDEX = AUDIT_SEAL_FIELDS_WITHOUT_INDEX.join(",");
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const HASH = /^[0-9a-f]{64}$/;
/** A count or seq as a seal and a record write it: decimal, no leading zeros, within 2^53. */
export const COUNT = /^(0|[1-9]\d{0,15})$/;

export type ParsedSeal = AuditSeal & { id: string };

/** A seal as stored, checked field by field; or what is wrong with it. */
export function parseSeal(stored: StoredAuditSeal): ParsedSeal | string {
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
