// Human approval with TOTP: for each destructive call in a protected environment, and for sensitive issuance.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { createPrincipal } from "../../src/principals/principals.ts";
import { currentTotp, generateTotpSecret } from "../../src/principals/totp.ts";
import {
  api,
  mintToken,
  PRODUCTION_DUAL_SCOPE,
  PRODUCTION_SENSITIVE_SCOPE,
  scopesDirWith,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.ts";
import { createEnrolledHuman } from "../helpers/humans.ts";

const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let test: TestBroker;

beforeAll(async () => {
  const scopesDir = await scopesDirWith({
    "production-dual.yaml": PRODUCTION_DUAL_SCOPE,
    "production-sensitive.yaml": PRODUCTION_SENSITIVE_SCOPE,
  });
  test = await startTestBroker({ clock, scopesDir });
});
afterAll(() => test.close());
// Every test starts in a fresh TOTP step, so a code used in one test is not a replay in the next.
beforeEach(() => clock.advance(61_000));

const code = (who: keyof TestBroker["totpSecrets"]) => currentTotp(test.totpSecrets[who], clock.now());
const authorize = (body: Record<string, unknown>) =>
  api(test.url, "POST", "/v1/authorize", { body }).then((r) => r.body);
const approve = (id: string, key: string, totp: string) =>
  api(test.url, "POST", `/v1/approvals/${id}/approve`, { key, body: { totp } });

async function heldDelete(scope = "production-ops", volume = "vol_old", ttl = "10m") {
  const { token, task } = await mintToken(test, { scope, ttl, task: { intent: `remove ${volume}` } });
  const call = {
    token,
    action: "volume:delete",
    resource: production(`volume/${volume}`),
    request_hash: "sha256:abc",
  };
  const held = await authorize(call);
  expect(held).toMatchObject({ allow: false, reason: "approval_required" });
  expect(held.approval_id).toMatch(/^apr_/);
  return { call, token, task, approvalId: held.approval_id as string };
}

describe("call-level approval", () => {
  it("full loop: held → listed → approved with TOTP → allowed once → a second use is refused", async () => {
    const { call, task, approvalId } = await heldDelete();
    // Asking again for the same call does not open a second approval.
    expect((await authorize(call)).approval_id).toBe(approvalId);

    const listed = await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver });
    expect(listed.body.approvals).toContainEqual(
      expect.objectContaining({
        id: approvalId,
        kind: "call",
        status: "pending",
        intent: "remove vol_old",
        action: "volume:delete",
        resource: production("volume/vol_old"),
        agent: "agent-1",
        environment: "production",
        task,
        requested_at: expect.any(String),
      }),
    );
    const hidden = await api(test.url, "GET", "/v1/approvals", { key: test.keys.dbaApprover });
    expect(hidden.body.approvals.map((a: { id: string }) => a.id)).not.toContain(approvalId);

    const approved = await approve(approvalId, test.keys.approver, code("approver"));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", approved_by: ["approver-1"] });

    expect(await authorize({ ...call, approval_id: approvalId })).toMatchObject({
      allow: true,
      reason: "ok",
    });
    const again = await authorize({ ...call, approval_id: approvalId });
    expect(again).toMatchObject({ allow: false, reason: "approval_required" });
    expect(again.approval_id).not.toBe(approvalId);
  });

  it("the Leash-Approval header works like approval_id", async () => {
    const { call, approvalId } = await heldDelete("production-ops", "vol_header");
    await approve(approvalId, test.keys.approver, code("approver"));
    const allowed = await api(test.url, "POST", "/v1/authorize", {
      body: call,
      headers: { "leash-approval": approvalId },
    });
    expect(allowed.body.allow).toBe(true);
  });

  it("a replayed TOTP code is refused", async () => {
    const first = await heldDelete("production-ops", "vol_a");
    const second = await heldDelete("production-ops", "vol_b");
    const totp = code("approver");
    expect((await approve(first.approvalId, test.keys.approver, totp)).status).toBe(200);
    const replay = await approve(second.approvalId, test.keys.approver, totp);
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe("totp_replayed");
    expect((await approve(second.approvalId, test.keys.approver, "123456")).body.code).toMatch(
      /totp_(invalid|replayed)/,
    );
  });

  it("an older code is refused once a newer one was used, though it was never used itself", async () => {
    const first = await heldDelete("production-ops", "vol_newer");
    const second = await heldDelete("production-ops", "vol_older");
    // The next step's code is accepted within the clock skew allowed; the current step's then comes after it.
    const next = currentTotp(test.totpSecrets.approver, clock.now() + 30_000);
    expect((await approve(first.approvalId, test.keys.approver, next)).status).toBe(200);
    const older = await approve(second.approvalId, test.keys.approver, code("approver"));
    expect(older.status).toBe(403);
    expect(older.body.code).toBe("totp_replayed");
  });

  it("a wrong code, a wrong group and an agent key are refused", async () => {
    const { approvalId } = await heldDelete("production-ops", "vol_c");
    const wrong = await approve(
      approvalId,
      test.keys.approver,
      code("approver") === "000000" ? "111111" : "000000",
    );
    expect(wrong.body.code).toBe("totp_invalid");
    const dba = await approve(approvalId, test.keys.dbaApprover, code("dbaApprover"));
    expect(dba.status).toBe(403);
    expect(dba.body.code).toBe("not_an_approver");
    const agent = await approve(approvalId, test.keys.agent, code("approver"));
    expect(agent.status).toBe(403);
    expect(agent.body.code).toBe("human_key_required");
    const denyByAgent = await api(test.url, "POST", `/v1/approvals/${approvalId}/deny`, {
      key: test.keys.agent,
      body: { reason: "I decide" },
    });
    expect(denyByAgent.body.code).toBe("human_key_required");
  });

  it("a quorum of 2 needs two distinct approvers", async () => {
    const { call, approvalId } = await heldDelete("production-dual", "vol_q");
    expect((await approve(approvalId, test.keys.approver, code("approver"))).body.status).toBe("pending");
    expect((await authorize({ ...call, approval_id: approvalId })).reason).toBe("approval_required");
    clock.advance(31_000);
    const twice = await approve(approvalId, test.keys.approver, code("approver"));
    expect(twice.body.code).toBe("already_approved");
    const second = await approve(approvalId, test.keys.approver2, code("approver2"));
    expect(second.body).toMatchObject({ status: "approved", approved_by: ["approver-1", "approver-2"] });
    expect((await authorize({ ...call, approval_id: approvalId })).allow).toBe(true);
  });

  it("the agent's owner cannot approve its requests", async () => {
    const secret = generateTotpSecret();
    const lead = await createPrincipal(
      test.store,
      { id: "lead", kind: "human", roles: ["admin", "approver:sre"] },
      clock.now(),
    );
    await test.store.savePrincipal({ ...lead.principal, totp: { secret, confirmed: true } });
    const agent = await api(test.url, "POST", "/v1/agents", {
      key: lead.apiKey,
      body: { id: "agent-owned", scopes: ["*"] },
    });
    const { token } = await mintToken(
      test,
      { scope: "production-ops", task: { intent: "x" } },
      agent.body.api_key,
    );
    const held = await authorize({ token, action: "volume:delete", resource: production("volume/own") });
    const refused = await approve(held.approval_id, lead.apiKey, currentTotp(secret, clock.now()));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("owner_cannot_approve");
  });

  it("nobody the owner made, however indirectly, can approve; the owner's own admin made them", async () => {
    const owner = await api(test.url, "POST", "/v1/humans", {
      key: test.keys.admin,
      body: { id: "team-lead", roles: ["admin"] },
    });
    const ownerKey = owner.body.api_key as string;
    const agent = await api(test.url, "POST", "/v1/agents", {
      key: ownerKey,
      body: { id: "agent-of-lead", scopes: ["*"] },
    });
    // The owner makes an approver directly, and another through an admin it made.
    const direct = await createEnrolledHuman(
      test.url,
      ownerKey,
      "lead-puppet",
      ["approver:sre"],
      clock.now(),
    );
    const deputy = await api(test.url, "POST", "/v1/humans", {
      key: ownerKey,
      body: { id: "lead-deputy", roles: ["admin"] },
    });
    const indirect = await createEnrolledHuman(
      test.url,
      deputy.body.api_key,
      "deputy-puppet",
      ["approver:sre"],
      clock.now(),
    );
    const { token } = await mintToken(
      test,
      { scope: "production-ops", task: { intent: "x" } },
      agent.body.api_key,
    );
    const held = await authorize({ token, action: "volume:delete", resource: production("volume/puppet") });
    clock.advance(31_000);
    for (const puppet of [direct, indirect]) {
      const refused = await approve(
        held.approval_id,
        puppet.apiKey,
        currentTotp(puppet.totpSecret, clock.now()),
      );
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe("owner_cannot_approve");
      expect(refused.body.detail).toContain("team-lead");
    }
    // The admin who made the owner is in no approver's chain here: approver-1 (made by another admin) may approve.
    expect((await approve(held.approval_id, test.keys.approver, code("approver"))).body.status).toBe(
      "approved",
    );
  });

  it("nobody who made the owner, however indirectly, can approve: they own its agents through a human they created", async () => {
    const secret = generateTotpSecret();
    const grand = await createPrincipal(
      test.store,
      { id: "grand-lead", kind: "human", roles: ["admin", "approver:sre"], createdBy: "people-admin" },
      clock.now(),
    );
    await test.store.savePrincipal({ ...grand.principal, totp: { secret, confirmed: true } });
    // grand-lead makes an admin, and with that admin's key (handed back at creation) an admin under it, who makes
    // the agent: the agent's owner is two humans away from grand-lead.
    const middle = await api(test.url, "POST", "/v1/humans", {
      key: grand.apiKey,
      body: { id: "middle-admin", roles: ["admin"] },
    });
    const lower = await api(test.url, "POST", "/v1/humans", {
      key: middle.body.api_key,
      body: { id: "lower-admin", roles: ["admin"] },
    });
    const agent = await api(test.url, "POST", "/v1/agents", {
      key: lower.body.api_key,
      body: { id: "agent-of-lower", scopes: ["*"] },
    });
    const { token } = await mintToken(
      test,
      { scope: "production-ops", task: { intent: "x" } },
      agent.body.api_key,
    );
    const held = await authorize({ token, action: "volume:delete", resource: production("volume/grand") });
    const refused = await approve(held.approval_id, grand.apiKey, currentTotp(secret, clock.now()));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("owner_cannot_approve");
    expect(refused.body.detail).toContain("lower-admin");
    const denied = await api(test.url, "POST", `/v1/approvals/${held.approval_id}/deny`, {
      key: grand.apiKey,
      body: { reason: "mine" },
    });
    expect(denied.body.code).toBe("owner_cannot_approve");
    expect((await approve(held.approval_id, test.keys.approver, code("approver"))).body.status).toBe(
      "approved",
    );
  });

  it("a quorum counts only approvers independent of each other", async () => {
    const lead = await createPrincipal(
      test.store,
      { id: "sre-lead", kind: "human", roles: ["admin", "approver:sre"], createdBy: "people-admin" },
      clock.now(),
    );
    const leadSecret = generateTotpSecret();
    await test.store.savePrincipal({ ...lead.principal, totp: { secret: leadSecret, confirmed: true } });
    const follower = await createEnrolledHuman(
      test.url,
      lead.apiKey,
      "sre-follower",
      ["approver:sre"],
      clock.now(),
    );
    const { call, approvalId } = await heldDelete("production-dual", "vol_pair");
    clock.advance(31_000);
    expect((await approve(approvalId, lead.apiKey, currentTotp(leadSecret, clock.now()))).body.status).toBe(
      "pending",
    );
    const made = await approve(approvalId, follower.apiKey, currentTotp(follower.totpSecret, clock.now()));
    expect(made.status).toBe(403);
    expect(made.body.code).toBe("approver_not_independent");
    expect((await authorize({ ...call, approval_id: approvalId })).reason).toBe("approval_required");
    expect((await approve(approvalId, test.keys.approver2, code("approver2"))).body.status).toBe("approved");
  });

  it("a quorum does not count an approver disabled since they approved", async () => {
    const { call, approvalId } = await heldDelete("production-dual", "vol_disabled");
    expect((await approve(approvalId, test.keys.approver, code("approver"))).body.status).toBe("pending");
    const disabled = await api(test.url, "POST", "/v1/humans/approver-1/disable", { key: test.keys.admin });
    expect(disabled.status).toBe(200);
    try {
      const second = await approve(approvalId, test.keys.approver2, code("approver2"));
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ status: "pending", approved_by: ["approver-2"] });
      expect((await authorize({ ...call, approval_id: approvalId })).allow).toBe(false);
    } finally {
      await api(test.url, "POST", "/v1/humans/approver-1/enable", { key: test.keys.admin });
    }
  });

  it("an approval bound to one resource does not unlock another", async () => {
    const { call, approvalId } = await heldDelete("production-ops", "vol_bound");
    await approve(approvalId, test.keys.approver, code("approver"));
    const other = { ...call, resource: production("volume/vol_other"), approval_id: approvalId };
    expect((await authorize(other)).reason).toBe("approval_mismatch");
    const otherHash = { ...call, request_hash: "sha256:different", approval_id: approvalId };
    expect((await authorize(otherHash)).reason).toBe("approval_mismatch");
    const otherAction = { ...call, action: "volume:read", approval_id: approvalId };
    expect((await authorize(otherAction)).allow).toBe(true);
    // Still usable for the exact call it was given for.
    expect((await authorize({ ...call, approval_id: approvalId })).allow).toBe(true);
  });

  it("an expired approval is refused, and so is approving one too late", async () => {
    const { call, approvalId } = await heldDelete("production-ops", "vol_late", "30m");
    await approve(approvalId, test.keys.approver, code("approver"));
    clock.advance(16 * 60_000);
    const used = await authorize({ ...call, approval_id: approvalId });
    expect(used).toMatchObject({ allow: false, reason: "approval_required" });
    expect(used.approval_id).not.toBe(approvalId);

    const late = await heldDelete("production-ops", "vol_late2", "30m");
    clock.advance(16 * 60_000);
    const tooLate = await approve(late.approvalId, test.keys.approver, code("approver"));
    expect(tooLate.status).toBe(409);
    expect(tooLate.body.code).toBe("approval_not_pending");
  });

  it("a denial is final for that call", async () => {
    const { call, approvalId } = await heldDelete("production-ops", "vol_deny");
    const denied = await api(test.url, "POST", `/v1/approvals/${approvalId}/deny`, {
      key: test.keys.approver,
      body: { reason: "that volume holds the backups" },
    });
    expect(denied.body).toMatchObject({
      status: "denied",
      denied_by: "approver-1",
      deny_reason: "that volume holds the backups",
    });
    expect((await authorize({ ...call, approval_id: approvalId })).reason).toBe("approval_denied");
    expect((await authorize(call)).reason).toBe("approval_denied");
  });

  it("the task token can long-poll its approval until a human decides", async () => {
    const { token, approvalId } = await heldDelete("production-ops", "vol_poll");
    const started = Date.now();
    const poll = api(test.url, "GET", `/v1/approvals/${approvalId}?wait=10`, { key: token });
    await sleep(300);
    await approve(approvalId, test.keys.approver, code("approver"));
    const answer = await poll;
    expect(answer.body.status).toBe("approved");
    expect(Date.now() - started).toBeLessThan(5000);
    const stranger = await mintToken(test, { scope: "production-ops", task: { intent: "other" } });
    expect((await api(test.url, "GET", `/v1/approvals/${approvalId}`, { key: stranger.token })).status).toBe(
      403,
    );
  });
});

