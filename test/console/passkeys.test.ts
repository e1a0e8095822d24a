// Passkeys in real headless Chromium with its virtual authenticator (CDP WebAuthn): enrol one (with a TOTP code),
// approve with a touch; a replayed answer, an answer to another approval's challenge or to a challenge leash never
// issued is refused; a scope that asks for a passkey refuses TOTP codes.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { launchChromium, openConsole, signIn, statusSays } from "./browser.ts";

const VOLUME = "railway:prj_demo/env/production/volume/vol_pk";
const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let test: TestBroker;
let browser: Browser;
/** The console as the browser sees it: `localhost` (WebAuthn takes no IP address as relying party id). */
let consoleUrl: string;

beforeAll(async () => {
  const scopesDir = await scopesDirWith({
    "production-passkey.yaml": [
      "description: production volume deletion, approved only with a passkey",
      "environment: production",
      'agents: ["*"]',
      "actions: [volume:read, volume:delete]",
      'resources: ["railway:prj_demo/env/production/**"]',
      "ttl: {default: 10m, max: 30m}",
      "approval: {destructive: {approvers: [sre], quorum: 1, factor: webauthn}}",
    ].join("\n"),
  });
  test = await startTestBroker({ clock, scopesDir });
  consoleUrl = test.url.replace("127.0.0.1", "localhost");
  // What LEASH_WEBAUTHN_RP_ID and LEASH_WEBAUTHN_ORIGINS set for a served broker.
  test.broker.context.webauthn = { rpId: "localhost", origins: [new URL(consoleUrl).origin] };
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await test?.close();
});
beforeEach(() => clock.advance(61_000));

const authorize = (body: Record<string, unknown>) =>
  api(test.url, "POST", "/v1/authorize", { body }).then((r) => r.body);

async function held(scope: string, intent: string) {
  const { token } = await mintToken(test, { scope, task: { intent } });
  const call = { token, action: "volume:delete", resource: VOLUME };
  const answer = await authorize(call);
  expect(answer.reason).toBe("approval_required");
  return { call, approvalId: answer.approval_id as string };
}

const pendingItem = (page: Page, approvalId: string) =>
  page.locator(`#pending li[data-approval-id="${approvalId}"]`);

/** An assertion made in the page by the virtual authenticator, for `options` (leash's or made up). */
const assertInPage = (page: Page, options: unknown): Promise<unknown> =>
  // A string, so the test runner's transform leaves the page's own dynamic import alone.
  page.evaluate(
    `import("/console/webauthn.js").then((module) => module.assertPasskey(${JSON.stringify(options)}))`,
  );

