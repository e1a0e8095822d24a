// Every way node-vault can fail maps to one LeashError code, with no token and no stack in the message.
import { describe, expect, it } from "vitest";
import { LeashError } from "../../src/errors/leash-error.ts";
import { vaultErrorToLeashError } from "../../src/vault/vault-error.ts";

const TOKEN = "hvs.CAESIsecret-token-value";
const operation = { action: "reading", path: "database/creds/staging-readwrite" };

/** The shape node-vault's ApiResponseError has. */
function apiError(statusCode: number, errors?: unknown) {
  return Object.assign(new Error("vault said no"), {
    response: { statusCode, body: errors === undefined ? undefined : { errors } },
  });
}

/** The shape an axios transport error has: a code and the request config, token header included. */
function transportError(code: string) {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:8200`), {
    code,
    isAxiosError: true,
    config: { headers: { "X-Vault-Token": TOKEN } },
  });
}

describe("vaultErrorToLeashError", () => {
  it("a 400 while revoking a lease is vault_revocation_failed, naming what to check", () => {
    const error = vaultErrorToLeashError(
      apiError(400, ["failed to revoke lease: pq: role cannot be dropped"]),
      { action: "revoking lease", path: "database/creds/staging-readwrite/abc" },
      [TOKEN],
    );
    expect(error).toMatchObject({ code: "vault_revocation_failed", status: 502 });
    expect(error.message).toMatch(/revocation_statements/);
    expect(error.message).toContain("role cannot be dropped");
  });

  it.each([
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "CERT_HAS_EXPIRED",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "ERR_SSL_WRONG_VERSION_NUMBER",
  ])("%s is vault_tls_error (502) with its code", (code) => {
    const error = vaultErrorToLeashError(transportError(code), operation, [TOKEN]);
    expect(error).toMatchObject({ code: "vault_tls_error", status: 502, extra: { vault_tls_error: code } });
  });

  it.each(["ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "ECONNRESET", "ENOTFOUND", "ERR_NETWORK"])(
    "%s is vault_unavailable (503)",
    (code) => {
      const error = vaultErrorToLeashError(transportError(code), operation, [TOKEN]);
      expect(error).toBeInstanceOf(LeashError);
      expect(error).toMatchObject({ code: "vault_unavailable", status: 503 });
      expect(error.message).toContain(code);
      expect(JSON.stringify({ message: error.message, extra: error.extra })).not.toContain(TOKEN);
      expect(error.cause).toBeUndefined();
    },
  );

  it.each([
    [403, ["permission denied"], "vault_permission_denied", 502],
    [401, [], "vault_permission_denied", 502],
    [400, ["unknown role: x"], "vault_bad_path", 502],
    [404, [], "vault_bad_path", 502],
    [405, [], "vault_bad_path", 502],
    [503, ["Vault is sealed"], "vault_sealed", 503],
    [503, ["no active Vault instance found"], "vault_standby", 503],
    [503, ["node is not active"], "vault_standby", 503],
    [503, [], "vault_unavailable", 503],
    [500, ['"staging-readwrite" is not an allowed role'], "vault_role_not_allowed", 502],
    [429, [], "vault_unavailable", 503],
    [501, [], "vault_unavailable", 503],
    [500, ["internal error"], "vault_error", 502],
  ])("HTTP %i is %s", (status, errors, code, leashStatus) => {
    const error = vaultErrorToLeashError(apiError(status, errors), operation, [TOKEN]);
    expect(error).toMatchObject({
      code,
      status: leashStatus,
      extra: { vault_status: status, vault_errors: errors },
    });
    for (const reason of errors) expect(error.message).toContain(reason);
  });

  it("keeps Vault's message for a bad path and names the path", () => {
    const error = vaultErrorToLeashError(apiError(400, ["unknown role: x"]), operation);
    expect(error.message).toContain("unknown role: x");
    expect(error.message).toContain("database/creds/staging-readwrite");
  });

  it("scrubs the token from Vault's messages and bounds their length", () => {
    const error = vaultErrorToLeashError(
      apiError(500, [`token ${TOKEN} failed\n\tat somewhere`, "x".repeat(5000)]),
      operation,
      [TOKEN],
    );
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain("[redacted]");
    expect(error.message).not.toContain("\n");
    expect(error.message.length).toBeLessThan(1000);
  });

  it("an unknown failure is vault_error without its own message", () => {
    const error = vaultErrorToLeashError(new TypeError(`cannot read ${TOKEN}`), operation, [TOKEN]);
    expect(error).toMatchObject({ code: "vault_error", status: 502 });
    expect(error.message).not.toContain(TOKEN);
  });

  it("passes a LeashError through", () => {
    const original = new LeashError("vault_bad_response", "odd answer");
    expect(vaultErrorToLeashError(original, operation)).toBe(original);
  });
});
