import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/env-error.ts";
import { hookSettings } from "../../src/config/hook-env.ts";

describe("the hook's variables", () => {
  it("reads them, with no wait by default", async () => {
    expect(await hookSettings({})).toEqual({ waitSeconds: 0 });
    expect(await hookSettings({ LEASH_HOOK_WAIT_SECONDS: " " })).toEqual({ waitSeconds: 0 });
    expect(
      await hookSettings({
        LEASH_HOOK_WAIT_SECONDS: "120",
        LEASH_URL: "http://127.0.0.1:8787",
        LEASH_TOKEN: "t",
        LEASH_SCOPES_DIR: "s",
      }),
    ).toEqual({ waitSeconds: 120, url: "http://127.0.0.1:8787", token: "t", scopesDir: "s" });
    expect(await hookSettings({ LEASH_HOOK_WAIT_SECONDS: "0" })).toMatchObject({ waitSeconds: 0 });
    expect(await hookSettings({ LEASH_HOOK_WAIT_SECONDS: "3600" })).toMatchObject({ waitSeconds: 3600 });
  });

  it.each(["soon", "-5", "2.5", "3601"])(
    "refuses LEASH_HOOK_WAIT_SECONDS=%s by name instead of not waiting",
    async (bad) => {
      const settings = hookSettings({ LEASH_HOOK_WAIT_SECONDS: bad });
      await expect(settings).rejects.toThrow(ConfigError);
      await expect(hookSettings({ LEASH_HOOK_WAIT_SECONDS: bad })).rejects.toThrow(
        /^LEASH_HOOK_WAIT_SECONDS: expected a whole number of seconds from 0 to 3600$/,
      );
    },
  );
});