describe("passkeys", () => {
  it("enrol with a TOTP code, approve with a touch; replayed, misdirected and unissued answers are refused", async () => {
    const { context, page, problems } = await openConsole(browser, consoleUrl);
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await signIn(page, test.keys.approver);

    // Enrol: a wrong code adds nothing; the right one adds the passkey.
    await page.getByRole("button", { name: "Passkeys" }).click();
    await page.getByRole("heading", { name: "Your passkeys" }).waitFor();
    const right = currentTotp(test.totpSecrets.approver, clock.now());
    await page.getByLabel("TOTP code").fill(right === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("alert").filter({ hasText: "totp_invalid" }).waitFor();
    expect((await test.store.getPrincipal("approver-1"))?.passkeys ?? []).toEqual([]);
    clock.advance(31_000);
    await page.getByLabel("TOTP code").fill(currentTotp(test.totpSecrets.approver, clock.now()));
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await statusSays(page, "Passkey added: you can approve with a touch.");
    expect(await page.locator("#passkey-list li").count()).toBe(1);
    const enrolled = (await test.store.getPrincipal("approver-1"))!.passkeys!;
    expect(enrolled).toHaveLength(1);

    // A request whose scope asks for a passkey: no TOTP form, a touch approves it.
    const first = await held("production-passkey", "remove the orphaned production volume");
    await page.getByRole("button", { name: "Approvals" }).click();
    const item = pendingItem(page, first.approvalId);
    await item.waitFor();
    expect(await item.locator('[data-field="factor"]').textContent()).toBe(
      "This request needs a passkey: approve with a touch.",
    );
    expect(await item.getByLabel("TOTP code").isVisible()).toBe(false);
    const sent: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith(`/v1/approvals/${first.approvalId}/approve`))
        sent.push(request.postData() ?? "");
    });
    await item.getByRole("button", { name: "Approve with passkey" }).click();
    await statusSays(page, `Approved: volume:delete on ${VOLUME} (approved by approver-1).`);
    expect(await authorize({ ...first.call, approval_id: first.approvalId })).toMatchObject({ allow: true });
    // The authenticator's counter moved forward and leash kept it.
    const afterUse = (await test.store.getPrincipal("approver-1"))!.passkeys![0]!;
    expect(afterUse.counter).toBeGreaterThan(enrolled[0]!.counter);

    // Replayed: the very answer the console sent, on a fresh approval of the same kind and on the same one.
    expect(sent).toHaveLength(1);
    const second = await held("production-passkey", "and the other one");
    for (const id of [first.approvalId, second.approvalId]) {
      const replay = await api(test.url, "POST", `/v1/approvals/${id}/approve`, {
        key: test.keys.approver,
        body: JSON.parse(sent[0]!),
      });
      expect(replay.status).toBeGreaterThanOrEqual(403);
      expect(["webauthn_challenge_unknown", "approval_not_pending"]).toContain(replay.body.code);
    }

    // Misdirected: a genuine answer to the first-asked approval's challenge, sent for another approval.
    const third = await held("production-passkey", "a third one");
    const options = await api(test.url, "POST", `/v1/approvals/${second.approvalId}/passkey-options`, {
      key: test.keys.approver,
    });
    expect(options.status).toBe(200);
    expect(options.body.userVerification).toBe("required");
    const forSecond = await assertInPage(page, options.body);
    const misdirected = await api(test.url, "POST", `/v1/approvals/${third.approvalId}/approve`, {
      key: test.keys.approver,
      body: { webauthn: forSecond },
    });
    expect(misdirected.status).toBe(403);
    expect(misdirected.body.code).toBe("webauthn_challenge_mismatch");
    // That answer's challenge is spent even though it was refused: it cannot be used where it belonged either.
    const late = await api(test.url, "POST", `/v1/approvals/${second.approvalId}/approve`, {
      key: test.keys.approver,
      body: { webauthn: forSecond },
    });
    expect(late.body.code).toBe("webauthn_challenge_unknown");

    // Unissued: a challenge the page made up.
    const madeUp = await assertInPage(page, {
      ...options.body,
      challenge: Buffer.from("a challenge leash never issued").toString("base64url"),
    });
    const unissued = await api(test.url, "POST", `/v1/approvals/${third.approvalId}/approve`, {
      key: test.keys.approver,
      body: { webauthn: madeUp },
    });
    expect(unissued.status).toBe(403);
    expect(unissued.body.code).toBe("webauthn_challenge_unknown");
    // Nothing of that approved anything.
    for (const id of [second.approvalId, third.approvalId]) {
      const state = await api(test.url, "GET", `/v1/approvals/${id}`, { key: test.keys.approver });
      expect(state.body.status).toBe("pending");
    }
    // Counter: leash remembers a higher count than the authenticator now reports (a cloned authenticator): refused.
    const human = (await test.store.getPrincipal("approver-1"))!;
    await test.store.savePrincipal({
      ...human,
      passkeys: human.passkeys!.map((passkey) => ({ ...passkey, counter: 1_000_000 })),
    });
    const fresh = await api(test.url, "POST", `/v1/approvals/${third.approvalId}/passkey-options`, {
      key: test.keys.approver,
    });
    const cloned = await api(test.url, "POST", `/v1/approvals/${third.approvalId}/approve`, {
      key: test.keys.approver,
      body: { webauthn: await assertInPage(page, fresh.body) },
    });
    expect(cloned.status).toBe(403);
    expect(cloned.body.code).toBe("webauthn_invalid");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("an approval that requires a passkey refuses a TOTP code; other approvals still take one", async () => {
    const strict = await held("production-passkey", "needs a touch");
    const refused = await api(test.url, "POST", `/v1/approvals/${strict.approvalId}/approve`, {
      key: test.keys.approver2,
      body: { totp: currentTotp(test.totpSecrets.approver2, clock.now()) },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("passkey_required");
    expect(
      (await api(test.url, "GET", `/v1/approvals/${strict.approvalId}`, { key: test.keys.approver2 })).body
        .status,
    ).toBe("pending");
    const relaxed = await held("production-ops", "a code is enough here");
    const approved = await api(test.url, "POST", `/v1/approvals/${relaxed.approvalId}/approve`, {
      key: test.keys.approver2,
      body: { totp: currentTotp(test.totpSecrets.approver2, clock.now()) },
    });
    expect(approved.body.status).toBe("approved");
    // Without a passkey there are no options to ask for; malformed answers are 400.
    const none = await api(test.url, "POST", `/v1/approvals/${strict.approvalId}/passkey-options`, {
      key: test.keys.approver2,
    });
    expect(none.body.code).toBe("passkey_not_enrolled");
    for (const webauthn of [
      {},
      { id: "x", rawId: "x", type: "public-key", response: { clientDataJSON: "!!" } },
    ]) {
      const bad = await api(test.url, "POST", `/v1/approvals/${strict.approvalId}/approve`, {
        key: test.keys.approver2,
        body: { webauthn },
      });
      expect(bad.status).toBe(400);
    }
  });
});
