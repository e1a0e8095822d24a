// Token exchange on one broker (memory and real Redis): narrowing only, the RFC's answers and errors, one task, revocation
// along the chain, introspection, audit and approvals that show the chain.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { createPrincipal } from "../../src/principals/principals.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { exchangeForm, GRANT, JWT } from "./exchange-helpers.ts";

const S = "railway:prj_demo/env/staging";
const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));

describe.each(["memory", "redis"] as const)("token exchange on the %s store", (backend) => {
  let test: TestBroker;
  let redis: RedisServer | undefined;

  beforeAll(async () => {
    const scopesDir = await scopesDirWith({
      "staging-narrow.yaml": [
        "description: a scope whose tokens hold only part of staging",
        "environment: staging",
        'agents: ["*"]',
        "actions: [volume:read, volume:delete, service:read]",
        `resources: ["${S}/volume/vol-*", "${S}/service/**"]`,
        "ttl: {default: 15m, max: 1h}",
        "limits: [{match: {destructive: true}, max: 3, per: 1m, key: task, on_exceed: revoke_task}]",
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

  const exchange = (params: Record<string, string | string[]>, path = "/v1/oauth/token") =>
    exchangeForm(test.url, path, params);
  const child = async (subject: string, params: Record<string, string | string[]> = {}) => {
    const response = await exchange({ intent: "sub-task", ...params, subject_token: subject });
    if (response.status !== 200) throw new Error(`exchange failed: ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const authorize = (token: string, action: string, resource: string) =>
    api(test.url, "POST", "/v1/authorize", { body: { token, action, resource } }).then((r) => r.body);
  const revoke = (body: Record<string, string>) =>
    api(test.url, "POST", "/v1/revocations", { key: test.keys.security, body: { reason: "test", ...body } });
  const parentToken = () => mintToken(test, { scope: "staging-fix", task: { intent: "fix staging" } });

  it("answers per RFC 8693 §2.2 with a narrower child in the parent's task", async () => {
    const parent = await parentToken();
    const response = await exchange({
      subject_token: parent.token,
      scope: "volume:read volume:delete",
      resource: [`${S}/volume/*`, `${S}/service/api`],
      ttl: "5m",
      intent: "delete old test volumes",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = response.body;
    expect(body).toMatchObject({
      issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
      token_type: "Bearer",
      expires_in: 300,
      scope: "volume:read volume:delete",
    });
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({
      task: parent.task,
      sub: "agent:agent-1",
      act: { sub: "agent:agent-1" },
      parent: parent.jti,
      chain: [parent.jti],
      depth: 1,
      intent: "delete old test volumes",
      resources: [`${S}/volume/*`, `${S}/service/api`],
    });
    expect(claims.sub_task).toMatch(/^sub_/);
    expect(body.task).toEqual({
      id: parent.task,
      intent: "delete old test volumes",
      sub_task: claims.sub_task,
    });
    expect(body.delegation).toEqual({
      actor: "agent-1",
      parent: parent.jti,
      chain: [parent.jti],
      depth: 1,
      act_chain: ["agent-1"],
    });

    expect((await authorize(body.access_token, "volume:read", `${S}/volume/v1`)).allow).toBe(true);
    expect((await authorize(body.access_token, "service:read", `${S}/service/api`)).reason).toBe(
      "action_not_granted",
    );
    expect((await authorize(body.access_token, "volume:read", `${S}/service/web`)).reason).toBe(
      "resource_not_granted",
    );
  });

  it("takes JSON on /v1/token-exchange, where grant_type may be left out, and asks the same", async () => {
    const parent = await parentToken();
    const response = await api(test.url, "POST", "/v1/token-exchange", {
      body: { subject_token: parent.token, subject_token_type: JWT, scope: "volume:read", intent: "look" },
    });
    expect(response.status).toBe(200);
    expect(decodeJwt(response.body.access_token).scope).toBe("volume:read");
    const defaults = await child(parent.token, { requested_token_type: JWT });
    expect(defaults.issued_token_type).toBe(JWT);
    // Nothing narrowed: the parent's actions and resources, and never past its expiry.
    const claims = decodeJwt(defaults.access_token);
    const parentClaims = decodeJwt(parent.token);
    expect(claims.scope).toBe(parentClaims.scope);
    expect(claims.resources).toEqual(parentClaims.resources);
    expect(claims.exp).toBeLessThanOrEqual(parentClaims.exp!);
  });

  describe("refuses every widening with the RFC's error, never narrowing silently", () => {
    const refusals: Array<[string, Record<string, string | string[]>, string, string]> = [
      [
        "an action the parent lacks",
        { scope: "volume:read backup:delete" },
        "invalid_scope",
        "actions_not_delegable",
      ],
      [
        "an action of the scope the parent was not given",
        { scope: "service:restart" },
        "invalid_scope",
        "actions_not_delegable",
      ],
      ["a malformed action", { scope: "volume:read not an action!" }, "invalid_scope", "invalid_scope"],
      [
        "a resource outside the parent's",
        { resource: `${S}/variable/x` },
        "invalid_target",
        "resources_not_delegable",
      ],
      [
        "a star leaving the segment",
        { resource: `${S}/volume/vol-*/../../variable/x` },
        "invalid_target",
        "resources_not_delegable",
      ],
      [
        "a star widening the prefix",
        { resource: `${S}/volume/vol*` },
        "invalid_target",
        "resources_not_delegable",
      ],
      [
        "a globstar under a star",
        { resource: `${S}/volume/vol-*/**` },
        "invalid_target",
        "resources_not_delegable",
      ],
      [
        "a brace expansion",
        { resource: `${S}/volume/vol-{a,b}` },
        "invalid_target",
        "resources_not_delegable",
      ],
      [
        "a character class",
        { resource: `${S}/volume/vol-[ab]` },
        "invalid_target",
        "resources_not_delegable",
      ],
      ["an extglob", { resource: `${S}/volume/vol-@(a|b)` }, "invalid_target", "resources_not_delegable"],
      ["a question mark", { resource: `${S}/volume/vol-?` }, "invalid_target", "resources_not_delegable"],
      [
        "a sibling of the service tree",
        { resource: `${S}/service*/**` },
        "invalid_target",
        "resources_not_delegable",
      ],
      [
        "a production resource",
        { resource: "railway:prj_demo/env/production/volume/vol-1" },
        "invalid_target",
        "wrong_environment",
      ],
      [
        "another environment's audience",
        { audience: "urn:leash:env:production" },
        "invalid_target",
        "wrong_environment",
      ],
      ["a ttl past the parent's expiry", { ttl: "16m" }, "invalid_request", "ttl_exceeds_parent"],
      ["a ttl below a second", { ttl: "0s" }, "invalid_request", "invalid_ttl"],
      ["no intent", { intent: " " }, "invalid_request", "intent_required"],
      [
        "another grant type",
        { grant_type: "client_credentials" },
        "unsupported_grant_type",
        "unsupported_grant_type",
      ],
      [
        "an unknown subject token type",
        { subject_token_type: "urn:ietf:params:oauth:token-type:saml2" },
        "invalid_request",
        "unsupported_token_type",
      ],
      [
        "a repeated single parameter",
        { scope: ["volume:read", "volume:delete"] },
        "invalid_request",
        "invalid_parameter",
      ],
      [
        "an actor token of an unknown type",
        { actor_token: "x", actor_token_type: JWT },
        "invalid_request",
        "unsupported_token_type",
      ],
    ];
    for (const [what, params, error, code] of refusals) {
      it(`${what}: ${error} (${code})`, async () => {
        const parent = await mintToken(test, { scope: "staging-narrow", task: { intent: "narrow parent" } });
        const response = await exchange({ subject_token: parent.token, intent: "widen", ...params });
        expect(response.status).toBe(400);
        expect(response.headers.get("content-type")).toContain("application/problem+json");
        expect(response.body).toMatchObject({ error, code, status: 400 });
        expect(response.body.error_description).toBe(response.body.detail);
      });
    }

    it("a ttl past the parent's expiry even when the scope would allow it", async () => {
      const parent = await mintToken(test, { scope: "staging-fix", task: { intent: "short" }, ttl: "2m" });
      clock.advance(60_000);
      const refused = await exchange({ subject_token: parent.token, intent: "long", ttl: "61s" });
      expect(refused.body.code).toBe("ttl_exceeds_parent");
      const capped = await child(parent.token);
      expect(decodeJwt(capped.access_token).exp).toBe(decodeJwt(parent.token).exp);
    });

    it("a fourth level when the maximum depth is 3", async () => {
      const root = await parentToken();
      const first = await child(root.token);
      const second = await child(first.access_token);
      const third = await child(second.access_token);
      expect(third.delegation.depth).toBe(3);
      expect(third.delegation.chain).toEqual([root.jti, first.granted.jti, second.granted.jti]);
      const fourth = await exchange({ subject_token: third.access_token, intent: "deeper" });
      expect(fourth.body).toMatchObject({
        error: "invalid_request",
        code: "delegation_too_deep",
        max_depth: 3,
      });
    });

    it("a subject token that does not verify, is revoked or is missing: invalid_grant / invalid_request", async () => {
      const parent = await parentToken();
      const tampered = `${parent.token.slice(0, -4)}AAAA`;
      expect((await exchange({ subject_token: tampered, intent: "x" })).body).toMatchObject({
        error: "invalid_grant",
        code: "invalid_subject_token",
      });
      expect(
        (await exchangeForm(test.url, "/v1/oauth/token", { intent: "x" }, { omitSubjectType: true })).body,
      ).toMatchObject({ error: "invalid_request" });
      await revoke({ jti: parent.jti });
      expect((await exchange({ subject_token: parent.token, intent: "x" })).body).toMatchObject({
        error: "invalid_grant",
        code: "subject_token_revoked",
      });
    });
  });

  it("resources are proved narrower by containment, not by spelling", async () => {
    const parent = await mintToken(test, { scope: "staging-narrow", task: { intent: "narrow parent" } });
    for (const resource of [
      `${S}/volume/vol-a*`,
      `${S}/volume/vol-1`,
      `${S}/service/api/*`,
      `${S}/service`,
    ]) {
      const granted = await child(parent.token, { resource });
      expect(decodeJwt(granted.access_token).resources).toEqual([resource]);
    }
  });

  it("a delegated token is used on canonical resources only (what containment was proved for)", async () => {
    const parent = await parentToken();
    const token = (await child(parent.token, { resource: `${S}/volume/*` })).access_token;
    expect((await authorize(token, "volume:read", `${S}/volume/v1`)).allow).toBe(true);
    for (const resource of [`${S}/volume//v1`, `${S}/volume/v1/`, `${S}/volume/./v1`, `${S}/volume/v 1`]) {
      // Refused before any grant is read: authorize takes canonical resources only (400 resource_not_canonical).
      expect((await authorize(token, "volume:read", resource)).code).toBe("resource_not_canonical");
    }
  });

  it("revoking the parent (jti or task) refuses every descendant; revoking a child leaves its parent working", async () => {
    const root = await parentToken();
    const first = await child(root.token);
    const second = await child(first.access_token);
    const sibling = await child(root.token);
    const read = (token: string) => authorize(token, "volume:read", `${S}/volume/v1`);

    await revoke({ jti: first.granted.jti });
    expect((await read(first.access_token)).reason).toBe("revoked");
    expect((await read(second.access_token)).reason).toBe("revoked");
    expect((await read(root.token)).allow).toBe(true);
    expect((await read(sibling.access_token)).allow).toBe(true);
    // A revoked link cannot be exchanged again to escape its revocation.
    expect((await exchange({ subject_token: second.access_token, intent: "escape" })).body.code).toBe(
      "subject_token_revoked",
    );

    await revoke({ jti: root.jti });
    expect((await read(sibling.access_token)).reason).toBe("revoked");

    const other = await parentToken();
    const otherChild = await child(other.token);
    await revoke({ task: other.task });
    expect((await read(otherChild.access_token)).reason).toBe("revoked");
  });

  it("a child ending its task (POST /v1/tasks/end) ends only its own sub-task and what it delegated", async () => {
    const root = await parentToken();
    const first = await child(root.token);
    const second = await child(first.access_token);
    const ended = await api(test.url, "POST", "/v1/tasks/end", { key: first.access_token });
    expect(ended.status).toBe(200);
    expect(ended.body.revoked).toEqual({ kind: "jti", value: first.granted.jti });
    const read = (token: string) => authorize(token, "volume:read", `${S}/volume/v1`);
    expect((await read(first.access_token)).reason).toBe("revoked");
    expect((await read(second.access_token)).reason).toBe("revoked");
    expect((await read(root.token)).allow).toBe(true);
  });

  it("a child's destructive calls count against the parent's task budget; the breach revokes the whole tree", async () => {
    const root = await parentToken();
    const first = await child(root.token);
    const second = await child(first.access_token);
    const del = (token: string, n: number) => authorize(token, "volume:delete", `${S}/volume/v${n}`);
    expect((await del(root.token, 1)).allow).toBe(true);
    expect((await del(first.access_token, 2)).allow).toBe(true);
    expect((await del(second.access_token, 3)).allow).toBe(true);
    const breach = await del(second.access_token, 4);
    expect(breach).toMatchObject({ allow: false, reason: "rate_limited", task_revoked: true });
    for (const token of [root.token, first.access_token, second.access_token]) {
      expect((await authorize(token, "volume:read", `${S}/volume/v1`)).reason).toBe("revoked");
    }
  });

  it("introspection and audit show parent, chain and depth", async () => {
    const root = await parentToken();
    const first = await child(root.token, { intent: "first level" });
    const second = await child(first.access_token, { intent: "second level" });
    const introspected = await api(test.url, "POST", "/v1/introspect", {
      key: test.keys.resourceServer,
      body: { token: second.access_token },
    });
    expect(introspected.body).toMatchObject({
      active: true,
      task: root.task,
      parent: first.granted.jti,
      chain: [root.jti, first.granted.jti],
      depth: 2,
      act: { sub: "agent:agent-1", act: { sub: "agent:agent-1" } },
    });
    await authorize(second.access_token, "volume:read", `${S}/volume/v1`);
    const audit = await api(test.url, "GET", `/v1/audit?task=${encodeURIComponent(root.task)}`, {
      key: test.keys.security,
    });
    const records = audit.body.records as Array<Record<string, string>>;
    const chain = `chain=${root.jti}>${first.granted.jti}`;
    const mint = records.find((r) => r.event === "token.mint" && r.jti === second.granted.jti);
    expect(mint?.detail).toContain(`parent=${first.granted.jti}`);
    expect(mint?.detail).toContain(chain);
    expect(mint?.detail).toContain("depth=2");
    expect(mint?.intent).toBe("second level");
    const call = records.find((r) => r.event === "authorize" && r.jti === second.granted.jti);
    expect(call?.detail).toContain(chain);
    expect(call?.detail).toContain("depth=2");
  });

  it("a child handed to another agent names it in act; the owner of any agent in the chain cannot approve", async () => {
    // A sub-agent created by approver-1: approver-1 may approve agent-1's calls, never its own agent's.
    const { apiKey } = await createPrincipal(
      test.store,
      { id: `sub-${backend}`, kind: "agent", scopes: ["*"], createdBy: "approver-1" },
      clock.now(),
    );
    const parent = await mintToken(test, { scope: "production-ops", task: { intent: "prune volumes" } });
    const handed = await exchange({
      subject_token: parent.token,
      actor_token: apiKey,
      actor_token_type: "urn:leash:params:oauth:token-type:agent-key",
      scope: "volume:delete",
      intent: "delete volume v9",
    });
    expect(handed.status).toBe(200);
    expect(decodeJwt(handed.body.access_token).act).toEqual({ sub: `agent:sub-${backend}` });
    const held = await authorize(
      handed.body.access_token,
      "volume:delete",
      "railway:prj_demo/env/production/volume/v9",
    );
    expect(held.reason).toBe("approval_required");
    const shown = await api(test.url, "GET", `/v1/approvals/${held.approval_id}`, {
      key: test.keys.approver2,
    });
    expect(shown.body.act_chain).toEqual([`sub-${backend}`]);
    const byOwner = await api(test.url, "POST", `/v1/approvals/${held.approval_id}/approve`, {
      key: test.keys.approver,
      body: { totp: "000000" },
    });
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.code).toBe("owner_cannot_approve");

    const bogus = await exchange({
      subject_token: parent.token,
      actor_token: "lsk_not-a-real-key",
      actor_token_type: "urn:leash:params:oauth:token-type:agent-key",
      intent: "x",
    });
    expect(bogus.body).toMatchObject({ error: "invalid_request", code: "invalid_actor_token" });
  });

  it("a lock on an agent of the chain refuses its children and any exchange to it; the parent keeps working", async () => {
    const { apiKey } = await createPrincipal(
      test.store,
      { id: `locked-${backend}`, kind: "agent", scopes: ["*"], createdBy: "admin" },
      clock.now(),
    );
    const actor = { actor_token: apiKey, actor_token_type: "urn:leash:params:oauth:token-type:agent-key" };
    const parent = await parentToken();
    const handed = await child(parent.token, actor);
    const grandchild = await child(handed.access_token);
    expect(decodeJwt(grandchild.access_token).act).toEqual({
      sub: `agent:locked-${backend}`,
      act: { sub: `agent:locked-${backend}` },
    });
    const read = (token: string) => authorize(token, "volume:read", `${S}/volume/v1`);
    expect((await read(grandchild.access_token)).allow).toBe(true);
    expect((await revoke({ agent: `locked-${backend}` })).status).toBe(200);
    expect((await read(handed.access_token)).reason).toBe("revoked");
    expect((await read(grandchild.access_token)).reason).toBe("revoked");
    expect((await read(parent.token)).allow).toBe(true);
    const again = await exchange({ subject_token: parent.token, intent: "hand over again", ...actor });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: "invalid_grant", code: "locked" });
  });

  it("grant_type is required on the OAuth token endpoint", async () => {
    const parent = await parentToken();
    const response = await exchangeForm(
      test.url,
      "/v1/oauth/token",
      { subject_token: parent.token, intent: "x" },
      { omitGrantType: true },
    );
    expect(response.body).toMatchObject({ error: "invalid_request", code: "invalid_request" });
    expect(GRANT).toContain("token-exchange");
  });
});
