// An approval is decided and spent under the approval rule its scope names now: once a reload changes who approves, how
// many must or with which factor, what was asked under the old rule is void and is asked for afresh.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const clock = new ManualClock(Date.UTC(2026, 11, 6, 10, 0, 0));
const resource = "railway:prj_demo/env/production/volume/vol_rule";
let test: TestBroker;
let dir: string;

const scopeWith = (approval: string, extra = "") =>
  [
    "description: production volumes, deletion approved by SREs",
    "environment: production",
    'agents: ["*"]',
    "actions: [volume:read, volume:delete]",
    'resources: ["railway:prj_demo/env/production/**"]',
    "ttl: {default: 10m, max: 30m}",
    `approval: {destructive: ${approval}${extra}}`,
  ].join("\n");
const ONE_SRE = "{approvers: [sre], quorum: 1}";
const TWO_SRES = "{approvers: [sre], quorum: 2}";

async function setRule(approval: string, extra = "") {
  await writeFile(join(dir, "rule-volumes.yaml"), scopeWith(approval, extra));
  const reloaded = await api(test.url, "POST", "/v1/admin/reload-scopes", { key: test.keys.admin });
  expect(reloaded.status, JSON.stringify(reloaded.body)).toBe(200);
}

const issueScopeWith = (approval: string) =>
  [
    "description: reading production volumes needs an SRE first",
    "environment: production",
    'agents: ["*"]',
    "actions: [volume:read]",
    'resources: ["railway:prj_demo/env/production/**"]',
    "ttl: {default: 10m, max: 30m}",
    `approval: {issue: ${approval}}`,
  ].join("\n");

beforeAll(async () => {
  dir = await scopesDirWith({
    "rule-volumes.yaml": scopeWith(ONE_SRE),
    "rule-issue.yaml": issueScopeWith(ONE_SRE),
  });
  test = await startTestBroker({ clock, scopesDir: dir });
});
afterAll(() => test.close());
beforeEach(async () => {
  clock.advance(61_000);
  await setRule(ONE_SRE);
});

const code = (who: "approver" | "approver2") => currentTotp(test.totpSecrets[who], clock.now());
const approve = (id: string, key: string, totp: string) =>
  api(test.url, "POST", `/v1/approvals/${id}/approve`, { key, body: { totp } });

async function held() {
  const { token } = await mintToken(test, { scope: "rule-volumes", task: { intent: "remove vol_rule" } });
  const call = { token, action: "volume:delete", resource, request_hash: "sha256:rule" };
  const first = await api(test.url, "POST", "/v1/authorize", { body: call });
  expect(first.body.reason).toBe("approval_required");
  return { call, approvalId: first.body.approval_id as string };
}

describe("an approval rule changed by a reload", () => {
  it("voids a pending approval: approving it is refused (409 approval_rule_changed), and the call is asked for under the new rule", async () => {
    const { call, approvalId } = await held();
    await setRule(TWO_SRES);
    const refused = await approve(approvalId, test.keys.approver, code("approver"));
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body.code).toBe("approval_rule_changed");
    const asked = await api(test.url, "POST", "/v1/authorize", { body: call });
    expect(asked.body.reason).toBe("approval_required");
    expect(asked.body.approval_id).not.toBe(approvalId);
    const fresh = await api(test.url, "GET", `/v1/approvals/${asked.body.approval_id}`, {
      key: test.keys.approver,
    });
    expect(fresh.body.quorum).toBe(2);
    expect((await approve(asked.body.approval_id, test.keys.approver, code("approver"))).body.status).toBe(
      "pending",
    );
  });

  it("voids an approval granted under the old rule before it is used: the call does not run", async () => {
    const { call, approvalId } = await held();
    expect((await approve(approvalId, test.keys.approver, code("approver"))).body.status).toBe("approved");
    await setRule(TWO_SRES);
    const used = await api(test.url, "POST", "/v1/authorize", { body: { ...call, approval_id: approvalId } });
    expect(used.body.allow).toBe(false);
    expect(used.body.reason).toBe("approval_required");
    expect(used.body.approval_id).not.toBe(approvalId);
    const old = await api(test.url, "GET", `/v1/approvals/${approvalId}`, { key: test.keys.approver });
    expect(old.body.status).toBe("expired");
  });

  it("a passkey now required voids what a TOTP code approved", async () => {
    const { call, approvalId } = await held();
    expect((await approve(approvalId, test.keys.approver, code("approver"))).body.status).toBe("approved");
    await setRule("{approvers: [sre], quorum: 1, factor: webauthn}");
    const used = await api(test.url, "POST", "/v1/authorize", { body: { ...call, approval_id: approvalId } });
    expect(used.body.allow).toBe(false);
  });

  it("an unchanged rule (the same file reloaded) leaves approvals as they are", async () => {
    const { call, approvalId } = await held();
    await setRule(ONE_SRE);
    expect((await approve(approvalId, test.keys.approver, code("approver"))).body.status).toBe("approved");
    await setRule("{quorum: 1, approvers: [sre]}");
    const used = await api(test.url, "POST", "/v1/authorize", { body: { ...call, approval_id: approvalId } });
    expect(used.body).toMatchObject({ allow: true, reason: "ok" });
  });

  it("voids an approved issuance before its token is collected: no token is handed over", async () => {
    const asked = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "rule-issue", task: { intent: "read volumes" } },
    });
    expect(asked.status).toBe(202);
    const id = asked.body.request_id as string;
    expect((await approve(id, test.keys.approver, code("approver"))).body.status).toBe("approved");
    await writeFile(join(dir, "rule-issue.yaml"), issueScopeWith(TWO_SRES));
    expect((await api(test.url, "POST", "/v1/admin/reload-scopes", { key: test.keys.admin })).status).toBe(
      200,
    );
    const collected = await api(test.url, "GET", `/v1/requests/${id}`, { key: test.keys.agent });
    expect(collected.body.status).toBe("expired");
    expect(collected.body.token).toBeUndefined();
  });
});
