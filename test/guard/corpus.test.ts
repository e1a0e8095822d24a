// The project's own labelled cases, and an external corpus when LEASH_GUARD_CORPUS names one: recall must be 100%,
// false positives under 5%.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { externalGuardCorpusUrl, OWN_GUARD_CASES } from "../helpers/guard-corpus.ts";

interface Labelled {
  cmd: string;
  kind: string;
  destructive: boolean;
  env: string;
  why: string;
}

function load(url: URL): Labelled[] {
  return readFileSync(url, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Labelled);
}

function score(rows: Labelled[]) {
  const misses: string[] = [];
  const falsePositives: string[] = [];
  const envMisses: string[] = [];
  let destructive = 0;
  let safe = 0;
  for (const row of rows) {
    const result = classify(row.cmd);
    if (row.destructive) {
      destructive++;
      if (!result.destructive) misses.push(`${row.cmd}  (${row.why})`);
    } else {
      safe++;
      if (result.destructive) falsePositives.push(`${row.cmd}  → ${result.reasons.join(" | ")}`);
    }
    if (result.environment !== row.env)
      envMisses.push(`${row.cmd}: expected ${row.env}, got ${result.environment}`);
  }
  return {
    recall: (destructive - misses.length) / destructive,
    falsePositiveRate: falsePositives.length / safe,
    envAccuracy: (rows.length - envMisses.length) / rows.length,
    misses,
    falsePositives,
    envMisses,
  };
}

function evaluate(name: string, url: URL | undefined) {
  const rows = url ? load(url) : [];
  const s = score(rows);
  if (url)
    console.log(
      `[guard] ${name}: ${rows.length} commands, destructive recall ${(s.recall * 100).toFixed(1)}%, ` +
        `false-positive rate ${(s.falsePositiveRate * 100).toFixed(1)}%, environment accuracy ${(s.envAccuracy * 100).toFixed(1)}%`,
    );

  it("finds every destructive command", () => {
    expect(s.misses).toEqual([]);
    expect(s.recall).toBe(1);
  });

  it("flags fewer than 5% of the safe commands", () => {
    expect(s.falsePositiveRate, s.falsePositives.join("\n")).toBeLessThan(0.05);
  });

  it("names the environment the command points at", () => {
    expect(s.envAccuracy, s.envMisses.join("\n")).toBeGreaterThanOrEqual(0.95);
  });

  it("has enough cases to mean something", () => {
    expect(rows.length).toBeGreaterThanOrEqual(60);
  });
}

describe("guard on the project's labelled cases", () => {
  evaluate("project's cases", OWN_GUARD_CASES);

  it("lists each command once, so that none counts twice", () => {
    const seen = new Set<string>();
    const repeated = load(OWN_GUARD_CASES)
      .map((row) => row.cmd)
      .filter((cmd) => seen.size === seen.add(cmd).size);
    expect(repeated).toEqual([]);
  });
});

const external = externalGuardCorpusUrl();
if (!external) console.log("[guard] external corpus skipped: LEASH_GUARD_CORPUS is unset");
describe.skipIf(!external)(
  external
    ? `guard on the external corpus ${external.pathname}`
    : "guard on an external corpus (skipped: LEASH_GUARD_CORPUS is unset)",
  () => evaluate("external corpus", external),
);
