// Held calls against the real broker: approved → forwarded once; denied, timed out or abandoned → never forwarded.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";
import { Agent, startTestProxy, type TestProxy } from "./harness.ts";

// The broker's clock moves past a TOTP step before each approval, so one approver can approve many times.
const clock = new ManualClock(Date.now());
let broker: TestBroker;
let platform: FakePlatform;
let proxy: TestProxy;

const rules = `
      - graphql:
          path: /graphql
          mutations:
            volumeDelete: { action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/{args.volumeId}" }
          queries:
            default: { action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
      - { method: DELETE, path: /v1/volumes/:id, action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:id" }`;

const config = (target: string) => `
port: 0
hold_timeout: 20s
upstreams:
  - name: production
    listen: /production
    target: ${target}
    environment: production
    credential: { env: UNUSED_IN_TESTS }
    rules: ${rules}
  - name: production-impatient
    listen: /impatient
    target: ${target}
    environment: production
    credential: { env: UNUSED_IN_TESTS }
    hold_timeout: 1500ms
    rules: ${rules}
`;

beforeAll(async () => {
  broker = await startTestBroker({ clock });
  platform = await startFakePlatform();
  const credentials = {
    production: platform.tokens.production,
    "production-impatient": platform.tokens.production,
  };
  proxy = await startTestProxy(config(platform.url), { brokerUrl: broker.url, credentials });
});
afterAll(async () => {
  await proxy?.close();
  await platform?.close();
  await broker?.close();
});
beforeEach(() => {
  platform.calls.length = 0;
  platform.seed();
});

const opsAgent = async (intent = "remove the old production volume") =>
  new Agent((await mintToken(broker, { scope: "production-ops", task: { intent } })).token);

/** Waits until the approver sees a pending approval for the resource; returns its id. */
async function pendingApproval(resource: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const { body } = await api(broker.url, "GET", "/v1/approvals", { key: broker.keys.approver });
    const found = (body.approvals as { id: string; resource?: string; status: string }[]).find(
      (a) => a.resource === resource && a.status === "pending",
    );
    if (found) return found.id;
    await sleep(50);
  }
  throw new Error(`no pending approval for ${resource}`);
}

