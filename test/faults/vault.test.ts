// Vault unavailable under load (the stand-in Vault, its database engine on the real PostgreSQL): mints that need
import { setTimeout as sleep } from "node:timers/promises";
// Vault credentials answer 503 with no token and no lease, quickly; everything else goes on untouched; a revocation
// during the outage is answered and enforced at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { createEnvironmentDatabases } from "../helpers/postgres.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { configureReadwriteRoles, startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";
import { type Answer, call, figures } from "./fleet.ts";
import { allowed, latency, STAGING_VOLUME } from "./load.ts";

let redis: RedisServer;
let standin: VaultStandin;
let test: TestBroker;

beforeAll(async () => {
  const databases = await createEnvironmentDatabases();
  standin = await startVaultStandin();
  const vault = { addr: standin.addr, token: standin.rootToken };
  await configureReadwriteRoles(vault, { staging: databases.staging, production: databases.production });
  redis = await startRedisServer();
  test = await startTestBroker({
    redisUrl: redis.url,
    vault: { ...vault, timeoutMs: 750 },
    leaseRevoker: { intervalMs: 100, baseBackoffMs: 100, maxBackoffMs: 400 },
  });
}, 60_000);

afterAll(async () => {
  await test?.close();
  await standin?.setDown(false);
  await standin?.stop();
  await redis?.stop();
  console.log(figures.filter((line) => line.startsWith("[vault]")).join("\n"));
});

interface Minted extends Answer {
  scope: string;
}

describe("Vault unavailable mid-load", () => {
  it("refuses Vault-backed mints with 503 and no token, leaves the rest untouched, revokes at once", async () => {
    const mint = (scope: string) =>
      call(test.url, "POST", "/v1/tokens", {
        key: test.keys.agent,
        body: { scope, task: { intent: "vault drill" } },
      }).then((answer): Minted => ({ ...answer, scope }));
    const readToken = (await mint("production-read")).body.token as string;
    const stagingToken = (await mint("staging-fix")).body.token as string;
    expect(stagingToken).toBeDefined();

    const mints: Minted[] = [];
    const authorizes: Answer[] = [];
    let running = true;
    const minter = async (scope: string) => {
      while (running) mints.push(await mint(scope));
    };
    const authorizer = async () => {
      while (running) {
        authorizes.push(
          await call(test.url, "POST", "/v1/authorize", {
            body: {
              token: readToken,
              action: "volume:read",
              resource: "railway:prj_demo/env/production/volume/v1",
            },
          }),
        );
      }
    };
    const loops = [
      minter("staging-fix"),
      minter("staging-fix"),
      minter("production-read"),
      authorizer(),
      authorizer(),
    ];
    await sleep(500);
    const leasesBefore = new Set(standin.leases().map((lease) => lease.id));
    await standin.setDown(true);
    const downAt = Date.now();
    await sleep(300);

    // During the outage: revoke the staging task (whose Vault lease cannot be revoked yet) and check it at once.
    const claims = JSON.parse(Buffer.from(stagingToken.split(".")[1]!, "base64url").toString("utf8"));
    const revocation = await call(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { task: claims.task, reason: "vault outage drill" },
    });
    const check = await call(test.url, "POST", "/v1/authorize", {
      body: { token: stagingToken, action: "volume:read", resource: STAGING_VOLUME },
    });
    await sleep(1500);
    await standin.setDown(false);
    const upAt = Date.now();
    await sleep(1500);
    running = false;
    await Promise.all(loops);

    expect(revocation.status).toBe(200);
    expect(latency(revocation)).toBeLessThan(1000);
    expect(revocation.body.vault_leases_queued).toBe(1);
    expect(check.body).toMatchObject({ allow: false, reason: "revoked" });

    const during = mints.filter(
      (m) => m.scope === "staging-fix" && m.sentAt > downAt + 50 && m.answeredAt < upAt,
    );
    expect(during.length).toBeGreaterThan(0);
    for (const refused of during) {
      expect([refused.status, refused.body.code]).toEqual([503, "vault_unavailable"]);
      expect(refused.body.token).toBeUndefined();
      expect(latency(refused)).toBeLessThan(2000);
    }
    const leasesDuring = standin
      .leases()
      .filter((lease) => !leasesBefore.has(lease.id) && lease.issueTime > downAt && lease.issueTime < upAt);
    expect(leasesDuring).toEqual([]);
    // No collateral: mints without Vault and every authorize went on as before.
    const others = mints.filter((m) => m.scope === "production-read");
    expect(others.filter((m) => m.status !== 201)).toEqual([]);
    expect(authorizes.filter((a) => !allowed(a))).toEqual([]);
    // Vault back: Vault-backed mints work again.
    const after = mints.filter((m) => m.scope === "staging-fix" && m.sentAt > upAt + 200);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((m) => m.status === 201 && m.body.credentials)).toBe(true);
    figures.push(
      `[vault] down mid-load: ${during.length} Vault-backed mints answered 503 vault_unavailable (max ${Math.max(...during.map(latency))} ms), no token, no lease; ${others.length} other mints and ${authorizes.length} authorizes unaffected; revocation answered in ${latency(revocation)} ms and enforced at once`,
    );
  });
});
