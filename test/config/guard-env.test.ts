import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/env-error.ts";
import { guardSettings } from "../../src/config/guard-env.ts";
import { parseGuardEnv } from "../../src/config/guard-env-schema.ts";

const NAMES = ["LEASH_ENV", "LEASH_INTENT", "LEASH_TASK", "LEASH_TOKEN", "LEASH_URL", "LEASH_SCOPES_DIR"];

describe("the guard's variables", () => {
  it("reads them, with no wait by default", async () => {
    expect(await guardSettings({})).toEqual({ hookWaitSeconds: 0 });
    expect(await guardSettings({ LEASH_HOOK_WAIT_SECONDS: " " })).toEqual({ hookWaitSeconds: 0 });
    const all = {
      LEASH_ENV: "staging",
      LEASH_INTENT: "fix the deploy",
      LEASH_TASK: "task_1",
      LEASH_TOKEN: "t",
      LEASH_URL: "http://127.0.0.1:8787",
      LEASH_SCOPES_DIR: "s",
    };
    const read = {
      env: "staging",
      intent: "fix the deploy",
      task: "task_1",
      token: "t",
      url: "http://127.0.0.1:8787",
      scopesDir: "s",
    };
    expect(await guardSettings(all)).toEqual({ ...read, hookWaitSeconds: 0 });
    expect(await guardSettings({ ...all, LEASH_HOOK_WAIT_SECONDS: "120" })).toEqual({
      ...read,
      hookWaitSeconds: 120,
    });
    expect(await guardSettings({ LEASH_HOOK_WAIT_SECONDS: "0" })).toMatchObject({ hookWaitSeconds: 0 });
    expect(await guardSettings({ LEASH_HOOK_WAIT_SECONDS: "3600" })).toMatchObject({ hookWaitSeconds: 3600 });
  });

  it("reads what the schema reads when no variable needs checking (without loading it)", async () => {
    const value = fc.option(fc.constantFrom("", " ", "\t", "staging", " x ", "0"), { nil: undefined });
    const env = fc.record(Object.fromEntries(NAMES.map((name) => [name, value])), { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(env, async (e) => {
        expect(await guardSettings(e as NodeJS.ProcessEnv)).toEqual(parseGuardEnv(e as NodeJS.ProcessEnv));
      }),
      { numRuns: 500 },
    );
  });

  it.each(["soon", "-5", "2.5", "3601"])(
    "refuses LEASH_HOOK_WAIT_SECONDS=%s by name instead of not waiting",
    async (bad) => {
      const settings = guardSettings({ LEASH_HOOK_WAIT_SECONDS: bad });
      await expect(settings).rejects.toThrow(ConfigError);
      await expect(guardSettings({ LEASH_HOOK_WAIT_SECONDS: bad })).rejects.toThrow(
        /^LEASH_HOOK_WAIT_SECONDS: expected a whole number of seconds from 0 to 3600$/,
      );
    },
  );
});
