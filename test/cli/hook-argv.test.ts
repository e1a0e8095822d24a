// The plain hook call read without commander must mean what commander reads it as; anything else is handed over.
import { describe, expect, it } from "vitest";
import { plainHookCall } from "../../src/cli/hook-argv.ts";

const argv = (...args: string[]) => ["node", "leash", "hook", ...args];

describe("a plain hook call", () => {
  it("reads the agent and each option as commander does", () => {
    expect(plainHookCall(argv("claude-code"))).toEqual({ agent: "claude-code", options: {} });
    expect(
      plainHookCall(
        argv("cursor", "--allow-safe", "--env", "staging", "--scopes-dir=./scopes", "--wait-approval", "30"),
      ),
    ).toEqual({
      agent: "cursor",
      options: { allowSafe: true, env: "staging", scopesDir: "./scopes", waitApproval: 30 },
    });
  });

  it("hands help, unknown agents and repeats to commander", () => {
    for (const args of [
      ["claude-code", "--help"],
      ["claude-code", "-h"],
      ["claude-code", "--env", "--help"],
      ["codex"],
      [],
      ["claude-code", "--env", "a", "--env", "b"],
    ]) {
      expect(plainHookCall(argv(...args)), args.join(" ")).toBeNull();
    }
    expect(plainHookCall(["node", "leash", "guard", "claude-code"])).toBeNull();
  });

  it("refuses, with the reason, a hook call commander would refuse: a hook that exits 1 protects nothing", () => {
    for (const args of [
      ["claude-code", "--bogus"],
      ["claude-code", "extra"],
      ["claude-code", "--", "x"],
      ["claude-code", "--wait-approval", "abc"],
      ["claude-code", "--wait-approval", "3601"],
      ["claude-code", "--allow-safe=yes"],
      ["cursor", "--env"],
    ]) {
      const call = plainHookCall(argv(...args));
      expect(call, args.join(" ")).toMatchObject({
        agent: args[0],
        error: expect.stringContaining(`leash hook ${args[0]}: `),
      });
    }
  });
});
