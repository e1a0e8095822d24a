// Agent, scope and environment revocations are locks: nothing is minted for the target while the lock is in force.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { createPrincipal } from "../../src/principals/principals.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));

describe.each(["memory", "redis"] as const)("locks on the %s store", (backend) => {
  let test: TestBroker;
  let redis: RedisServer | undefined;
  let otherAgent: string;

  beforeAll(async () => {
    redis = backend === "redis" ? await startRedisServer() : undefined;
    test = await startTestBroker({ clock, redisUrl: redis?.url });
    otherAgent = (
      await createPrincipal(
        test.store,
        { id: "agent-2", kind: "agent", roles: [], scopes: ["*"], createdBy: "admin" },
        clock.now(),
      )
    ).apiKey;
  });
  afterAll(async () => {
    await test.close();
    await redis?.stop();
  });

  const authorize = (token: string) =>
    api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:read", resource: staging("volume/v1") },
    }).then((r) => r.body);
  const mint = (key = test.keys.agent, scope = "staging-fix") =>
    api(test.url, "POST", "/v1/tokens", { key, body: { scope, task: { intent: "fix staging" } } });
  const lock = (body: Record<string, string>) =>
    api(test.url, "POST", "/v1/revocations", { key: test.keys.security, body });
  const locks = async () =>
    (await api(test.url, "GET", "/v1/locks", { key: test.keys.security })).body.locks as Array<
      Record<string, unknown>
    >;
  const unlock = (id: string, key = test.keys.security) =>
    api(test.url, "DELETE", `/v1/locks/${encodeURIComponent(id)}`, { key });

  it("revoking an agent refuses its tokens and its mints until the lock is removed; other agents go on", async () => {
    const before = await mintToken(test, { scope: "staging-fix", task: { intent: "fix staging" } });
    clock.advance(5_000);
    const locked = await lock({ agent: "agent-1", reason: "key leaked in a log" });
    expect(locked.status).toBe(200);
    expect(locked.body.lock).toMatchObject({
      target: { kind: "agent", value: "agent-1" },
      reason: "key leaked in a log",
      created_by: "human:sec-1",
      expires_at: null,
    });

    expect(await authorize(before.token)).toMatchObject({ allow: false, reason: "revoked" });
    const refused = await mint();
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "locked", lock: { id: locked.body.lock.id } });
    expect(refused.body.detail).toContain("key leaked in a log");
    // Ten more seconds on: still locked (no expiry), whatever the clock says.
    clock.advance(10_000);
    expect((await mint()).status).toBe(403);
    expect((await mint(otherAgent)).status).toBe(201);

    const listed = await locks();
    expect(listed).toEqual([
      {
        id: locked.body.lock.id,
        target: { kind: "agent", value: "agent-1" },
        reason: "key leaked in a log",
        created_by: "human:sec-1",
        created_at: new Date(clock.now() - 10_000).toISOString(),
        expires_at: null,
        environments: expect.arrayContaining(["staging", "production"]),
      },
    ]);

    expect((await unlock(locked.body.lock.id, test.keys.agent)).status).toBe(403);
    expect((await unlock(locked.body.lock.id, test.keys.approver)).status).toBe(403);
    const removed = await unlock(locked.body.lock.id);
    expect(removed.status).toBe(200);
    expect(removed.body.removed.id).toBe(locked.body.lock.id);
    expect(await locks()).toEqual([]);
    expect((await unlock(locked.body.lock.id)).body.code).toBe("lock_not_found");

    // Lifting the lock lets the agent mint again; the token it revoked stays revoked.
    clock.advance(1_000);
    const after = await mint();
    expect(after.status).toBe(201);
    expect((await authorize(after.body.token)).allow).toBe(true);
    expect((await authorize(before.token)).reason).toBe("revoked");
  });

  it("a scope or environment lock refuses mints for that scope or environment only", async () => {
    const scopeLock = await lock({ scope: "staging-fix", reason: "scope under review" });
    expect((await mint(otherAgent)).body.code).toBe("locked");
    expect((await mint(otherAgent, "production-read")).status).toBe(201);
    await unlock(scopeLock.body.lock.id);

    clock.advance(1_000);
    const envLock = await lock({ environment: "staging", reason: "incident in staging" });
    const refused = await mint(otherAgent);
    expect(refused.body).toMatchObject({ code: "locked", detail: expect.stringContaining("incident") });
    expect((await mint(otherAgent, "production-read")).status).toBe(201);
    await unlock(envLock.body.lock.id);
    clock.advance(1_000);
    expect((await mint(otherAgent)).status).toBe(201);
  });

  it("a lock with a ttl lapses by itself; task and jti revocations are not locks", async () => {
    const locked = await lock({ agent: "agent-2", reason: "cool off", ttl: "300ms" });
    expect(locked.body.lock.expires_at).toBe(new Date(clock.now() + 300).toISOString());
    expect((await mint(otherAgent)).body.code).toBe("locked");
    clock.advance(400);
    await sleep(400); // Redis expires keys by its own clock
    expect((await mint(otherAgent)).status).toBe(201);
    expect(await locks()).toEqual([]);

    const { task, jti } = await mintToken(test, { scope: "staging-fix", task: { intent: "t" } });
    expect((await lock({ task, reason: "done" })).body.lock).toBeUndefined();
    expect((await lock({ jti, reason: "done" })).body.lock).toBeUndefined();
    expect(await locks()).toEqual([]);
    expect((await lock({ jti, reason: "x", ttl: "1h" })).status).toBe(400);
    expect((await lock({ agent: "agent-2", reason: "x", ttl: "soon" })).status).toBe(400);
  });

  it.runIf(backend === "redis")(
    "leash revoke --ttl, leash locks [--json] and leash locks remove, as a user runs them",
    async () => {
      const env = { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.security };
      const revoked = await runCli(
        ["revoke", "--agent", "agent-2", "--reason", "bad\u001b[2Jactor", "--ttl", "1h", "--json"],
        {
          env,
        },
      );
      expect(revoked.code).toBe(0);
      const id = JSON.parse(revoked.stdout).lock.id as string;

      const listed = await runCli(["locks", "--json"], { env });
      expect(JSON.parse(listed.stdout).locks.map((l: { id: string }) => l.id)).toEqual([id]);
      const text = await runCli(["locks"], { env });
      expect(text.stdout).toContain(id);
      expect(text.stdout).toContain("agent:");
      expect(text.stdout).not.toContain("\u001b");

      expect((await runCli(["locks", "remove", id], { env })).code).toBe(0);
      expect((await runCli(["locks"], { env })).stdout).toBe("no lock is in force\n");
      const again = await runCli(["locks", "remove", id], { env });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("lock_not_found");
    },
    120_000,
  );
});
