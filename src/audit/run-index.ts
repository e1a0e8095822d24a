// What a seal keeps about each record of its run, so that verify can name the record that changed and its fields.
//
// A seal's `hash` proves a run unchanged or not; it cannot say where. The run index holds, per record, the first
// 8 bytes of its chain hash h_i and a 1-byte fingerprint of each field (and of its stream id). Verify recomputes
// both: the first record from which every recomputed h_i differs is the changed one (a change to record i changes
// h_i and every hash after it, while an edited index entry differs alone), and the fields whose fingerprints differ
// are the changed fields. The index only locates: whether a run changed is decided by the full SHA-256 chain. A
// record stored as one value (format 3) is fingerprinted on its fields' stored text, a format-2 record on its fields.
import { AUDIT_FIELDS, type AuditField } from "../store/audit-record.ts";

/** The fingerprinted parts of a record, in index order: every stored field, then its stream id. */
export const INDEXED_PARTS = [...AUDIT_FIELDS, "id"] as const;
const PREFIX_BYTES = 8;
const ENTRY_BYTES = PREFIX_BYTES + INDEXED_PARTS.length;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a's state after `text`'s UTF-16 code units, from `state`. */
function fnv(state: number, text: string): number {
  let h = state;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

/** Each part's state after its name and the NUL that follows it (XOR with 0 leaves the state as it is). */
const PART_STATES = INDEXED_PARTS.map((part) => Math.imul(fnv(FNV_OFFSET, part), FNV_PRIME));

/**
 * 8-bit FNV-1a over the part's name, a NUL and its value: cheap (the sealer runs it on every record), enough to
 * locate. The name's share is computed once per part.
 */
function fingerprint(partIndex: number, value: string): number {
  return fold(fnv(PART_STATES[partIndex]!, value));
}

/** An FNV-1a state folded to 8 bits. */
const fold = (h: number): number => (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff;

/** One record's index entry: the prefix of its chain hash (hex, as chainHash returns it) and its fingerprints. */
export function runIndexEntry(
  chainHashHex: string,
  record: Partial<Record<AuditField, string>>,
  id: string,
): Buffer {
  const entry = Buffer.alloc(ENTRY_BYTES);
  entry.write(chainHashHex.slice(0, 2 * PREFIX_BYTES), 0, "hex");
  const last = INDEXED_PARTS.length - 1;
  for (let i = 0; i < last; i++) {
    entry[PREFIX_BYTES + i] = fingerprint(i, record[INDEXED_PARTS[i] as AuditField] ?? "");
  }
  entry[PREFIX_BYTES + last] = fingerprint(last, id);
  return entry;
}

const VALUE_PARTS = INDEXED_PARTS.length - 1;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The index entry of a record stored as one value (format 3), without parsing it: each field's fingerprint is taken
 * over its text as stored, JSON escapes and all, so the sealer goes over the value once. The n-th JSON string in
 * the value is field n, as it is in a canonical value; an edited value that is not canonical gets fingerprints all
 * the same (verify reports it as malformed before it looks at the index).
 */
export function runIndexEntryOfValue(chainHashHex: string, value: string, id: string): Buffer {
  const entry = Buffer.alloc(ENTRY_BYTES);
  entry.write(chainHashHex.slice(0, 2 * PREFIX_BYTES), 0, "hex");
  let part = 0;
  for (let i = 0; i < value.length && part < VALUE_PARTS; i++) {
    if (value.charCodeAt(i) !== QUOTE) continue;
    let h = PART_STATES[part]!;
    for (i++; i < value.length; i++) {
      let c = value.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH && i + 1 < value.length) {
        h = Math.imul(h ^ c, FNV_PRIME);
        c = value.charCodeAt(++i);
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    entry[PREFIX_BYTES + part++] = fold(h);
  }
  entry[PREFIX_BYTES + VALUE_PARTS] = fingerprint(VALUE_PARTS, id);
  return entry;
}

/** The stored form: every entry of the run, in order, as one base64url string. */
export const encodeRunIndex = (entries: Buffer[]): string => Buffer.concat(entries).toString("base64url");

/** The entries of a stored index of a `count`-record run; null when it is not one (absent in older seals, edited). */
export function decodeRunIndex(text: string, count: number): Buffer[] | null {
  if (text === "" || !/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, "base64url");
  if (bytes.length !== count * ENTRY_BYTES) return null;
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * ENTRY_BYTES, (i + 1) * ENTRY_BYTES));
}

export type RunIndexFinding =
  /** Record `index` of the run changed; `fields` are those whose fingerprints differ (empty: none told). */
  | { kind: "record"; index: number; fields: string[] }
  /** The records agree with the chain as far as the index goes, yet entries differ: the index was edited. */
  | { kind: "index_changed"; index: number }
  | { kind: "agrees" };

/** Compares the entries recomputed from the stored records with the seal's. */
export function compareRunIndex(computed: Buffer[], stored: Buffer[]): RunIndexFinding {
  const prefixDiffers = (i: number) =>
    !computed[i]!.subarray(0, PREFIX_BYTES).equals(stored[i]!.subarray(0, PREFIX_BYTES));
  const first = computed.findIndex((_, i) => prefixDiffers(i));
  if (first >= 0) {
    // A changed record changes its chain hash and every one after it; one differing entry among agreeing ones
    // was edited in the index itself.
    for (let i = first + 1; i < computed.length; i++) {
      if (!prefixDiffers(i)) return { kind: "index_changed", index: first };
    }
    const fields = INDEXED_PARTS.filter(
      (_, part) => computed[first]![PREFIX_BYTES + part] !== stored[first]![PREFIX_BYTES + part],
    );
    return { kind: "record", index: first, fields };
  }
  const fingerprintsDiffer = computed.findIndex((entry, i) => !entry.equals(stored[i]!));
  return fingerprintsDiffer >= 0 ? { kind: "index_changed", index: fingerprintsDiffer } : { kind: "agrees" };
}
