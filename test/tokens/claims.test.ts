import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type ActorClaim,
  MAX_DELEGATION_DEPTH,
  parseTaskTokenClaims,
  type TaskTokenClaims,
} from "../../src/tokens/claims.ts";

// The claims as a zod schema: the reference parseTaskTokenClaims is held to.
const actorClaimSchema: z.ZodType<ActorClaim> = z.lazy(() =>
  z.object({ sub: z.string().startsWith("agent:"), act: actorClaimSchema.optional() }),
);

const taskTokenClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().startsWith("agent:"),
  client_id: z.string(),
  jti: z.string().min(1),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  env: z.string(),
  scope: z.string(),
  resources: z.array(z.string()),
  task: z.string(),
  intent: z.string(),
  scope_id: z.string(),
  gen: z.string(),
  // Delegation (token exchange): all five present in a child token, none in a token minted by POST /v1/tokens.
  act: actorClaimSchema.optional(),
  sub_task: z.string().min(1).optional(),
  parent: z.string().min(1).optional(),
  /** Every ancestor's jti, the root token's first and the parent's last. */
  chain: z.array(z.string().min(1)).max(MAX_DELEGATION_DEPTH).optional(),
  depth: z.number().int().min(1).max(MAX_DELEGATION_DEPTH).optional(),
  /** Present when a workload's OIDC token, not an agent key, asked for the token. */
  workload: z.object({ iss: z.string(), sub: z.string(), binding: z.string() }).optional(),
});

/** The schema reads exactly the TaskTokenClaims shape: a field added to one and not the other does not compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesClaims: Same<z.infer<typeof taskTokenClaimsSchema>, TaskTokenClaims> = true;
void schemaMatchesClaims;

/** What the schema makes of a payload: its output, or null when it refuses it. */
const bySchema = (payload: Record<string, unknown>) => {
  const parsed = taskTokenClaimsSchema.safeParse(payload);
  return parsed.success ? parsed.data : null;
};

/** Output and key order, at every depth (toEqual ignores the order an introspection answer shows). */
const shapeOf = (value: unknown): string => JSON.stringify(value);

const text = fc.oneof(fc.constantFrom("", "agent:", "agent:a", "tok_1", "x"), fc.string({ maxLength: 6 }));
/** A value of any JSON type, mostly near what a claim holds. */
const anything = fc.oneof(
  text,
  fc.integer({ min: -3, max: 20 }),
  fc.constantFrom(0.5, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e21, true, null),
  fc.array(text, { maxLength: 18 }),
  fc.array(fc.oneof(text, fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("sub", "act", "iss", "binding", "x"), text, { maxKeys: 4 }),
);
const actor: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  actor: fc.oneof(
    { depthSize: "small" },
    fc.record({ sub: fc.oneof(fc.constant("agent:b"), text) }),
    fc.record(
      { sub: fc.constant("agent:c"), act: tie("actor"), extra: text },
      { requiredKeys: ["sub", "act"] },
    ),
    anything,
  ),
})).actor;
const valid = {
  iss: "https://leash.example/envs/staging",
  aud: ["urn:leash:env:staging"],
  sub: "agent:a",
  client_id: "a",
  jti: "tok_1",
  iat: 1,
  nbf: 1,
  exp: 2,
  env: "staging",
  scope: "volume:read",
  resources: ["railway:prj/**"],
  task: "task_1",
  intent: "fix",
  scope_id: "staging-fix",
  gen: "gen_1",
};
const optionalClaims = {
  act: actor,
  sub_task: text,
  parent: text,
  chain: fc.oneof(fc.array(fc.constantFrom("tok_1", "tok_2", ""), { maxLength: 18 }), anything),
  depth: fc.oneof(fc.integer({ min: -1, max: 18 }), anything),
  workload: fc.oneof(
    fc.record({ iss: text, sub: text, binding: fc.oneof(text, anything) }, { requiredKeys: ["iss", "sub"] }),
    anything,
  ),
  extra: anything,
};

describe("parseTaskTokenClaims", () => {
  it("gives the schema's answer and output for payloads near a task token's", () => {
    const payload = fc
      .tuple(
        fc.record(optionalClaims, { requiredKeys: [] }),
        // Each required claim kept, dropped or replaced by a value of another kind.
        fc.dictionary(fc.constantFrom(...Object.keys(valid)), fc.option(anything, { nil: undefined }), {
          maxKeys: 3,
        }),
      )
      .map(([optional, changed]) => {
        const result: Record<string, unknown> = { ...valid, ...optional };
        for (const [claim, value] of Object.entries(changed)) {
          if (value === undefined) delete result[claim];
          else result[claim] = value;
        }
        return result;
      });
    fc.assert(
      fc.property(payload, (claims) => {
        expect(shapeOf(parseTaskTokenClaims(claims))).toBe(shapeOf(bySchema(claims)));
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps a delegated token's claims and drops what the schema does not name", () => {
    const delegated = {
      ...valid,
      act: { sub: "agent:b", note: "x", act: { sub: "agent:a", note: "y" } },
      sub_task: "task_1.1",
      parent: "tok_1",
      chain: ["tok_1"],
      depth: 1,
      workload: { iss: "https://ci.example", sub: "repo:x", binding: "ci", note: "z" },
      unknown: true,
    };
    const parsed = parseTaskTokenClaims(delegated);
    expect(shapeOf(parsed)).toBe(shapeOf(bySchema(delegated)));
    expect(parsed?.act).toEqual({ sub: "agent:b", act: { sub: "agent:a" } });
    expect(parsed).not.toHaveProperty("unknown");
  });

  it("refuses what the schema refuses", () => {
    for (const broken of [
      { ...valid, sub: "human:a" },
      { ...valid, jti: "" },
      { ...valid, iat: 1.5 },
      { ...valid, exp: 2 ** 53 },
      { ...valid, aud: ["a", 1] },
      { ...valid, act: { sub: "agent:b", act: { sub: "human:c" } } },
      { ...valid, depth: 17 },
      { ...valid, chain: Array.from({ length: 17 }, (_, i) => `tok_${i}`) },
      { ...valid, workload: { iss: "a", sub: "b" } },
    ]) {
      expect(bySchema(broken)).toBeNull();
      expect(parseTaskTokenClaims(broken)).toBeNull();
    }
  });
});
