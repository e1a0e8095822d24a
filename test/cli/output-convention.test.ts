// The CLI's output convention on the real command tree and real processes: every command that prints data has
// --json (one JSON document, or JSON Lines for a stream); text is the default; secrets come from a file or stdin.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leashProgram } from "../../src/cli/main.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";

/** Commands that print no data of their own, and why. Anything else that runs must have --json. */
const PRINTS_NO_DATA: Record<string, string> = {
  serve: "runs the broker: logs only",
  exec: "the command it runs owns stdout",
  "mcp stdio": "stdout carries the MCP protocol to the client that spawned it",
  "hook claude-code": "stdout is Claude Code's hook answer, JSON by that protocol",
  "hook cursor": "stdout is Cursor's hook answer, JSON by that protocol",
};

/** Every command with an action of its own, by its full name (`audit tail`). */
function runnableCommands(command: Command, prefix: string[] = []): Map<string, Command> {
  const found = new Map<string, Command>();
  for (const sub of command.commands) {
    const name = [...prefix, sub.name()];
    // Commander keeps the action privately; a group such as `audit` has none and only dispatches.
    if ((sub as unknown as { _actionHandler: unknown })._actionHandler) found.set(name.join(" "), sub);
    for (const [inner, cmd] of runnableCommands(sub, name)) found.set(inner, cmd);
  }
  return found;
}

describe("--json on every command that prints data", () => {
  it("is an option of every runnable command but those that print no data", async () => {
    const commands = runnableCommands(await leashProgram());
    expect(commands.size).toBeGreaterThan(30);
    const missing = [...commands]
      .filter(
        ([name, command]) => !(name in PRINTS_NO_DATA) && !command.options.some((o) => o.long === "--json"),
      )
      .map(([name]) => name);
    expect(missing, "these commands print data without --json").toEqual([]);
    // The exemptions name commands that exist, so the list cannot outlive what it excuses.
    for (const name of Object.keys(PRINTS_NO_DATA)) expect(commands.has(name), name).toBe(true);
  });
});

