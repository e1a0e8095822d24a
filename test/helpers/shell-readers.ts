// The guard's two shell readers side by side: the fast reader and mvdan/sh must run the same commands with the same
// findings wherever the fast one reads a script, and the guard's answer must be the expected one either way.
import { expect } from "vitest";
import { classify, newAnalysis } from "../../src/guard/classify.ts";
import { analyzeShell } from "../../src/guard/shell/analyze-shell.ts";
import type { TraceEntry } from "../../src/guard/shell/runner.ts";

/** The reason `rm -rf /srv/app` gets, the destructive command most scripts here hide. */
export const RM_REASON = "rm -r deletes /srv/app";
/** That command quoted, to be a variable's value or a word in a list. */
export const RM = "'rm -rf /srv/app'";

/** What one reader makes of `script`: whether it read it, the commands it ran and its findings. */
export function readShell(script: string, parser: "simple" | "full") {
  const an = newAnalysis();
  const trace: TraceEntry[] = [];
  const accepted = analyzeShell(script, an, undefined, { parser, trace });
  return { accepted, trace, findings: an.findings };
}

/** Both readers run the same commands with the same findings, where the fast one reads the script. */
export function expectReadersAgree(script: string): void {
  const fast = readShell(script, "simple");
  if (!fast.accepted) return;
  const full = readShell(script, "full");
  expect(fast.trace, script).toEqual(full.trace);
  expect(fast.findings, script).toEqual(full.findings);
}

/** The guard finds `rm -rf /srv/app`, and so does mvdan/sh's reading on its own. */
export function expectRm(script: string): void {
  expect(classify(script).reasons, script).toContain(RM_REASON);
  expect(
    readShell(script, "full").findings.map((f) => f.reason),
    script,
  ).toContain(RM_REASON);
  expectReadersAgree(script);
}

/** Destructive, so the guard asks. */
export function expectAsks(script: string): void {
  expect(classify(script), script).toMatchObject({ destructive: true, decision: "ask" });
  expectReadersAgree(script);
}

/** Harmless and certain, so the guard allows it. */
export function expectHarmless(script: string): void {
  expect(classify(script), script).toMatchObject({ destructive: false, decision: "allow", uncertain: false });
  expectReadersAgree(script);
}
