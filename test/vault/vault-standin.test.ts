// The stand-in Vault speaks the documented protocol (vault-api.md), so client tests against it mean something.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { canLogin, createEnvironmentDatabases, roleExists } from "../helpers/postgres.ts";
import {
  configureReadwriteRoles,
  parseDurationSeconds,
  startVaultStandin,
  type VaultStandin,
} from "../helpers/vault-standin.ts";

let standin: VaultStandin;
let staging: string;

async function call(method: string, path: string, body?: unknown, token: string | null = standin.rootToken) {
  const response = await fetch(`${standin.addr}/v1/${path}`, {
    method,
    headers: { ...(token === null ? {} : { "X-Vault-Token": token }), "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : (JSON.parse(text) as Record<string, unknown>),
  };
}

beforeAll(async () => {
  ({ staging } = await createEnvironmentDatabases());
  standin = await startVaultStandin();
});

afterAll(async () => {
  await standin?.stop();
});

describe("stand-in Vault protocol", () => {
  it("answers health without a token", async () => {
    const health = await call("GET", "sys/health", undefined, null);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ initialized: true, sealed: false, standby: false });
  });

  it("refuses a missing or wrong token with 403 permission denied", async () => {
    for (const token of [null, "wrong"]) {
      const denied = await call("GET", "auth/token/lookup-self", undefined, token);
      expect(denied).toEqual({ status: 403, body: { errors: ["permission denied"] } });
    }
  });

  it("answers unknown paths with 404 and an empty errors list", async () => {
    expect(await call("GET", "nope/nothing")).toEqual({ status: 404, body: { errors: [] } });
    expect(await call("GET", "secret/data/absent")).toEqual({ status: 404, body: { errors: [] } });
  });

  it("wraps answers in the full secret envelope", async () => {
    const self = await call("GET", "auth/token/lookup-self");
    expect(Object.keys(self.body!).sort()).toEqual(
      [
        "auth",
        "data",
        "lease_duration",
        "lease_id",
        "renewable",
        "request_id",
        "warnings",
        "wrap_info",
      ].sort(),
    );
    expect(self.body!.data).toMatchObject({ policies: ["root"], ttl: 0 });
  });

  it("issues, looks up, renews and revokes with the default revocation, dropping what the role owns", async () => {
    const config = await call("POST", "database/config/plain", {
      plugin_name: "postgresql-database-plugin",
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:5432/${staging}`,
      username: "postgres",
      allowed_roles: ["owner"],
    });
    expect(config.status).toBe(204);
    const role = await call("POST", "database/roles/owner", {
      db_name: "plain",
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
        `GRANT CONNECT ON DATABASE "${staging}" TO "{{name}}"; GRANT CREATE, USAGE ON SCHEMA public TO "{{name}}"`,
      ],
      default_ttl: "1h30m",
      max_ttl: 7200,
    });
    expect(role.status).toBe(204);

    const creds = await call("GET", "database/creds/owner");
    expect(creds.status).toBe(200);
    expect(creds.body).toMatchObject({ renewable: true, lease_duration: 5400, wrap_info: null, auth: null });
    const { username, password } = creds.body!.data as { username: string; password: string };
    expect(username.length).toBeLessThanOrEqual(63);
    expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);

    // The generated role creates a table in the database: revocation must reassign it before the drop.
    const session = new pg.Client({ host: "127.0.0.1", user: username, password, database: staging });
    await session.connect();
    await session.query(`CREATE TABLE "owned_by_${username.slice(-10)}" (id int)`);
    await session.end();

    const lookup = await call("PUT", "sys/leases/lookup", { lease_id: creds.body!.lease_id });
    expect(lookup.body!.data).toMatchObject({ id: creds.body!.lease_id, renewable: true });
    expect((lookup.body!.data as { ttl: number }).ttl).toBeGreaterThan(5390);

    const renewed = await call("PUT", "sys/leases/renew", {
      lease_id: creds.body!.lease_id,
      increment: "3h",
    });
    expect(renewed.body).toMatchObject({ lease_id: creds.body!.lease_id, renewable: true });
    expect(renewed.body!.lease_duration).toBeLessThanOrEqual(7200);
    expect(renewed.body!.warnings).toHaveLength(1);

    const revoked = await call("PUT", "sys/leases/revoke", { lease_id: creds.body!.lease_id });
    expect(revoked).toEqual({ status: 204, body: null });
    expect(await roleExists(username)).toBe(false);
    expect(await canLogin(username, password, staging)).toBe(false);
    expect((await call("PUT", "sys/leases/lookup", { lease_id: creds.body!.lease_id })).status).toBe(400);
  });

  it("refuses a role its connection does not allow (500, as the engine's plain error), and an unknown role (400)", async () => {
    await call("POST", "database/roles/stranger", {
      db_name: "plain",
      creation_statements: `CREATE ROLE "{{name}}"`,
    });
    expect(await call("GET", "database/creds/stranger")).toEqual({
      status: 500,
      body: { errors: ['"stranger" is not an allowed role'] },
    });
    expect(await call("GET", "database/creds/x")).toEqual({
      status: 400,
      body: { errors: ["unknown role: x"] },
    });
  });
});

describe("stand-in Vault tokens, logins and leases tied to tokens", () => {
  let timed: VaultStandin;
  // Near real time: PostgreSQL checks VALID UNTIL against its own clock.
  const clock = new ManualClock();
  const at = (path: string, token: string | null, body?: unknown, method = "POST") =>
    callAt(timed, method, path, body, token);

  beforeAll(async () => {
    timed = await startVaultStandin({ now: () => clock.now(), expiryCheckMs: 20 });
    await configureReadwriteRoles({ addr: timed.addr, token: timed.rootToken }, { staging });
  });

  afterAll(async () => {
    await timed?.stop();
  });

  it("gives a token a ttl, renews it from now up to its max ttl and refuses it once expired", async () => {
    timed.addToken("hvs.short", { ttlSeconds: 60, maxTtlSeconds: 150 });
    const looked = await at("auth/token/lookup-self", "hvs.short", undefined, "GET");
    expect(looked.body!.data).toMatchObject({ ttl: 60, renewable: true, creation_ttl: 60 });

    clock.advance(40_000);
    const renewed = await at("auth/token/renew-self", "hvs.short", {});
    expect(renewed.status).toBe(200);
    expect(renewed.body!.auth).toMatchObject({
      client_token: "hvs.short",
      lease_duration: 60,
      renewable: true,
    });

    clock.advance(40_000);
    const capped = await at("auth/token/renew-self", "hvs.short", { increment: "5m" });
    // 80 s into a 150 s max ttl: 70 s are left, not the 300 asked for.
    expect(capped.body!.auth).toMatchObject({ lease_duration: 70 });
    expect(capped.body!.warnings).toHaveLength(1);

    clock.advance(70_000);
    expect(await at("auth/token/lookup-self", "hvs.short", undefined, "GET")).toEqual({
      status: 403,
      body: { errors: ["permission denied"] },
    });
  });

  it("logs in with AppRole, Kubernetes and JWT, and refuses wrong credentials with Vault's statuses", async () => {
    timed.enableLogin({ method: "approle", roleId: "role-1", secretId: "secret-1", ttlSeconds: 3600 });
    timed.enableLogin({
      method: "kubernetes",
      role: "leash",
      serviceAccountJwt: "sa.jwt.value",
      ttlSeconds: 600,
      policies: ["leash"],
    });
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = await exportJWK(publicKey);
    timed.enableLogin({
      method: "jwt",
      mount: "oidc-ci",
      role: "leash",
      keys: async () => (await import("jose")).importJWK(jwk, "ES256"),
      boundAudience: "vault",
      ttlSeconds: 900,
    });
    const sign = (audience: string) =>
      new SignJWT({ sub: "leash" })
        .setProtectedHeader({ alg: "ES256" })
        .setAudience(audience)
        .setIssuedAt(Math.floor(clock.now() / 1000))
        .setExpirationTime(Math.floor(clock.now() / 1000) + 300)
        .sign(privateKey);

    const approle = await at("auth/approle/login", null, { role_id: "role-1", secret_id: "secret-1" });
    expect(approle.status).toBe(200);
    const auth = approle.body!.auth as { client_token: string; lease_duration: number; renewable: boolean };
    expect(auth).toMatchObject({ lease_duration: 3600, renewable: true });
    expect((await at("auth/token/lookup-self", auth.client_token, undefined, "GET")).status).toBe(200);
    expect(await at("auth/approle/login", null, { role_id: "role-1", secret_id: "nope" })).toEqual({
      status: 400,
      body: { errors: ["invalid role or secret ID"] },
    });

    const kube = await at("auth/kubernetes/login", null, { role: "leash", jwt: "sa.jwt.value" });
    expect(kube.body!.auth).toMatchObject({ lease_duration: 600, policies: ["leash"] });
    expect((await at("auth/kubernetes/login", null, { role: "leash", jwt: "other" })).status).toBe(403);

    const jwt = await at("auth/oidc-ci/login", null, { role: "leash", jwt: await sign("vault") });
    expect(jwt.body!.auth).toMatchObject({ lease_duration: 900 });
    const wrongAudience = await at("auth/oidc-ci/login", null, { role: "leash", jwt: await sign("other") });
    expect(wrongAudience.status).toBe(400);
    expect((await at("auth/nothing/login", null, {})).status).toBe(404);
  });

  it("revokes a token's leases with it, whether revoked from outside or expired, and only that token's", async () => {
    timed.addToken("hvs.creator-a", { ttlSeconds: 300 });
    timed.addToken("hvs.creator-b", { ttlSeconds: 900 });
    const read = async (token: string) =>
      (await at("database/creds/staging-readwrite", token, undefined, "GET")).body!.data as {
        username: string;
        password: string;
      };
    const first = await read("hvs.creator-a");
    const second = await read("hvs.creator-b");
    expect(await canLogin(first.username, first.password, staging)).toBe(true);

    await timed.revokeToken("hvs.creator-a");
    expect(await canLogin(first.username, first.password, staging)).toBe(false);
    expect(await canLogin(second.username, second.password, staging)).toBe(true);

    // Expiry: the expiry check ends the token and its lease on its own.
    clock.advance(901_000);
    await expect.poll(() => roleExists(second.username), { timeout: 10_000 }).toBe(false);
  });

  it("answers a failed revocation with 400 and revoking an unknown lease with 204", async () => {
    await callAt(timed, "POST", "database/roles/stuck", {
      db_name: "staging",
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'`,
      revocation_statements: "SELECT 1/0",
    });
    await callAt(timed, "POST", "database/config/staging", {
      plugin_name: "postgresql-database-plugin",
      connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:5432/${staging}`,
      username: "postgres",
      allowed_roles: "staging-readwrite,stuck",
    });
    const creds = await callAt(timed, "GET", "database/creds/stuck");
    const failed = await callAt(timed, "PUT", "sys/leases/revoke", { lease_id: creds.body!.lease_id });
    expect(failed.status).toBe(400);
    expect((failed.body!.errors as string[])[0]).toMatch(/failed to revoke lease: .*division by zero/);
    const unknown = await callAt(timed, "PUT", "sys/leases/revoke", {
      lease_id: "database/creds/stuck/nope",
    });
    expect(unknown).toEqual({ status: 204, body: null });
    // Clean up the role the failing revocation left behind.
    await callAt(timed, "POST", "database/roles/stuck", {
      db_name: "staging",
      creation_statements: `CREATE ROLE "{{name}}"`,
    });
    expect((await callAt(timed, "PUT", "sys/leases/revoke", { lease_id: creds.body!.lease_id })).status).toBe(
      204,
    );
  });

  it("answers 503 `no active Vault instance found` on a standby without an active node, 429 on health", async () => {
    timed.setStandby(true);
    try {
      expect(await callAt(timed, "GET", "database/creds/staging-readwrite")).toEqual({
        status: 503,
        body: { errors: ["no active Vault instance found"] },
      });
      const health = await callAt(timed, "GET", "sys/health", undefined, null);
      expect(health.status).toBe(429);
      expect(health.body).toMatchObject({ standby: true, sealed: false });
    } finally {
      timed.setStandby(false);
    }
  });
});

async function callAt(
  target: VaultStandin,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = target.rootToken,
) {
  const response = await fetch(`${target.addr}/v1/${path}`, {
    method,
    headers: { ...(token === null ? {} : { "X-Vault-Token": token }), "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? null : (JSON.parse(text) as Record<string, unknown>),
  };
}

describe("Vault durations", () => {
  it.each([
    [3600, 3600],
    ["3600", 3600],
    ["1h", 3600],
    ["1h30m", 5400],
    ["1.5h", 5400],
    ["90s", 90],
    ["1500ms", 1],
    ["2d", 172_800],
  ])("%j is %i seconds", (input, seconds) => {
    expect(parseDurationSeconds(input)).toBe(seconds);
  });

  it.each(["", "1x", "h", "1h 30m", -5, null])("%j is refused", (input) => {
    expect(() => parseDurationSeconds(input)).toThrow(/invalid/);
  });
});
