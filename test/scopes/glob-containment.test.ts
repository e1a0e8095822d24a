import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  inContainmentLanguage,
  isCanonicalResource,
  provablyContained,
} from "../../src/scopes/glob-containment.ts";
import { matchesResource } from "../../src/scopes/resource-glob.ts";

const S = "railway:prj_demo/env/staging";
const PG = "postgres://staging-db.internal";

describe("provablyContained", () => {
  const contained: Array<[string[], string]> = [
    [[`${S}/**`], `${S}/volume/*`],
    [[`${S}/**`], `${S}/**`],
    [[`${S}/**`], S],
    [[`${S}/**`], `${S}/volume/**/backup`],
    [[`${S}/vol-*`], `${S}/vol-a*`],
    [[`${S}/*-db`], `${S}/a*-db`],
    [[`${S}/*a*`], `${S}/*a*a*`],
    [[`${S}/**/x`], `${S}/x`],
    [[`${S}/**/x`], `${S}/a/**/x`],
    [[`${S}/**/x`], `${S}/**/y/x`],
    [[`${S}/a/**`, `${S}/b/**`], `${S}/a/x`],
    [[`${PG}/**`], `${PG}/app/*`],
    // The same string is contained whatever it says, even outside the language.
    [[`${S}/{a,b}/**`], `${S}/{a,b}/**`],
  ];
  for (const [outers, inner] of contained) {
    it(`${inner} ⊆ ${outers.join(" ∪ ")}`, () => expect(provablyContained(outers, inner)).toBe(true));
  }

  const refused: Array<[string[], string, string]> = [
    [[`${S}/**`], `${S}*`, "a star that leaves the segment (staging-evil)"],
    [[`${S}/**`], `${S}-evil/**`, "a sibling prefix"],
    [[`${S}/**`], `${S}/../production/**`, "a '..' segment"],
    [[`${S}/**`], `${S}/./x`, "a '.' segment"],
    [[`${S}/**`], `${S}//x`, "an empty segment"],
    [[`${S}/**`], `${S}/x/`, "a trailing slash"],
    [[`${S}/**`], "railway:prj_demo/env/*/volume/*", "a star over the environment"],
    [[`${S}/**`], "railway:prj_demo/**", "a parent directory"],
    [[`${S}/*`], `${S}/**`, "'**' under '*'"],
    [[`${S}/*`], `${S}/*/x`, "one segment deeper"],
    [[`${S}/vol-*`], `${S}/vol*`, "a shorter literal before the star"],
    [[`${S}/*a*a*`], `${S}/*a*`, "fewer required characters"],
    [[`${S}/**/x`], `${S}/**/x*`, "a longer last segment"],
    [[`${S}/a/**`, `${S}/b/**`], `${S}/*/x`, "a star over two parents"],
    [[`${S}/**`], `${S}/[ab]`, "a character class"],
    [[`${S}/**`], `${S}/?`, "a '?'"],
    [[`${S}/**`], `${S}/{a,b}`, "a brace expansion"],
    [[`${S}/**`], `${S}/@(a|b)`, "an extglob"],
    [[`${S}/**`], `${S}/!(a)`, "a negated extglob"],
    [[`${S}/**`], `${S}/a\\*`, "an escape"],
    [[`${S}/**`], `${S}/***`, "a triple star"],
    [[`${S}/**`], `${S}/a**`, "a double star inside a segment"],
    [[`${S}/**`], `${S}/ x`, "whitespace"],
    [[`${PG}/**`], `${PG}*/**`, "a star on the host"],
    [[`${PG}/**`], "postgres://**", "any host"],
    [[`${S}/{a,b}/**`], `${S}/a/x`, "an outer glob outside the language cannot be reasoned about"],
    [["*"], "a/b", "'*' does not span segments"],
    [["**"], "anything/at/all", "globs starting with '*' compile through picomatch's shortcuts"],
    [["a/**"], "*.*", "a glob starting with '*' is outside the language"],
    [[`${S}/**`], "", "nothing"],
  ];
  for (const [outers, inner, why] of refused) {
    it(`refuses ${inner} under ${outers.join(" ∪ ")}: ${why}`, () =>
      expect(provablyContained(outers, inner)).toBe(false));
  }

  it("gives up (refuses) rather than work without bound", () => {
    const started = performance.now();
    // Too many wildcards to try.
    expect(provablyContained([`${S}/**`], `${S}/${"*a".repeat(17)}`)).toBe(false);
    // Within the wildcard bound, but a search that would blow up is cut off.
    expect(provablyContained([`${S}/${"*a".repeat(7)}*b/*a*a/*`], `${S}/${"*a".repeat(8)}/*/*a*a*a`)).toBe(
      false,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

// The claim the module rests on: inside the language and on canonical resources, its meaning is picomatch's.
const segmentChars = fc.constantFrom("a", "b", ".", "-", ":");
const literalSegment = fc
  .array(segmentChars, { minLength: 1, maxLength: 4 })
  .map((chars) => chars.join(""))
  .filter((segment) => segment !== "." && segment !== "..");
const globSegment = fc.oneof(
  { weight: 3, arbitrary: literalSegment },
  { weight: 1, arbitrary: fc.constant("**") },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(segmentChars, fc.constant("*")), { minLength: 1, maxLength: 4 })
      .map((chars) => chars.join("")),
  },
);
const glob = fc
  .array(globSegment, { minLength: 1, maxLength: 4 })
  .map((segments) => `r/${segments.join("/")}`)
  .filter(inContainmentLanguage);
const resource = fc
  .array(literalSegment, { minLength: 1, maxLength: 5 })
  .map((segments) => `r/${segments.join("/")}`)
  .filter(isCanonicalResource);

/** A resource the glob matches, by filling each wildcard with canonical text. */
const instanceOf = (pattern: string) =>
  fc.array(literalSegment, { minLength: pattern.length, maxLength: pattern.length }).chain((fills) =>
    fc.array(fc.nat(2), { minLength: pattern.length, maxLength: pattern.length }).map((counts) => {
      let i = 0;
      return pattern
        .split("/")
        .flatMap((segment) => {
          const k = i++;
          if (segment === "**") return fills.slice(k, k + counts[k]!);
          return [segment.replaceAll("*", () => (counts[k]! === 0 ? "" : fills[k]!))];
        })
        .join("/");
    }),
  );

describe("the language's meaning is picomatch's on canonical resources", () => {
  it("a resource is matched by the model exactly when picomatch matches it", () => {
    fc.assert(
      fc.property(glob, resource, (g, r) => {
        expect(provablyContained([g], r)).toBe(matchesResource([g], r));
      }),
      { numRuns: 3000 },
    );
  });

  it("when containment is proved, picomatch agrees on every canonical resource the inner glob matches", () => {
    fc.assert(
      fc.property(
        glob,
        glob.chain((inner) => fc.tuple(fc.constant(inner), instanceOf(inner))),
        (outer, [inner, r]) => {
          if (!isCanonicalResource(r) || !matchesResource([inner], r)) return;
          if (provablyContained([outer], inner)) expect(matchesResource([outer], r)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("proves containment often enough that the check above is not empty", () => {
    let proved = 0;
    fc.assert(
      fc.property(glob, glob, (outer, inner) => {
        if (provablyContained([outer], inner) && outer !== inner) proved++;
      }),
      { numRuns: 3000 },
    );
    expect(proved).toBeGreaterThan(20);
  });
});
