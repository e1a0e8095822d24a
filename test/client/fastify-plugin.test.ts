// A production resource server mounting the leash plugin: local verification pinned to its environment, then authorize.

import Fastify, { type FastifyInstance } from "fastify";
import { base64url } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leashResourceServer } from "../../src/client/fastify-plugin.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const volume = (id: string) => `railway:prj_demo/env/production/volume/${id}`;
let test: TestBroker;
let server: FastifyInstance;
let serverUrl: string;

beforeAll(async () => {
  test = await startTestBroker();
  server = Fastify();
  await server.register(leashResourceServer, {
    brokerUrl: test.url,
    issuer: "http://leash.test",
    environment: "production",
  });
  const resource = (request: { params: unknown }) => volume((request.params as { id: string }).id);
  server.get(
    "/volumes/:id",
    { config: { leash: { action: "volume:read", resource, mode: "local" } } },
    async (request) => ({
      task: request.leashTask?.claims.task,
    }),
  );
  server.get(
    "/volumes/:id/checked",
    { config: { leash: { action: "volume:read", resource } } },
    async () => ({ ok: true }),
  );
  server.delete("/volumes/:id", { config: { leash: { action: "volume:delete", resource } } }, async () => ({
    deleted: true,
  }));
  serverUrl = await server.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await server.close();
  await test.close();
});

const call = (method: string, path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${serverUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  }).then(async (response) => ({ status: response.status, body: await response.json() }));

describe("leash resource-server plugin", () => {
  it("refuses requests without a token (401) and tokens of another environment (403)", async () => {
    expect((await call("GET", "/volumes/v1")).status).toBe(401);
    const staging = await mintToken(test, { scope: "staging-fix", task: { intent: "x" } });
    const refused = await call("GET", "/volumes/v1", staging.token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("wrong_environment");
  });

  it("refuses unsigned and tampered tokens", async () => {
    const { token } = await mintToken(test, { scope: "production-read", task: { intent: "x" } });
    const [, payload] = token.split(".");
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt" }))}.${payload}.`;
    expect((await call("GET", "/volumes/v1", none)).status).toBe(401);
    const tampered = `${token.slice(0, -4)}AAAA`;
    expect((await call("GET", "/volumes/v1", tampered)).status).toBe(401);
  });

  it("lets a read through locally and decorates the request with the task", async () => {
    const { token, task } = await mintToken(test, { scope: "production-read", task: { intent: "read" } });
    expect(await call("GET", "/volumes/v1", token)).toEqual({ status: 200, body: { task } });
    const destructive = await call("DELETE", "/volumes/v1", token);
    expect(destructive.status).toBe(403);
    expect(destructive.body.code).toBe("action_not_granted");
  });

  it("asks leash on authorize routes: revocation is seen at once (local mode trades that away)", async () => {
    const { token, jti } = await mintToken(test, { scope: "production-read", task: { intent: "read" } });
    expect((await call("GET", "/volumes/v1/checked", token)).status).toBe(200);
    await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { jti, reason: "test" },
    });
    const refused = await call("GET", "/volumes/v1/checked", token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("revoked");
    expect((await call("GET", "/volumes/v1", token)).status).toBe(200);
  });

  it("holds a production delete for approval and lets the approved call through once", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop v9" } });
    const held = await call("DELETE", "/volumes/v9", token);
    expect(held.status).toBe(403);
    expect(held.body.code).toBe("approval_required");
    const approvalId = held.body.approval_id as string;
    await api(test.url, "POST", `/v1/approvals/${approvalId}/approve`, {
      key: test.keys.approver,
      body: { totp: currentTotp(test.totpSecrets.approver, Date.now()) },
    });
    expect(await call("DELETE", "/volumes/v9", token, { "leash-approval": approvalId })).toEqual({
      status: 200,
      body: { deleted: true },
    });
    expect((await call("DELETE", "/volumes/v9", token, { "leash-approval": approvalId })).status).toBe(403);
  });
});
