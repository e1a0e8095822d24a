// Nothing leash answers is kept by a cache: tokens, keys, enrolment tokens and TOTP secrets, approval details and
// refusals all go out `Cache-Control: no-store` (a browser's disk cache, a TLS-inspecting proxy, a CDN put in front
// by mistake), except the public signing keys, which are meant to be cached.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import {
  api,
  mintToken,
  PRODUCTION_SENSITIVE_SCOPE,
  scopesDirWith,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const clock = new ManualClock(Date.UTC(2026, 11, 7, 11, 0, 0));
let redis: RedisServer;
let test: TestBroker;

beforeAll(async () => {
  redis = await startRedisServer();
  const scopesDir = await scopesDirWith({ "production-sensitive.yaml": PRODUCTION_SENSITIVE_SCOPE });
  test = await startTestBroker({ clock, scopesDir, redisUrl: redis.url });
}, 60_000);
afterAll(async () => {
  await test?.close();
  await redis?.stop();
});

const noStore = (what: string, response: { status: number; headers: Headers }) =>
  expect(`${what}: ${response.headers.get("cache-control")}`).toBe(`${what}: no-store`);

describe("response caching", () => {
  it("every answer with a secret, an approval or a refusal is no-store; the JWKS stays cacheable", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop vol_c" } });
    noStore(
      "mint",
      await api(test.url, "POST", "/v1/tokens", {
        key: test.keys.agent,
        body: { scope: "production-ops", task: { intent: "again" } },
      }),
    );
    const held = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:delete", resource: "railway:prj_demo/env/production/volume/vol_c" },
    });
    noStore("authorize", held);
    const approvalId = held.body.approval_id as string;
    noStore("approval list", await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver }));
    noStore(
      "approval",
      await api(test.url, "GET", `/v1/approvals/${approvalId}`, { key: test.keys.approver }),
    );
    noStore(
      "approval as its token",
      await api(test.url, "GET", `/v1/approvals/${approvalId}`, { key: token }),
    );
    noStore(
      "approve",
      await api(test.url, "POST", `/v1/approvals/${approvalId}/approve`, {
        key: test.keys.approver,
        body: { totp: currentTotp(test.totpSecrets.approver, clock.now()) },
      }),
    );
    const asked = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "production-sensitive", task: { intent: "inspect" } },
    });
    noStore("issuance request", asked);
    noStore(
      "issuance poll",
      await api(test.url, "GET", `/v1/requests/${asked.body.request_id}`, { key: test.keys.agent }),
    );
    const human = await api(test.url, "POST", "/v1/humans", {
      key: test.keys.admin,
      body: { id: "cache-human", roles: ["approver:sre"] },
    });
    noStore("new human (key, enrolment token)", human);
    noStore(
      "TOTP enrolment (secret)",
      await api(test.url, "POST", "/v1/humans/me/totp/enroll", {
        key: human.body.api_key,
        body: { token: human.body.enrolment.token },
      }),
    );
    noStore(
      "rotated key",
      await api(test.url, "POST", "/v1/agents/agent-1/rotate-key", { key: test.keys.admin }),
    );
    noStore("me", await api(test.url, "GET", "/v1/humans/me", { key: test.keys.approver }));
    noStore("refusal", await api(test.url, "GET", "/v1/approvals", { key: "lsh_wrong" }));
    noStore("unknown route", await api(test.url, "GET", "/v1/nothing-here"));
    const jwks = await fetch(`${test.url}/v1/envs/production/jwks.json`);
    expect(jwks.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
  });
});