async function approve(id: string) {
  clock.advance(31_000);
  const totp = currentTotp(broker.totpSecrets.approver, clock.now());
  const response = await api(broker.url, "POST", `/v1/approvals/${id}/approve`, {
    key: broker.keys.approver,
    body: { totp },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

const volume = (id: string) => `railway:prj_demo/env/production/volume/${id}`;
const deleteVolume = "mutation($id: ID!) { volumeDelete(volumeId: $id) }";

describe("a destructive production call", () => {
  it("is held until a human approves with TOTP, then forwarded exactly once", async () => {
    const agent = await opsAgent();
    const held = agent.graphql(`${proxy.url("production")}/graphql`, deleteVolume, { id: "vol_prod_old" });
    const id = await pendingApproval(volume("vol_prod_old"));
    await sleep(300);
    expect(platform.calls).toEqual([]);
    await approve(id);
    const response = await held;
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ data: { volumeDelete: true } });
    expect(platform.callsWithField("volumeDelete")).toHaveLength(1);
    expect(platform.volumes.has("vol_prod_old")).toBe(false);
  });

  it("held over REST too: the body streams only after approval", async () => {
    const agent = await opsAgent();
    const held = agent.request(`${proxy.url("production")}/v1/volumes/vol_prod_old`, { method: "DELETE" });
    const id = await pendingApproval(volume("vol_prod_old"));
    expect(platform.calls).toEqual([]);
    await approve(id);
    const response = await held;
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ deleted: "vol_prod_old" });
    expect(platform.calls).toHaveLength(1);
  });

  it("is never forwarded when the human denies it: 403 approval_denied", async () => {
    const agent = await opsAgent();
    const held = agent.graphql(`${proxy.url("production")}/graphql`, deleteVolume, { id: "vol_prod_db" });
    const id = await pendingApproval(volume("vol_prod_db"));
    const denied = await api(broker.url, "POST", `/v1/approvals/${id}/deny`, {
      key: broker.keys.approver,
      body: { reason: "that is the production database" },
    });
    expect(denied.status).toBe(200);
    const response = await held;
    expect(response.status).toBe(403);
    expect(response.json().errors[0].extensions).toMatchObject({
      code: "approval_denied",
      approval_id: id,
      resource: volume("vol_prod_db"),
    });
    expect(platform.calls).toEqual([]);
    expect(platform.volumes.get("vol_prod_db")!.backups).toHaveLength(2);
  });

  it("answers 403 approval_timeout when nobody decides within hold_timeout", async () => {
    const agent = await opsAgent();
    const started = Date.now();
    const response = await agent.request(`${proxy.url("production-impatient")}/v1/volumes/vol_prod_cache`, {
      method: "DELETE",
    });
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ code: "approval_timeout", resource: volume("vol_prod_cache") });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(Date.now() - started).toBeLessThan(5000);
    // Approving after the agent was told no does not send it either.
    await approve(await pendingApproval(volume("vol_prod_cache")));
    await sleep(300);
    expect(platform.calls).toEqual([]);
    // The identical call, retried, is bound to the same approval: it now goes through at once, and only once.
    const retried = await agent.request(`${proxy.url("production-impatient")}/v1/volumes/vol_prod_cache`, {
      method: "DELETE",
    });
    expect(retried.status).toBe(200);
    expect(platform.calls).toHaveLength(1);
  });

  it("is dropped when the agent disconnects while held, even if approved afterwards", async () => {
    const agent = await opsAgent();
    const controller = new AbortController();
    const held = fetch(`${proxy.url("production")}/graphql`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json" },
      body: JSON.stringify({ query: deleteVolume, variables: { id: "vol_prod_cache" } }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    const id = await pendingApproval(volume("vol_prod_cache"));
    controller.abort();
    await held;
    await sleep(200);
    await approve(id);
    await sleep(1500);
    expect(platform.calls).toEqual([]);
    expect(platform.volumes.has("vol_prod_cache")).toBe(true);
  });

  it("with two destructive fields, needs both approved and forwards the document once", async () => {
    const agent = await opsAgent();
    const held = agent.graphql(
      `${proxy.url("production")}/graphql`,
      'mutation { a: volumeDelete(volumeId: "vol_prod_old") b: volumeDelete(volumeId: "vol_prod_cache") }',
    );
    const first = await pendingApproval(volume("vol_prod_old"));
    const second = await pendingApproval(volume("vol_prod_cache"));
    await approve(first);
    await sleep(300);
    expect(platform.calls).toEqual([]);
    await approve(second);
    const response = await held;
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ data: { a: true, b: true } });
    expect(platform.calls).toHaveLength(1);
  });
});

describe("long-polling the approval", () => {
  it("does not busy-loop when the broker answers `pending` at once", async () => {
    const polls: { url?: string; authorization?: string }[] = [];
    const stub = http.createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/v1/authorize") {
        res.end(JSON.stringify({ allow: false, reason: "approval_required", approval_id: "apr_stub" }));
        return;
      }
      polls.push({ url: req.url, authorization: req.headers.authorization });
      res.end(JSON.stringify({ id: "apr_stub", status: "pending" }));
    });
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    const cut = await startTestProxy(config(platform.url), {
      brokerUrl: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
      credentials: {
        production: platform.tokens.production,
        "production-impatient": platform.tokens.production,
      },
    });
    try {
      const agent = new Agent("task-token");
      const response = await agent.request(`${cut.url("production-impatient")}/v1/volumes/vol_prod_old`, {
        method: "DELETE",
      });
      expect(response.json().code).toBe("approval_timeout");
      expect(polls.length).toBeGreaterThanOrEqual(1);
      expect(polls.length).toBeLessThanOrEqual(3);
      for (const poll of polls) {
        expect(poll).toEqual({
          url: expect.stringMatching(/^\/v1\/approvals\/apr_stub\?wait=[12]$/),
          authorization: "Bearer task-token",
        });
      }
      expect(platform.calls).toEqual([]);
    } finally {
      await cut.close();
      stub.close();
    }
  });
});
