// The approvals view in real headless Chromium: what an approver sees (protected badge, destructive mark, exact call
// with hidden characters shown, owner, the task's recent decisions, quorum, countdown), approving with TOTP, denying
// with a reason, decisions made elsewhere leaving the page live, and the page's security headers.
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, toolCallHash } from "../../src/approvals/tool-call.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { launchChromium, openConsole, signIn, statusSays, textBecomes } from "./browser.ts";

const VOLUME = "railway:prj_demo/env/production/volume/vol_1";
const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let test: TestBroker;
let browser: Browser;

beforeAll(async () => {
  const scopesDir = await scopesDirWith({
    // Staging with a human behind flagged commands: its requests must not look like production's.
    "staging-guarded.yaml": [
      "description: staging, flagged commands wait for an SRE",
      "environment: staging",
      'agents: ["*"]',
      "actions: [volume:read]",
      'resources: ["railway:prj_demo/env/staging/**"]',
      "ttl: {default: 10m, max: 30m}",
      "approval: {destructive: {approvers: [sre], quorum: 1}}",
    ].join("\n"),
  });
  test = await startTestBroker({ clock, scopesDir });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await test?.close();
});
// Every test starts in a fresh TOTP step, so a code used in one test is not a replay in the next.
beforeEach(() => clock.advance(61_000));

const authorize = (body: Record<string, unknown>) =>
  api(test.url, "POST", "/v1/authorize", { body }).then((r) => r.body);

/** An agent's destructive call in production, held for approval (after `before`, calls the task made first). */
async function heldDelete(intent: string, resource = VOLUME, before: string[] = []) {
  const { token, task } = await mintToken(test, { scope: "production-ops", task: { intent } });
  for (const action of before)
    expect(await authorize({ token, action, resource })).toMatchObject({ allow: true });
  const call = { token, action: "volume:delete", resource, request_hash: "sha256:console" };
  const held = await authorize(call);
  expect(held).toMatchObject({ allow: false, reason: "approval_required" });
  return { call, task, approvalId: held.approval_id as string };
}

const pendingItem = (page: Page, approvalId: string) =>
  page.locator(`#pending li[data-approval-id="${approvalId}"]`);
const fact = (item: Locator, field: string) => item.locator(`[data-field="${field}"]`).first().textContent();

