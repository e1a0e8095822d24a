// leash's Vault identity and connection settings: one schema, each auth method's needs checked, mistakes named.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { vaultOptionsFromConfig } from "../../src/vault/vault-settings.ts";

const ADDR = { VAULT_ADDR: "https://vault.internal:8200" };
const load = (env: Record<string, string>) => loadConfig({ ...ADDR, ...env });
const refused = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("accepted");
};

describe("Vault auth settings", () => {
  it("defaults to a given VAULT_TOKEN, which is then required", () => {
    expect(vaultOptionsFromConfig(load({ VAULT_TOKEN: "hvs.x" }))?.auth).toEqual({
      method: "token",
      token: "hvs.x",
    });
    expect(refused({})).toMatch(/^VAULT_TOKEN: required/);
  });

  it("AppRole: a role id and exactly one of a secret id or a secret-id file, at a default or given mount", () => {
    const base = { VAULT_AUTH_METHOD: "approle", VAULT_ROLE_ID: "r-1" };
    expect(vaultOptionsFromConfig(load({ ...base, VAULT_SECRET_ID: "s-1" }))?.auth).toEqual({
      method: "approle",
      mount: "approle",
      roleId: "r-1",
      secretId: { value: "s-1" },
    });
    expect(
      vaultOptionsFromConfig(
        load({ ...base, VAULT_SECRET_ID_FILE: "/run/secret-id", VAULT_AUTH_MOUNT: "ar/leash" }),
      )?.auth,
    ).toMatchObject({ mount: "ar/leash", secretId: { file: "/run/secret-id" } });
    expect(refused(base)).toMatch(/set exactly one/);
    expect(refused({ ...base, VAULT_SECRET_ID: "a", VAULT_SECRET_ID_FILE: "/b" })).toMatch(/set exactly one/);
    expect(refused({ VAULT_AUTH_METHOD: "approle", VAULT_SECRET_ID: "s" })).toMatch(
      /^VAULT_ROLE_ID: required/,
    );
    expect(refused({ ...base, VAULT_SECRET_ID: "s", VAULT_TOKEN: "hvs.x" })).toMatch(
      /^VAULT_TOKEN: not used/,
    );
    expect(refused({ ...base, VAULT_SECRET_ID: "s", VAULT_AUTH_MOUNT: "../sys" })).toMatch(
      /^VAULT_AUTH_MOUNT/,
    );
  });

  it("Kubernetes: a role, the service-account token file by default; JWT: a role and a token file", () => {
    expect(
      vaultOptionsFromConfig(load({ VAULT_AUTH_METHOD: "kubernetes", VAULT_AUTH_ROLE: "leash" }))?.auth,
    ).toEqual({
      method: "kubernetes",
      mount: "kubernetes",
      role: "leash",
      jwtFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
    });
    expect(refused({ VAULT_AUTH_METHOD: "kubernetes" })).toMatch(/^VAULT_AUTH_ROLE: required/);
    expect(refused({ VAULT_AUTH_METHOD: "jwt", VAULT_AUTH_ROLE: "leash" })).toMatch(
      /^VAULT_AUTH_JWT_FILE: required/,
    );
    expect(refused({ VAULT_AUTH_METHOD: "ldap" })).toMatch(/^VAULT_AUTH_METHOD/);
  });
});

describe("Vault connection settings", () => {
  it.each([
    ["true", true],
    ["1", true],
    ["T", true],
    ["false", false],
    ["0", false],
    ["FALSE", false],
  ])("VAULT_SKIP_VERIFY=%s is %s", (value, skip) => {
    const config = load({ VAULT_TOKEN: "hvs.x", VAULT_SKIP_VERIFY: value });
    expect(vaultOptionsFromConfig(config)?.tls?.skipVerify).toBe(skip);
  });

  it("refuses a VAULT_SKIP_VERIFY that is not a boolean, and verifies when it is unset", () => {
    expect(refused({ VAULT_TOKEN: "hvs.x", VAULT_SKIP_VERIFY: "yes" })).toMatch(
      /^VAULT_SKIP_VERIFY: expected true or false/,
    );
    expect(vaultOptionsFromConfig(load({ VAULT_TOKEN: "hvs.x" }))?.tls?.skipVerify).toBe(false);
  });

  it("takes a client certificate only with its key, and passes namespace and TLS names on", () => {
    expect(refused({ VAULT_TOKEN: "hvs.x", VAULT_CLIENT_CERT: "/c.pem" })).toMatch(/set both or neither/);
    const options = vaultOptionsFromConfig(
      load({
        VAULT_TOKEN: "hvs.x",
        VAULT_NAMESPACE: "team-a",
        VAULT_CACERT: "/ca.pem",
        VAULT_TLS_SERVER_NAME: "vault.internal",
      }),
    );
    expect(options).toMatchObject({
      namespace: "team-a",
      tls: { caCert: "/ca.pem", serverName: "vault.internal", skipVerify: false },
    });
  });
});
