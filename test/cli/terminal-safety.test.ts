// What agents choose (intents, resources, commands) reaches people's terminals only as visible text: intents must be
// printable at mint, command approvals show the whole command, and the CLI's text output escapes every control.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { isPrintableText } from "../../src/text/visible-text.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";

const clock = new ManualClock(Date.UTC(2026, 11, 4, 9, 0, 0));
let test: TestBroker;

beforeAll(async () => {
  test = await startTestBroker({ clock });
});
afterAll(() => test.close());

/** Output a terminal would only display: no raw control, C1, bidi or invisible character besides line ends. */
const displayOnly = (output: string) => isPrintableText(output.replaceAll("\n", ""));

const HOSTILE = "\u001b]0;pwned\u0007\u001b[2J\u202eevil\r\nfake: approved\u009b31m";

describe("intents at mint", () => {
  for (const [name, intent] of Object.entries({
    escape: "fix \u001b[31mstaging",
    newline: "fix staging\nall approved",
    "carriage return": "fix staging\rdrop prod",
    c1: "fix \u009b31m staging",
    bidi: "fix \u202egnigats",
    "zero-width": "fix\u200bstaging",
  })) {
    it(`refuses an intent with ${name} (400 intent_not_printable)`, async () => {
      const response = await api(test.url, "POST", "/v1/tokens", {
        key: test.keys.agent,
        body: { scope: "staging-fix", task: { intent } },
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe("intent_not_printable");
    });
  }

  it("accepts printable text in any script", async () => {
    await mintToken(test, { scope: "staging-fix", task: { intent: "réparer le déploiement ✓ 東京" } });
  });
});

describe("command approvals", () => {
  const open = (token: string, command: string) =>
    api(test.url, "POST", "/v1/approvals", { key: token, body: { command } });

  it("show the whole command: a long run of spaces cannot hide what follows", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "list files" } });
    const command = `ls${" ".repeat(490)}; psql -h prod-db -c 'DROP DATABASE app'`;
    const opened = await open(token, command);
    expect(opened.status).toBe(201);
    const listed = await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver });
    const shown = listed.body.approvals.find((a: { id: string }) => a.id === opened.body.approval_id);
    expect(shown.resource).toBe("command: ls⟨490 spaces⟩; psql -h prod-db -c 'DROP DATABASE app'");
  });

  it("show control characters as markers, and refuse what is too long to show", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "list files" } });
    const opened = await open(token, `ls\nrm -rf /data\r# \u001b[8mhidden`);
    const view = await api(test.url, "GET", `/v1/approvals/${opened.body.approval_id}`, {
      key: test.keys.approver,
    });
    expect(view.body.resource).toBe("command: ls⟨LF⟩rm -rf /data⟨CR⟩# ⟨ESC⟩[8mhidden");
    const long = await open(token, `echo ${"x".repeat(5000)}; rm -rf /`);
    expect(long.status).toBe(400);
    expect(long.body.code).toBe("command_too_long_to_show");
    // Spaces are counted, so a long run does not make a short command too long; many short runs do.
    expect((await open(token, `ls${" ".repeat(10_000)}; rm -rf /`)).status).toBe(201);
    const pairs = await open(token, Array.from({ length: 1500 }, () => "a    ").join(""));
    expect(pairs.body.code).toBe("command_too_long_to_show");
  });
});

describe("CLI text output", () => {
  it("leash approvals, leash audit tail and JSON output show hostile fields without obeying them", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "cleanup" } });
    // A resource holding control characters is not canonical: refused before anything is recorded. A held
    // command approval carries every class into the approvals list and the audit log.
    const refused = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:read", resource: `railway:prj_demo/env/staging/${HOSTILE}` },
    });
    expect(refused.body.code).toBe("resource_not_canonical");
    await api(test.url, "POST", "/v1/approvals", { key: token, body: { command: `ls ${HOSTILE}` } });
    await sleep(50);

    const approver = { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.approver };
    const text = await runCli(["approvals"], { env: approver });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      "⟨ESC⟩]0;pwned⟨U+0007⟩⟨ESC⟩[2J⟨U+202E⟩evil⟨CR⟩⟨LF⟩fake: approved⟨U+009B⟩31m",
    );
    expect(displayOnly(text.stdout)).toBe(true);
    const json = await runCli(["approvals", "--json"], { env: approver });
    expect(displayOnly(json.stdout)).toBe(true);
    JSON.parse(json.stdout);

    const security = { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.security };
    const tail = await runCli(["audit", "tail", "-n", "20"], { env: security });
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.stdout).toContain("command: ls ⟨ESC⟩]0;pwned");
    expect(displayOnly(tail.stdout)).toBe(true);
    // One record, one line: a CR or LF inside a field cannot forge another.
    expect(tail.stdout.split("\n").filter((line) => line.includes("fake: approved"))).toHaveLength(1);
    expect(tail.stdout.split("\n").some((line) => line.startsWith("fake: approved"))).toBe(false);
    const exported = await runCli(["audit", "export", "--jsonl"], { env: security });
    expect(displayOnly(exported.stdout)).toBe(true);
    // Command approvals keep the command in its shown form, so the export holds the markers, never the controls.
    const resources = exported.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).resource);
    expect(resources).toContain(
      "command: ls ⟨ESC⟩]0;pwned⟨U+0007⟩⟨ESC⟩[2J⟨U+202E⟩evil⟨CR⟩⟨LF⟩fake: approved⟨U+009B⟩31m",
    );
  }, 60_000);
});
