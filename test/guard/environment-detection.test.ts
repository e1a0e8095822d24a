// Environment detection scans each command once for anything a marker or hint could match before normalizing it;
// that scan must never miss what the full reading finds, whatever quotes, `=`, blanks and case the command uses.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_ENVIRONMENTS,
  detectEnvironments,
  detectEnvironmentsFully,
} from "../../src/guard/environment.ts";
import type { EnvironmentMarkers } from "../../src/guard/types.ts";

const CUSTOM: EnvironmentMarkers[] = [
  {
    name: "prod-eu",
    protected: true,
    markers: ["db.prod-eu.internal", "k8s-prod", "acme  prod", "region=eu-1"],
  },
  { name: "Staging", protected: false, markers: ["STG.example.com", "it's-staging"] },
  { name: "ci", protected: false, markers: ["ci-runner"] },
  { name: "live", protected: true, markers: [] },
];

const PIECE = fc.constantFrom(
  "prod",
  "PROD",
  'pr"od',
  "p'r'o'd",
  "production",
  "Production",
  "staging",
  "st`ag`ing",
  "stg",
  "live",
  "--prod",
  "--env=prod",
  "--env",
  "-n",
  "db=prod",
  "es-prod.internal",
  "db.prod-eu.internal",
  'db."prod-eu".internal',
  "k8s-prod",
  "\u212a8s-prod",
  "acme",
  "region",
  "eu-1",
  "stg.example.com",
  "its-staging",
  "ci-runner",
  "=",
  " ",
  "  ",
  "\t",
  "\n",
  '"',
  "'",
  "`",
  "x",
  "prodx",
  "\u0130",
  "\u00a0",
);

const TEXT = fc.array(PIECE, { maxLength: 8 }).map((pieces) => pieces.join(""));

describe("environment detection", () => {
  it("finds what the full reading finds, for the default and for custom environments", () => {
    fc.assert(
      fc.property(
        fc.array(TEXT, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(DEFAULT_ENVIRONMENTS, CUSTOM),
        (texts, environments) => {
          expect(detectEnvironments(texts, environments)).toEqual(
            detectEnvironmentsFully(texts, environments),
          );
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("still reads environments named through quotes and `=`", () => {
    expect(
      detectEnvironments(["kubectl --context 'pr''od' delete ns x"], DEFAULT_ENVIRONMENTS)[0]?.env.name,
    ).toBe("production");
    expect(detectEnvironments(["deploy --region = eu-1 acme \t prod"], CUSTOM)[0]?.env.name).toBe("prod-eu");
    expect(detectEnvironments(["git status"], DEFAULT_ENVIRONMENTS)).toEqual([]);
  });

  it("does not read git's `stage` or a SQL stage as the staging environment, and still reads a stage host", () => {
    for (const text of [
      "git stage src/app.ts",
      "snowsql -q 'CREATE OR REPLACE STAGE raw_files'",
      "snowsql -q 'DROP STAGE IF EXISTS raw_files'",
    ])
      expect(detectEnvironments([text], DEFAULT_ENVIRONMENTS), text).toEqual([]);
    for (const text of [
      "kubectl --context stage delete ns api",
      "psql -h db.stage.internal -c 'DELETE FROM x'",
    ])
      expect(detectEnvironments([text], DEFAULT_ENVIRONMENTS)[0]?.env.name, text).toBe("staging");
  });
});
