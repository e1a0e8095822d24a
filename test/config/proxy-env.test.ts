import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/env-error.ts";
import { proxyEnv } from "../../src/config/proxy-env.ts";

describe("the proxy's and gateway's variables", () => {
  it("reads the broker's URL and the task token", () => {
    expect(proxyEnv({ LEASH_URL: "http://127.0.0.1:8787" })).toEqual({ brokerUrl: "http://127.0.0.1:8787" });
    expect(proxyEnv({ LEASH_URL: "https://leash.example", LEASH_TOKEN: "t" })).toEqual({
      brokerUrl: "https://leash.example",
      token: "t",
    });
  });

  it.each([{}, { LEASH_URL: "" }, { LEASH_URL: "broker:8787" }, { LEASH_URL: "ftp://broker" }])(
    "refuses to start without a broker URL, by name: %o",
    (env) => {
      expect(() => proxyEnv(env)).toThrow(ConfigError);
      expect(() => proxyEnv(env)).toThrow(/^LEASH_URL: required, expected the broker's http\(s\) URL/);
    },
  );
});
