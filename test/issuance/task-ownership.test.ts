// A task belongs to the first agent that minted for it: no other agent mints for it or ends it (nor shares its
// budget: see the limitCounters table in test/enforce/authorize-decisions.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrincipal } from "../../src/principals/principals.ts";
import type { TaskTokenClaims } from "../../src/tokens/claims.ts";
import { mintTaskToken } from "../../src/tokens/mint-task-token.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;

describe.each(["memory", "redis"] as const)("task ownership on the %s store", (backend) => {
  let test: TestBroker;
  let redis: RedisServer | undefined;
  let otherAgent: string;

  beforeAll(async () => {
    redis = backend === "redis" ? await startRedisServer() : undefined;
    test = await startTestBroker({ redisUrl: redis?.url });
    otherAgent = (
      await createPrincipal(
        test.store,
        { id: "agent-2", kind: "agent", roles: [], scopes: ["*"], createdBy: "admin" },
        Date.now(),
      )
    ).apiKey;
  });
  afterAll(async () => {
    await test.close();
    await redis?.stop();
  });

  const mint = (key: string, task: { id?: string; intent: string }, scope = "staging-fix") =>
    api(test.url, "POST", "/v1/tokens", { key, body: { scope, task } });
  const authorize = (token: string) =>
    api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:read", resource: staging("volume/v1") },
    }).then((r) => r.body);
  const endTask = (token: string) =>
    api(test.url, "POST", "/v1/tasks/end", { headers: { authorization: `Bearer ${token}` } });

  it("refuses a task id another agent owns (409), whether the owner named it or leash generated it", async () => {
    const named = await mint(test.keys.agent, { id: "shared-task-1", intent: "fix staging" });
    expect(named.status).toBe(201);
    const generated = await mint(test.keys.agent, { intent: "fix staging" });
    expect(generated.body.task.id).toMatch(/^task_/);

    for (const id of ["shared-task-1", generated.body.task.id]) {
      for (const scope of ["staging-fix", "production-read"]) {
        const refused = await mint(otherAgent, { id, intent: "join in" }, scope);
        expect(refused.status).toBe(409);
        expect(refused.body.code).toBe("task_owned_by_another_agent");
      }
      // The owner goes on minting for its own task.
      expect((await mint(test.keys.agent, { id, intent: "more" })).status).toBe(201);
    }
    const refusals = await api(test.url, "GET", "/v1/audit?agent=agent-2&event=token.mint", {
      key: test.keys.security,
    });
    expect(refusals.body.records.map((r: { reason: string }) => r.reason)).toContain(
      "task_owned_by_another_agent",
    );
  });

  it("tasks/end ends only a live token's own task: a revoked token, or one for another agent's task, cannot", async () => {
    const first = await mintToken(test, { scope: "staging-fix", task: { id: "end-me", intent: "x" } });
    const second = await mintToken(test, { scope: "staging-fix", task: { id: "end-me", intent: "x" } });
    await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { jti: first.jti, reason: "leaked" },
    });
    const refused = await endTask(first.token);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("token_not_active");
    expect((await authorize(second.token)).allow).toBe(true);

    // A token for the same task id signed for another agent (as if minted before tasks had owners).
    const context = test.broker.context;
    const claims = (
      await api(test.url, "POST", "/v1/introspect", {
        key: test.keys.resourceServer,
        body: { token: second.token },
      })
    ).body as unknown as TaskTokenClaims;
    const { token: intruder } = mintTaskToken(context.keys.get("staging")!, {
      issuer: context.issuer,
      env: "staging",
      agentId: "agent-2",
      scopeId: "staging-fix",
      actions: ["volume:read"],
      resources: [staging("**")],
      extraAudiences: [],
      task: "end-me",
      intent: "x",
      generation: claims.gen,
      ttlMs: 600_000,
      nowMs: context.clock.now(),
    });
    const foreign = await endTask(intruder);
    expect(foreign.status).toBe(409);
    expect(foreign.body.code).toBe("task_owned_by_another_agent");
    expect((await authorize(second.token)).allow).toBe(true);

    expect((await endTask(second.token)).status).toBe(200);
    expect((await authorize(second.token)).reason).toBe("revoked");
    expect((await endTask(second.token)).body.code).toBe("token_not_active");
  });
});