describe("approvals console", () => {
  it("serves the page and its modules with a strict CSP, no framing, no caching and no inline script", async () => {
    const page = await fetch(new URL("/console", test.url));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("set-cookie")).toBeNull();
    const html = await page.text();
    // Every script comes from a file; no inline script and no inline event handlers.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/console/console.js">']);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    // Every control has a label: inputs by <label for>, buttons by their text.
    for (const id of html.match(/<input[^>]*\bid="([^"]+)"/g) ?? [])
      expect(html).toContain(`for="${/id="([^"]+)"/.exec(id)![1]}"`);

    for (const module of [
      "console.js",
      "api.js",
      "dom.js",
      "approvals.js",
      "security.js",
      "passkeys.js",
      "webauthn.js",
    ]) {
      const script = await fetch(new URL(`/console/${module}`, test.url));
      expect(script.status).toBe(200);
      expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(script.headers.get("content-security-policy")).toBe(csp);
      expect(script.headers.get("cache-control")).toBe("no-store");
      const source = await script.text();
      // Text only: no HTML sinks, no cookies, no other storage than this tab's session storage.
      expect(source).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|document\.cookie|localStorage|eval\(/,
      );
    }
    const style = await fetch(new URL("/console/console.css", test.url));
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const slash = await fetch(new URL("/console/", test.url), { redirect: "manual" });
    expect(slash.status).toBe(302);
    expect(slash.headers.get("location")).toBe("/console");
  });

  it("a production deletion shows the protected badge, destructive mark, owner, recent decisions and a countdown; approved with TOTP it is allowed once", async () => {
    const intent = "fix staging: remove the unused production volume vol_1";
    const { call, approvalId } = await heldDelete(intent, VOLUME, ["volume:read"]);
    const { context, page, problems } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver);

    const item = pendingItem(page, approvalId);
    await item.waitFor();
    expect(await item.getByRole("heading", { level: 3 }).textContent()).toBe(`volume:delete on ${VOLUME}`);
    expect(await item.getAttribute("data-protected")).toBe("true");
    expect(await fact(item, "environment-badge")).toBe("production · protected");
    expect(await item.locator('[data-field="environment-badge"]').getAttribute("class")).toContain(
      "protected",
    );
    expect(await item.locator('[data-field="destructive-badge"]').isVisible()).toBe(true);
    expect(await fact(item, "destructive-badge")).toBe("destructive");
    // The broker's clock says 15 minutes are left; the page counts down from that, whatever its own clock says.
    expect(await item.getByRole("timer").textContent()).toMatch(/^1[45]:\d\d left to decide$/);
    expect(await fact(item, "intent")).toBe(intent);
    expect(await fact(item, "call")).toBe(
      `volume:delete ${VOLUME}\n(request not shown: leash was sent only the action and resource)`,
    );
    expect(await fact(item, "agent")).toBe("agent-1");
    expect(await fact(item, "owner")).toBe("admin");
    expect(await fact(item, "environment")).toBe("production");
    expect(await fact(item, "quorum")).toBe("0 of 1 (approvers: sre)");
    const recent = item.locator('[data-field="recent"] li');
    expect(await recent.count()).toBe(1);
    expect(await recent.first().textContent()).toMatch(new RegExp(`^allow: volume:read on ${VOLUME}, `));
    // The key lives in this tab's sessionStorage only: no cookie, nothing in localStorage.
    expect(await page.evaluate(() => sessionStorage.getItem("leash.console.apiKey"))).toBe(
      test.keys.approver,
    );
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await context.cookies()).toEqual([]);

    await item.getByLabel("TOTP code").fill(currentTotp(test.totpSecrets.approver, clock.now()));
    await item.getByRole("button", { name: "Approve" }).click();
    await statusSays(page, `Approved: volume:delete on ${VOLUME} (approved by approver-1).`);
    await item.waitFor({ state: "detached" });
    const decided = page.locator(`#decided li[data-approval-id="${approvalId}"]`);
    expect(await decided.getAttribute("data-status")).toBe("approved");

    expect(await authorize({ ...call, approval_id: approvalId })).toMatchObject({
      allow: true,
      reason: "ok",
    });
    const again = await authorize({ ...call, approval_id: approvalId });
    expect(again).toMatchObject({ allow: false, reason: "approval_required" });

    await page.getByRole("button", { name: "Sign out" }).click();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a staging command shows no protected badge, and the whole command with control characters and space runs visible", async () => {
    const { token } = await mintToken(test, { scope: "staging-guarded", task: { intent: "tidy staging" } });
    const command = "rm -rf /tmp/cache\u001b[2K\rls   \u202e    -la\nreboot";
    const opened = await api(test.url, "POST", "/v1/approvals", { key: token, body: { command } });
    expect(opened.status).toBe(201);
    const { context, page, problems } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver);
    const item = pendingItem(page, opened.body.approval_id);
    await item.waitFor();
    expect(await item.getAttribute("data-protected")).toBe("false");
    expect(await fact(item, "environment-badge")).toBe("staging");
    expect(await item.locator('[data-field="environment-badge"]').getAttribute("class")).not.toContain(
      "protected",
    );
    expect(await item.getByRole("heading", { level: 3 }).textContent()).toBe("run a command in staging");
    expect(await fact(item, "call")).toBe(
      "rm -rf /tmp/cache⟨ESC⟩[2K⟨CR⟩ls   ⟨U+202E⟩⟨4 spaces⟩-la⟨LF⟩reboot",
    );
    expect(await item.locator('[data-field="destructive-badge"]').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("an MCP tool call held for approval shows the tool and its exact arguments, hidden characters visible; a sub-agent's shows its act chain", async () => {
    const parent = await mintToken(test, { scope: "production-ops", task: { intent: "prune volumes" } });
    const handed = await api(test.url, "POST", "/v1/token-exchange", {
      body: {
        subject_token: parent.token,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        intent: "delete vol_1",
      },
    });
    expect(handed.status).toBe(200);
    // What the gateway sends: the tool and its canonical arguments, hashing to request_hash.
    const args = { environment: "production", note: "old\u202e1lov", volumeId: "vol_1" };
    const toolCall = { upstream: "hosting", tool: "volume_delete", arguments: canonicalJson(args) };
    const held = await authorize({
      token: handed.body.access_token,
      action: "volume:delete",
      resource: VOLUME,
      request_hash: toolCallHash("hosting", "volume_delete", args),
      tool_call: toolCall,
    });
    expect(held).toMatchObject({ allow: false, reason: "approval_required" });
    const { context, page, problems } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver2);
    const item = pendingItem(page, held.approval_id);
    await item.waitFor();
    expect(await fact(item, "call")).toBe(
      'tool hosting/volume_delete with arguments {"environment":"production","note":"old⟨U+202E⟩1lov","volumeId":"vol_1"}',
    );
    expect(await fact(item, "actChain")).toBe("agent-1");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a denial from the console (submitted with the keyboard) is final for that call", async () => {
    const { context, page, problems } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver2);
    // The page's first load must be over before the request is made: else it is simply among those already waiting.
    await page.locator("#refreshed").filter({ hasText: "Up to date at" }).waitFor();
    const { call, approvalId } = await heldDelete("clean up old volumes");
    // No click and no reload: the open page learns of the new request by itself.
    const item = pendingItem(page, approvalId);
    await item.waitFor();
    await statusSays(page, "1 new approval is waiting.");
    await item.getByLabel("Reason for denying").fill("that volume holds the backups");
    await item.getByLabel("Reason for denying").press("Enter");
    await statusSays(page, `Denied: volume:delete on ${VOLUME}.`);
    const decided = page.locator(`#decided li[data-approval-id="${approvalId}"]`);
    expect(await decided.getAttribute("data-status")).toBe("denied");
    expect(await decided.locator('dd[data-field="reason"]').textContent()).toBe(
      "that volume holds the backups",
    );
    expect(await authorize({ ...call, approval_id: approvalId })).toMatchObject({
      allow: false,
      reason: "approval_denied",
    });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a decision made through the API disappears from an open console without reload or polling", async () => {
    const first = await heldDelete("rotate volumes, part 1");
    const second = await heldDelete("rotate volumes, part 2");
    const { context, page, problems } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver);
    await pendingItem(page, first.approvalId).waitFor();
    await pendingItem(page, second.approvalId).waitFor();
    const typed = pendingItem(page, second.approvalId).getByLabel("Reason for denying");
    await typed.fill("half-typed reason");
    const requests: string[] = [];
    page.on("request", (request) => requests.push(new URL(request.url()).pathname));

    const approved = await api(test.url, "POST", `/v1/approvals/${first.approvalId}/approve`, {
      key: test.keys.approver2,
      body: { totp: currentTotp(test.totpSecrets.approver2, clock.now()) },
    });
    expect(approved.body.status).toBe("approved");
    await pendingItem(page, first.approvalId).waitFor({ state: "detached" });
    await statusSays(page, "1 approval was decided elsewhere or expired.");
    // The other request, and what the approver was typing into it, stay.
    expect(await typed.inputValue()).toBe("half-typed reason");
    // What brought the change: the long-poll answering, then one fresh list.
    expect(requests.filter((path) => path === "/v1/approvals/changes").length).toBeGreaterThanOrEqual(1);
    expect(requests.filter((path) => path === "/v1/approvals").length).toBeLessThanOrEqual(2);

    const denied = await api(test.url, "POST", `/v1/approvals/${second.approvalId}/deny`, {
      key: test.keys.approver2,
      body: { reason: "not today" },
    });
    expect(denied.body.status).toBe("denied");
    await pendingItem(page, second.approvalId).waitFor({ state: "detached" });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows agent-written intent as text, never as markup (Trusted Types behind textContent)", async () => {
    const { context, page, problems, dialogs } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver);
    const intent = "<img src=x onerror=alert(1)> tidy production";
    // Resources cannot hold "<" or ">" (not canonical); an entity would turn into "<b>" if it were parsed as markup.
    const resource = "railway:prj_demo/env/production/volume/vol_9&lt;b&gt;";
    const { approvalId } = await heldDelete(intent, resource);
    const item = pendingItem(page, approvalId);
    await item.waitFor();
    expect(await fact(item, "intent")).toBe(intent);
    expect(await fact(item, "resource")).toBe(resource);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("b").count()).toBe(0);
    const sink = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML("beforeend", "<i>x</i>");
        return "accepted";
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(sink).toBe("TypeError");
    expect(dialogs).toEqual([]);
    // Chromium logs the refused sink above; nothing else may be logged.
    expect(problems.filter((p) => !p.includes("TrustedHTML"))).toEqual([]);
    await context.close();
  });

  it("the countdown follows the broker's time left, and an expired request cannot be approved", async () => {
    const { approvalId } = await heldDelete("expiring soon");
    // 14 minutes 50 seconds later on the broker's clock: ten seconds are left.
    clock.advance(14 * 60_000 + 50_000);
    const { context, page, problems } = await openConsole(browser, test.url, { fakeTimers: true });
    await signIn(page, test.keys.approver);
    const item = pendingItem(page, approvalId);
    await item.waitFor();
    const timer = item.getByRole("timer");
    expect(await timer.textContent()).toMatch(/^0:(09|10) left to decide$/);
    expect(await timer.getAttribute("class")).toContain("urgent");
    // The page's clock (faked) moves on; the broker's does not need to.
    await page.clock.runFor(11_000);
    await textBecomes(timer, "expired");
    expect(await item.getByRole("button", { name: "Approve" }).isDisabled()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows leash's errors plainly: a wrong TOTP code, an unknown key", async () => {
    const { approvalId } = await heldDelete("restart after deploy");
    const { context, page, problems } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver);
    const item = pendingItem(page, approvalId);
    await item.waitFor();
    const right = currentTotp(test.totpSecrets.approver, clock.now());
    await item.getByLabel("TOTP code").fill(right === "000000" ? "111111" : "000000");
    await item.getByRole("button", { name: "Approve" }).click();
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: "totp_invalid" }).waitFor();
    expect(await alert.textContent()).toBe("Approval failed: the code is wrong or too old (totp_invalid)");
    expect(await fact(item, "quorum")).toBe("0 of 1 (approvers: sre)");
    await page.getByRole("button", { name: "Sign out" }).click();

    await page.getByLabel("Human key").fill(`lsh_${"A".repeat(43)}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await alert.filter({ hasText: "Could not sign in" }).waitFor();
    expect(await alert.textContent()).toMatch(/^Could not sign in: .+ \([a-z_]+\)$/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByLabel("Human key").isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
