// GET /v1/grants (what a task token may do right now) and authorize's `destructive: true` (only ever stricter).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;

let test: TestBroker;
beforeAll(async () => {
  test = await startTestBroker();
});
afterAll(() => test.close());

const grants = (token: string | undefined) =>
  api(test.url, "GET", "/v1/grants", token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe("GET /v1/grants", () => {
  it("lists the token's actions with what each needs, narrowed to the scope", async () => {
    const { token, task } = await mintToken(test, { scope: "production-ops", task: { intent: "operate" } });
    const answer = await grants(token);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      env: "production",
      protected: true,
      task,
      scope_id: "production-ops",
    });
    const byAction = new Map(answer.body.actions.map((a: { action: string }) => [a.action, a]));
    expect(byAction.get("volume:delete")).toEqual({
      action: "volume:delete",
      destructive: true,
      approval: true,
    });
    expect(byAction.get("service:restart")).toEqual({
      action: "service:restart",
      destructive: false,
      approval: false,
    });
    expect(byAction.has("backup:delete")).toBe(false);
  });

  it("refuses with the reason: no token, a forged one, a revoked one", async () => {
    expect((await grants(undefined)).body.code).toBe("missing_token");
    expect((await grants("not-a-token")).status).toBe(401);
    const { token, task } = await mintToken(test, { scope: "staging-fix", task: { intent: "fix" } });
    expect((await grants(token)).status).toBe(200);
    await api(test.url, "POST", "/v1/revocations", { key: test.keys.security, body: { task, reason: "t" } });
    const revoked = await grants(token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe("revoked");
  });
});

describe("authorize with destructive: true", () => {
  it("holds a call the catalogue calls harmless in a protected environment, and counts it in staging", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "restart" } });
    const body = { token, action: "service:restart", resource: production("service/web") };
    const plain = await api(test.url, "POST", "/v1/authorize", { body });
    expect(plain.body).toMatchObject({ allow: true });
    const stricter = await api(test.url, "POST", "/v1/authorize", { body: { ...body, destructive: true } });
    expect(stricter.body).toMatchObject({ allow: false, reason: "approval_required" });

    // staging-fix allows 3 destructive calls a minute per task; restarts marked destructive count against it.
    const fix = await mintToken(test, { scope: "staging-fix", task: { intent: "restart" } });
    const restart = (id: string) =>
      api(test.url, "POST", "/v1/authorize", {
        body: {
          token: fix.token,
          action: "service:restart",
          resource: staging(`service/${id}`),
          destructive: true,
        },
      }).then((r) => r.body);
    expect((await Promise.all(["a", "b", "c"].map(restart))).every((d) => d.allow)).toBe(true);
    expect(await restart("d")).toMatchObject({ allow: false, reason: "rate_limited", task_revoked: true });
  });

  it("cannot make a call lighter", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "delete" } });
    const answer = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:delete", resource: production("volume/v"), destructive: false },
    });
    expect(answer.status).toBe(400);
  });
});
