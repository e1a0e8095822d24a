// The agent SDK against a real broker on a real port: mint, authorize, approvals, ending a task, revocation, errors.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/principals/totp.ts";
import { LeashClient, LeashConnectionError, LeashProblemError } from "../../src/sdk/index.ts";
import {
  api,
  PRODUCTION_SENSITIVE_SCOPE,
  scopesDirWith,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.ts";
import { freePort } from "../helpers/ports.ts";

const STAGING_VOLUME = "railway:prj_demo/env/staging/volume/vol_1";
const PRODUCTION_VOLUME = "railway:prj_demo/env/production/volume/vol_orphan";

let test: TestBroker;
let agent: LeashClient;

beforeAll(async () => {
  test = await startTestBroker({
    scopesDir: await scopesDirWith({ "production-sensitive.yaml": PRODUCTION_SENSITIVE_SCOPE }),
  });
  agent = new LeashClient({ url: test.url, agentKey: test.keys.agent });
});
afterAll(() => test.close());

/** Approves as one of the test approvers (each TOTP code is accepted once, so each test uses its own approver). */
async function approve(approvalId: string, approver: "approver" | "approver2" = "approver") {
  const response = await api(test.url, "POST", `/v1/approvals/${approvalId}/approve`, {
    key: test.keys[approver],
    body: { totp: currentTotp(test.totpSecrets[approver], Date.now()) },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

describe("leash/sdk", () => {
  it("mints a task token and asks before acting; another environment's resource is refused", async () => {
    const minted = await agent.mintTaskToken({ scope: "staging-fix", intent: "fix the staging deploy" });
    if (minted.status !== "issued") throw new Error(`expected a token, got ${minted.status}`);
    expect(minted.granted.environment).toBe("staging");
    expect(minted.task.intent).toBe("fix the staging deploy");

    const allowed = await agent.authorize({
      token: minted.token,
      action: "volume:read",
      resource: STAGING_VOLUME,
    });
    expect(allowed).toMatchObject({ allow: true, reason: "ok" });
    const refused = await agent.authorize({
      token: minted.token,
      action: "volume:delete",
      resource: PRODUCTION_VOLUME,
    });
    expect(refused).toMatchObject({ allow: false, reason: "wrong_environment" });
  });

  it("throws a typed problem when leash refuses, with its stable code and status", async () => {
    const refusal = await agent
      .mintTaskToken({ scope: "staging-fix", intent: "clean up", actions: ["backup:delete"] })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(LeashProblemError);
    expect(refusal).toMatchObject({ status: 403, code: "action_not_grantable" });
    expect((refusal as LeashProblemError).problem.type).toBe("urn:leash:problem:action_not_grantable");

    const badKey = new LeashClient({ url: test.url, agentKey: "lsk_not-a-key" });
    await expect(badKey.mintTaskToken({ scope: "staging-fix", intent: "x" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("waits for a human's approval of a destructive call, which then lets exactly that call through", async () => {
    const minted = await agent.mintTaskToken({
      scope: "production-ops",
      intent: "remove the orphaned volume",
    });
    if (minted.status !== "issued") throw new Error(`expected a token, got ${minted.status}`);
    const held = await agent.authorize({
      token: minted.token,
      action: "volume:delete",
      resource: PRODUCTION_VOLUME,
    });
    expect(held).toMatchObject({ allow: false, reason: "approval_required" });
    const approvalId = held.approval_id!;

    const pending = await agent.waitForApproval(approvalId, { credential: minted.token, timeoutSeconds: 0 });
    expect(pending.status).toBe("pending");

    const waiting = agent.waitForApproval(approvalId, { credential: minted.token, timeoutSeconds: 30 });
    await approve(approvalId);
    const decided = await waiting;
    expect(decided).toMatchObject({ id: approvalId, status: "approved", action: "volume:delete" });

    const through = await agent.authorize({
      token: minted.token,
      action: "volume:delete",
      resource: PRODUCTION_VOLUME,
      approvalId,
    });
    expect(through.allow).toBe(true);
  });

  it("waits for issuance approval and returns the token once a human approves", async () => {
    const request = { scope: "production-sensitive", intent: "read the volume list" };
    const first = await agent.mintTaskToken(request);
    if (first.status !== "pending") throw new Error(`expected a pending request, got ${first.status}`);

    const minting = agent.mintTaskToken(request, { waitSeconds: 30 });
    const secondRequest = async () => {
      for (;;) {
        const list = await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver2 });
        const other = (list.body.approvals as { id: string; scope: string }[]).find(
          (a) => a.scope === "production-sensitive" && a.id !== first.request_id,
        );
        if (other) return other.id;
        await sleep(20);
      }
    };
    await approve(await secondRequest(), "approver2");
    const issued = await minting;
    if (issued.status !== "issued") throw new Error(`expected a token, got ${issued.status}`);
    expect(issued.granted).toMatchObject({ scope: "production-sensitive", environment: "production" });
  });

  it("ends its own task: every token of the task is refused afterwards", async () => {
    const minted = await agent.mintTaskToken({ scope: "staging-fix", intent: "one small fix" });
    if (minted.status !== "issued") throw new Error(`expected a token, got ${minted.status}`);
    const ended = await agent.endTask(minted.token, "done");
    expect(ended).toMatchObject({ revoked: { kind: "task", value: minted.task.id }, reason: "done" });
    const after = await agent.authorize({
      token: minted.token,
      action: "volume:read",
      resource: STAGING_VOLUME,
    });
    expect(after).toMatchObject({ allow: false, reason: "revoked" });
    await expect(agent.endTask("not-a-token")).rejects.toMatchObject({ status: 401, code: "invalid_token" });
  });

  it("revokes with a security key, and refuses without one", async () => {
    const minted = await agent.mintTaskToken({ scope: "staging-fix", intent: "another fix" });
    if (minted.status !== "issued") throw new Error(`expected a token, got ${minted.status}`);
    const security = new LeashClient({ url: test.url, humanKey: test.keys.security });
    const result = await security.revoke({ jti: minted.granted.jti }, "leaked in a log");
    expect(result.revoked).toEqual({ kind: "jti", value: minted.granted.jti });
    const after = await agent.authorize({
      token: minted.token,
      action: "volume:read",
      resource: STAGING_VOLUME,
    });
    expect(after.reason).toBe("revoked");

    await expect(agent.revoke({ task: minted.task.id }, "x")).rejects.toThrow(/humanKey is required/);
    const approver = new LeashClient({ url: test.url, humanKey: test.keys.approver });
    await expect(approver.revoke({ task: minted.task.id }, "x")).rejects.toMatchObject({ status: 403 });
  });

  it("says when leash cannot be reached, as a connection error rather than a decision", async () => {
    const nobody = new LeashClient({ url: `http://127.0.0.1:${await freePort()}`, agentKey: "lsk_x" });
    const failure = await nobody
      .mintTaskToken({ scope: "staging-fix", intent: "x" })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(LeashConnectionError);
    expect(failure).toMatchObject({ code: "broker_unreachable" });
  });
});
