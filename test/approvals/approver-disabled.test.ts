// An approval stands only while the humans who gave it do: an approver disabled (a key or device found stolen) after
// approving, before the approved call, command or token is used, leaves it short of its quorum, and it is voided.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import {
  api,
  mintToken,
  PRODUCTION_DUAL_SCOPE,
  PRODUCTION_SENSITIVE_SCOPE,
  scopesDirWith,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.ts";
import { createEnrolledHuman, type EnrolledHuman } from "../helpers/humans.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const clock = new ManualClock(Date.UTC(2026, 11, 7, 10, 0, 0));
let redis: RedisServer;
let test: TestBroker;
let serial = 0;

beforeAll(async () => {
  redis = await startRedisServer();
  const scopesDir = await scopesDirWith({
    "production-dual.yaml": PRODUCTION_DUAL_SCOPE,
    "production-sensitive.yaml": PRODUCTION_SENSITIVE_SCOPE,
  });
  test = await startTestBroker({ clock, scopesDir, redisUrl: redis.url });
}, 60_000);
afterAll(async () => {
  await test?.close();
  await redis?.stop();
});
beforeEach(() => clock.advance(61_000));

/** A fresh approver (made by people-admin, so independent of agent-1's owner) for each test. */
const newApprover = () =>
  createEnrolledHuman(test.url, test.keys.peopleAdmin, `sre-${++serial}`, ["approver:sre"], clock.now());
const approve = async (id: string, human: EnrolledHuman) => {
  clock.advance(31_000);
  const response = await api(test.url, "POST", `/v1/approvals/${id}/approve`, {
    key: human.apiKey,
    body: { totp: currentTotp(human.totpSecret, clock.now()) },
  });
  expect(response.status).toBe(200);
  return response.body.status as string;
};
const disable = async (human: EnrolledHuman) =>
  expect(
    (await api(test.url, "POST", `/v1/humans/${human.id}/disable`, { key: test.keys.admin })).status,
  ).toBe(200);
const authorize = (body: Record<string, unknown>) =>
  api(test.url, "POST", "/v1/authorize", { body }).then((response) => response.body);

async function heldDelete(scope: string, volume: string) {
  const { token } = await mintToken(test, { scope, task: { intent: `remove ${volume}` } });
  const call = {
    token,
    action: "volume:delete",
    resource: production(`volume/${volume}`),
    request_hash: "h1",
  };
  const held = await authorize(call);
  expect(held.reason).toBe("approval_required");
  return { call, approvalId: held.approval_id as string };
}

describe("an approver disabled after approving", () => {
  it("voids the approved call before it runs: the call is asked for afresh", async () => {
    const approver = await newApprover();
    const { call, approvalId } = await heldDelete("production-ops", "vol_stolen");
    expect(await approve(approvalId, approver)).toBe("approved");
    await disable(approver);
    const used = await authorize({ ...call, approval_id: approvalId });
    expect(used.allow).toBe(false);
    expect(used.reason).toBe("approval_required");
    expect(used.approval_id).not.toBe(approvalId);
    const voided = await api(test.url, "GET", `/v1/approvals/${approvalId}`, { key: test.keys.security });
    expect(voided.body.status).toBe("expired");
    expect(voided.body.deny_reason).toContain(approver.id);
  });

  it("leaves a quorum of two one short: the call does not run on the other approval alone", async () => {
    const first = await newApprover();
    const second = await newApprover();
    const { call, approvalId } = await heldDelete("production-dual", "vol_pair");
    expect(await approve(approvalId, first)).toBe("pending");
    expect(await approve(approvalId, second)).toBe("approved");
    await disable(first);
    const used = await authorize({ ...call, approval_id: approvalId });
    expect(used.allow).toBe(false);
    expect(used.reason).toBe("approval_required");
  });

  it("voids an approved command before its hook reads it", async () => {
    const approver = await newApprover();
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop a table" } });
    const opened = await api(test.url, "POST", "/v1/approvals", {
      key: token,
      body: { command: "psql -h prod-db -c 'DROP TABLE t'" },
    });
    const id = opened.body.approval_id as string;
    expect(await approve(id, approver)).toBe("approved");
    await disable(approver);
    const read = await api(test.url, "GET", `/v1/approvals/${id}`, { key: token });
    expect(read.status).toBe(200);
    expect(read.body.status).toBe("expired");
  });

  it("voids an approved issuance before its token is collected: no token is handed over", async () => {
    const approver = await newApprover();
    const asked = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "production-sensitive", task: { intent: "inspect production volumes" } },
    });
    expect(asked.status).toBe(202);
    const id = asked.body.request_id as string;
    expect(await approve(id, approver)).toBe("approved");
    await disable(approver);
    const collected = await api(test.url, "GET", `/v1/requests/${id}`, { key: test.keys.agent });
    expect(collected.body.status).toBe("expired");
    expect(collected.body.token).toBeUndefined();
  });

  it("an approval whose approvers all still stand is used as before", async () => {
    const approver = await newApprover();
    const { call, approvalId } = await heldDelete("production-ops", "vol_fine");
    expect(await approve(approvalId, approver)).toBe("approved");
    expect((await authorize({ ...call, approval_id: approvalId })).allow).toBe(true);
  });
});