describe("who reads an approval", () => {
  it("authenticates before it looks the id up: an unknown id and a real one answer alike without a valid credential", async () => {
    const { approvalId } = await heldDelete("production-ops", "vol_oracle");
    const unknown = "apr_AAAAAAAAAAAAAAAAAAAAAAAA";
    const credentials = [
      undefined,
      "lsh_not-a-real-key",
      "lsk_not-a-real-key",
      "garbage",
      "eyJhbGciOiJub25lIn0.e30.",
    ];
    for (const key of credentials) {
      const answers = await Promise.all(
        [approvalId, unknown, "not-an-id"].map((id) => api(test.url, "GET", `/v1/approvals/${id}`, { key })),
      );
      const shapes = answers.map((a) => `${a.status} ${a.body.code}`);
      expect(new Set(shapes).size, `${key}: ${shapes.join(" | ")}`).toBe(1);
      expect(answers[0]!.status).toBe(401);
    }
    // Authenticated, the unknown id is a 404.
    const found = await api(test.url, "GET", `/v1/approvals/${unknown}`, { key: test.keys.approver });
    expect(found.status).toBe(404);
  });

  it("an approver reads only approvals of their own groups; security reads all", async () => {
    const { approvalId } = await heldDelete("production-ops", "vol_groups");
    const own = await api(test.url, "GET", `/v1/approvals/${approvalId}`, { key: test.keys.approver });
    expect(own.body).toMatchObject({ id: approvalId, approvers: ["sre"] });
    const otherGroup = await api(test.url, "GET", `/v1/approvals/${approvalId}`, {
      key: test.keys.dbaApprover,
    });
    expect(otherGroup.status).toBe(403);
    expect(otherGroup.body.code).toBe("not_your_approval");
    const listed = await api(test.url, "GET", "/v1/approvals", { key: test.keys.dbaApprover });
    expect(listed.body.approvals.map((a: { id: string }) => a.id)).not.toContain(approvalId);
    const noGroup = await api(test.url, "GET", `/v1/approvals/${approvalId}`, {
      key: test.keys.resourceServer,
    });
    expect(noGroup.status).toBe(403);
    const security = await api(test.url, "GET", `/v1/approvals/${approvalId}`, { key: test.keys.security });
    expect(security.body.id).toBe(approvalId);
  });

  it("the asking agent withdraws a pending call approval; nobody can approve it afterwards; the call can be asked again", async () => {
    const { call, token, approvalId } = await heldDelete("production-ops", "vol_withdraw");
    const human = await api(test.url, "POST", `/v1/approvals/${approvalId}/cancel`, {
      key: test.keys.approver,
    });
    expect(human.status).toBe(403);
    const stranger = await mintToken(test, { scope: "production-ops", task: { intent: "other" } });
    const foreign = await api(test.url, "POST", `/v1/approvals/${approvalId}/cancel`, {
      key: stranger.token,
    });
    expect(foreign.status).toBe(403);

    const withdrawn = await api(test.url, "POST", `/v1/approvals/${approvalId}/cancel`, {
      key: token,
      body: { reason: "the hook stopped waiting" },
    });
    expect(withdrawn.body).toMatchObject({ status: "cancelled", deny_reason: "the hook stopped waiting" });
    const late = await approve(approvalId, test.keys.approver, code("approver"));
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("approval_not_pending");
    const again = await api(test.url, "POST", `/v1/approvals/${approvalId}/cancel`, { key: test.keys.agent });
    expect(again.status).toBe(409);
    const reopened = await authorize(call);
    expect(reopened).toMatchObject({ allow: false, reason: "approval_required" });
    expect(reopened.approval_id).not.toBe(approvalId);
    const audit = await api(test.url, "GET", "/v1/audit?event=approval.cancelled", {
      key: test.keys.security,
    });
    const records = audit.body.records as Array<Record<string, string>>;
    expect(
      records.filter((r) => r.approval === approvalId).map((r) => `${r.event} ${r.actor} ${r.reason}`),
    ).toEqual(["approval.cancelled agent:agent-1 the hook stopped waiting"]);
  });
});

