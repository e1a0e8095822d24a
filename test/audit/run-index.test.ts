import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INDEXED_PARTS, runIndexEntry, runIndexEntryOfValue } from "../../src/audit/run-index.ts";
import {
  AUDIT_FIELDS,
  type AuditField,
  auditRecordValue,
  chainHash,
  GENESIS_HASH,
  valueChainHash,
} from "../../src/store/audit-record.ts";

/**
 * The index entry as docs/audit.md defines it, spelled out: seals already written hold these bytes. `stored`: each
 * field's text as a record stored as one value holds it (JSON-escaped).
 */
function definedEntry(
  hashHex: string,
  record: Partial<Record<AuditField, string>>,
  id: string,
  stored = (value: string) => value,
): Buffer {
  const fingerprint = (name: string, value: string) => {
    let h = 0x811c9dc5;
    const text = `${name}\u0000${value}`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff;
  };
  return Buffer.concat([
    Buffer.from(hashHex.slice(0, 16), "hex"),
    Buffer.from(
      INDEXED_PARTS.map((part) => fingerprint(part, part === "id" ? id : stored(record[part] ?? ""))),
    ),
  ]);
}

describe("runIndexEntry", () => {
  it("writes the bytes the index format defines, for any record", () => {
    const record = fc.record(
      Object.fromEntries(AUDIT_FIELDS.map((field) => [field, fc.string({ unit: "binary", maxLength: 40 })])),
      { requiredKeys: [] },
    ) as fc.Arbitrary<Partial<Record<AuditField, string>>>;
    fc.assert(
      fc.property(record, fc.string({ maxLength: 24 }), (fields, id) => {
        const hash = chainHash(GENESIS_HASH, fields, id);
        expect(runIndexEntry(hash, fields, id).toString("hex")).toBe(
          definedEntry(hash, fields, id).toString("hex"),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("keeps a known entry", () => {
    const record = { v: "2", event: "authorize", agent: "a", decision: "allow", seq: "1" };
    expect(runIndexEntry("0123456789abcdef".repeat(4), record, "1-0").toString("hex")).toMatchInlineSnapshot(
      `"0123456789abcdefef48d64161c612e2de0bc870e23ced43d5f1ff3f"`,
    );
  });
});

describe("runIndexEntryOfValue", () => {
  const record = fc.record(
    Object.fromEntries(AUDIT_FIELDS.map((field) => [field, fc.string({ unit: "binary", maxLength: 40 })])),
    { requiredKeys: [] },
  ) as fc.Arbitrary<Partial<Record<AuditField, string>>>;

  it("fingerprints each field's text as the stored value holds it, escapes and all", () => {
    fc.assert(
      fc.property(record, fc.string({ maxLength: 24 }), (fields, id) => {
        const value = auditRecordValue(fields);
        const hash = valueChainHash(GENESIS_HASH, id, value);
        expect(runIndexEntryOfValue(hash, value, id).toString("hex")).toBe(
          definedEntry(hash, fields, id, (text) => JSON.stringify(text).slice(1, -1)).toString("hex"),
        );
      }),
      { numRuns: 500 },
    );
  });

  it("gives any text an entry, as the sealer seals whatever it finds", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (value) => {
        expect(runIndexEntryOfValue(GENESIS_HASH, value, "1-0")).toHaveLength(8 + INDEXED_PARTS.length);
      }),
    );
  });
});
