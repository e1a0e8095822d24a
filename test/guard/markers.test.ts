// The guard reads environments.yaml without zod; the scopes schema is the reference it is held to: same environments
// out, and for a file it refuses, the same first problem in the same words.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readEnvironmentMarkers } from "../../src/guard/markers.ts";
import type { EnvironmentMarkers } from "../../src/guard/types.ts";
import { formatPath } from "../../src/scopes/format-path.ts";
import { environmentSchema, expecting, scopeIssueMessage } from "../../src/scopes/schema.ts";

/** environments.yaml as the broker's schema reads the guard's three fields. */
const markersFileSchema = z.object(
  {
    environments: z.array(environmentSchema.pick({ name: true, protected: true, markers: true }).strip(), {
      error: expecting("a list of environments"),
    }),
  },
  { error: expecting("a mapping with an `environments:` list") },
);

/** The schema reads exactly the EnvironmentMarkers shape: a field added to one and not the other does not compile. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesMarkers: Same<
  z.infer<typeof markersFileSchema>["environments"][number],
  EnvironmentMarkers
> = true;
void schemaMatchesMarkers;

/** The schema's answer: the environments, or its first problem as the guard words one. */
function bySchema(doc: unknown): string {
  const parsed = markersFileSchema.safeParse(doc, { error: scopeIssueMessage });
  if (parsed.success) return JSON.stringify(parsed.data.environments);
  const issue = parsed.error.issues[0]!;
  return `envs.yaml: ${formatPath(issue.path)}: ${issue.message}`;
}

function byGuard(doc: unknown): string {
  try {
    return JSON.stringify(readEnvironmentMarkers(doc, "envs.yaml"));
  } catch (error) {
    return (error as Error).message;
  }
}

const text = fc.oneof(
  fc.constantFrom(
    "",
    "qa",
    "staging",
    "prod-1",
    "a_b",
    "q a",
    "-x",
    "Ab",
    "é",
    "x".repeat(63),
    "x".repeat(64),
  ),
  fc.string({ maxLength: 5 }),
);
/** A value of any kind YAML gives, mostly near what the fields hold. */
const anything = fc.oneof(
  text,
  fc.integer({ min: -2, max: 9 }),
  fc.constantFrom(true, false, null, undefined, 0.5, Number.NaN, "x".repeat(100)),
  fc.array(text, { maxLength: 3 }),
  fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("name", "markers", "x"), text, { maxKeys: 2 }),
);
const environment = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        name: fc.oneof({ weight: 3, arbitrary: text }, anything),
        protected: fc.oneof({ weight: 3, arbitrary: fc.boolean() }, anything),
        markers: fc.oneof(
          {
            weight: 3,
            arbitrary: fc.array(fc.oneof({ weight: 5, arbitrary: text }, anything), { maxLength: 4 }),
          },
          anything,
        ),
        max_ttl: fc.constantFrom("1h", "nope"),
        resources: anything,
        extra: anything,
      },
      { requiredKeys: [] },
    ),
  },
  anything,
);
const doc = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      { environments: fc.array(environment, { maxLength: 4 }), other: anything },
      { requiredKeys: ["environments"] },
    ),
  },
  fc.record({ environments: anything }),
  anything,
);

describe("readEnvironmentMarkers", () => {
  it("gives the scopes schema's environments, or its first problem in its words", () => {
    fc.assert(
      fc.property(doc, (d) => {
        expect(byGuard(d)).toBe(bySchema(d));
      }),
      { numRuns: 5000 },
    );
  });

  it("keeps only the guard's fields, with the schema's defaults", () => {
    const doc = {
      environments: [
        { name: "qa", max_ttl: "1h", resources: ["x"], markers: ["qa-db"], limits: [] },
        { name: "prod", protected: true },
      ],
    };
    expect(readEnvironmentMarkers(doc)).toEqual([
      { name: "qa", protected: false, markers: ["qa-db"] },
      { name: "prod", protected: true, markers: [] },
    ]);
    expect(byGuard(doc)).toBe(bySchema(doc));
  });

  it("names the file, the field and what was expected", () => {
    for (const [bad, message] of [
      [null, "envs.yaml: (root): expected a mapping with an `environments:` list, got nothing"],
      [{ environments: {} }, "envs.yaml: environments: expected a list of environments, got a mapping"],
      [
        { environments: [{ name: "q a" }] },
        'envs.yaml: environments[0].name: expected a name of letters, digits, "-" or "_", got "q a"',
      ],
      [
        { environments: [{ name: "qa", protected: "yes" }] },
        'envs.yaml: environments[0].protected: expected true or false, got "yes"',
      ],
      [
        { environments: [{ name: "qa", markers: ["a", ""] }] },
        "envs.yaml: environments[0].markers[1]: expected a marker string, got an empty string",
      ],
    ] as const) {
      expect(byGuard(bad)).toBe(message);
      expect(bySchema(bad)).toBe(message);
    }
  });
});
