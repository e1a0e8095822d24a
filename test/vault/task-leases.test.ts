// Vault credentials tied to the task, end to end: real HTTP to a broker on real Redis, the stand-in Vault doing the
// database engine's work on the real PostgreSQL, and the real `leash revoke` CLI.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import {
  adminConnectionUrl,
  canLogin,
  createEnvironmentDatabases,
  type EnvironmentDatabases,
  PG_ADMIN_USER,
} from "../helpers/postgres.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { configureReadwriteRoles, startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;

let databases: EnvironmentDatabases;
let standin: VaultStandin;
let redis: RedisServer;
let test: TestBroker;

/** A staging scope reading credentials of a role the stand-in does not have, and one with a 30 s role. */
const EXTRA_SCOPES = {
  "staging-unknown-role.yaml": [
    "description: points at a Vault role that does not exist",
    "environment: staging",
    'agents: ["*"]',
    "actions: [database:query]",
    'resources: ["postgres://staging-db.internal/**"]',
    "ttl: {default: 10m, max: 1h}",
    "credentials: {vault: {path: database/creds/staging-missing}}",
  ].join("\n"),
  "staging-short.yaml": [
    "description: a role whose leases are shorter than the token",
    "environment: staging",
    'agents: ["*"]',
    "actions: [database:query]",
    'resources: ["postgres://staging-db.internal/**"]',
    "ttl: {default: 10m, max: 1h}",
    "credentials: {vault: {path: database/creds/staging-short}}",
  ].join("\n"),
};

beforeAll(async () => {
  databases = await createEnvironmentDatabases();
  standin = await startVaultStandin();
  const vault = { addr: standin.addr, token: standin.rootToken };
  await configureReadwriteRoles(vault, { staging: databases.staging, production: databases.production });
  await addShortRole(vault, databases.staging);
  redis = await startRedisServer();
  test = await startTestBroker({
    redisUrl: redis.url,
    scopesDir: await scopesDirWith(EXTRA_SCOPES),
    vault: { ...vault, timeoutMs: 750 },
    leaseRevoker: { intervalMs: 100, baseBackoffMs: 100, maxBackoffMs: 400 },
  });
});

afterAll(async () => {
  await test?.close();
  await standin?.setDown(false);
  await standin?.stop();
  await redis?.stop();
});

