// Does the command match the task's intent? Labelled intent/command pairs in both directions, in an unprotected
// environment where only the intent decides; the reason names the intent's words that did or did not cover it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import type { EnvironmentMarkers } from "../../src/guard/types.ts";

const ENVIRONMENTS: EnvironmentMarkers[] = [
  {
    name: "staging",
    protected: false,
    markers: ["staging-db.internal", "--context staging", "RAILS_ENV=staging"],
  },
  { name: "production", protected: true, markers: ["prod-db.internal", "--context prod"] },
];

interface Pair {
  intent: string;
  cmd: string;
  covered: boolean;
}

const PAIRS = readFileSync(new URL("./intent-cases.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Pair);

const judge = (cmd: string, intent?: string) =>
  classify(cmd, { env: "staging", intent, environments: ENVIRONMENTS });

describe("intent/command pairs", () => {
  it("has cases in both directions, most of them in a known unprotected environment", () => {
    expect(
      PAIRS.filter((p) => p.covered && judge(p.cmd, p.intent).environment === "staging").length,
    ).toBeGreaterThanOrEqual(10);
    expect(PAIRS.filter((p) => p.covered).length).toBeGreaterThanOrEqual(10);
    expect(PAIRS.filter((p) => !p.covered).length).toBeGreaterThanOrEqual(10);
  });

  it.each(PAIRS.map((p) => [p.covered ? "covers" : "does not cover", p.intent, p.cmd, p] as const))(
    "%s: %s → %s",
    (_, intent, cmd, pair) => {
      const r = judge(cmd, intent);
      expect(r.destructive, r.reasons.join(" | ")).toBe(true);
      const judgement = r.reasons.find((x) => /^intent_(covers|mismatch)/.test(x));
      expect(judgement, r.reasons.join(" | ")).toBeDefined();
      if (pair.covered) {
        // Covered: allowed where the environment is known and unprotected; elsewhere the environment still asks.
        expect(r.decision, r.reasons.join(" | ")).toBe(r.environment === "staging" ? "allow" : "ask");
        expect(judgement).toMatch(/^intent_covers: "[^"]+"/);
      } else {
        expect(r.decision, r.reasons.join(" | ")).toBe("ask");
        expect(judgement).toMatch(/^intent_mismatch: the task's intent "/);
        if (r.environment === "staging") expect(r.reasons[0]).toBe(judgement);
      }
      expect(judgement).toContain(intent.slice(0, 40));
    },
  );

  it("asks about every one of them when the intent is dropped", () => {
    for (const { cmd } of PAIRS) {
      const r = judge(cmd);
      expect(r.decision, cmd).toBe("ask");
      expect(
        r.reasons.some((x) => x.startsWith("intent_unknown")),
        cmd,
      ).toBe(true);
    }
  });

  it("never lets an intent relax a deny or a protected environment's ask", () => {
    const snapshot = classify("aws rds delete-db-snapshot --db-snapshot-identifier staging-nightly", {
      env: "staging",
      intent: "delete the old snapshots",
      environments: ENVIRONMENTS,
    });
    expect(snapshot.decision).toBe("deny");
    const prod = classify("kubectl --context prod delete ns preview", {
      env: "production",
      intent: "delete the preview namespace",
      environments: ENVIRONMENTS,
    });
    expect(prod.decision).toBe("ask");
  });

  it("flags a write a read-only intent did not ask for, without changing the decision", () => {
    const r = judge("railway up", "investigate the slow checkout page");
    expect(r.decision).toBe("allow");
    expect(r.reasons.some((x) => x.startsWith("outside_intent") && x.includes("deploy:create"))).toBe(true);
    expect(
      judge("railway up", "deploy the checkout fix").reasons.some((x) => x.startsWith("outside_intent")),
    ).toBe(false);
  });
});
