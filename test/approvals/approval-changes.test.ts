// GET /v1/approvals/changes (the consoles' long-poll) and what GET /v1/approvals tells an approver about each request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const VOLUME = "railway:prj_demo/env/production/volume/vol_7";
const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let test: TestBroker;

beforeAll(async () => {
  test = await startTestBroker({ clock });
});
afterAll(() => test.close());

const changes = (key: string, query: string) =>
  api(test.url, "GET", `/v1/approvals/changes${query}`, { key });

async function held() {
  const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop vol_7" } });
  await api(test.url, "POST", "/v1/authorize", {
    body: { token, action: "volume:read", resource: VOLUME },
  });
  const answer = await api(test.url, "POST", "/v1/authorize", {
    body: { token, action: "volume:delete", resource: VOLUME },
  });
  expect(answer.body.reason).toBe("approval_required");
  return answer.body.approval_id as string;
}

describe("approval changes long-poll", () => {
  it("answers at once without `after`, waits while nothing changes, and answers as soon as something does", async () => {
    const first = await changes(test.keys.approver, "?wait=0");
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), changed: false });
    // Nothing changes for one second: the wait runs out with the same fingerprint.
    const quiet = await changes(test.keys.approver, `?after=${first.body.fingerprint}&wait=1`);
    expect(quiet.body).toEqual({ fingerprint: first.body.fingerprint, changed: false });

    const waiting = changes(test.keys.approver, `?after=${first.body.fingerprint}&wait=30`);
    const started = Date.now();
    const approvalId = await held();
    const woken = await waiting;
    expect(woken.body.changed).toBe(true);
    expect(woken.body.fingerprint).not.toBe(first.body.fingerprint);
    expect(Date.now() - started).toBeLessThan(25_000);

    // A decision elsewhere changes it again.
    const decided = changes(test.keys.approver, `?after=${woken.body.fingerprint}&wait=30`);
    await api(test.url, "POST", `/v1/approvals/${approvalId}/approve`, {
      key: test.keys.approver2,
      body: { totp: currentTotp(test.totpSecrets.approver2, clock.now()) },
    });
    expect((await decided).body).toEqual({ fingerprint: first.body.fingerprint, changed: true });
  });

  it("a request only for other groups does not wake an approver outside them", async () => {
    const dba = await changes(test.keys.dbaApprover, "?wait=0");
    const waiting = changes(test.keys.dbaApprover, `?after=${dba.body.fingerprint}&wait=1`);
    await held();
    expect((await waiting).body).toEqual({ fingerprint: dba.body.fingerprint, changed: false });
  });

  it("refuses agents, unknown keys and malformed waits", async () => {
    expect((await changes(test.keys.agent, "?wait=0")).body.code).toBe("human_key_required");
    expect((await changes(`lsh_${"B".repeat(43)}`, "?wait=0")).status).toBe(401);
    for (const query of ["?wait=31", "?wait=-1", "?wait=x", "?after=", "?other=1"]) {
      const answer = await changes(test.keys.approver, query);
      expect(answer.status, query).toBe(400);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("GET /v1/approvals tells what is at risk, who owns the agent, the time left and the task's recent decisions", async () => {
    const approvalId = await held();
    const list = await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver });
    const item = list.body.approvals.find((approval: { id: string }) => approval.id === approvalId);
    expect(item).toMatchObject({
      environment: "production",
      environment_protected: true,
      destructive: true,
      owner: "admin",
      expires_in_ms: 15 * 60_000,
    });
    expect(item.recent_decisions).toEqual([
      { time: expect.any(String), action: "volume:read", resource: VOLUME, decision: "allow", reason: "ok" },
    ]);
  });
});