/** A `staging-short` role (30 s leases, 1 h max) on the staging connection, next to `staging-readwrite`. */
async function addShortRole(vault: { addr: string; token: string }, database: string): Promise<void> {
  const write = async (path: string, body: unknown) => {
    const response = await fetch(`${vault.addr}/v1/${path}`, {
      method: "POST",
      headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  await write("database/config/staging", {
    plugin_name: "postgresql-database-plugin",
    connection_url: `${adminConnectionUrl(database, { vaultTemplate: true })}?sslmode=disable`,
    username: PG_ADMIN_USER,
    password: "",
    allowed_roles: "staging-readwrite,staging-short",
  });
  await write("database/roles/staging-short", {
    db_name: "staging",
    creation_statements: [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`,
      `GRANT CONNECT ON DATABASE "${database}" TO "{{name}}"`,
    ],
    default_ttl: "30s",
    max_ttl: "1h",
  });
}

interface Minted {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
  body: Record<string, any>;
  headers: Headers;
}

const mint = (body: Record<string, unknown>): Promise<Minted> =>
  api(test.url, "POST", "/v1/tokens", { key: test.keys.agent, body });

async function mintWithCredentials(body: Record<string, unknown> = {}) {
  const response = await mint({
    scope: "staging-fix",
    task: { intent: "fix the staging database" },
    ...body,
  });
  if (response.status !== 201) throw new Error(`mint: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const authorize = (
  token: string,
  action = "database:query",
  resource = "postgres://staging-db.internal/app",
) => api(test.url, "POST", "/v1/authorize", { body: { token, action, resource } }).then((r) => r.body);

const revokeOverCli = (target: string[]) =>
  runCli(["revoke", ...target, "--reason", "incident drill", "--json"], {
    env: { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.security },
  });

/** Polls `check` until it returns true; fails after `withinMs`. */
async function eventually(check: () => Promise<boolean>, withinMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await sleep(100);
  }
  return Date.now() - started;
}

/**
 * Whether the login is refused. A session the revocation itself cuts (57P01, or the connection dropped mid-query)
 * is neither answer: look again.
 */
const loginRefused = (credentials: { username: string; password: string }) => async () => {
  try {
    return !(await canLogin(credentials.username, credentials.password, databases.staging));
  } catch (error) {
    if ((error as { code?: string }).code === "ECONNREFUSED") throw error;
    return false;
  }
};

function expectProblem(response: Minted, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.body).toMatchObject({ status, code, type: `urn:leash:problem:${code}` });
  expect(response.body.token).toBeUndefined();
  const text = JSON.stringify(response.body);
  expect(text).not.toContain(standin.rootToken);
  expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

describe("a staging-fix task's database credentials", () => {
  it("log in to the staging database, are refused by production, and never outlive the token", async () => {
    const body = await mintWithCredentials();
    expect(body.credentials).toEqual({
      username: expect.any(String),
      password: expect.any(String),
      lease_id: expect.stringMatching(/^database\/creds\/staging-readwrite\//),
      expires_at: expect.any(String),
    });
    expect(Date.parse(body.credentials.expires_at)).toBeLessThanOrEqual(Date.parse(body.expires_at));
    const { username, password } = body.credentials;
    expect(await canLogin(username, password, databases.staging)).toBe(true);
    expect(await canLogin(username, password, databases.production)).toBe(false);

    // The role's 15 m default would outlive the token by a moment: leash revokes it at the token's expiry.
    const backlog = (await api(test.url, "GET", "/readyz")).body.vault.revocation_backlog;
    expect(backlog.scheduled).toBeGreaterThanOrEqual(1);
  });

  it("stop working once `leash revoke --task` has run, and the token is refused at once", async () => {
    const body = await mintWithCredentials();
    expect((await authorize(body.token)).allow).toBe(true);

    const revoked = await revokeOverCli(["--task", body.task.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({
      revoked: { kind: "task", value: body.task.id },
      vault_leases_queued: 1,
    });
    expect(await authorize(body.token)).toMatchObject({ allow: false, reason: "revoked" });

    await eventually(loginRefused(body.credentials), 10_000, "the revoked task's login to stop working");
    expect(standin.leases().map((lease) => lease.id)).not.toContain(body.credentials.lease_id);
    await eventually(
      async () => (await api(test.url, "GET", "/readyz")).body.vault.revocation_backlog.queued === 0,
      5_000,
      "the revocation queue to drain",
    );
  });

  it("are revoked with their token by jti, leaving the other tokens' credentials alone", async () => {
    const first = await mintWithCredentials();
    const second = await mintWithCredentials();
    const byJti = await revokeOverCli(["--jti", first.granted.jti]);
    expect(JSON.parse(byJti.stdout).vault_leases_queued).toBe(1);
    await eventually(loginRefused(first.credentials), 10_000, "the jti's login to stop working");
    expect(await canLogin(second.credentials.username, second.credentials.password, databases.staging)).toBe(
      true,
    );
  });

  it("end at the token's expiry even when nobody revokes anything", async () => {
    const body = await mintWithCredentials({ ttl: "3s" });
    const tokenEnd = Date.parse(body.expires_at);
    expect(Date.parse(body.credentials.expires_at)).toBe(tokenEnd);
    expect(await canLogin(body.credentials.username, body.credentials.password, databases.staging)).toBe(
      true,
    );
    await eventually(loginRefused(body.credentials), 10_000, "the expired token's login to stop working");
    expect(Date.now()).toBeGreaterThanOrEqual(tokenEnd);
  });

  it("are renewed up to the token's expiry when the role's leases are shorter", async () => {
    const response = await mint({ scope: "staging-short", task: { intent: "query staging" } });
    expect(response.status).toBe(201);
    const { credentials, expires_at } = response.body;
    expect(Date.parse(credentials.expires_at)).toBeLessThanOrEqual(Date.parse(expires_at));
    expect(Date.parse(credentials.expires_at)).toBeGreaterThan(Date.parse(expires_at) - 5_000);
    const lease = standin.leases().find((entry) => entry.id === credentials.lease_id);
    expect(lease?.lastRenewal).not.toBeNull();
    expect(lease!.expireTime).toBeLessThanOrEqual(Date.parse(expires_at));
  });

  it("are revoked when a revoke_task limit inside authorize revokes the task", async () => {
    const body = await mintWithCredentials();
    const decisions = [];
    for (let i = 0; i < 4; i++)
      decisions.push(await authorize(body.token, "volume:delete", staging(`volume/v${i}`)));
    expect(decisions.slice(0, 3).every((decision) => decision.allow)).toBe(true);
    expect(decisions[3]).toMatchObject({ allow: false, reason: "rate_limited", task_revoked: true });
    await eventually(loginRefused(body.credentials), 10_000, "the over-budget task's login to stop working");
  });
});

describe("when Vault fails", () => {
  it("refuses to mint while Vault is down: 503 problem+json, no token, no lease", async () => {
    const before = new Set(standin.leases().map((lease) => lease.id));
    await standin.setDown(true);
    try {
      const response = await mint({ scope: "staging-fix", task: { intent: "fix staging" } });
      expectProblem(response, 503, "vault_unavailable");
      expect(response.body.detail).toContain("database/creds/staging-readwrite");
      const ready = await api(test.url, "GET", "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.vault).toMatchObject({ configured: true, status: "unavailable" });
      expect(ready.body.problems.join(" ")).toContain("Vault is unavailable");
      // Scopes without credentials keep minting.
      expect((await mint({ scope: "production-read", task: { intent: "look" } })).status).toBe(201);
    } finally {
      await standin.setDown(false);
    }
    expect(standin.leases().filter((lease) => !before.has(lease.id))).toEqual([]);
  });

  it("refuses to mint while Vault is sealed or does not answer", async () => {
    standin.setSealed(true);
    try {
      const sealed = await mint({ scope: "staging-fix", task: { intent: "fix staging" } });
      expectProblem(sealed, 503, "vault_sealed");
      expect(sealed.body.vault_errors).toEqual(["Vault is sealed"]);
    } finally {
      standin.setSealed(false);
    }
    standin.setStalled(true);
    try {
      const started = Date.now();
      const stalled = await mint({ scope: "staging-fix", task: { intent: "fix staging" } });
      expectProblem(stalled, 503, "vault_unavailable");
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      standin.setStalled(false);
    }
  });

  it("turns Vault's error body into a clear problem+json (unknown role)", async () => {
    const response = await mint({ scope: "staging-unknown-role", task: { intent: "query staging" } });
    expectProblem(response, 502, "vault_bad_path");
    expect(response.body.detail).toContain("unknown role: staging-missing");
    expect(response.body.vault_status).toBe(400);
    expect(response.body.vault_errors).toEqual(["unknown role: staging-missing"]);
  });

  it("still refuses a token at once while Vault is down at revocation, and revokes the lease when Vault returns", async () => {
    const body = await mintWithCredentials();
    await standin.setDown(true);
    let revokedAt = 0;
    try {
      const revoked = await api(test.url, "POST", "/v1/revocations", {
        key: test.keys.security,
        body: { task: body.task.id, reason: "vault outage drill" },
      });
      revokedAt = Date.now();
      expect(revoked.status).toBe(200);
      expect(revoked.body.vault_leases_queued).toBe(1);
      expect(await authorize(body.token)).toMatchObject({ allow: false, reason: "revoked" });

      // Let the worker try (and fail) a few times: the lease waits in the queue, visible in /readyz.
      await sleep(600);
      const ready = (await api(test.url, "GET", "/readyz")).body;
      expect(ready.vault.revocation_backlog.queued).toBeGreaterThanOrEqual(1);
      expect(ready.vault.revocation_backlog.attempted).toBeGreaterThanOrEqual(1);
      expect(await canLogin(body.credentials.username, body.credentials.password, databases.staging)).toBe(
        true,
      );
    } finally {
      await standin.setDown(false);
    }
    await eventually(loginRefused(body.credentials), 10_000, "the lease revocation after Vault came back");
    expect(Date.now() - revokedAt).toBeGreaterThan(0);
    await eventually(
      async () => (await api(test.url, "GET", "/readyz")).body.vault.revocation_backlog.queued === 0,
      5_000,
      "the revocation queue to drain",
    );
  });

  it("names a wrong Vault token as leash's own token problem (503 vault_token_invalid) without showing it", async () => {
    const other = await startTestBroker({ vault: { addr: standin.addr, token: "hvs.wrong-token-value" } });
    try {
      const response = await api(other.url, "POST", "/v1/tokens", {
        key: other.keys.agent,
        body: { scope: "staging-fix", task: { intent: "fix staging" } },
      });
      expectProblem(response, 503, "vault_token_invalid");
      expect(response.body.detail).toMatch(/no valid Vault token: Vault refused VAULT_TOKEN/);
      expect(JSON.stringify(response.body)).not.toContain("hvs.wrong-token-value");
    } finally {
      await other.close();
    }
  });
});

describe("without a Vault", () => {
  it("refuses a scope that needs credentials with 503 vault_not_configured (leash serve)", async () => {
    const refusing = await startTestBroker({ credentialsWithoutVault: "refuse" });
    try {
      const response = await api(refusing.url, "POST", "/v1/tokens", {
        key: refusing.keys.agent,
        body: { scope: "staging-fix", task: { intent: "fix staging" } },
      });
      expectProblem(response, 503, "vault_not_configured");
      const plain = await api(refusing.url, "POST", "/v1/tokens", {
        key: refusing.keys.agent,
        body: { scope: "production-read", task: { intent: "look" } },
      });
      expect(plain.status).toBe(201);
      expect(plain.body).not.toHaveProperty("credentials");
      expect((await api(refusing.url, "GET", "/readyz")).body.vault).toEqual({
        configured: false,
        revocation_backlog: { queued: 0, attempted: 0, scheduled: 0 },
      });
    } finally {
      await refusing.close();
    }
  });

  it("mints without credentials and says so in dev mode", async () => {
    const dev = await startTestBroker({ credentialsWithoutVault: "omit" });
    try {
      const response = await api(dev.url, "POST", "/v1/tokens", {
        key: dev.keys.agent,
        body: { scope: "staging-fix", task: { intent: "fix staging" } },
      });
      expect(response.status).toBe(201);
      expect(response.body.token).toEqual(expect.any(String));
      expect(response.body.credentials).toBeNull();
      expect(response.body.warning).toContain("database/creds/staging-readwrite");
    } finally {
      await dev.close();
    }
  });
});
