// The time limit on the rules' reading of one command: synchronous code stopped at its deadline, and the guard asking
// about what it could not read in time.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { GuardTimeoutError, runUntil } from "../../src/guard/time-limit.ts";

describe("runUntil", () => {
  it("returns what the run returns, with or without a deadline", () => {
    expect(runUntil(undefined, () => 42)).toBe(42);
    expect(runUntil(Date.now() + 60_000, () => "read")).toBe("read");
  });

  it("stops a synchronous run that is still going at its deadline", () => {
    const started = Date.now();
    expect(() =>
      runUntil(Date.now() + 50, () => {
        for (;;);
      }),
    ).toThrow(GuardTimeoutError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("passes on the run's own errors", () => {
    expect(() =>
      runUntil(Date.now() + 60_000, () => {
        throw new RangeError("the run's own");
      }),
    ).toThrow(RangeError);
  });
});

describe("a command the rules cannot read by the deadline", () => {
  it("is asked about, saying why, whatever it holds", () => {
    const command = `${"true && ".repeat(100_000)}ls`;
    const result = classify(command, { deadline: Date.now() });
    expect(result).toMatchObject({ decision: "ask", uncertain: true });
    expect(result.reasons.join("\n")).toContain("in the time a hook has");
  });
});
