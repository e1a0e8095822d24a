// The CLI's conventions, on the real command: --version, required options marked in --help, unknown options named,
// numbers validated, --json where data is printed, tokens from stdin or a file, and leash dev's human mode in text.

import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { humanLogLine } from "../../src/log/human-log.ts";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { LEASH_BIN, runCli } from "../helpers/cli.ts";

const manifest = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));

describe("leash's command line", () => {
  it("prints its version", async () => {
    const r = await runCli(["--version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(manifest.version);
  });

  it("marks required options in --help", async () => {
    const r = await runCli(["agents", "create", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--id <id>\s+agent id \(required\)/);
    expect(r.stdout).toMatch(/--scopes <globs>.*\(required\)/);
  });

  it("names an unknown option as unknown, and refuses a number that is not one", async () => {
    const unknown = await runCli(["guard", "check", "--bogus", "ls"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option '--bogus'");

    const notANumber = await runCli(["audit", "tail", "-n", "abc"], {
      env: { LEASH_URL: "", LEASH_HUMAN_KEY: "" },
    });
    expect(notANumber.code).not.toBe(0);
    expect(notANumber.stderr).toMatch(/-n, --lines <n>.*'abc' is invalid.*whole number from 1 to 1000/);
  });

  it("scopes lint --json prints one JSON object, for a good directory and for a bad one", async () => {
    const good = await runCli(["scopes", "lint", "--json", SHIPPED_SCOPES_DIR]);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, problems: [], hash: expect.any(String) });

    const bad = await mkdtemp(join(tmpdir(), "leash-lint-"));
    for (const file of ["environments.yaml", "actions.yaml"])
      await writeFile(join(bad, file), await readFile(join(SHIPPED_SCOPES_DIR, file), "utf8"));
    await writeFile(join(bad, "broken.yaml"), "environment: staging\nactions: [backup:delete]\n");
    const r = await runCli(["scopes", "lint", "--json", bad]);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
    expect(result.problems[0].file).toContain("broken.yaml");
  });
});

describe("leash verify takes the token from stdin or a file, not only argv", () => {
  let test: TestBroker;
  let token: string;
  const args = () => [
    "verify",
    "--env",
    "staging",
    "--url",
    test.url,
    "--issuer",
    "http://leash.test",
    "--json",
  ];

  beforeAll(async () => {
    test = await startTestBroker();
    ({ token } = await mintToken(test, { scope: "staging-fix", task: { intent: "check verify's input" } }));
  });
  afterAll(() => test.close());

  it("reads stdin when no token is given, or with - (as the argument or the file)", async () => {
    for (const extra of [[], ["-"], ["--token-file", "-"]]) {
      const r = await runCli([...args(), ...extra], { input: `${token}\n` });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).env).toBe("staging");
    }
  });

  it("reads --token-file, and refuses both a file and an argument", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "leash-token-")), "token");
    await writeFile(file, token, { mode: 0o600 });
    const r = await runCli([...args(), "--token-file", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).task).toMatch(/\S/);

    const both = await runCli([...args(), "--token-file", file, token]);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("not both");
    const none = await runCli(args(), { input: "" });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no token");
  });

  it("prints the claims as text without --json", async () => {
    const r = await runCli(args().slice(0, -1), { input: token });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^valid in staging\n/);
    expect(r.stdout).toMatch(/intent\s+check verify's input/);
  });
});

describe("leash dev in human mode", () => {
  it("says what it is doing while it starts, and writes its warnings as text, not JSON", async () => {
    const child = spawn(process.execPath, [LEASH_BIN, "dev", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let stderr = "";
      let stdout = "";
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      const until = async (done: () => boolean, what: string) => {
        for (let i = 0; i < 1200 && !done(); i++) {
          if (child.exitCode !== null) throw new Error(`leash dev exited (${child.exitCode}): ${stderr}`);
          await sleep(25);
        }
        if (!done()) throw new Error(`no ${what} in time: ${stdout}\n${stderr}`);
      };
      await until(() => stdout.includes("approver TOTP secret"), "keys");
      expect(stderr).toMatch(/^leash dev: starting an in-memory broker/);
      const url = /listening on (\S+)/.exec(stdout)![1]!;
      const keys = stdout;
      const agentKey = /agent key\s+\(dev-agent\)\s+(\S+)/.exec(keys)![1]!;
      // staging-fix asks Vault for credentials; leash dev has no Vault, so the mint logs a warning.
      const minted = await fetch(`${url}/v1/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
        body: JSON.stringify({ scope: "staging-fix", task: { intent: "see the warning" } }),
      });
      expect(minted.status).toBe(201);
      await until(() => stderr.includes("leash dev: warning:"), "warning");
      for (const line of stderr.trim().split("\n")) expect(line.startsWith("{"), line).toBe(false);
    } finally {
      child.kill("SIGTERM");
    }
  }, 60_000);

  it("turns a pino line into one line of text with its fields", () => {
    const line = JSON.stringify({
      level: 40,
      time: 1,
      pid: 2,
      hostname: "h",
      msg: "vault not reachable",
      err: "ECONNREFUSED",
      n: 3,
    });
    expect(humanLogLine(line, "leash dev")).toBe(
      "leash dev: warning: vault not reachable (err=ECONNREFUSED, n=3)\n",
    );
    expect(humanLogLine("not json", "leash dev")).toBe("leash dev: not json\n");
    const hostile = humanLogLine(
      JSON.stringify({ level: 40, msg: "denied", resource: "vol\u001b[2J\u202e" }),
      "leash dev",
    );
    expect(hostile.includes("\u001b") || hostile.includes("\u202e")).toBe(false);
    expect(hostile.split("\n")).toHaveLength(2);
  });
});
