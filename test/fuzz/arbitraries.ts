// fast-check generators of hostile HTTP input: JSON text with huge numbers and prototype keys, wrong types, raw junk.
import fc from "fast-check";

/** Field names the API uses anywhere, so generated objects reach past "unknown key" into each field's validation. */
export const KNOWN_FIELDS = [
  "token",
  "token_type_hint",
  "action",
  "resource",
  "request_hash",
  "approval_id",
  "scope",
  "task",
  "id",
  "intent",
  "actions",
  "resources",
  "ttl",
  "jti",
  "agent",
  "environment",
  "reason",
  "totp",
  "roles",
  "scopes",
  "wait",
  "decision",
  "from",
  "to",
  "cursor",
  "limit",
] as const;

export const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** Values that mean something to leash, so some generated requests are almost valid. */
const MEANINGFUL = [
  "staging-fix",
  "production-ops",
  "production-read",
  "staging",
  "production",
  "volume:read",
  "volume:delete",
  "backup:delete",
  "railway:prj_demo/env/staging/volume/v1",
  "railway:prj_demo/env/production/volume/v1",
  "**",
  "10m",
  "999999h",
  "allow",
  "deny",
  "",
  " ",
  "\u0000",
  "../../etc/passwd",
  "' OR 1=1 --",
  "$" + "{jndi:ldap://x}",
  "{{7*7}}",
  "%00",
  "\u202e",
];

/** Number literals JSON.parse reads oddly: beyond double range, beyond 2^53, negative zero, tiny. */
const NUMBER_LITERALS = [
  "1e400",
  "-1e400",
  "9007199254740993",
  "-0",
  "1e-400",
  "1e308",
  "0.1e1",
  "123456789012345678901234567890",
];

const stringLiteral = fc
  .oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(...MEANINGFUL),
    fc.string({ unit: "grapheme", maxLength: 20 }),
  )
  .map((text) => JSON.stringify(text));

const keyLiteral = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom(...KNOWN_FIELDS) },
    { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  )
  .map((key) => JSON.stringify(key));

/** JSON text (not values: JSON.stringify would lose duplicate keys, huge numbers and `__proto__` members). */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string; array: string }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      stringLiteral,
      fc.constantFrom(...NUMBER_LITERALS),
      fc.double({ noNaN: true }).map((n) => JSON.stringify(n)),
      fc.integer().map(String),
      fc.constantFrom("true", "false", "null"),
      tie("array"),
      tie("object"),
    ),
    array: fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
    object: fc
      .array(fc.tuple(keyLiteral, tie("value")), { maxLength: 6 })
      .map((members) => `{${members.map(([key, value]) => `${key}:${value}`).join(",")}}`),
  }),
).value;

/** An object whose members are the API's own field names (each with any value), plus prototype keys now and then. */
export const fieldsObjectText = fc
  .array(fc.tuple(keyLiteral, jsonText), { minLength: 1, maxLength: 8 })
  .map((members) => `{${members.map(([key, value]) => `${key}:${value}`).join(",")}}`);

/** What a body can be: JSON objects of known fields, any JSON, or bytes that are not JSON at all. */
export const bodyText = fc.oneof(
  { weight: 5, arbitrary: fieldsObjectText },
  { weight: 2, arbitrary: jsonText },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "{",
      "[",
      "null",
      '"x"',
      '{"__proto__":{"allow":true}}',
      '{"constructor":{"prototype":{"allow":true}}}',
      '{"token":"a","token":{"__proto__":{"allow":true}}}',
      "\ufeff{}",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

export const contentType = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "application/x-www-form-urlencoded",
  "text/plain",
  "application/problem+json",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
  undefined,
);

/** Query strings with the API's parameter names, prototype keys, repeats and junk values. */
export const queryString = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...KNOWN_FIELDS, ...PROTOTYPE_KEYS, "__proto__[allow]"),
        fc.string({ maxLength: 8 }),
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          ...NUMBER_LITERALS,
          ...MEANINGFUL,
          "-1",
          "30",
          "31",
          "1e3",
          "NaN",
          "Infinity",
          "0x10",
        ),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => new URLSearchParams(pairs).toString());

/** A path parameter: anything, percent-encoded so it stays one segment. */
export const pathParameter = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.constantFrom(
      "..",
      "%2e%2e",
      "apr_",
      "apr_AAAAAAAAAAAAAAAAAAAA",
      "me",
      "x".repeat(300),
      "__proto__",
      "constructor",
    ),
  )
  .map((value) => encodeURIComponent(value));

/** Header values that HTTP allows (visible ASCII and spaces), possibly long. */
export const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 300,
});
