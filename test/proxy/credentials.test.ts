import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Upstream } from "../../src/proxy/compile-config.ts";
import { formatProblem, parseProxyConfig } from "../../src/proxy/config.ts";
import { resolveCredentials } from "../../src/proxy/credentials.ts";
import { startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";

let vault: VaultStandin;
beforeAll(async () => {
  vault = await startVaultStandin();
});
afterAll(() => vault?.stop());

function upstreams(...credentials: string[]): Upstream[] {
  const entries = credentials.map(
    (credential, i) => `
  - name: up${i}
    listen: ${9000 + i}
    target: https://api.platform.example
    environment: staging
    credential: ${credential}
    rules: [{ method: GET, path: /x, action: volume:read, resource: "r" }]`,
  );
  const loaded = parseProxyConfig(`upstreams:${entries.join("")}`, "credentials.yaml");
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
  return loaded.config.upstreams;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: Error) => error.message,
  );

describe("upstream credentials", () => {
  it("come from the proxy's environment or a Vault KV secret", async () => {
    vault.seedKv("upstreams/platform", { token: "plt_from_vault_123", other: "x" });
    const values = await resolveCredentials(
      upstreams("{ env: PLATFORM_TOKEN }", "{ vault_kv: upstreams/platform }"),
      { PLATFORM_TOKEN: "plt_from_env_456", VAULT_ADDR: vault.addr, VAULT_TOKEN: vault.rootToken },
    );
    expect(Object.fromEntries(values)).toEqual({ up0: "plt_from_env_456", up1: "plt_from_vault_123" });
  });

  it("fail naming the upstream and where they looked, never a value", async () => {
    const env = { VAULT_ADDR: vault.addr, VAULT_TOKEN: vault.rootToken };
    expect(await failure(resolveCredentials(upstreams("{ env: NOT_SET }"), env))).toBe(
      "upstream up0: credential: the environment variable NOT_SET is not set",
    );
    expect(await failure(resolveCredentials(upstreams("{ env: SHORT }"), { SHORT: "abc" }))).toBe(
      "upstream up0: credential: the value is shorter than 8 characters; is it the right one?",
    );
    vault.seedKv("upstreams/wrong-key", { password: "plt_value_789" });
    expect(
      await failure(resolveCredentials(upstreams("{ vault_kv: upstreams/wrong-key, key: token }"), env)),
    ).toBe('upstream up0: credential: Vault KV upstreams/wrong-key has no string under the key "token"');
    expect(await failure(resolveCredentials(upstreams("{ vault_kv: upstreams/none }"), env))).toMatch(
      /^upstream up0: credential: cannot read Vault KV upstreams\/none: /,
    );
    expect(await failure(resolveCredentials(upstreams("{ vault_kv: upstreams/none }"), {}))).toBe(
      "a credential comes from Vault KV: set VAULT_ADDR and VAULT_TOKEN in the proxy's environment",
    );
    const wrongToken = await failure(
      resolveCredentials(upstreams("{ vault_kv: upstreams/platform }"), {
        ...env,
        VAULT_TOKEN: "hvs.not-valid-token",
      }),
    );
    expect(wrongToken).not.toContain("hvs.not-valid-token");
  });
});
