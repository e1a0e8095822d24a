// What the guard makes of inline code an interpreter runs: a destructive call judged for what it is, code it cannot
// resolve asked about as uncertain, or harmless.
import { expect } from "vitest";
import { classify } from "../../src/guard/classify.ts";

/** Destructive and certain, with `reason` among the reasons. */
export function judged(cmd: string, reason: string): void {
  const r = classify(cmd);
  expect(r, cmd).toMatchObject({ destructive: true, uncertain: false });
  expect(r.reasons.join(" "), cmd).toContain(reason);
}

/** Destructive because the guard cannot tell what the code reaches. */
export function asks(cmd: string): void {
  expect(classify(cmd), cmd).toMatchObject({ destructive: true, uncertain: true });
}

/** Harmless and certain. */
export function allowed(cmd: string): void {
  expect(classify(cmd), cmd).toMatchObject({ destructive: false, uncertain: false });
}
