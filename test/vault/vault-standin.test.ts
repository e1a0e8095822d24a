// The stand-in Vault speaks the documented protocol (vault-api.md), so client tests against it mean something.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canLogin, createEnvironmentDatabases, roleExists } from "../helpers/postgres.ts";
import { parseDurationSeconds, startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";

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

  it("refuses a role its connection does not allow, and an unknown role", async () => {
    await call("POST", "database/roles/stranger", {
      db_name: "plain",
      creation_statements: `CREATE ROLE "{{name}}"`,
    });
    expect(await call("GET", "database/creds/stranger")).toEqual({
      status: 400,
      body: { errors: ['"stranger" is not an allowed role'] },
    });
    expect(await call("GET", "database/creds/x")).toEqual({
      status: 400,
      body: { errors: ["unknown role: x"] },
    });
  });
});

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
