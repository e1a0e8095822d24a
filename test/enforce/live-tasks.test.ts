// GET /v1/tasks: security's list of live tasks with their tokens, budgets and pending approvals, on memory and Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { startRedisServer } from "../helpers/redis-server.ts";

const STAGING = "railway:prj_demo/env/staging/volume/vol_s";
const PRODUCTION = "railway:prj_demo/env/production/volume/vol_p";

for (const backend of ["memory", "redis"] as const) {
  describe(`live tasks (${backend})`, () => {
    const clock = new ManualClock(Date.now());
    let test: TestBroker;
    let stopRedis: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      if (backend === "redis") {
        const redis = await startRedisServer();
        stopRedis = () => redis.stop();
        test = await startTestBroker({ clock, redisUrl: redis.url });
      } else {
        test = await startTestBroker({ clock });
      }
    });
    afterAll(async () => {
      await test?.close();
      await stopRedis?.();
    });

    const tasks = (query = "", key = test.keys.security) =>
      api(test.url, "GET", `/v1/tasks${query}`, { key });
    const authorize = (body: Record<string, unknown>) =>
      api(test.url, "POST", "/v1/authorize", { body }).then((r) => r.body);

    it("lists a task's tokens, the budget each limit has left and its pending approvals; revoked and locked tasks leave the active list", async () => {
      const staging = await mintToken(test, {
        scope: "staging-fix",
        task: { intent: "fix staging volumes" },
      });
      await mintToken(test, { scope: "staging-fix", task: { id: staging.task, intent: "second token" } });
      expect(
        await authorize({ token: staging.token, action: "volume:delete", resource: STAGING }),
      ).toMatchObject({
        allow: true,
      });
      const prod = await mintToken(test, { scope: "production-ops", task: { intent: "drop vol_p" } });
      const held = await authorize({ token: prod.token, action: "volume:delete", resource: PRODUCTION });
      expect(held.reason).toBe("approval_required");

      const listed = await tasks("?active=true");
      expect(listed.status).toBe(200);
      const stagingTask = listed.body.tasks.find((t: { task: string }) => t.task === staging.task);
      expect(stagingTask).toMatchObject({
        agent: "agent-1",
        intent: "fix staging volumes",
        state: "active",
        lock: null,
        scopes: ["staging-fix"],
        environments: ["staging"],
        tokens_alive: 2,
        pending_approvals: [],
      });
      expect(stagingTask.budgets).toEqual([
        {
          owner: "scope:staging-fix",
          match: "destructive",
          key: "task",
          max: 3,
          per_ms: 60_000,
          on_exceed: "revoke_task",
          used: 1,
          remaining: 2,
        },
      ]);
      const prodTask = listed.body.tasks.find((t: { task: string }) => t.task === prod.task);
      expect(prodTask.pending_approvals).toEqual([
        {
          id: held.approval_id,
          action: "volume:delete",
          resource: PRODUCTION,
          expires_at: expect.any(String),
        },
      ]);
      // A held call spends no budget; production's environment-wide limit is listed too.
      expect(prodTask.budgets.map((b: { owner: string; used: number }) => [b.owner, b.used])).toEqual([
        ["scope:production-ops", 0],
        ["env:production", 0],
      ]);

      // Revoked: still alive tokens, but no longer active; its next authorize is refused.
      expect(
        (
          await api(test.url, "POST", "/v1/revocations", {
            key: test.keys.security,
            body: { task: staging.task, reason: "stop" },
          })
        ).status,
      ).toBe(200);
      const after = await tasks("?active=true");
      expect(after.body.tasks.map((t: { task: string }) => t.task)).not.toContain(staging.task);
      const all = await tasks();
      expect(all.body.tasks.find((t: { task: string }) => t.task === staging.task).state).toBe("revoked");

      // Locked (the scope): listed as locked, with the lock.
      const locked = await api(test.url, "POST", "/v1/revocations", {
        key: test.keys.security,
        body: { scope: "production-ops", reason: "incident", ttl: "1h" },
      });
      expect(locked.status).toBe(200);
      const lockedTask = (await tasks()).body.tasks.find((t: { task: string }) => t.task === prod.task);
      expect(lockedTask).toMatchObject({
        state: "locked",
        lock: { kind: "scope", value: "production-ops", reason: "incident" },
      });
      expect((await tasks("?active=true")).body.tasks.map((t: { task: string }) => t.task)).not.toContain(
        prod.task,
      );
      await api(test.url, "DELETE", `/v1/locks/${lockedTask.lock.id}`, { key: test.keys.security });

      // When every token has expired, the task is gone.
      clock.advance(61 * 60_000);
      expect((await tasks()).body.tasks).toEqual([]);
    });

    it("is for security and admins only, and refuses malformed queries", async () => {
      expect((await tasks("", test.keys.approver)).status).toBe(403);
      expect((await tasks("", test.keys.agent)).status).toBe(403);
      expect((await tasks("", test.keys.admin)).status).toBe(200);
      for (const query of ["?active=yes", "?other=1"]) {
        const answer = await tasks(query);
        expect(answer.status, query).toBe(400);
        expect(answer.headers.get("content-type")).toContain("application/problem+json");
      }
    });
  });
}
