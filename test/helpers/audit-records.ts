// Audit records as stored in a Redis stream entry (a flat field list), to edit them as someone with write access to
// Redis would, and to write chains in the format before records were stored as one value.
import {
  AUDIT_FIELDS,
  AUDIT_RECORD_FIELD,
  type AuditEntry,
  auditRecordValue,
  decidedFields,
  entryFields,
  recordFieldsOfValues,
} from "../../src/store/audit-record.ts";

/** The fields of a record stored as one value. */
export const recordFieldsOf = (flat: string[]): Record<string, string> => {
  if (flat.length !== 2 || flat[0] !== AUDIT_RECORD_FIELD)
    throw new Error("not a record stored as one value");
  return recordFieldsOfValues(JSON.parse(flat[1]!) as string[]);
};

/** The stream entry of a record stored as one value, with some of its fields changed, still in canonical form. */
export const withRecordFields = (flat: string[], changes: Record<string, string>): string[] => [
  AUDIT_RECORD_FIELD,
  auditRecordValue({ ...recordFieldsOf(flat), ...changes }),
];

/** A record as format 2 stored it: a stream field per record field, in canonical order, `v` 2. */
export const fieldByFieldRecord = (entry: AuditEntry, seq: number): string[] => {
  const fields = Object.fromEntries([...entryFields(entry), ...decidedFields(entry)]);
  return AUDIT_FIELDS.flatMap((name) => [
    name,
    name === "v" ? "2" : name === "seq" ? String(seq) : (fields[name] ?? ""),
  ]);
};