describe("TOTP enrolment", () => {
  it("the creating admin gets a one-time enrolment token, never the secret; only the human redeems it", async () => {
    const created = await api(test.url, "POST", "/v1/humans", {
      key: test.keys.admin,
      body: { id: "enrolee", roles: ["approver:sre"] },
    });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty("totp");
    expect(JSON.stringify(created.body)).not.toMatch(/secret|otpauth/);
    expect(created.body).toMatchObject({ totp_confirmed: false, totp_enrolment_pending: true });
    const token = created.body.enrolment.token as string;
    expect(token).toMatch(/^lse_/);
    // Not with the admin's key, not with a made-up token, not with an agent key.
    for (const key of [test.keys.admin, test.keys.approver]) {
      const foreign = await api(test.url, "POST", "/v1/humans/me/totp/enroll", { key, body: { token } });
      expect(foreign.status).toBe(403);
      expect(foreign.body.code).toBe("invalid_enrolment_token");
    }
    const agent = await api(test.url, "POST", "/v1/humans/me/totp/enroll", {
      key: test.keys.agent,
      body: { token },
    });
    expect(agent.body.code).toBe("human_key_required");
    const key = created.body.api_key as string;
    const wrong = await api(test.url, "POST", "/v1/humans/me/totp/enroll", {
      key,
      body: { token: `lse_${"A".repeat(43)}` },
    });
    expect(wrong.body.code).toBe("invalid_enrolment_token");
    const [first, second] = await Promise.all(
      [0, 1].map(() => api(test.url, "POST", "/v1/humans/me/totp/enroll", { key, body: { token } })),
    );
    const statuses = [first!.status, second!.status].sort();
    expect(statuses[0]).toBe(200);
    expect(statuses[1]).toBeGreaterThanOrEqual(403);
    const redeemed = first!.status === 200 ? first! : second!;
    expect(redeemed.body.totp.otpauth_uri).toMatch(/^otpauth:\/\/totp\/leash:enrolee\?secret=/);
    const again = await api(test.url, "POST", "/v1/humans/me/totp/enroll", { key, body: { token } });
    expect(again.status).toBe(403);
    const listed = await api(test.url, "GET", "/v1/humans", { key: test.keys.admin });
    expect(JSON.stringify(listed.body)).not.toContain(redeemed.body.totp.secret);
  });

  it("an expired enrolment token is refused", async () => {
    const created = await api(test.url, "POST", "/v1/humans", {
      key: test.keys.admin,
      body: { id: "late-enrolee", roles: ["approver:sre"] },
    });
    const stored = (await test.store.getPrincipal("late-enrolee"))!;
    await test.store.savePrincipal({
      ...stored,
      enrolment: { ...stored.enrolment!, expiresAt: clock.now() },
    });
    const expired = await api(test.url, "POST", "/v1/humans/me/totp/enroll", {
      key: created.body.api_key,
      body: { token: created.body.enrolment.token },
    });
    expect(expired.status).toBe(403);
    expect(expired.body.code).toBe("enrolment_expired");
  });

  it("an unconfirmed device cannot approve until a first code confirms it", async () => {
    const created = await api(test.url, "POST", "/v1/humans", {
      key: test.keys.peopleAdmin,
      body: { id: "newbie", roles: ["approver:sre"] },
    });
    const enrolled = await api(test.url, "POST", "/v1/humans/me/totp/enroll", {
      key: created.body.api_key,
      body: { token: created.body.enrolment.token },
    });
    const secret = enrolled.body.totp.secret as string;
    const { approvalId } = await heldDelete("production-ops", "vol_newbie");
    const early = await approve(approvalId, created.body.api_key, currentTotp(secret, clock.now()));
    expect(early.body.code).toBe("totp_not_enrolled");
    clock.advance(31_000);
    const confirmed = await api(test.url, "POST", "/v1/humans/me/totp/confirm", {
      key: created.body.api_key,
      body: { totp: currentTotp(secret, clock.now()) },
    });
    expect(confirmed.body.totp_confirmed).toBe(true);
    clock.advance(31_000);
    expect(
      (await approve(approvalId, created.body.api_key, currentTotp(secret, clock.now()))).body.status,
    ).toBe("approved");
  });
});

