// Fuzzing the guard where test/guard/property.test.ts does not reach: hostile task context (environment names,
// intents, markers that are regex syntax) and long pathological commands, which must still classify, quickly.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import type { EnvironmentMarkers } from "../../src/guard/types.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const DECISIONS = ["allow", "ask", "deny"];

/** Strings that mean something to regexes, globs, shells or parsers. */
const nasty = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom(
    "",
    " ",
    ".*",
    "(",
    "[",
    "\\",
    "$",
    "^",
    "(a+)+$",
    "*",
    "**",
    "__proto__",
    "constructor",
    "\u0000",
    "\n",
  ),
);

const environments: fc.Arbitrary<EnvironmentMarkers[]> = fc.array(
  fc.record({ name: nasty, protected: fc.boolean(), markers: fc.array(nasty, { maxLength: 4 }) }),
  { maxLength: 3 },
);

const FRAGMENTS = [
  "'",
  '"',
  "$(",
  "`",
  "${",
  "(",
  "<<EOF\n",
  "| ",
  "; ",
  "rm -rf /x ",
  "DROP TABLE t; ",
  "\\",
  "{",
  "mutation { ",
];

describe("fuzzing the guard classifier", () => {
  it("never throws whatever the task context says (env, intent, environment markers)", () => {
    fc.assert(
      fc.property(nasty, nasty, nasty, environments, (command, env, intent, envs) => {
        const result = classify(command, { env, intent, environments: envs });
        expect(DECISIONS).toContain(result.decision);
        expect(Array.isArray(result.reasons)).toBe(true);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it("classifies long pathological commands (up to 16 KB of unclosed quotes, substitutions, here-docs) within 2 s", () => {
    let slowest = 0;
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 200, max: 2000 }),
        (fragments, repeat) => {
          const command = fragments.join("").repeat(repeat).slice(0, 16_384);
          const started = performance.now();
          const result = classify(command, { env: "staging", intent: "fix staging" });
          slowest = Math.max(slowest, performance.now() - started);
          expect(DECISIONS).toContain(result.decision);
        },
      ),
      { numRuns: Math.ceil(RUNS / 6) },
    );
    expect(slowest).toBeLessThan(2000);
  });
});
