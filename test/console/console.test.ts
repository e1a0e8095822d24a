// The approvals console in real headless Chromium: sign in, see the exact call, approve with TOTP or deny; and its headers.
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/approvals/totp.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const CHROMIUM = "/usr/bin/chromium";
const VOLUME = "railway:prj_demo/env/production/volume/vol_1";
const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let test: TestBroker;
let browser: Browser;

beforeAll(async () => {
  // Fail, never skip: a console nobody tested in a browser is not tested. CI (.ci/run) installs the package.
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the console tests drive it headless. Install Debian's package: apt-get install -y chromium`,
    );
  }
  test = await startTestBroker({ clock });
  // launch() gives every run a fresh temporary user data dir and removes it on close.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await test?.close();
});
// Every test starts in a fresh TOTP step, so a code used in one test is not a replay in the next.
beforeEach(() => clock.advance(61_000));

const authorize = (body: Record<string, unknown>) =>
  api(test.url, "POST", "/v1/authorize", { body }).then((r) => r.body);

/** An agent's destructive call in production, held for approval. */
async function heldDelete(intent: string, resource = VOLUME) {
  const { token } = await mintToken(test, { scope: "production-ops", task: { intent } });
  const call = { token, action: "volume:delete", resource, request_hash: "sha256:console" };
  const held = await authorize(call);
  expect(held).toMatchObject({ allow: false, reason: "approval_required" });
  return { call, approvalId: held.approval_id as string };
}

interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Script errors and CSP / Trusted Types violations the page logged; must stay empty. */
  problems: string[];
  dialogs: string[];
}

async function openConsole(options: { fakeTimers?: boolean } = {}): Promise<ConsolePage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  // Fail within the test's time budget, with Playwright's message saying what was awaited.
  page.setDefaultTimeout(5000);
  if (options.fakeTimers) await page.clock.install();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // A 4xx answer is logged by Chromium as "Failed to load resource"; the page handles those itself.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      problems.push(message.text());
  });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const response = await page.goto(new URL("/console", test.url).href);
  expect(response?.status()).toBe(200);
  return { context, page, problems, dialogs };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel("Approver key").fill(key);
  await page.getByLabel("Approver key").press("Enter");
  await page.getByRole("heading", { name: "Pending approvals" }).waitFor();
}

const pendingItem = (page: Page, approvalId: string) =>
  page.locator(`#pending li[data-approval-id="${approvalId}"]`);
const fact = (item: Locator, field: string) => item.locator(`dd[data-field="${field}"]`).textContent();
const statusSays = (page: Page, text: string) =>
  page.getByRole("status").filter({ hasText: text }).waitFor({ timeout: 5000 });

describe("approvals console", () => {
  it("serves the page with a strict CSP, no framing and no caching", async () => {
    const page = await fetch(new URL("/console", test.url));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("set-cookie")).toBeNull();
    const html = await page.text();
    // Every script comes from a file; no inline script and no inline event handlers.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/console/console.js">']);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);

    const script = await fetch(new URL("/console/console.js", test.url));
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("content-security-policy")).toBe(csp);
    expect(script.headers.get("cache-control")).toBe("no-store");
    expect(await script.text()).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    const style = await fetch(new URL("/console/console.css", test.url));
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const slash = await fetch(new URL("/console/", test.url), { redirect: "manual" });
    expect(slash.status).toBe(302);
    expect(slash.headers.get("location")).toBe("/console");
  });

  it("full loop: held → listed in the console → approved with a real TOTP code → allowed once", async () => {
    const intent = "fix staging: remove the unused production volume vol_1";
    const { call, approvalId } = await heldDelete(intent);
    const { context, page, problems } = await openConsole();
    await signIn(page, test.keys.approver);

    const item = pendingItem(page, approvalId);
    await item.waitFor();
    expect(await item.getByRole("heading").textContent()).toBe(`volume:delete on ${VOLUME}`);
    expect(await fact(item, "intent")).toBe(intent);
    expect(await fact(item, "action")).toBe("volume:delete");
    expect(await fact(item, "resource")).toBe(VOLUME);
    expect(await fact(item, "agent")).toBe("agent-1");
    expect(await fact(item, "environment")).toBe("production");
    expect(await fact(item, "quorum")).toBe("0 of 1 (approvers: sre)");
    expect(await fact(item, "requested")).not.toBe("");
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
    expect(await decided.getByRole("heading").textContent()).toBe(`Approved: volume:delete on ${VOLUME}`);

    expect(await authorize({ ...call, approval_id: approvalId })).toMatchObject({
      allow: true,
      reason: "ok",
    });
    const again = await authorize({ ...call, approval_id: approvalId });
    expect(again).toMatchObject({ allow: false, reason: "approval_required" });
    expect(again.approval_id).not.toBe(approvalId);

    // Signing out forgets the key.
    await page.getByRole("button", { name: "Sign out" }).click();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a denial from the console (found with Refresh, submitted with the keyboard) is final for that call", async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, test.keys.approver2);
    const { call, approvalId } = await heldDelete("clean up old volumes");
    await page.getByRole("button", { name: "Refresh" }).click();
    const item = pendingItem(page, approvalId);
    await item.waitFor();
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

  it("refreshes by itself, and shows agent-written intent and resource as text, never as markup", async () => {
    const { context, page, problems, dialogs } = await openConsole({ fakeTimers: true });
    await signIn(page, test.keys.approver);
    const intent = "<img src=x onerror=alert(1)> tidy production";
    // Resources cannot hold "<" or ">" (not canonical); an entity would turn into "<b>" if it were parsed as markup.
    const resource = "railway:prj_demo/env/production/volume/vol_9&lt;b&gt;";
    const { approvalId } = await heldDelete(intent, resource);
    const item = pendingItem(page, approvalId);
    expect(await item.count()).toBe(0);
    // No click: the page's own timer (faked, so the test does not wait 5 s) picks up the new approval.
    await page.clock.runFor(5_000);
    await item.waitFor();
    await statusSays(page, "1 new approval is waiting.");
    expect(await fact(item, "intent")).toBe(intent);
    expect(await fact(item, "resource")).toBe(resource);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("b").count()).toBe(0);
    // Trusted Types (from the CSP) make any string-to-HTML sink throw, as a second line behind textContent.
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

  it("shows leash's errors plainly: a wrong TOTP code, an unknown key", async () => {
    const { approvalId } = await heldDelete("restart after deploy");
    const { context, page, problems } = await openConsole();
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

    await signInExpectingError(page, `lsh_${"A".repeat(43)}`);
    expect(await alert.textContent()).toMatch(/^Could not load approvals: .+ \([a-z_]+\)$/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await page.getByLabel("Approver key").isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});

async function signInExpectingError(page: Page, key: string): Promise<void> {
  await page.getByLabel("Approver key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "Could not load approvals" }).waitFor();
}
