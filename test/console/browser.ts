// Real headless Chromium for the console tests: one browser per file, a fresh context per test, and the page's own
// problems (script errors, CSP and Trusted Types violations) collected so a test can insist there were none.

import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
/** How long any one wait on the page may take: generous, because these run on a loaded machine. */
export const PAGE_TIMEOUT_MS = 15_000;

export async function launchChromium(): Promise<Browser> {
  // Fail, never skip: a console nobody tested in a browser is not tested. CI (.ci/run) installs the package.
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the console tests drive it headless. Install Debian's package: apt-get install -y chromium`,
    );
  }
  // launch() gives every run a fresh temporary user data dir and removes it on close.
  return chromium.launch({
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
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Script errors and CSP / Trusted Types violations the page logged; must stay empty. */
  problems: string[];
  dialogs: string[];
}

export async function openConsole(
  browser: Browser,
  url: string,
  options: { fakeTimers?: boolean } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  // A page clock the test moves (timers, Date, performance.now), for countdowns.
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
  const response = await page.goto(new URL("/console", url).href);
  if (response?.status() !== 200) throw new Error(`the console answered ${response?.status()}`);
  return { context, page, problems, dialogs };
}

export async function signIn(page: Page, key: string, heading = "Pending approvals"): Promise<void> {
  await page.getByLabel("Human key").fill(key);
  await page.getByLabel("Human key").press("Enter");
  await page.getByRole("heading", { name: heading }).waitFor();
}

export const statusSays = (page: Page, text: string) =>
  page.getByRole("status").filter({ hasText: text }).waitFor();

/** Waits until `locator`'s text is exactly `expected` (the page fills it asynchronously). */
export async function textBecomes(locator: Locator, expected: string | RegExp): Promise<string> {
  const deadline = Date.now() + PAGE_TIMEOUT_MS;
  for (;;) {
    const text = (await locator.textContent()) ?? "";
    if (typeof expected === "string" ? text === expected : expected.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`text stayed ${JSON.stringify(text)}, expected ${expected}`);
    await sleep(50);
  }
}
