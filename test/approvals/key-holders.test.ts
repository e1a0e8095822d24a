// Whoever was handed a principal's key can act as it: an admin who re-keys an agent owns it, and an admin who re-keys
// another admin makes, through that admin, whatever it makes afterwards. Neither may approve what they own that way.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { createPrincipal } from "../../src/principals/principals.ts";
import { currentTotp, generateTotpSecret } from "../../src/principals/totp.ts";
import {
  api,
  mintToken,
  PRODUCTION_DUAL_SCOPE,
  scopesDirWith,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.ts";
import { createEnrolledHuman, type EnrolledHuman } from "../helpers/humans.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const clock = new ManualClock(Date.UTC(2026, 11, 7, 9, 0, 0));
let redis: RedisServer;
let test: TestBroker;

beforeAll(async () => {
  redis = await startRedisServer();
  const scopesDir = await scopesDirWith({
    "production-dual.yaml": PRODUCTION_DUAL_SCOPE,
  });
  test = await startTestBroker({ clock, scopesDir, redisUrl: redis.url });
}, 60_000);
afterAll(async () => {
  await test?.close();
  await redis?.stop();
});
// Every test starts in a fresh TOTP step, so a code used in one test is not a replay in the next.
beforeEach(() => clock.advance(61_000));

const approve = (id: string, human: { apiKey: string; totpSecret: string }) =>
  api(test.url, "POST", `/v1/approvals/${id}/approve`, {
    key: human.apiKey,
    body: { totp: currentTotp(human.totpSecret, clock.now()) },
  });
const rotate = (kind: "agents" | "humans", id: string, key: string) =>
  api(test.url, "POST", `/v1/${kind}/${id}/rotate-key`, { key }).then((response) => {
    expect(response.status).toBe(200);
    return response.body.api_key as string;
  });

/** An agent made by `ownerKey`, and a destructive production call of it held for approval. */
async function heldCall(agentKey: string, volume: string, scope = "production-ops") {
  const { token } = await mintToken(test, { scope, task: { intent: `remove ${volume}` } }, agentKey);
  const held = await api(test.url, "POST", "/v1/authorize", {
    body: { token, action: "volume:delete", resource: production(`volume/${volume}`) },
  });
  expect(held.body).toMatchObject({ allow: false, reason: "approval_required" });
  return held.body.approval_id as string;
}

async function newAgent(ownerKey: string, id: string): Promise<string> {
  const agent = await api(test.url, "POST", "/v1/agents", { key: ownerKey, body: { id, scopes: ["*"] } });
  expect(agent.status).toBe(201);
  return agent.body.api_key as string;
}

/** An admin who also approves for sre, made outside every other admin's chain, with a confirmed TOTP device. */
async function adminApprover(id: string): Promise<EnrolledHuman> {
  const totpSecret = generateTotpSecret();
  const made = await createPrincipal(
    test.store,
    { id, kind: "human", roles: ["admin", "approver:sre"], createdBy: "people-admin" },
    clock.now(),
  );
  await test.store.savePrincipal({ ...made.principal, totp: { secret: totpSecret, confirmed: true } });
  return { id, apiKey: made.apiKey, totpSecret };
}

describe("approvers and re-keyed principals", () => {
  it("an admin who re-keys an agent owns it: nobody they made approves its calls, asked before or after", async () => {
    const agentKey = await newAgent(test.keys.admin, "agent-rekeyed");
    const askedBefore = await heldCall(agentKey, "vol_before");
    // people-admin made the approvers and not the agent; re-keying the agent hands it the agent's key.
    const stolenKey = await rotate("agents", "agent-rekeyed", test.keys.peopleAdmin);
    const askedAfter = await heldCall(stolenKey, "vol_after");
    const approver = { apiKey: test.keys.approver, totpSecret: test.totpSecrets.approver };
    for (const approvalId of [askedAfter, askedBefore]) {
      clock.advance(31_000);
      const refused = await approve(approvalId, approver);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("owner_cannot_approve");
      expect(refused.body.detail).toContain("people-admin");
      const denied = await api(test.url, "POST", `/v1/approvals/${approvalId}/deny`, {
        key: test.keys.approver,
        body: { reason: "mine" },
      });
      expect(denied.body.code).toBe("owner_cannot_approve");
    }
  });

  it("an admin who re-keys another admin makes whatever that admin makes afterwards: its approvers are theirs", async () => {
    const owner = await adminApprover("owner-admin");
    const agentKey = await newAgent(owner.apiKey, "agent-of-owner");
    // The owner cannot make its own approver (it would be in the chain), so it re-keys an independent admin and
    // makes the approver with that admin's key.
    const other = await adminApprover("other-admin");
    const otherKey = await rotate("humans", "other-admin", owner.apiKey);
    const puppet = await createEnrolledHuman(
      test.url,
      otherKey,
      "rekey-puppet",
      ["approver:sre"],
      clock.now(),
    );
    const approvalId = await heldCall(agentKey, "vol_puppet");
    clock.advance(31_000);
    const refused = await approve(approvalId, puppet);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("owner_cannot_approve");
    expect(refused.body.detail).toContain("owner-admin");
    // other-admin itself is still its own person: its second factor is not the owner's, so it approves.
    expect((await approve(approvalId, { ...other, apiKey: otherKey })).body.status).toBe("approved");
  });

  it("an admin who re-keys the owner can act as the owner, so cannot approve its agents' calls", async () => {
    const owner = await adminApprover("owner-b");
    const agentKey = await newAgent(owner.apiKey, "agent-of-owner-b");
    const rekeyer = await adminApprover("rekeyer-b");
    await rotate("humans", "owner-b", rekeyer.apiKey);
    const approvalId = await heldCall(agentKey, "vol_owner_b");
    clock.advance(31_000);
    const refused = await approve(approvalId, rekeyer);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("owner_cannot_approve");
    expect(refused.body.detail).toContain("re-keyed by rekeyer-b");
  });

  it("a re-key counts only from when it happened: what the re-keyed admin made before stays independent", async () => {
    const owner = await adminApprover("owner-d");
    const agentKey = await newAgent(owner.apiKey, "agent-of-owner-d");
    const other = await adminApprover("other-d");
    const before = await createEnrolledHuman(
      test.url,
      other.apiKey,
      "made-before",
      ["approver:sre"],
      clock.now(),
    );
    clock.advance(1_000);
    const otherKey = await rotate("humans", "other-d", owner.apiKey);
    clock.advance(1_000);
    const after = await createEnrolledHuman(test.url, otherKey, "made-after", ["approver:sre"], clock.now());
    const approvalId = await heldCall(agentKey, "vol_owner_d");
    clock.advance(31_000);
    const refused = await approve(approvalId, after);
    expect(refused.body.code).toBe("owner_cannot_approve");
    expect(refused.body.detail).toContain("made by other-d, re-keyed by owner-d");
    expect((await approve(approvalId, before)).body.status).toBe("approved");
  });

  it("a quorum does not count two approvers one of whom made the other through a re-keyed admin", async () => {
    const agentKey = await newAgent(test.keys.admin, "agent-dual");
    const first = await adminApprover("quorum-first");
    await adminApprover("quorum-middle");
    const middleKey = await rotate("humans", "quorum-middle", first.apiKey);
    const second = await createEnrolledHuman(
      test.url,
      middleKey,
      "quorum-second",
      ["approver:sre"],
      clock.now(),
    );
    const approvalId = await heldCall(agentKey, "vol_dual", "production-dual");
    clock.advance(31_000);
    expect((await approve(approvalId, first)).body.status).toBe("pending");
    const refused = await approve(approvalId, second);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("approver_not_independent");
  });

  it("an approver whose key was re-keyed by the agent's owner still approves (the owner holds no second factor); re-keying oneself changes nothing", async () => {
    const owner = await adminApprover("owner-c");
    const agentKey = await newAgent(owner.apiKey, "agent-of-owner-c");
    const ownerKey = await rotate("humans", "owner-c", owner.apiKey);
    const approver = await adminApprover("approver-c");
    const approverKey = await rotate("humans", "approver-c", ownerKey);
    const approvalId = await heldCall(agentKey, "vol_owner_c");
    clock.advance(31_000);
    expect((await approve(approvalId, { ...approver, apiKey: approverKey })).body.status).toBe("approved");
  });
});
