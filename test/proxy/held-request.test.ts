// A request the proxy holds for approval shows its approver exactly what will be forwarded: method, path with query, the
// hashed headers and the body it read (or says no body is bound), in the API, the console, `leash approve` and the
// webhook. Real broker, real proxy, real upstream, real Chromium, the real CLI in a pseudo-terminal.
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { launchChromium, openConsole, signIn } from "../console/browser.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { LEASH_BIN, runProcess } from "../helpers/cli.ts";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";
import { Agent, startTestProxy, type TestProxy } from "./harness.ts";

const clock = new ManualClock(Date.now());
let broker: TestBroker;
let platform: FakePlatform;
let proxy: TestProxy;
let browser: Browser;
let webhook: Server;
const delivered: { event: string; approval: Record<string, unknown> }[] = [];

const volumeRule = (extra: string) =>
  `{ method: DELETE, path: /v1/volumes/:id, action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:id"${extra} }`;
const config = (target: string) => `
port: 0
hold_timeout: 20s
upstreams:
  - name: production
    listen: /production
    target: ${target}
    environment: production
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - ${volumeRule(", hash_body: true, hash_headers: [x-mode]")}
  - name: streaming
    listen: /streaming
    target: ${target}
    environment: production
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - ${volumeRule("")}
`;

beforeAll(async () => {
  webhook = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      delivered.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
  const dir = await scopesDirWith({});
  const file = join(dir, "environments.yaml");
  const environments = parse(await readFile(file, "utf8"));
  for (const env of environments.environments) {
    if (env.name === "production")
      env.webhook = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;
  }
  await writeFile(file, stringify(environments));
  broker = await startTestBroker({
    clock,
    scopesDir: dir,
    webhook: { secret: "held-request-webhook", retryDelaysMs: [0] },
  });
  platform = await startFakePlatform();
  const credentials = { production: platform.tokens.production, streaming: platform.tokens.production };
  proxy = await startTestProxy(config(platform.url), { brokerUrl: broker.url, credentials });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await platform?.close();
  await broker?.close();
  webhook?.close();
});
beforeEach(() => {
  platform.calls.length = 0;
  platform.seed();
  clock.advance(31_000);
});

const opsAgent = async () =>
  new Agent((await mintToken(broker, { scope: "production-ops", task: { intent: "prune a volume" } })).token);
const volume = (id: string) => `railway:prj_demo/env/production/volume/${id}`;

async function pendingApproval(resource: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const { body } = await api(broker.url, "GET", "/v1/approvals", { key: broker.keys.approver });
    const found = (body.approvals as { id: string; resource?: string }[]).find(
      (a) => a.resource === resource,
    );
    if (found) return found.id;
    await sleep(50);
  }
  throw new Error(`no pending approval for ${resource}`);
}

async function approve(id: string) {
  const totp = currentTotp(broker.totpSecrets.approver, clock.now());
  const response = await api(broker.url, "POST", `/v1/approvals/${id}/approve`, {
    key: broker.keys.approver,
    body: { totp },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
}

/** `leash approve ID --code …` in a pseudo-terminal, answering no: it shows the call and approves nothing. */
async function approveDeclined(id: string) {
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [process.execPath, LEASH_BIN, "approve", id, "--code", "000000"].map(quote).join(" ");
  return runProcess("script", ["-qec", command, "/dev/null"], {
    env: { ...process.env, LEASH_URL: broker.url, LEASH_HUMAN_KEY: broker.keys.approver, NO_COLOR: "1" },
    input: "n\n",
  });
}

describe("a request held for approval", () => {
  it("shows method, path with query, hashed headers and body everywhere an approver looks; then runs as shown", async () => {
    const agent = await opsAgent();
    // What a quick look at action and resource would not show: a cascade in the query, a header, a body naming
    // every id, and a right-to-left override in it.
    const body = '{"ids":["all"],"note":"keep\u202e"}';
    const held = agent.request(`${proxy.url("production")}/v1/volumes/vol_prod_old?cascade=true`, {
      method: "DELETE",
      headers: { "content-type": "application/json", "x-mode": "hard", "x-unhashed": "1" },
      body,
    });
    const id = await pendingApproval(volume("vol_prod_old"));
    const expected = {
      method: "DELETE",
      path: "/v1/volumes/vol_prod_old?cascade=true",
      headers: [
        ["content-type", "application/json"],
        ["x-mode", "hard"],
      ],
      body,
    };
    const shown = await api(broker.url, "GET", `/v1/approvals/${id}`, { key: broker.keys.approver });
    expect(shown.body.http_request).toEqual(expected);

    const { context, page, problems } = await openConsole(browser, broker.url);
    await signIn(page, broker.keys.approver);
    const item = page.locator(`#pending li[data-approval-id="${id}"]`);
    await item.waitFor();
    expect(await item.locator('[data-field="call"]').first().textContent()).toBe(
      [
        "DELETE /v1/volumes/vol_prod_old?cascade=true",
        "content-type: application/json",
        "x-mode: hard",
        `body (${Buffer.byteLength(body)} bytes): {"ids":["all"],"note":"keep⟨U+202E⟩"}`,
      ].join("\n"),
    );
    expect(problems).toEqual([]);
    await context.close();

    const cli = await approveDeclined(id);
    expect(cli.stdout).toContain("    request DELETE /v1/volumes/vol_prod_old?cascade=true");
    expect(cli.stdout).toContain("      x-mode: hard");
    expect(cli.stdout).toContain('{"ids":["all"],"note":"keep⟨U+202E⟩"}');
    expect(cli.stdout).not.toContain("\u202e");

    await approve(id);
    const response = await held;
    expect(response.status, response.text).toBe(200);
    expect(platform.calls).toHaveLength(1);
    expect(platform.calls[0]).toMatchObject({ method: "DELETE", path: "/v1/volumes/vol_prod_old", body });

    for (let i = 0; i < 100 && !delivered.some((d) => d.approval.id === id); i++) await sleep(50);
    const event = delivered.find((d) => d.approval.id === id);
    expect(event?.approval.http_request).toEqual(expected);
  }, 60_000);

  it("says plainly when no body is bound: a body that streams is not shown, and not claimed absent", async () => {
    const agent = await opsAgent();
    const held = agent.request(`${proxy.url("streaming")}/v1/volumes/vol_prod_cache`, {
      method: "DELETE",
      headers: { "content-type": "text/plain" },
      body: "streams past unread",
    });
    const id = await pendingApproval(volume("vol_prod_cache"));
    const shown = await api(broker.url, "GET", `/v1/approvals/${id}`, { key: broker.keys.approver });
    expect(shown.body.http_request).toEqual({
      method: "DELETE",
      path: "/v1/volumes/vol_prod_cache",
      headers: [["content-type", "text/plain"]],
    });
    const cli = await approveDeclined(id);
    expect(cli.stdout).toContain("body not shown: not part of the request hash");
    await approve(id);
    expect((await held).status).toBe(200);
  }, 60_000);
});
