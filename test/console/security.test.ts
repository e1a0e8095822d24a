// The security view in real headless Chromium: live tasks with their budgets, revoke a task and lock a scope from the
// console (the API then refuses), locks removed from the console, the audit tail filtered; approvers do not see it.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { launchChromium, openConsole, signIn, statusSays } from "./browser.ts";

const STAGING = "railway:prj_demo/env/staging/volume/vol_sec";
let test: TestBroker;
let browser: Browser;

beforeAll(async () => {
  test = await startTestBroker();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await test?.close();
});

const authorize = (body: Record<string, unknown>) =>
  api(test.url, "POST", "/v1/authorize", { body }).then((r) => r.body);
const taskRow = (page: Page, task: string) => page.locator(`#tasks-body tr[data-task="${task}"]`);
const signInSecurity = (page: Page) => signIn(page, test.keys.security, "Live tasks");

describe("security console", () => {
  it("shows each live task with its budget; revoking it from the console refuses the task's next authorize", async () => {
    const { token, task } = await mintToken(test, {
      scope: "staging-fix",
      task: { intent: "clean staging volumes" },
    });
    expect(await authorize({ token, action: "volume:delete", resource: STAGING })).toMatchObject({
      allow: true,
    });
    const { context, page, problems } = await openConsole(browser, test.url);
    await signInSecurity(page);
    expect(await page.getByRole("button", { name: "Security" }).getAttribute("aria-current")).toBe("page");

    const row = taskRow(page, task);
    await row.waitFor();
    const field = (name: string) => row.locator(`[data-field="${name}"]`).textContent();
    expect(await field("task")).toBe(`${task}clean staging volumes`);
    expect(await field("agent")).toBe("agent-1");
    expect(await field("scope")).toBe("staging-fix");
    expect(await field("environment")).toBe("staging");
    expect(await field("tokens")).toBe("1");
    expect(await field("pending")).toBe("0");
    expect(await row.locator('[data-field="budgets"] li').allTextContents()).toEqual([
      "destructive per task (scope:staging-fix): 1 of 3 in 1m, 2 left, then the task is revoked",
    ]);

    await row.getByRole("button", { name: "Revoke task" }).click();
    const dialog = page.getByRole("dialog", { name: `Revoke task ${task}` });
    await dialog.waitFor();
    // The expiry is for locks only.
    expect(await dialog.getByLabel("Lock for").isVisible()).toBe(false);
    await dialog.getByLabel("Reason").fill("agent deleting more than asked");
    await dialog.getByLabel("Reason").press("Enter");
    await statusSays(page, `Task ${task} is revoked.`);
    await row.waitFor({ state: "detached" });
    expect(await authorize({ token, action: "volume:read", resource: STAGING })).toMatchObject({
      allow: false,
      reason: "revoked",
    });
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a scope locked from the console (with an expiry) blocks minting until the lock is removed from the console", async () => {
    const { task } = await mintToken(test, { scope: "production-ops", task: { intent: "restart api" } });
    const { context, page, problems } = await openConsole(browser, test.url);
    await signInSecurity(page);
    const row = taskRow(page, task);
    await row.waitFor();
    // Keyboard only: focus the button, open with Enter, fill, confirm.
    await row.getByRole("button", { name: "Lock scope" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Lock scope production-ops" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("stop-reason");
    await page.keyboard.type("suspected credential leak");
    await dialog.getByLabel("Lock for").selectOption("15m");
    await dialog.getByRole("button", { name: "Lock scope" }).click();
    await statusSays(page, "scope production-ops is locked for 15m.");

    const minted = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "production-ops", task: { intent: "try again" } },
    });
    expect(minted.status).toBe(403);
    expect(minted.body.code).toBe("locked");

    const lockRow = page.locator("#locks-body tr").filter({ hasText: "scope production-ops" });
    await lockRow.waitFor();
    expect(await lockRow.locator('[data-field="reason"]').textContent()).toBe("suspected credential leak");
    expect(await lockRow.locator('[data-field="by"]').textContent()).toBe("human:sec-1");
    expect(await lockRow.locator('[data-field="until"]').textContent()).not.toBe("until removed");
    await lockRow.getByRole("button", { name: "Remove the lock on scope production-ops" }).click();
    await statusSays(page, "The lock on scope production-ops is lifted.");
    await lockRow.waitFor({ state: "detached" });
    const again = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "production-ops", task: { intent: "try again" } },
    });
    expect(again.status).toBe(201);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("Escape closes the dialog without stopping anything and gives focus back to the button", async () => {
    const { token, task } = await mintToken(test, { scope: "staging-fix", task: { intent: "look around" } });
    const { context, page, problems } = await openConsole(browser, test.url);
    await signInSecurity(page);
    const row = taskRow(page, task);
    await row.waitFor();
    const lockAgent = row.getByRole("button", { name: "Lock agent" });
    await lockAgent.click();
    await page.getByRole("dialog").waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    expect(await lockAgent.evaluate((node) => node === document.activeElement)).toBe(true);
    expect(await authorize({ token, action: "volume:read", resource: STAGING })).toMatchObject({
      allow: true,
    });
    expect((await api(test.url, "GET", "/v1/locks", { key: test.keys.security })).body.locks).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("the audit tail filters by task and decision", async () => {
    const { token, task } = await mintToken(test, { scope: "staging-fix", task: { intent: "audit me" } });
    await authorize({ token, action: "volume:read", resource: STAGING });
    await authorize({ token, action: "backup:delete", resource: STAGING });
    const { context, page, problems } = await openConsole(browser, test.url);
    await signInSecurity(page);
    await page.getByLabel("Task", { exact: true }).fill(task);
    await page.getByLabel("Decision").selectOption("deny");
    await page.getByRole("button", { name: "Show" }).click();
    const rows = page.locator("#audit-body tr");
    await rows.filter({ hasText: "backup:delete" }).waitFor();
    // The unfiltered tail may still be on the page, with the same row in it, until the filtered answer replaces it.
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute("data-decision")).toBe("deny");
    expect(await rows.first().locator('[data-field="task"]').textContent()).toBe(task);
    expect(await rows.first().locator('[data-field="decision"]').textContent()).toBe(
      "deny: action_not_granted",
    );

    await page.getByLabel("Decision").selectOption("");
    await page.getByRole("button", { name: "Show" }).click();
    await rows.filter({ hasText: "volume:read" }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("is not offered to an approver, and the API refuses an approver's key", async () => {
    const { context, page } = await openConsole(browser, test.url);
    await signIn(page, test.keys.approver);
    expect(await page.getByRole("button", { name: "Approvals" }).isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Security" }).isVisible()).toBe(false);
    expect(await page.locator("#security").isVisible()).toBe(false);
    expect((await api(test.url, "GET", "/v1/tasks", { key: test.keys.approver })).status).toBe(403);
    await context.close();
  });
});