describe("issuance approval", () => {
  it("long-polls until approved, then returns the token exactly once", async () => {
    const asked = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "production-sensitive", task: { intent: "inspect production volumes" } },
    });
    expect(asked.status).toBe(202);
    const id = asked.body.request_id as string;
    const pending = await api(test.url, "GET", `/v1/requests/${id}`, { key: test.keys.agent });
    expect(pending.body).toMatchObject({ status: "pending" });
    expect(pending.body.token).toBeUndefined();

    const poll = api(test.url, "GET", `/v1/requests/${id}?wait=10`, { key: test.keys.agent });
    await sleep(300);
    expect((await approve(id, test.keys.approver, code("approver"))).body.status).toBe("approved");
    const delivered = await poll;
    expect(delivered.body.status).toBe("approved");
    expect(delivered.body.token).toMatch(/^ey/);
    const decision = await authorize({
      token: delivered.body.token,
      action: "volume:read",
      resource: production("volume/v"),
    });
    expect(decision.allow).toBe(true);

    const second = await api(test.url, "GET", `/v1/requests/${id}`, { key: test.keys.agent });
    expect(second.body.status).toBe("delivered");
    expect(second.body.token).toBeUndefined();
    const other = await api(test.url, "GET", `/v1/requests/${id}`, { key: test.keys.admin });
    expect(other.status).toBe(403);
  });

  it("a denied issuance never yields a token", async () => {
    const asked = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "production-sensitive", task: { intent: "look around" } },
    });
    const id = asked.body.request_id as string;
    await api(test.url, "POST", `/v1/approvals/${id}/deny`, {
      key: test.keys.approver,
      body: { reason: "no" },
    });
    const answer = await api(test.url, "GET", `/v1/requests/${id}?wait=1`, { key: test.keys.agent });
    expect(answer.body.status).toBe("denied");
    expect(answer.body.token).toBeUndefined();
  });
});
