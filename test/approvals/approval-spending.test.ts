// One human yes lets exactly one thing through once: a command approval is spent when its asker learns it was approved,
// so the same command asked for again waits for a human again.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const clock = new ManualClock(Date.UTC(2026, 11, 6, 9, 0, 0));
let test: TestBroker;

beforeAll(async () => {
  test = await startTestBroker({ clock });
});
afterAll(() => test.close());
beforeEach(() => clock.advance(61_000));

const code = () => currentTotp(test.totpSecrets.approver, clock.now());
const openCommand = (token: string, command: string) =>
  api(test.url, "POST", "/v1/approvals", { key: token, body: { command } });
const read = (id: string, key: string) => api(test.url, "GET", `/v1/approvals/${id}`, { key });

describe("command approvals", () => {
  it("are spent by the asker's first read of `approved`: asking again for the same command waits for a human", async () => {
    const { token } = await mintToken(test, {
      scope: "production-ops",
      task: { intent: "drop the old table" },
    });
    const command = "psql -h prod-db -c 'DROP TABLE old_orders'";
    const opened = await openCommand(token, command);
    expect(opened.status).toBe(201);
    const id = opened.body.approval_id as string;
    const approved = await api(test.url, "POST", `/v1/approvals/${id}/approve`, {
      key: test.keys.approver,
      body: { totp: code() },
    });
    expect(approved.status).toBe(200);

    // The hook reads `approved` once and runs the command.
    expect((await read(id, token)).body.status).toBe("approved");
    // Reading it again does not let it run a second time.
    const again = await read(id, token);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("used");
    // Asking again for the very same command opens a fresh approval that no human has approved yet.
    const reopened = await openCommand(token, command);
    expect(reopened.status).toBe(201);
    expect(reopened.body.reason).toBe("approval_required");
    expect(reopened.body.approval_id).not.toBe(id);
    expect((await read(reopened.body.approval_id, token)).body.status).toBe("pending");
  });

  it("a human reading an approved command approval does not spend it", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "rotate logs" } });
    const opened = await openCommand(token, "rm -rf /var/log/app/archive");
    const id = opened.body.approval_id as string;
    await api(test.url, "POST", `/v1/approvals/${id}/approve`, {
      key: test.keys.approver,
      body: { totp: code() },
    });
    expect((await read(id, test.keys.security)).body.status).toBe("approved");
    expect((await read(id, token)).body.status).toBe("approved");
    expect((await read(id, test.keys.security)).body.status).toBe("used");
  });
});
