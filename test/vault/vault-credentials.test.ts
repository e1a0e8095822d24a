// Dynamic database credentials through the real node-vault client, a stand-in Vault and the real local PostgreSQL.
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeashError } from "../../src/errors/leash-error.ts";
import { VaultCredentialsClient } from "../../src/vault/vault-client.ts";
import {
  asAdmin,
  canLogin,
  createEnvironmentDatabases,
  type EnvironmentDatabases,
  roleExists,
} from "../helpers/postgres.ts";
import { configureReadwriteRoles, startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";

const STAGING_CREDS = "database/creds/staging-readwrite";

let databases: EnvironmentDatabases;
let standin: VaultStandin;
let client: VaultCredentialsClient;

beforeAll(async () => {
  databases = await createEnvironmentDatabases();
  standin = await startVaultStandin();
  await configureReadwriteRoles(
    { addr: standin.addr, token: standin.rootToken },
    { staging: databases.staging, production: databases.production },
  );
  client = new VaultCredentialsClient({ endpoint: standin.addr, token: standin.rootToken });
});

afterAll(async () => {
  await standin?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<LeashError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LeashError);
  return error as LeashError;
}

function expectNoLeak(error: LeashError, token: string): void {
  const shown = `${error.message} ${JSON.stringify(error.extra)}`;
  expect(shown).not.toContain(token);
  expect(shown).not.toMatch(/\n\s+at /);
  expect(error.cause).toBeUndefined();
}

describe("dynamic database credentials", () => {
  it("log in to their own environment's database only", async () => {
    const credentials = await client.readDynamicCredentials(STAGING_CREDS);
    expect(credentials.leaseId).toMatch(/^database\/creds\/staging-readwrite\/\w+$/);
    expect(credentials.renewable).toBe(true);
    expect(credentials.leaseDurationMs).toBe(15 * 60_000);
    expect(credentials.revokeAt).toBeNull();
    expect(credentials.data).toEqual({ username: credentials.username, password: credentials.password });

    expect(await canLogin(credentials.username, credentials.password, databases.staging)).toBe(true);
    expect(await canLogin(credentials.username, credentials.password, databases.production)).toBe(false);
    expect(await canLogin(credentials.username, `${credentials.password}x`, databases.staging)).toBe(false);
    expect(standin.leases().map((lease) => lease.id)).toContain(credentials.leaseId);
  });

  it("can read and write the tables of their database", async () => {
    await asAdmin(databases.staging, (admin) =>
      admin.query("CREATE TABLE IF NOT EXISTS vault_notes (id serial PRIMARY KEY, body text)"),
    );
    const credentials = await client.readDynamicCredentials(STAGING_CREDS);
    const session = new pg.Client({
      host: "127.0.0.1",
      user: credentials.username,
      password: credentials.password,
      database: databases.staging,
    });
    await session.connect();
    try {
      await session.query("INSERT INTO vault_notes (body) VALUES ('from a vault login')");
      const read = await session.query("SELECT count(*)::int AS n FROM vault_notes");
      expect(read.rows[0].n).toBeGreaterThan(0);
      await expect(session.query("CREATE TABLE vault_forbidden (id int)")).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await session.end();
    }
  });

  it("stop working once the lease is revoked, open sessions included", async () => {
    const credentials = await client.readDynamicCredentials(STAGING_CREDS);
    const session = new pg.Client({
      host: "127.0.0.1",
      user: credentials.username,
      password: credentials.password,
      database: databases.staging,
    });
    session.on("error", () => {});
    await session.connect();

    await client.revokeLease(credentials.leaseId);

    expect(await roleExists(credentials.username)).toBe(false);
    expect(await canLogin(credentials.username, credentials.password, databases.staging)).toBe(false);
    await expect(session.query("SELECT 1")).rejects.toThrow();
    await session.end().catch(() => {});
    expect(standin.leases().map((lease) => lease.id)).not.toContain(credentials.leaseId);
    // Revoking again is not an error, as with Vault.
    await client.revokeLease(credentials.leaseId);
  });

  it("are dropped by Vault when the lease expires", async () => {
    await configureReadwriteRoles(
      { addr: standin.addr, token: standin.rootToken },
      { shortlived: databases.staging },
      { defaultTtl: "2s", maxTtl: 10 },
    );
    const credentials = await client.readDynamicCredentials("database/creds/shortlived-readwrite");
    expect(credentials.leaseDurationMs).toBe(2_000);
    expect(await canLogin(credentials.username, credentials.password, databases.staging)).toBe(true);

    const deadline = Date.now() + 8_000;
    while ((await roleExists(credentials.username)) && Date.now() < deadline) {
      await sleep(200);
    }
    expect(await roleExists(credentials.username)).toBe(false);
    expect(await canLogin(credentials.username, credentials.password, databases.staging)).toBe(false);
    expect(standin.leases().map((lease) => lease.id)).not.toContain(credentials.leaseId);
  });

  it("mark a lease Vault would keep past the task token for revocation at the token's expiry", async () => {
    const before = Date.now();
    const credentials = await client.readDynamicCredentials(STAGING_CREDS, 60_000);
    expect(credentials.leaseDurationMs).toBe(15 * 60_000);
    expect(credentials.revokeAt).not.toBeNull();
    expect(credentials.revokeAt!).toBeGreaterThanOrEqual(before + 60_000);
    expect(credentials.revokeAt!).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(credentials.expiresAt).toBe(credentials.revokeAt);
    expect(credentials.vaultExpiresAt).toBeGreaterThan(credentials.expiresAt);

    const longer = await client.readDynamicCredentials(STAGING_CREDS, 30 * 60_000);
    expect(longer.revokeAt).toBeNull();
    expect(longer.expiresAt).toBe(longer.vaultExpiresAt);
  });

  it("renew within the role's max_ttl and move the role's VALID UNTIL along", async () => {
    const credentials = await client.readDynamicCredentials(STAGING_CREDS);
    const renewed = await client.renewLease(credentials.leaseId, 30 * 60_000);
    expect(renewed.leaseId).toBe(credentials.leaseId);
    expect(renewed.leaseDurationMs).toBe(30 * 60_000);
    const validUntil = await asAdmin("postgres", (admin) =>
      admin.query<{ until: Date }>("SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1", [
        credentials.username,
      ]),
    );
    expect(Math.abs(validUntil.rows[0]!.until.getTime() - renewed.expiresAt)).toBeLessThan(3_000);

    const capped = await client.renewLease(credentials.leaseId, 5 * 3600_000);
    expect(capped.leaseDurationMs).toBeLessThanOrEqual(3600_000);
    expect(capped.leaseDurationMs).toBeGreaterThan(3590_000);
  });

  it("are all revoked under a prefix", async () => {
    const first = await client.readDynamicCredentials(STAGING_CREDS);
    const second = await client.readDynamicCredentials(STAGING_CREDS);
    await client.revokeLeasePrefix(STAGING_CREDS);
    expect(await roleExists(first.username)).toBe(false);
    expect(await roleExists(second.username)).toBe(false);
    expect(standin.leases().filter((lease) => lease.id.startsWith(STAGING_CREDS))).toEqual([]);
  });
});

describe("Vault failures become LeashErrors", () => {
  it("an unreachable Vault is vault_unavailable (503) within 3 s", async () => {
    await standin.setDown(true);
    try {
      const started = Date.now();
      const error = await rejection(client.readDynamicCredentials(STAGING_CREDS));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(error.code).toBe("vault_unavailable");
      expect(error.status).toBe(503);
      expectNoLeak(error, standin.rootToken);
      expect((await rejection(client.revokeLease("database/creds/x/y"))).code).toBe("vault_unavailable");
      expect((await rejection(client.health())).code).toBe("vault_unavailable");
    } finally {
      await standin.setDown(false);
    }
    const again = await client.readDynamicCredentials(STAGING_CREDS);
    expect(again.username).toMatch(/^v-/);
  });

  it("a Vault that does not answer is vault_unavailable after the request timeout", async () => {
    standin.setStalled(true);
    try {
      const started = Date.now();
      const error = await rejection(client.readDynamicCredentials(STAGING_CREDS));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(2_000);
      expect(elapsed).toBeLessThan(3_500);
      expect(error.code).toBe("vault_unavailable");
      expect(error.status).toBe(503);
      expectNoLeak(error, standin.rootToken);
    } finally {
      standin.setStalled(false);
    }
  });

  it("an unknown role is vault_bad_path with Vault's message", async () => {
    const error = await rejection(client.readDynamicCredentials("database/creds/no-such-role"));
    expect(error.code).toBe("vault_bad_path");
    expect(error.status).toBe(502);
    expect(error.message).toContain("unknown role: no-such-role");
    expect(error.extra).toMatchObject({ vault_status: 400, vault_errors: ["unknown role: no-such-role"] });
    expectNoLeak(error, standin.rootToken);
  });

  it("a path Vault does not serve is vault_bad_path", async () => {
    const error = await rejection(client.readDynamicCredentials("nothing/mounted/here"));
    expect(error.code).toBe("vault_bad_path");
    expect(error.extra).toMatchObject({ vault_status: 404 });
  });

  it("a path leash would not send is refused before any request", async () => {
    for (const path of ["database/creds/../../sys/seal", "database/creds/x?list=1", ""]) {
      expect((await rejection(client.readDynamicCredentials(path))).code).toBe("vault_bad_path");
    }
  });

  it("a bad token is leash's own token problem (503 vault_token_invalid), told apart by lookup-self, never echoed", async () => {
    const token = "hvs.not-a-real-token-0123456789";
    const denied = new VaultCredentialsClient({ endpoint: standin.addr, token });
    const error = await rejection(denied.readDynamicCredentials(STAGING_CREDS));
    expect(error.code).toBe("vault_token_invalid");
    expect(error.status).toBe(503);
    expect(error.message).toContain("Vault refused leash's token");
    expectNoLeak(error, token);
    expect((await rejection(denied.lookupSelf())).code).toBe("vault_token_invalid");
  });

  it("a sealed Vault is vault_sealed (503), and health says so", async () => {
    standin.setSealed(true);
    try {
      const error = await rejection(client.readDynamicCredentials(STAGING_CREDS));
      expect(error.code).toBe("vault_sealed");
      expect(error.status).toBe(503);
      expect(await client.health()).toMatchObject({ sealed: true, initialized: true });
    } finally {
      standin.setSealed(false);
    }
    expect(await client.health()).toMatchObject({ sealed: false, initialized: true, standby: false });
  });

  it("a standby without an active node is vault_standby (503), not sealed", async () => {
    standin.setStandby(true);
    try {
      const error = await rejection(client.readDynamicCredentials(STAGING_CREDS));
      expect(error).toMatchObject({ code: "vault_standby", status: 503 });
      expect(error.message).toMatch(/no active node/);
      expect(await client.health()).toMatchObject({ sealed: false, standby: true });
    } finally {
      standin.setStandby(false);
    }
  });

  it("a role the connection does not allow is vault_role_not_allowed; a failed revocation vault_revocation_failed", async () => {
    const vault = { addr: standin.addr, token: standin.rootToken };
    const write = async (path: string, body: unknown) => {
      const response = await fetch(`${vault.addr}/v1/${path}`, {
        method: "POST",
        headers: { "X-Vault-Token": vault.token },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(204);
    };
    await write("database/roles/staging-outsider", {
      db_name: "staging",
      creation_statements: `CREATE ROLE "{{name}}"`,
    });
    const refused = await rejection(client.readDynamicCredentials("database/creds/staging-outsider"));
    expect(refused).toMatchObject({ code: "vault_role_not_allowed", status: 502 });
    expect(refused.message).toMatch(/allowed_roles/);

    await write("database/roles/staging-stuck", {
      db_name: "staging",
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}'`,
      revocation_statements: "SELECT 1/0",
    });
    await configureReadwriteRoles(vault, { staging: databases.staging });
    const connection = await fetch(`${vault.addr}/v1/database/config/staging`, {
      method: "POST",
      headers: { "X-Vault-Token": vault.token },
      body: JSON.stringify({
        plugin_name: "postgresql-database-plugin",
        connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:5432/${databases.staging}`,
        username: "postgres",
        allowed_roles: "staging-readwrite,staging-stuck",
      }),
    });
    expect(connection.status).toBe(204);
    const stuck = await client.readDynamicCredentials("database/creds/staging-stuck");
    const failed = await rejection(client.revokeLease(stuck.leaseId));
    expect(failed).toMatchObject({ code: "vault_revocation_failed", status: 502 });
    expect(failed.message).toMatch(/division by zero.*revocation_statements/);
    // Let the role go: a revocation that works, then the default drop.
    await write("database/roles/staging-stuck", {
      db_name: "staging",
      creation_statements: `CREATE ROLE "{{name}}"`,
    });
    await client.revokeLease(stuck.leaseId);
  });

  it("a non-credentials answer is vault_bad_response", async () => {
    standin.seedKv("not-creds", { value: 1 });
    const error = await rejection(client.readDynamicCredentials("secret/data/not-creds"));
    expect(error.code).toBe("vault_bad_response");
    expect(error.status).toBe(502);
  });
});

describe("token and KV v2", () => {
  it("looks up its own token", async () => {
    expect(await client.lookupSelf()).toEqual({ policies: ["root"], expiresAt: null, renewable: false });
    standin.addToken("hvs.short-lived", { ttlSeconds: 600, policies: ["leash"] });
    const info = await new VaultCredentialsClient({
      endpoint: standin.addr,
      token: "hvs.short-lived",
    }).lookupSelf();
    expect(info.policies).toEqual(["leash"]);
    expect(info.expiresAt! - Date.now()).toBeGreaterThan(590_000);
  });

  it("reads the latest version of a KV v2 secret", async () => {
    standin.seedKv("upstreams/railway", { token: "old" });
    standin.seedKv("upstreams/railway", { token: "rw_123" });
    expect(await client.readKv("upstreams/railway")).toEqual({ data: { token: "rw_123" }, version: 2 });
    const missing = await rejection(client.readKv("upstreams/none"));
    expect(missing.code).toBe("vault_bad_path");
    expect(missing.extra).toMatchObject({ vault_status: 404 });
  });
});
