import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
let test: TestBroker;

beforeAll(async () => {
  const scopesDir = await scopesDirWith({
    "staging-sensitive.yaml": [
      "description: needs a human before any token is issued",
      "environment: staging",
      'agents: ["agent-*"]',
      "actions: [volume:read]",
      'resources: ["railway:prj_demo/env/staging/**"]',
      "ttl: {default: 5m, max: 10m}",
      "approval: {issue: {approvers: [sre], quorum: 1}}",
    ].join("\n"),
    "ci-only.yaml": [
      "description: only ci agents",
      "environment: staging",
      'agents: ["ci-*"]',
      "actions: [volume:read]",
      'resources: ["railway:prj_demo/env/staging/**"]',
      "ttl: {default: 5m, max: 10m}",
    ].join("\n"),
  });
  test = await startTestBroker({ scopesDir });
});
afterAll(() => test.close());

const mint = (body: unknown, key = test.keys.agent) => api(test.url, "POST", "/v1/tokens", { key, body });

describe("POST /v1/tokens", () => {
  it("mints an RFC 9068 shaped token for the scope's environment", async () => {
    const response = await mint({
      scope: "staging-fix",
      task: { id: "t-1", intent: "fix the staging deploy" },
    });
    expect(response.status).toBe(201);
    const header = decodeProtectedHeader(response.body.token);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    expect(header.kid).toMatch(/^staging-/);
    const claims = decodeJwt(response.body.token);
    expect(claims).toMatchObject({
      iss: "http://leash.test/envs/staging",
      aud: ["urn:leash:env:staging"],
      sub: "agent:agent-1",
      client_id: "agent-1",
      env: "staging",
      task: "t-1",
      intent: "fix the staging deploy",
      scope_id: "staging-fix",
    });
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(String(claims.scope).split(" ")).toContain("volume:delete");
    expect(response.body.granted).toMatchObject({ environment: "staging", scope: "staging-fix" });
  });

  it("grants exactly a requested subset", async () => {
    const response = await mint({
      scope: "staging-fix",
      task: { intent: "read volumes" },
      actions: ["volume:read"],
      resources: [staging("volume/*")],
      ttl: "2m",
    });
    expect(response.status).toBe(201);
    const claims = decodeJwt(response.body.token);
    expect(claims.scope).toBe("volume:read");
    expect(claims.resources).toEqual([staging("volume/*")]);
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(String(response.body.task.id)).toMatch(/^task_/);
  });

  const refusals: [string, Record<string, unknown>, number, string][] = [
    [
      "an action outside the scope",
      { actions: ["volume:read", "domain:delete"] },
      403,
      "actions_not_allowed",
    ],
    ["a non-grantable action", { actions: ["backup:delete"] }, 403, "action_not_grantable"],
    [
      "a production resource",
      { resources: ["railway:prj_demo/env/production/**"] },
      403,
      "resources_not_allowed",
    ],
    ["a broader resource glob", { resources: ["railway:**"] }, 403, "resources_not_allowed"],
    ["a ttl above the scope max", { ttl: "2h" }, 403, "ttl_exceeds_max"],
    ["a malformed ttl", { ttl: "soon" }, 400, "invalid_request"],
    ["an unknown scope", { scope: "everything" }, 404, "unknown_scope"],
    ["a scope the agent's id is not listed in", { scope: "ci-only" }, 403, "agent_not_allowed"],
    ["no intent", { task: { intent: "  " } }, 400, "invalid_request"],
    ["an intent too long", { task: { intent: "x".repeat(501) } }, 400, "invalid_request"],
    ["an unknown field", { extra: true }, 400, "invalid_request"],
  ];
  for (const [what, change, status, code] of refusals) {
    it(`refuses ${what} with ${code}, never narrowing`, async () => {
      const response = await mint({ scope: "staging-fix", task: { intent: "fix staging" }, ...change });
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body).toMatchObject({ status, code });
      expect(response.body.detail).toBeTruthy();
      expect(response.body.token).toBeUndefined();
    });
  }

  it("names what it refused", async () => {
    const response = await mint({
      scope: "staging-fix",
      task: { intent: "x" },
      actions: ["volume:read", "domain:delete"],
    });
    expect(response.body.refused).toEqual(["domain:delete"]);
    expect(response.body.detail).toContain("domain:delete");
  });

  it("refuses bad, missing, human and disabled keys", async () => {
    const body = { scope: "staging-fix", task: { intent: "x" } };
    expect((await mint(body, "lsk_nope")).body.code).toBe("invalid_api_key");
    expect((await mint(body, `lsk_${"A".repeat(43)}`)).body.code).toBe("invalid_api_key");
    expect((await api(test.url, "POST", "/v1/tokens", { body })).body.code).toBe("missing_credentials");
    expect((await mint(body, test.keys.admin)).body.code).toBe("agent_key_required");

    const created = await api(test.url, "POST", "/v1/agents", {
      key: test.keys.admin,
      body: { id: "agent-off", scopes: ["*"] },
    });
    expect(created.status).toBe(201);
    expect((await mint(body, created.body.api_key)).status).toBe(201);
    await api(test.url, "POST", "/v1/agents/agent-off/disable", { key: test.keys.admin });
    const refused = await mint(body, created.body.api_key);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("principal_disabled");
  });

  it("a rotated agent key stops working at once", async () => {
    const created = await api(test.url, "POST", "/v1/agents", {
      key: test.keys.admin,
      body: { id: "agent-rot", scopes: ["staging-*"] },
    });
    const rotated = await api(test.url, "POST", "/v1/agents/agent-rot/rotate-key", { key: test.keys.admin });
    const body = { scope: "staging-fix", task: { intent: "x" } };
    expect((await mint(body, created.body.api_key)).body.code).toBe("invalid_api_key");
    expect((await mint(body, rotated.body.api_key)).status).toBe(201);
    expect((await mint({ ...body, scope: "production-read" }, rotated.body.api_key)).body.code).toBe(
      "agent_not_allowed",
    );
  });

  it("answers 202 with a request id when issuance needs approval", async () => {
    const response = await mint({ scope: "staging-sensitive", task: { intent: "look at volumes" } });
    expect(response.status).toBe(202);
    expect(response.body.request_id).toMatch(/^apr_/);
    expect(response.body.token).toBeUndefined();
  });

  it("malformed, oversized and mistyped bodies are 4xx problem+json", async () => {
    const bad = await api(test.url, "POST", "/v1/tokens", { key: test.keys.agent, rawBody: "{nope" });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe("malformed_json");
    const huge = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      rawBody: JSON.stringify({ scope: "staging-fix", task: { intent: "x".repeat(100_000) } }),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe("body_too_large");
    const typed = await mint({ scope: 42, task: "x" });
    expect(typed.status).toBe(400);
    expect(typed.body.code).toBe("invalid_request");
    const text = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      rawBody: "hi",
      contentType: "text/plain",
    });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe("unsupported_media_type");
  });

  it("admin endpoints refuse agents and non-admins", async () => {
    expect((await api(test.url, "GET", "/v1/agents", { key: test.keys.agent })).body.code).toBe(
      "human_key_required",
    );
    const bySecurity = await api(test.url, "POST", "/v1/agents", {
      key: test.keys.security,
      body: { id: "x", scopes: ["*"] },
    });
    expect(bySecurity.status).toBe(403);
    expect(bySecurity.body.code).toBe("role_required");
    const list = await api(test.url, "GET", "/v1/agents", { key: test.keys.admin });
    expect(JSON.stringify(list.body)).not.toContain("keyHash");
  });
});
