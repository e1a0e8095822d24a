import { describe, expect, it } from "vitest";
import { cliEnv } from "../../src/config/cli-env.ts";
import { ConfigError } from "../../src/config/env-error.ts";

describe("the client commands' variables", () => {
  it("reads them, empty values as unset", () => {
    expect(cliEnv({})).toEqual({});
    expect(cliEnv({ LEASH_URL: " ", LEASH_HUMAN_KEY: "", LEASH_SCOPES_DIR: "s" })).toEqual({
      LEASH_SCOPES_DIR: "s",
    });
    expect(cliEnv({ LEASH_URL: " https://leash.example ", LEASH_AGENT_KEY: "k" })).toEqual({
      LEASH_URL: "https://leash.example",
      LEASH_AGENT_KEY: "k",
    });
  });

  it.each(["leash.example:8787", "ftp://leash.example", "http//leash"])(
    "refuses LEASH_URL=%s by name",
    (bad) => {
      expect(() => cliEnv({ LEASH_URL: bad })).toThrow(ConfigError);
      expect(() => cliEnv({ LEASH_URL: bad })).toThrow(/^LEASH_URL: expected the broker's http\(s\) URL/);
    },
  );
});
