import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/env-error.ts";
import { guardModelSettings } from "../../src/config/guard-model-env.ts";

describe("LEASH_GUARD_MODEL_*", () => {
  it("configures no model when none is set, or only empty values are", async () => {
    expect(await guardModelSettings({})).toBeNull();
    expect(
      await guardModelSettings({ LEASH_GUARD_MODEL_URL: "", LEASH_GUARD_MODEL_TIMEOUT_MS: " " }),
    ).toBeNull();
  });

  it("reads the model, with the documented defaults", async () => {
    expect(
      await guardModelSettings({
        LEASH_GUARD_MODEL_URL: " http://m:8080 ",
        LEASH_GUARD_MODEL: "small",
        LEASH_GUARD_MODEL_ALL: "1",
      }),
    ).toEqual({ url: "http://m:8080", model: "small", all: true, timeoutMs: 3000 });
    expect(
      await guardModelSettings({
        LEASH_GUARD_MODEL_URL: "https://models.example/v1",
        LEASH_GUARD_MODEL_ALL: "false",
        LEASH_GUARD_MODEL_TIMEOUT_MS: "750",
        LEASH_GUARD_MODEL_API_KEY: "sk-1",
      }),
    ).toEqual({ url: "https://models.example/v1", all: false, timeoutMs: 750, apiKey: "sk-1" });
  });

  it.each([
    [
      { LEASH_GUARD_MODEL_TIMEOUT_MS: "soon" },
      /^LEASH_GUARD_MODEL_TIMEOUT_MS: expected a whole number of milliseconds/,
    ],
    [{ LEASH_GUARD_MODEL_TIMEOUT_MS: "-5" }, /^LEASH_GUARD_MODEL_TIMEOUT_MS: expected a whole number/],
    [{ LEASH_GUARD_MODEL_TIMEOUT_MS: "2.5" }, /^LEASH_GUARD_MODEL_TIMEOUT_MS: expected a whole number/],
    [{ LEASH_GUARD_MODEL_ALL: "yes" }, /^LEASH_GUARD_MODEL_ALL: expected 1, true, 0 or false/],
    [{ LEASH_GUARD_MODEL_URL: "m:8080" }, /^LEASH_GUARD_MODEL_URL: expected the model's http\(s\) URL/],
    [{ LEASH_GUARD_MODEL_URL: "ftp://m" }, /^LEASH_GUARD_MODEL_URL: expected the model's http\(s\) URL/],
  ])("refuses a bad value by name instead of falling back: %o", async (bad, message) => {
    const env = { LEASH_GUARD_MODEL_URL: "http://m:8080", ...bad };
    await expect(guardModelSettings(env)).rejects.toThrow(ConfigError);
    await expect(guardModelSettings(env)).rejects.toThrow(message);
  });
});