describe("the convention on real processes", () => {
  let test: TestBroker;
  let dir: string;
  const admin = () => ({ LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.admin });

  beforeAll(async () => {
    test = await startTestBroker();
    dir = await mkdtemp(join(tmpdir(), "leash-output-"));
  });
  afterAll(() => test?.close());

  it("agents create: text by default with the key on its own field, one JSON document with --json", async () => {
    const text = await runCli(["agents", "create", "--id", "bot-text", "--scopes", "staging-*"], {
      env: admin(),
    });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^agent bot-text created\n/);
    expect(text.stdout).toMatch(/api key\s+lsk_\S+/);
    expect(() => JSON.parse(text.stdout)).toThrow();

    const json = await runCli(["agents", "create", "--id", "bot-json", "--scopes", "staging-*", "--json"], {
      env: admin(),
    });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: "bot-json",
      kind: "agent",
      api_key: expect.any(String),
    });
    expect(json.stdout.trim().split("\n")).toHaveLength(1);

    const list = await runCli(["agents", "list", "--json"], { env: admin() });
    const ids = JSON.parse(list.stdout).agents.map((a: { id: string }) => a.id);
    expect(ids).toEqual(expect.arrayContaining(["bot-text", "bot-json"]));
    const table = await runCli(["agents", "list"], { env: admin() });
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+SCOPES/);
    expect(table.stdout).toMatch(/\nbot-json\s+enabled\s+staging-\*/);

    const disabled = await runCli(["agents", "disable", "bot-json", "--json"], { env: admin() });
    expect(JSON.parse(disabled.stdout)).toMatchObject({ id: "bot-json", disabled: true });
  });

  it("humans enroll takes the enrolment token from a file or stdin; confirm-totp the code from stdin", async () => {
    const create = async (id: string) => {
      const r = await runCli(["humans", "create", "--id", id, "--roles", "approver:sre", "--json"], {
        env: admin(),
      });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { api_key: string; enrolment: { token: string } };
    };
    const alice = await create("alice-cli");
    const file = join(dir, "enrolment");
    await writeFile(file, `${alice.enrolment.token}\n`, { mode: 0o600 });
    const asAlice = { LEASH_URL: test.url, LEASH_HUMAN_KEY: alice.api_key };
    const both = await runCli(["humans", "enroll", "--token", alice.enrolment.token, "--token-file", file], {
      env: asAlice,
    });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("not both");
    const none = await runCli(["humans", "enroll"], { env: asAlice });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      "no enrolment token: give --token-file <path>, or --token - to read it from stdin",
    );

    const enrolled = await runCli(["humans", "enroll", "--token-file", file], { env: asAlice });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const secret = /^\s+secret\s+(\S+)$/m.exec(enrolled.stdout)![1]!;
    const confirmed = await runCli(["humans", "confirm-totp", "--code", "-", "--json"], {
      env: asAlice,
      input: `${currentTotp(secret, Date.now())}\n`,
    });
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(JSON.parse(confirmed.stdout)).toMatchObject({ id: "alice-cli", totp_confirmed: true });

    const bob = await create("bob-cli");
    const fromStdin = await runCli(["humans", "enroll", "--token", "-", "--json"], {
      env: { LEASH_URL: test.url, LEASH_HUMAN_KEY: bob.api_key },
      input: bob.enrolment.token,
    });
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(JSON.parse(fromStdin.stdout).totp.secret).toMatch(/^[A-Z2-7]+$/);
  });

  it("approve reads the code from stdin and prints the approval, as text or JSON", async () => {
    const { token } = await mintToken(test, {
      scope: "production-ops",
      task: { intent: "remove an orphan" },
    });
    const held = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:delete", resource: "railway:prj_demo/env/production/volume/vol_orphan" },
    });
    const id = held.body.approval_id as string;
    expect(id).toMatch(/^apr_/);
    const approved = await runCli(["approve", id, "--code", "-", "--json"], {
      env: { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.approver },
      input: currentTotp(test.totpSecrets.approver, Date.now()),
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id, status: "approved" });

    const { token: second } = await mintToken(test, { scope: "production-ops", task: { intent: "another" } });
    const other = await api(test.url, "POST", "/v1/authorize", {
      body: {
        token: second,
        action: "volume:delete",
        resource: "railway:prj_demo/env/production/volume/vol_other",
      },
    });
    const denied = await runCli(["deny", other.body.approval_id, "--reason", "not today"], {
      env: { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.approver },
    });
    expect(denied.code, denied.stderr).toBe(0);
    expect(denied.stdout).toMatch(/^denied: not today\n/);
  });

  it("revoke, token, keys init and mcp lint print one JSON document with --json", async () => {
    const security = { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.security };
    const minted = await runCli(["token", "--scope", "staging-fix", "--intent", "see the json", "--json"], {
      env: { LEASH_URL: test.url, LEASH_AGENT_KEY: test.keys.agent },
    });
    expect(minted.code, minted.stderr).toBe(0);
    const task = JSON.parse(minted.stdout).task.id as string;

    const text = await runCli(["revoke", "--task", task, "--reason", "done"], { env: security });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^revoked task \S+ in staging, production \(0 Vault leases queued for revocation\)\n$/,
    );
    const json = await runCli(["revoke", "--task", task, "--reason", "again", "--json"], { env: security });
    expect(JSON.parse(json.stdout)).toMatchObject({ revoked: { kind: "task", value: task } });

    const keys = await runCli(["keys", "init", "--dir", join(dir, "keys"), "--json"]);
    expect(keys.code, keys.stderr).toBe(0);
    expect(JSON.parse(keys.stdout).created.length).toBeGreaterThan(0);

    const lint = await runCli([
      "mcp",
      "lint",
      "--config",
      "examples/mcp.yaml",
      "--scopes",
      "scopes",
      "--json",
    ]);
    expect(lint.code, lint.stderr).toBe(0);
    expect(JSON.parse(lint.stdout)).toMatchObject({ ok: true, upstreams: 1, tools: 4, problems: [] });
  });
});
