// leash's own Vault token over its life, end to end: a broker logging in with AppRole to the stand-in Vault (whose
// tokens expire and take their leases with them), the database engine on the real PostgreSQL, time on a fake clock.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { canLogin, createEnvironmentDatabases, type EnvironmentDatabases } from "../helpers/postgres.ts";
import { configureReadwriteRoles, startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";

let databases: EnvironmentDatabases;
let standin: VaultStandin;
let clock: ManualClock;
let test: TestBroker | null = null;
const ROLE_ID = `leash-${process.pid}`;
const SECRET_ID = `secret-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  databases = await createEnvironmentDatabases();
  // Near real time: PostgreSQL checks VALID UNTIL against its own clock.
  clock = new ManualClock();
  standin = await startVaultStandin({ now: () => clock.now(), expiryCheckMs: 20 });
  await configureReadwriteRoles(
    { addr: standin.addr, token: standin.rootToken },
    { staging: databases.staging },
    { defaultTtl: "15m", maxTtl: "1h" },
  );
}, 60_000);

afterEach(async () => {
  await test?.close();
  test = null;
});

afterAll(async () => {
  await standin?.stop();
});

/** A broker logging in with AppRole (role id and secret id) whose tokens live `ttl` and at most `maxTtl` seconds. */
async function brokerWithAppRole(ttl: number, maxTtl: number, mount = `approle-${ttl}-${maxTtl}`) {
  standin.enableLogin({
    method: "approle",
    mount,
    roleId: ROLE_ID,
    secretId: SECRET_ID,
    ttlSeconds: ttl,
    maxTtlSeconds: maxTtl,
  });
  test = await startTestBroker({
    clock,
    vault: {
      addr: standin.addr,
      auth: { method: "approle", mount, roleId: ROLE_ID, secretId: { value: SECRET_ID } },
      // The keeper is driven by maintain() on the fake clock; its own timer stays out of the way.
      tokenOptions: { checkIntervalMs: 3_600_000, minTtlMs: 60_000, retryMs: 5_000, random: () => 0.5 },
    },
  });
  return test;
}

const count = (path: RegExp) => standin.requests.filter((request) => path.test(request.path)).length;

async function mintStagingFix(broker: TestBroker) {
  return api(broker.url, "POST", "/v1/tokens", {
    key: broker.keys.agent,
    body: { scope: "staging-fix", task: { intent: "fix the staging database" } },
  });
}

/** Moves the fake clock in steps, letting the keeper do its upkeep after each. */
async function live(broker: TestBroker, totalMs: number, stepMs: number, each?: () => Promise<void>) {
  for (let passed = 0; passed < totalMs; passed += stepMs) {
    clock.advance(stepMs);
    await broker.broker.context.vault!.tokens.maintain();
    await each?.();
  }
}

const liveTokensOtherThanRoot = () =>
  standin.liveTokens().filter((entry) => entry.token !== standin.rootToken);

describe("leash's own Vault token", () => {
  it("logs in with AppRole, is renewed across several ttls, and a task's credentials stay valid to expires_at", async () => {
    const logins = count(/\/auth\/approle-300-7200\/login$/);
    const broker = await brokerWithAppRole(300, 7200);
    expect(count(/\/auth\/approle-300-7200\/login$/)).toBe(logins + 1);
    const ready = await api(broker.url, "GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.vault.token).toMatchObject({ valid: true, method: "approle" });

    const minted = await mintStagingFix(broker);
    expect(minted.status).toBe(201);
    const credentials = minted.body.credentials as { username: string; password: string; expires_at: string };
    const expiresAt = Date.parse(credentials.expires_at);
    expect(expiresAt - clock.now()).toBeGreaterThan(14 * 60_000);
    const renewalsBefore = count(/\/auth\/token\/renew-self$/);

    // Forty minutes of 300 s tokens: many ttls. The credentials work until their expires_at.
    await live(broker, 14 * 60_000, 30_000);
    expect(await canLogin(credentials.username, credentials.password, databases.staging)).toBe(true);
    await live(broker, 26 * 60_000, 30_000);
    expect(count(/\/auth\/token\/renew-self$/) - renewalsBefore).toBeGreaterThanOrEqual(5);
    expect(liveTokensOtherThanRoot().length).toBeGreaterThanOrEqual(1);
    expect((await api(broker.url, "GET", "/readyz")).status).toBe(200);
    // Past expires_at, Vault itself ended the lease.
    await expect
      .poll(() => canLogin(credentials.username, credentials.password, databases.staging))
      .toBe(false);

    const metrics = await fetch(new URL("/metrics", broker.url)).then((response) => response.text());
    expect(metrics).toMatch(/leash_vault_logins_total\{result="ok"\} 1/);
    expect(metrics).toMatch(/leash_vault_token_renewals_total\{result="ok"\} [1-9]/);
    expect(metrics).toMatch(/leash_vault_token_ttl_seconds \d+/);
  });

  it("logs in again when the token reaches its max ttl, and no credential is revoked early", async () => {
    const mount = "approle-max";
    const broker = await brokerWithAppRole(300, 1200, mount);
    const first = await mintStagingFix(broker);
    expect(first.status).toBe(201);
    const firstCredentials = first.body.credentials as {
      username: string;
      password: string;
      lease_id: string;
    };
    const firstLease = standin.leases().find((lease) => lease.id === firstCredentials.lease_id)!;

    // Ten minutes in, the first token cannot live long enough for a new 15 min lease: the next mint logs in.
    await live(broker, 10 * 60_000, 30_000);
    const second = await mintStagingFix(broker);
    expect(second.status).toBe(201);
    const secondCredentials = second.body.credentials as {
      username: string;
      password: string;
      lease_id: string;
    };
    const secondLease = standin.leases().find((lease) => lease.id === secondCredentials.lease_id)!;
    expect(secondLease.token).not.toBe(firstLease.token);
    expect(count(new RegExp(`/auth/${mount}/login$`))).toBeGreaterThanOrEqual(2);

    // The first token is kept until its leases end: its credentials still work just before their expiry.
    await live(broker, 4 * 60_000 + 30_000, 30_000);
    expect(await canLogin(firstCredentials.username, firstCredentials.password, databases.staging)).toBe(
      true,
    );
    expect(await canLogin(secondCredentials.username, secondCredentials.password, databases.staging)).toBe(
      true,
    );
    // Past the first token's max ttl (20 min), the second task's credentials are still alive.
    await live(broker, 10 * 60_000, 30_000);
    expect(await canLogin(secondCredentials.username, secondCredentials.password, databases.staging)).toBe(
      true,
    );
    expect((await api(broker.url, "GET", "/readyz")).status).toBe(200);
  });

  it("a token revoked from outside: /readyz fails and says why, mint answers 503 vault_token_invalid, then leash logs in again", async () => {
    const broker = await brokerWithAppRole(600, 7200, "approle-revoked");
    for (const entry of liveTokensOtherThanRoot()) await standin.revokeToken(entry.token);
    const mint = await mintStagingFix(broker);
    expect(mint.status).toBe(503);
    expect(mint.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(mint.body).toMatchObject({ code: "vault_token_invalid" });
    expect(mint.body.detail).toMatch(
      /Vault refused (to renew )?leash's token \(revoked or expired\); leash is logging in/,
    );
    await expect.poll(async () => (await mintStagingFix(broker)).status, { timeout: 10_000 }).toBe(201);

    for (const entry of liveTokensOtherThanRoot()) await standin.revokeToken(entry.token);
    const unready = await api(broker.url, "GET", "/readyz");
    expect(unready.status).toBe(503);
    expect(unready.body.problems.join(" ")).toMatch(
      /leash has no valid Vault token: Vault refused leash's token/,
    );
    expect(unready.body.vault.token).toEqual({ valid: false, method: "approle" });
    await expect
      .poll(async () => (await api(broker.url, "GET", "/readyz")).status, { timeout: 10_000 })
      .toBe(200);
  });

  it("a given token: looked up at start, renewed at about two thirds of its ttl, /readyz fails below the threshold", async () => {
    const token = `hvs.given-${Math.random().toString(36).slice(2)}`;
    standin.addToken(token, { ttlSeconds: 120, maxTtlSeconds: 200 });
    const lookups = count(/\/auth\/token\/lookup-self$/);
    test = await startTestBroker({
      clock,
      vault: {
        addr: standin.addr,
        token,
        tokenOptions: { checkIntervalMs: 3_600_000, minTtlMs: 60_000, random: () => 0 },
      },
    });
    expect(count(/\/auth\/token\/lookup-self$/)).toBeGreaterThan(lookups);
    const renewals = count(/\/auth\/token\/renew-self$/);
    clock.advance(79_000);
    await test.broker.context.vault!.tokens.maintain();
    expect(count(/\/auth\/token\/renew-self$/)).toBe(renewals);
    clock.advance(2_000);
    await test.broker.context.vault!.tokens.maintain();
    expect(count(/\/auth\/token\/renew-self$/)).toBe(renewals + 1);
    expect((await api(test.url, "GET", "/readyz")).status).toBe(200);

    // 81 s in, renewed to 120 s; at 161 s the next renewal is capped at the 200 s max ttl (39 s left).
    await live(test, 80_000, 10_000);
    const low = await api(test.url, "GET", "/readyz");
    expect(low.status).toBe(503);
    expect(low.body.problems.join(" ")).toMatch(
      /Vault token has \d+ s left, below VAULT_TOKEN_MIN_TTL_MS \(60 s\)/,
    );
  });

  it("logs in with Kubernetes and JWT from token files; a refused login says what to check, and a fixed file is read again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "leash-vault-login-"));
    const quiet = { checkIntervalMs: 3_600_000, retryMs: 5_000 };
    try {
      const serviceAccount = join(dir, "sa-token");
      await writeFile(serviceAccount, "sa.jwt.one\n");
      standin.enableLogin({
        method: "kubernetes",
        mount: "k8s-test",
        role: "leash",
        serviceAccountJwt: "sa.jwt.one",
        ttlSeconds: 3600,
      });
      test = await startTestBroker({
        clock,
        vault: {
          addr: standin.addr,
          auth: { method: "kubernetes", mount: "k8s-test", role: "leash", jwtFile: serviceAccount },
          tokenOptions: quiet,
        },
      });
      expect((await mintStagingFix(test)).status).toBe(201);
      await test.close();
      test = null;

      const { publicKey, privateKey } = await generateKeyPair("ES256");
      standin.enableLogin({
        method: "jwt",
        mount: "jwt-test",
        role: "leash",
        keys: async () => publicKey,
        boundAudience: "vault",
        ttlSeconds: 3600,
      });
      const jwtFile = join(dir, "jwt");
      const now = Math.floor(clock.now() / 1000);
      await writeFile(
        jwtFile,
        await new SignJWT({ sub: "leash" })
          .setProtectedHeader({ alg: "ES256" })
          .setAudience("vault")
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(privateKey),
      );
      test = await startTestBroker({
        clock,
        vault: {
          addr: standin.addr,
          auth: { method: "jwt", mount: "jwt-test", role: "leash", jwtFile },
          tokenOptions: quiet,
        },
      });
      expect((await mintStagingFix(test)).status).toBe(201);
      await test.close();
      test = null;

      standin.enableLogin({
        method: "approle",
        mount: "approle-wrong",
        roleId: ROLE_ID,
        secretId: SECRET_ID,
        ttlSeconds: 3600,
      });
      const secretFile = join(dir, "secret-id");
      await writeFile(secretFile, "not-the-secret-id\n");
      test = await startTestBroker({
        clock,
        vault: {
          addr: standin.addr,
          auth: {
            method: "approle",
            mount: "approle-wrong",
            roleId: ROLE_ID,
            secretId: { file: secretFile },
          },
          tokenOptions: quiet,
        },
      });
      const unready = await api(test.url, "GET", "/readyz");
      expect(unready.status).toBe(503);
      expect(unready.body.problems.join(" ")).toMatch(
        /leash cannot log in to Vault \(approle at auth\/approle-wrong\): Vault refused leash's approle login .*invalid role or secret ID; check VAULT_ROLE_ID/,
      );
      const refused = await mintStagingFix(test);
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe("vault_login_failed");
      expect(JSON.stringify(refused.body)).not.toContain("not-the-secret-id");

      await writeFile(secretFile, `${SECRET_ID}\n`);
      clock.advance(6_000);
      await test.broker.context.vault!.tokens.maintain();
      expect((await mintStagingFix(test)).status).toBe(201);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
