import { describe, expect, it } from "vitest";
import { holdFor, pause } from "../../src/clock/hold.ts";

describe("a long-poll's hold", () => {
  it("is over at once when there is no time to wait", () => {
    expect(holdFor(0).aborted).toBe(true);
    expect(holdFor(-5).aborted).toBe(true);
  });

  it("ends after its span of real time", async () => {
    const timeUp = holdFor(40);
    expect(timeUp.aborted).toBe(false);
    await pause(2_000, timeUp);
    expect(timeUp.aborted).toBe(true);
  });

  it("cuts a pause short when the hold ends or the caller leaves", async () => {
    const started = performance.now();
    await pause(5_000, holdFor(30));
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 30);
    await pause(5_000, holdFor(10_000), gone.signal);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("pauses the full interval when nothing fires", async () => {
    const started = performance.now();
    await pause(60, holdFor(10_000), undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});
