// `leash approve ID` shows what ID stands for before the code is sent and, at a terminal, approves only what the person
// confirms: an agent that hands its human a ready `leash approve apr_… --code` line ("it is the staging cleanup")
// does not get a production deletion approved unseen. Run in a real pseudo-terminal (util-linux `script`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { LEASH_BIN, runProcess } from "../helpers/cli.ts";

let test: TestBroker;

beforeAll(async () => {
  test = await startTestBroker();
});
afterAll(() => test?.close());

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** `leash approve` at a terminal: `answer` is typed once the prompt is up. */
async function approveAtTerminal(id: string, answer: string, extra: string[] = [], codeAtMs = Date.now()) {
  const command = [
    process.execPath,
    LEASH_BIN,
    "approve",
    id,
    "--code",
    currentTotp(test.totpSecrets.approver, codeAtMs),
    ...extra,
  ]
    .map(shellQuote)
    .join(" ");
  return runProcess("script", ["-qec", command, "/dev/null"], {
    env: { ...process.env, LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.approver, NO_COLOR: "1" },
    input: answer,
  });
}

async function heldDelete(volume: string): Promise<string> {
  const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "clean up staging" } });
  const held = await api(test.url, "POST", "/v1/authorize", {
    body: { token, action: "volume:delete", resource: `railway:prj_demo/env/production/volume/${volume}` },
  });
  expect(held.body.reason).toBe("approval_required");
  return held.body.approval_id as string;
}

const status = async (id: string) =>
  (await api(test.url, "GET", `/v1/approvals/${id}`, { key: test.keys.approver })).body.status;

describe("leash approve at a terminal", () => {
  it("shows the call and approves nothing unless the person says yes", async () => {
    const id = await heldDelete("vol_prod_main");
    const declined = await approveAtTerminal(id, "n\n");
    expect(declined.stdout).toContain(
      "volume:delete on railway:prj_demo/env/production/volume/vol_prod_main",
    );
    expect(declined.stdout).toContain("approve exactly this? [y/N]");
    expect(declined.stdout).toContain("not approved");
    expect(declined.code).not.toBe(0);
    expect(await status(id)).toBe("pending");
    // Nothing typed at all (the line pasted and Enter pressed out of habit) is a no too.
    expect((await approveAtTerminal(id, "\n")).code).not.toBe(0);
    expect(await status(id)).toBe("pending");
    const confirmed = await approveAtTerminal(id, "yes\n");
    expect(confirmed.code).toBe(0);
    expect(await status(id)).toBe("approved");
  }, 60_000);

  it("--yes does not ask, and the call is still shown", async () => {
    const id = await heldDelete("vol_scripted");
    // The next step's code: the first test used this step's.
    const approved = await approveAtTerminal(id, "", ["--yes"], Date.now() + 30_000);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain("volume:delete on railway:prj_demo/env/production/volume/vol_scripted");
    expect(approved.stdout).not.toContain("approve exactly this?");
    expect(await status(id)).toBe("approved");
  }, 60_000);
});
