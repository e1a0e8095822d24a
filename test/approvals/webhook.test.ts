// Approval events reach the environment's webhook, signed, retried after failures, without slowing decisions.

import { createHmac } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const SECRET = "webhook-secret-for-tests";
interface Received {
  headers: IncomingMessage["headers"];
  body: string;
}
let receiver: Server;
const received: Received[] = [];
let failuresLeft = 1;
/** While set, the webhook answers every delivery with a redirect here (and counts it in `redirected`). */
let redirectTo: string | null = null;
let redirected = 0;
let test: TestBroker;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      if (redirectTo) {
        redirected++;
        response.writeHead(307, { location: redirectTo }).end();
        return;
      }
      if (failuresLeft > 0) {
        failuresLeft--;
        response.writeHead(500).end();
        return;
      }
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const dir = await scopesDirWith({});
  const file = join(dir, "environments.yaml");
  const environments = parse(await readFile(file, "utf8"));
  for (const env of environments.environments) {
    if (env.name === "production")
      env.webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  }
  await writeFile(file, stringify(environments));
  test = await startTestBroker({ scopesDir: dir, webhook: { secret: SECRET, retryDelaysMs: [0, 50, 100] } });
});
afterAll(async () => {
  await test.close();
  receiver.close();
});

async function waitForEvents(count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (received.length < count && Date.now() < deadline) await sleep(20);
}

describe("approval webhooks", () => {
  it("posts requested and approved events, signed, retrying after a failure", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop vol_w" } });
    const held = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:delete", resource: "railway:prj_demo/env/production/volume/vol_w" },
    });
    await waitForEvents(1);
    await api(test.url, "POST", `/v1/approvals/${held.body.approval_id}/approve`, {
      key: test.keys.approver,
      body: { totp: currentTotp(test.totpSecrets.approver, Date.now()) },
    });
    await waitForEvents(2);
    expect(failuresLeft).toBe(0);
    expect(received.map((r) => r.headers["leash-event"])).toEqual([
      "approval.requested",
      "approval.approved",
    ]);
    for (const { headers, body } of received) {
      const [t, v1] = String(headers["leash-signature"]).split(",");
      const timestamp = t!.slice(2);
      const expected = createHmac("sha256", SECRET).update(`${timestamp}.${body}`).digest("hex");
      expect(v1).toBe(`v1=${expected}`);
      const event = JSON.parse(body);
      expect(event.approval).toMatchObject({
        id: held.body.approval_id,
        intent: "drop vol_w",
        environment: "production",
      });
      expect(body).not.toContain(token);
    }
  });

  it("a redirect is a failed delivery: the signed event never goes to the address it names", async () => {
    const elsewhere: string[] = [];
    const other = createServer((request, response) => {
      elsewhere.push(`${request.method} ${request.url}`);
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    redirectTo = `http://127.0.0.1:${(other.address() as AddressInfo).port}/collect`;
    try {
      const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop vol_r" } });
      await api(test.url, "POST", "/v1/authorize", {
        body: { token, action: "volume:delete", resource: "railway:prj_demo/env/production/volume/vol_r" },
      });
      // Every retry (three in this broker) meets the redirect; none is followed.
      const deadline = Date.now() + 5000;
      while (redirected < 3 && Date.now() < deadline) await sleep(20);
      await sleep(200);
      expect(elsewhere).toEqual([]);
      expect(redirected).toBe(3);
    } finally {
      redirectTo = null;
      other.close();
    }
  });

  it("a webhook that never answers does not slow the decision", async () => {
    receiver.removeAllListeners("request");
    receiver.on("request", () => {
      // never answers
    });
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop vol_slow" } });
    const started = performance.now();
    const held = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:delete", resource: "railway:prj_demo/env/production/volume/vol_slow" },
    });
    expect(held.body.reason).toBe("approval_required");
    expect(performance.now() - started).toBeLessThan(500);
  });
});
