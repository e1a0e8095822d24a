import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));

describe.each(["memory", "redis"] as const)("on the %s store", (backend) => {
  let test: TestBroker;
  let redis: RedisServer | undefined;

  beforeAll(async () => {
    const scopesDir = await scopesDirWith({
      "staging-slow.yaml": [
        "description: at most two deletes a minute per task, denied beyond",
        "environment: staging",
        'agents: ["*"]',
        "actions: [volume:read, volume:delete]",
        'resources: ["railway:prj_demo/env/staging/**"]',
        "ttl: {default: 15m, max: 1h}",
        "limits: [{match: {action: volume:delete}, max: 2, per: 1m, key: task, on_exceed: deny}]",
      ].join("\n"),
    });
    redis = backend === "redis" ? await startRedisServer() : undefined;
    test = await startTestBroker({ clock, scopesDir, redisUrl: redis?.url });
  });
  afterAll(async () => {
    await test.close();
    await redis?.stop();
  });
  beforeEach(() => clock.advance(120_000));

  const authorize = (token: string, action: string, resource: string) =>
    api(test.url, "POST", "/v1/authorize", { body: { token, action, resource } }).then((r) => r.body);
  const revoke = (body: Record<string, string>, key = test.keys.security) =>
    api(test.url, "POST", "/v1/revocations", { key, body: { reason: "test", ...body } });

  describe("authorize", () => {
    it("allows a granted action on a granted resource", async () => {
      const { token, task } = await mintToken(test, {
        scope: "staging-fix",
        task: { intent: "fix staging" },
      });
      expect(await authorize(token, "volume:read", staging("volume/v1"))).toMatchObject({
        allow: true,
        reason: "ok",
        task,
      });
    });

    it("refuses a production resource as wrong_environment, and never counts it", async () => {
      const { token } = await mintToken(test, { scope: "staging-fix", task: { intent: "fix staging" } });
      for (let i = 0; i < 5; i++) {
        expect(await authorize(token, "volume:delete", production("volume/vol_prod"))).toMatchObject({
          allow: false,
          reason: "wrong_environment",
        });
      }
      expect((await authorize(token, "volume:delete", staging("volume/v1"))).allow).toBe(true);
    });

    it("refuses actions and resources outside the token", async () => {
      const { token } = await mintToken(test, {
        scope: "staging-fix",
        task: { intent: "read one volume" },
        actions: ["volume:read"],
        resources: [staging("volume/v1")],
      });
      expect((await authorize(token, "volume:delete", staging("volume/v1"))).reason).toBe(
        "action_not_granted",
      );
      expect((await authorize(token, "backup:delete", staging("volume/v1"))).reason).toBe(
        "action_not_granted",
      );
      expect((await authorize(token, "volume:read", staging("volume/v2"))).reason).toBe(
        "resource_not_granted",
      );
      expect((await authorize(token, "volume:read", "postgres://prod-db.internal/app")).reason).toBe(
        "wrong_environment",
      );
      expect((await authorize(token, "volume:read", staging("volume/v1"))).allow).toBe(true);
    });

    it("refuses garbage tokens with a reason, never 500", async () => {
      for (const token of ["x", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "€".repeat(100)]) {
        const response = await api(test.url, "POST", "/v1/authorize", {
          body: { token, action: "volume:read", resource: staging("v") },
        });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ allow: false, reason: "invalid_token" });
      }
    });

    it("refuses expired tokens", async () => {
      const { token } = await mintToken(test, { scope: "staging-fix", task: { intent: "x" }, ttl: "1m" });
      clock.advance(61_000);
      expect((await authorize(token, "volume:read", staging("v"))).reason).toBe("expired");
    });

    it("holds destructive actions in production for approval", async () => {
      const { token } = await mintToken(test, {
        scope: "production-ops",
        task: { intent: "remove old volume" },
      });
      expect(await authorize(token, "volume:delete", production("volume/old"))).toMatchObject({
        allow: false,
        reason: "approval_required",
      });
      const read = await mintToken(test, { scope: "production-read", task: { intent: "look" } });
      expect((await authorize(read.token, "volume:read", production("volume/old"))).allow).toBe(true);
    });
  });

  describe("blast radius", () => {
    it("counts an exact sliding window and admits again only when the oldest call ages out", async () => {
      const { token } = await mintToken(test, { scope: "staging-slow", task: { intent: "clean volumes" } });
      expect((await authorize(token, "volume:delete", staging("volume/1"))).allow).toBe(true);
      clock.advance(30_000);
      expect((await authorize(token, "volume:delete", staging("volume/2"))).allow).toBe(true);
      expect(await authorize(token, "volume:delete", staging("volume/3"))).toMatchObject({
        allow: false,
        reason: "rate_limited",
      });
      expect((await authorize(token, "volume:read", staging("volume/3"))).allow).toBe(true);
      clock.advance(29_999);
      expect((await authorize(token, "volume:delete", staging("volume/3"))).reason).toBe("rate_limited");
      clock.advance(2);
      expect((await authorize(token, "volume:delete", staging("volume/3"))).allow).toBe(true);
      expect((await authorize(token, "volume:delete", staging("volume/4"))).reason).toBe("rate_limited");
    });

    it("on_exceed revoke_task revokes the whole task, its other tokens included", async () => {
      const first = await mintToken(test, {
        scope: "staging-fix",
        task: { id: "burst-1", intent: "clean volumes" },
      });
      const second = await mintToken(test, {
        scope: "staging-fix",
        task: { id: "burst-1", intent: "clean volumes" },
      });
      for (let i = 0; i < 3; i++)
        expect((await authorize(first.token, "volume:delete", staging(`volume/${i}`))).allow).toBe(true);
      expect(await authorize(first.token, "volume:delete", staging("volume/4"))).toMatchObject({
        allow: false,
        reason: "rate_limited",
        task_revoked: true,
      });
      expect((await authorize(second.token, "volume:read", staging("volume/0"))).reason).toBe("revoked");
      const again = await api(test.url, "POST", "/v1/tokens", {
        key: test.keys.agent,
        body: { scope: "staging-fix", task: { id: "burst-1", intent: "try again" } },
      });
      expect(again.body.code).toBe("task_revoked");
    });
  });

  describe("revocation", () => {
    const targets = ["jti", "task", "agent", "scope", "environment"] as const;
    for (const kind of targets) {
      it(`by ${kind} takes effect at once`, async () => {
        const minted = await mintToken(test, {
          scope: "production-read",
          task: { intent: `revoke by ${kind}` },
        });
        const value = {
          jti: minted.jti,
          task: minted.task,
          agent: "agent-1",
          scope: "production-read",
          environment: "production",
        }[kind];
        expect((await authorize(minted.token, "volume:read", production("v"))).allow).toBe(true);
        const answer = await revoke({ [kind]: value });
        expect(answer.status).toBe(200);
        expect(answer.body.revoked).toEqual({ kind, value });
        expect((await authorize(minted.token, "volume:read", production("v"))).reason).toBe("revoked");
        const introspection = await api(test.url, "POST", "/v1/introspect", {
          key: test.keys.resourceServer,
          body: { token: minted.token },
        });
        expect(introspection.body).toEqual({ active: false });
        // Agent, scope and environment revocations are locks: no mint until the lock is lifted; after that, the
        // markers leave tokens minted later alone (jti and task are absolute and new tasks differ).
        clock.advance(1000);
        if (answer.body.lock) {
          const refused = await api(test.url, "POST", "/v1/tokens", {
            key: test.keys.agent,
            body: { scope: "production-read", task: { intent: "after" } },
          });
          expect(refused.body.code).toBe("locked");
          const lifted = await api(test.url, "DELETE", `/v1/locks/${answer.body.lock.id}`, {
            key: test.keys.security,
          });
          expect(lifted.status).toBe(200);
        }
        expect(Boolean(answer.body.lock)).toBe(["agent", "scope", "environment"].includes(kind));
        const later = await mintToken(test, { scope: "production-read", task: { intent: "after" } });
        expect((await authorize(later.token, "volume:read", production("v"))).allow).toBe(true);
      });
    }

    it("only security and admin may revoke", async () => {
      for (const key of [test.keys.agent, test.keys.approver, test.keys.resourceServer]) {
        expect((await revoke({ task: "anything" }, key)).status).toBeGreaterThanOrEqual(401);
      }
      expect((await revoke({ task: "anything" }, test.keys.admin)).status).toBe(200);
      expect((await revoke({ task: "a", agent: "b" })).body.code).toBe("invalid_request");
      expect((await revoke({ environment: "nowhere" })).status).toBe(404);
    });

    it("disabling an agent revokes its live tokens", async () => {
      const created = await api(test.url, "POST", "/v1/agents", {
        key: test.keys.admin,
        body: { id: "agent-d", scopes: ["*"] },
      });
      const minted = await mintToken(
        test,
        { scope: "staging-fix", task: { intent: "x" } },
        created.body.api_key,
      );
      expect((await authorize(minted.token, "volume:read", staging("v"))).allow).toBe(true);
      await api(test.url, "POST", "/v1/agents/agent-d/disable", { key: test.keys.admin });
      expect((await authorize(minted.token, "volume:read", staging("v"))).reason).toBe("revoked");
    });
  });

  describe("introspect", () => {
    it("reports active claims for a live token, and needs a resource server or security key", async () => {
      const minted = await mintToken(test, { scope: "staging-fix", task: { intent: "x" } });
      const form = await api(test.url, "POST", "/v1/introspect", {
        key: test.keys.resourceServer,
        rawBody: `token=${minted.token}`,
        contentType: "application/x-www-form-urlencoded",
      });
      expect(form.body).toMatchObject({
        active: true,
        jti: minted.jti,
        env: "staging",
        token_type: "Bearer",
      });
      const byAgent = await api(test.url, "POST", "/v1/introspect", {
        key: test.keys.agent,
        body: { token: minted.token },
      });
      expect(byAgent.status).toBe(403);
      const garbage = await api(test.url, "POST", "/v1/introspect", {
        key: test.keys.security,
        body: { token: "nope" },
      });
      expect(garbage.body).toEqual({ active: false });
    });

    it("answers the same token again from its current standing: the same JSON while live, inactive once revoked", async () => {
      const minted = await mintToken(test, { scope: "staging-fix", task: { intent: "again" } });
      const ask = () =>
        api(test.url, "POST", "/v1/introspect", {
          key: test.keys.resourceServer,
          body: { token: minted.token },
        });
      const first = await ask();
      const second = await ask();
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(second.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(second.body).toEqual(first.body);
      expect(first.body).toMatchObject({
        active: true,
        token_type: "Bearer",
        jti: minted.jti,
        task: minted.task,
      });
      const revoked = await api(test.url, "POST", "/v1/revocations", {
        key: test.keys.security,
        body: { jti: minted.jti, reason: "leaked" },
      });
      expect(revoked.status).toBe(200);
      expect((await ask()).body).toEqual({ active: false });
    });
  });
});
