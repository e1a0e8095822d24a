// Mint reads what it checks (the caller's key, task revocation, generation) at once, alongside authentication:
// every refusal still holds on the very next request, on both stores.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LeashError, StoreUnavailableError } from "../../src/errors/leash-error.ts";
import { decideGrant, mintGranted } from "../../src/issuance/issue-task-token.ts";
import { issueTaskToken } from "../../src/issuance/request-token.ts";
import { generateApiKey, hashApiKey } from "../../src/principals/api-key.ts";
import { api, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LeashError) return error.code;
    throw error;
  }
  return "minted";
};

describe.each(["memory", "redis"] as const)("mint checks on the %s store", (backend) => {
  let test: TestBroker;
  let redis: RedisServer | undefined;

  beforeAll(async () => {
    redis = backend === "redis" ? await startRedisServer() : undefined;
    test = await startTestBroker({ redisUrl: redis?.url });
  });
  afterAll(async () => {
    await test.close();
    await redis?.stop();
  });

  const mint = (task: { id?: string; intent: string }, key = test.keys.agent) =>
    api(test.url, "POST", "/v1/tokens", { key, body: { scope: "staging-fix", task } });
  const newAgent = async (id: string) =>
    (await api(test.url, "POST", "/v1/agents", { key: test.keys.admin, body: { id, scopes: ["*"] } })).body
      .api_key as string;

  it("refuses a revoked task id on the next mint, and still mints for another task", async () => {
    expect((await mint({ id: "t-revoked", intent: "fix" })).status).toBe(201);
    const revoked = await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { task: "t-revoked", reason: "test" },
    });
    expect(revoked.status).toBe(200);
    const refused = await mint({ id: "t-revoked", intent: "fix" });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("task_revoked");
    expect((await mint({ id: "t-other", intent: "fix" })).status).toBe(201);
  });

  it("refuses a disabled agent and a rotated key on the next mint", async () => {
    const key = await newAgent(`agent-checks-${backend}`);
    expect((await mint({ intent: "x" }, key)).status).toBe(201);
    await api(test.url, "POST", `/v1/agents/agent-checks-${backend}/disable`, { key: test.keys.admin });
    expect((await mint({ intent: "x" }, key)).body.code).toBe("principal_disabled");

    const before = await newAgent(`agent-rotates-${backend}`);
    const rotated = await api(test.url, "POST", `/v1/agents/agent-rotates-${backend}/rotate-key`, {
      key: test.keys.admin,
    });
    expect((await mint({ intent: "x" }, before)).body.code).toBe("invalid_api_key");
    expect((await mint({ intent: "x" }, rotated.body.api_key)).status).toBe(201);
  });

  it("checks the lock of the agent a key names now, not of the one it named before", async () => {
    const key = await newAgent(`agent-moves-${backend}`);
    expect((await mint({ intent: "x" }, key)).status).toBe(201);
    // The key now belongs to another agent (as a restore could leave it), and that agent is locked.
    const first = (await test.store.getPrincipal(`agent-moves-${backend}`))!;
    await test.store.savePrincipal({ ...first, keyHash: hashApiKey(generateApiKey("agent")) });
    await test.store.savePrincipal({ ...first, id: `agent-moved-${backend}` });
    const locked = await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { agent: `agent-moved-${backend}`, reason: "test" },
    });
    expect(locked.status).toBe(200);
    const refused = await mint({ intent: "x" }, key);
    expect(refused.body).toMatchObject({ code: "locked", lock: { id: locked.body.lock.id } });
  });

  it.runIf(backend === "redis")("refuses while the environment has lost its generation", async () => {
    // The environment's copy: the one authorize checks the token's generation against.
    const generation = await test.store.getGeneration();
    expect(await rawRedisCommand(redis!.port, "DEL leash:{env:staging}:gen")).toBe(":1");
    try {
      const refused = await mint({ intent: "x" });
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe("store_not_initialized");
    } finally {
      expect(await rawRedisCommand(redis!.port, `SET leash:{env:staging}:gen ${generation}`)).toBe("+OK");
    }
    expect((await mint({ intent: "x" })).status).toBe(201);
  });

  it("does not use early reads made for another task or environment", async () => {
    const { context } = test.broker;
    const agent = (await test.store.getPrincipal("agent-1"))!;
    await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { task: "t-moved", reason: "test" },
    });
    const grant = decideGrant(context, agent, { scope: "staging-fix", task: { id: "t-moved", intent: "x" } });
    const stale = { taskRevoked: false, freshTask: false, generation: await test.store.getGeneration() };
    const otherTask = { ...stale, env: "staging", task: "t-elsewhere" };
    const otherEnv = { ...stale, env: "production", task: "t-moved" };
    expect(await codeOf(mintGranted(context, grant, {}, otherTask))).toBe("task_revoked");
    expect(await codeOf(mintGranted(context, grant, {}, otherEnv))).toBe("task_revoked");
  });

  it("a refused key while the store fails: one refusal, no unhandled rejection", async () => {
    const { context } = test.broker;
    const spy = vi
      .spyOn(context.store, "mintChecks")
      .mockRejectedValueOnce(new StoreUnavailableError(new Error("down")));
    try {
      const agent = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new LeashError("invalid_api_key", "nope")), 20),
      );
      const request = { scope: "staging-fix", task: { intent: "x" } };
      expect(await codeOf(issueTaskToken(context, agent, request))).toBe("store_unavailable");
      await sleep(50);
    } finally {
      spy.mockRestore();
    }
  });
});
