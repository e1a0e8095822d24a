// `leash hook` answers "{}" (no opinion) only for what it read and judged safe: an event shaped so that the hook would
// read something other than what the agent runs, or could not read it in time, is asked about. Real processes.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { LEASH_BIN, runProcess } from "../helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "leash-hook-events-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { PATH: process.env.PATH, HOME: work };
/** The installed command, which reads a plain hook call without commander; present after `npm run build`. */
const INSTALLED_BIN = fileURLToPath(new URL("../../dist/cli/bin.cjs", import.meta.url));

const hook = (agent: "claude-code" | "cursor", input: string, bin = LEASH_BIN, args: string[] = []) =>
  runProcess(process.execPath, [bin, "hook", agent, ...args], { cwd: work, env, input });

/** The decision: a permission, or "{}" for no opinion. */
async function answer(agent: "claude-code" | "cursor", input: string, bin?: string, args?: string[]) {
  const r = await hook(agent, input, bin, args);
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  const decision = agent === "claude-code" ? out.hookSpecificOutput?.permissionDecision : out.permission;
  return { decision: (decision as string | undefined) ?? "{}", text: r.stdout };
}

const claude = (tool: unknown, input: unknown) =>
  JSON.stringify({ session_id: "s", hook_event_name: "PreToolUse", tool_name: tool, tool_input: input });
const DESTRUCTIVE = "rm -rf /srv/app";

// Each case is a real hook process: a test runs a dozen, which on a loaded 2-core machine takes more than the default.
describe("leash hook claude-code: events it cannot read as Claude Code sends them", {
  timeout: 90_000,
}, () => {
  it("asks when a key is repeated, since readers keep different copies", async () => {
    for (const event of [
      `{"tool_name":"Bash","tool_input":{"command":"${DESTRUCTIVE}","command":"ls"}}`,
      `{"tool_name":"Bash","tool_input":{"command":"${DESTRUCTIVE}"},"tool_name":"Read"}`,
      `{"tool_name":"Bash","tool_input":{"command":"${DESTRUCTIVE}"},"tool_n\\u0061me":"Read"}`,
      `{"tool_name":"mcp__pg__execute_sql","tool_input":{"sql":"DROP TABLE users","sql":"SELECT 1"}}`,
    ]) {
      const { decision, text } = await answer("claude-code", event);
      expect(decision, event).toBe("ask");
      expect(text).toContain("repeats the key");
    }
    // The same keys in different objects are not repeats.
    const safe = `{"tool_name":"Bash","tool_input":{"command":"ls","description":"list"},"command":"x"}`;
    expect((await answer("claude-code", safe)).decision).toBe("{}");
  });

  it("asks when the event is not an object with a tool name", async () => {
    for (const event of [
      "[]",
      `[${claude("Bash", { command: DESTRUCTIVE })}]`,
      JSON.stringify({ hook_event_name: "PreToolUse", tool_input: { command: DESTRUCTIVE } }),
      claude(7, { command: DESTRUCTIVE }),
      claude("", { command: DESTRUCTIVE }),
    ]) {
      expect((await answer("claude-code", event)).decision, event).toBe("ask");
    }
  });

  it("asks about tool names Claude Code does not make, and judges Bash and MCP names in any case", async () => {
    for (const name of ["B\u0430sh", "Bash ", "\u200bBash", "mcp\u2014pg\u2014execute_sql", "Ｂash"]) {
      const { decision, text } = await answer("claude-code", claude(name, { command: DESTRUCTIVE }));
      expect(decision, name).toBe("ask");
      expect(text).toContain("not a tool name");
    }
    for (const name of ["bash", "BASH"]) {
      expect((await answer("claude-code", claude(name, { command: DESTRUCTIVE }))).decision).toBe("ask");
      expect((await answer("claude-code", claude(name, { command: "git status" }))).decision).toBe("{}");
    }
    const drop = claude("MCP__pg__execute_sql", { sql: "DROP TABLE users" });
    expect((await answer("claude-code", drop)).decision).toBe("ask");
    // Claude Code's shell on Windows.
    const powershell = (command: string) => claude("PowerShell", { command });
    expect(
      (await answer("claude-code", powershell("Remove-Item -Recurse -Force C:\\srv\\app"))).decision,
    ).toBe("ask");
    expect((await answer("claude-code", powershell("Get-ChildItem C:\\srv"))).decision).toBe("{}");
    expect((await answer("claude-code", claude("PowerShell", { command: ["rm"] }))).decision).toBe("ask");
    // Its own other tools still get no opinion.
    expect((await answer("claude-code", claude("Read", { file_path: "/etc/hosts" }))).decision).toBe("{}");
  });

  it("judges its file tools as writes of the file they name: the agent's own settings and data files are asked about", async () => {
    for (const [tool, input] of [
      ["Write", { file_path: ".claude/settings.json", content: "{}" }],
      ["Edit", { file_path: `${work}/.claude/settings.local.json`, old_string: "leash", new_string: "true" }],
      ["MultiEdit", { file_path: ".mcp.json", edits: [] }],
      ["NotebookEdit", { notebook_path: "/var/lib/postgresql/16/main/PG_VERSION", new_source: "" }],
      ["Write", { file_path: "/srv/app/data.db", content: "" }],
      ["Write", { content: "{}" }],
    ] as const) {
      const { decision, text } = await answer("claude-code", claude(tool, input));
      expect(decision, `${tool} ${JSON.stringify(input)}`).toBe("ask");
      if ("file_path" in input && input.file_path.includes("claude"))
        expect(text).toContain("agent_settings");
    }
    for (const [tool, input] of [
      ["Write", { file_path: "src/app.ts", content: "export {};" }],
      ["Edit", { file_path: ".claude/commands/review.md", old_string: "a", new_string: "b" }],
    ] as const) {
      expect((await answer("claude-code", claude(tool, input))).decision, tool).toBe("{}");
    }
  });

  it("judges its reading tools as the shell reads they are: credential files and the machine's own credentials are asked about", async () => {
    for (const [tool, input] of [
      ["Read", { file_path: `${work}/.aws/credentials` }],
      ["Read", { file_path: ".env" }],
      ["Read", { file_path: `${work}/.aws/./credentials` }],
      ["Read", { file_path: "C:\\Users\\dev\\.aws\\credentials" }],
      ["Grep", { pattern: "PRIVATE KEY", path: "~/.ssh" }],
      ["Grep", { pattern: "KEY", glob: ".env*" }],
      [
        "WebFetch",
        { url: "http://169.254.169.254/latest/meta-data/iam/security-credentials/app", prompt: "x" },
      ],
      ["WebFetch", { url: "http://2852039166/latest/meta-data/iam/security-credentials/app", prompt: "x" }],
      ["Read", { offset: 1 }],
    ] as const) {
      const { decision, text } = await answer("claude-code", claude(tool, input));
      expect(decision, `${tool} ${JSON.stringify(input)}`).toBe("ask");
      if ("file_path" in input || "url" in input) expect(text).toContain("secret_exposure");
    }
    for (const [tool, input] of [
      ["Read", { file_path: "src/app.ts" }],
      ["Grep", { pattern: "TODO" }],
      ["Grep", { pattern: "TODO", glob: "*.{ts,tsx}" }],
      ["WebFetch", { url: "https://example.com/docs", prompt: "summarise" }],
      ["Glob", { pattern: "**/.env" }],
    ] as const) {
      expect((await answer("claude-code", claude(tool, input))).decision, tool).toBe("{}");
    }
  });

  it("asks when an MCP tool's arguments are not an object, as MCP defines them", async () => {
    for (const input of [["DROP TABLE users"], 5, "DROP TABLE users", true]) {
      const { decision, text } = await answer("claude-code", claude("mcp__pg__execute_sql", input));
      expect(decision, JSON.stringify(input)).toBe("ask");
      expect(text).toContain("could not read the hook input");
    }
    expect((await answer("claude-code", claude("mcp__pg__list_tables", {}))).decision).toBe("{}");
    expect((await answer("claude-code", claude("mcp__pg__list_tables", null))).decision).toBe("{}");
  });

  it("asks when the input is not UTF-8, which would be read as U+FFFD and not as the bytes the agent runs", async () => {
    const r = await runProcess(
      "sh",
      [
        "-c",
        `printf '{"tool_name":"Bash","tool_input":{"command":"r\\377m -rf /srv/app"}}' | "${process.execPath}" "${LEASH_BIN}" hook claude-code`,
      ],
      { cwd: work, env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).hookSpecificOutput.permissionDecision).toBe("ask");
    expect(r.stdout).toContain("not UTF-8");
  });

  it("answers a command shaped to be slow to read in the time an agent waits for a hook", async () => {
    // An agent gives up on a hook that does not answer in time and runs the command as if the hook had no opinion:
    // a hundred thousand `true &&` are read to the end, or asked about when the rules run out of time
    // (test/guard/time-limit.test.ts), never left without an answer.
    const command = `${Array(100_000).fill("true").join(" && ")} && ${DESTRUCTIVE}`;
    const started = Date.now();
    const { decision } = await answer("claude-code", claude("Bash", { command }));
    expect(decision).toBe("ask");
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe("leash hook cursor: events read by their hook_event_name", { timeout: 90_000 }, () => {
  const cursor = (event: Record<string, unknown>) => JSON.stringify({ conversation_id: "c", ...event });

  it("judges beforeShellExecution by the command it runs, whatever other fields the event carries", async () => {
    for (const extra of [
      { tool_name: "Shell" },
      { tool_name: "list_files", tool_input: "{}" },
      { tool_name: null },
    ]) {
      const event = cursor({ hook_event_name: "beforeShellExecution", command: DESTRUCTIVE, ...extra });
      expect((await answer("cursor", event)).decision, JSON.stringify(extra)).toBe("ask");
    }
    const safe = cursor({ hook_event_name: "beforeShellExecution", command: "ls", tool_name: "list_files" });
    expect((await answer("cursor", safe)).decision).toBe("{}");
  });

  it("judges preToolUse's Shell tool by its command, and other tools as tool calls", async () => {
    const shell = (command: string) =>
      cursor({ hook_event_name: "preToolUse", tool_name: "Shell", tool_input: { command } });
    expect((await answer("cursor", shell(DESTRUCTIVE))).decision).toBe("ask");
    expect((await answer("cursor", shell("git status"))).decision).toBe("{}");
    const noCommand = cursor({ hook_event_name: "preToolUse", tool_name: "Shell", tool_input: {} });
    expect((await answer("cursor", noCommand)).decision).toBe("ask");
  });

  it("judges preToolUse's file tools as writes of the file they name, whichever field names it", async () => {
    const tool = (tool_name: string, tool_input: Record<string, unknown>) =>
      cursor({ hook_event_name: "preToolUse", tool_name, tool_input });
    for (const [name, input] of [
      ["Write", { file_path: ".cursor/hooks.json", contents: "{}" }],
      ["StrReplace", { path: ".cursor/mcp.json", old_string: "leash", new_string: "x" }],
      ["edit", { target_file: "src/app.ts", path: ".claude/settings.json" }],
      ["EditNotebook", { target_notebook: "/var/lib/postgresql/16/main/PG_VERSION" }],
      ["Write", { contents: "{}" }],
    ] as const) {
      expect((await answer("cursor", tool(name, input))).decision, `${name} ${JSON.stringify(input)}`).toBe(
        "ask",
      );
    }
    expect((await answer("cursor", tool("Write", { file_path: "src/app.ts", contents: "" }))).decision).toBe(
      "{}",
    );
    expect((await answer("cursor", tool("Read", { path: ".cursor/hooks.json" }))).decision).toBe("{}");
    // Its reads, judged as cat and grep -r: a credential file is asked about, in whichever field names it.
    for (const [name, input] of [
      ["Read", { target_file: `${work}/.aws/credentials` }],
      ["Read", { path: ".env" }],
      ["Grep", { pattern: "KEY", path: "~/.ssh" }],
      ["Read", { offset: 1 }],
    ] as const)
      expect((await answer("cursor", tool(name, input))).decision, `${name} ${JSON.stringify(input)}`).toBe(
        "ask",
      );
    expect((await answer("cursor", tool("Grep", { pattern: "TODO" }))).decision).toBe("{}");
  });

  it("asks about events it does not judge, rather than guessing from their fields", async () => {
    for (const event of [
      { hook_event_name: "afterShellExecution", command: DESTRUCTIVE, output: "" },
      { hook_event_name: "beforeReadFile", file_path: "/srv/app/.env", content: "" },
      { hook_event_name: "BeforeShellExecution", command: DESTRUCTIVE },
      { hook_event_name: 1, command: DESTRUCTIVE },
    ]) {
      const { decision, text } = await answer("cursor", cursor(event));
      expect(decision, JSON.stringify(event)).toBe("ask");
      expect(text).toContain("leash judges only");
    }
  });

  it("asks when an MCP call's arguments repeat a key or are not an object", async () => {
    for (const input of [
      '{"sql":"DROP TABLE x","sql":"SELECT 1"}',
      '["DROP TABLE x"]',
      "5",
      ["DROP TABLE x"],
    ]) {
      const event = cursor({
        hook_event_name: "beforeMCPExecution",
        tool_name: "execute_sql",
        tool_input: input,
      });
      expect((await answer("cursor", event)).decision, JSON.stringify(input)).toBe("ask");
    }
    const read = cursor({
      hook_event_name: "beforeMCPExecution",
      tool_name: "execute_sql",
      tool_input: '{"sql":"SELECT 1"}',
    });
    expect((await answer("cursor", read)).decision).toBe("{}");
  });
});

describe.skipIf(!existsSync(INSTALLED_BIN))("the installed hook's command line", () => {
  it("answers ask, saying why, for options it cannot read: an agent runs the command when a hook exits 1", async () => {
    const event = claude("Bash", { command: "git status" });
    for (const args of [["--bogus"], ["--wait-approval", "99999"], ["--env"], ["extra"]]) {
      const { decision, text } = await answer("claude-code", event, INSTALLED_BIN, args);
      expect(decision, args.join(" ")).toBe("ask");
      expect(text).toContain("leash hook claude-code");
    }
    const cursorEvent = JSON.stringify({ hook_event_name: "beforeShellExecution", command: "ls" });
    expect((await answer("cursor", cursorEvent, INSTALLED_BIN, ["--bogus"])).decision).toBe("ask");
    // Help is still help.
    const help = await hook("claude-code", "", INSTALLED_BIN, ["--help"]);
    expect(help.stdout).toContain("Usage: leash hook claude-code");
  });

  it("reads events as the sources do", async () => {
    const dup = `{"tool_name":"Bash","tool_input":{"command":"${DESTRUCTIVE}","command":"ls"}}`;
    expect((await answer("claude-code", dup, INSTALLED_BIN)).decision).toBe("ask");
    const shell = JSON.stringify({
      hook_event_name: "beforeShellExecution",
      command: DESTRUCTIVE,
      tool_name: "x",
    });
    expect((await answer("cursor", shell, INSTALLED_BIN)).decision).toBe("ask");
  });
});

describe("leash hook: the scripts a command runs, read where the agent runs it", { timeout: 90_000 }, () => {
  const project = join(work, "project");
  mkdirSync(join(project, "scripts"), { recursive: true });
  writeFileSync(join(project, "scripts", "cleanup.sh"), "#!/bin/sh\nrm -rf /srv/data\n", { mode: 0o755 });
  writeFileSync(join(project, "package.json"), JSON.stringify({ scripts: { clean: "rm -rf /srv/data" } }));
  // The hook's own directory holds a harmless script of the same name: the event's cwd decides which is read.
  mkdirSync(join(work, "scripts"), { recursive: true });
  writeFileSync(join(work, "scripts", "cleanup.sh"), "echo nothing\n", { mode: 0o755 });

  it("judges the script in the event's cwd, for Claude Code and Cursor", async () => {
    for (const command of ["./scripts/cleanup.sh", "bash scripts/cleanup.sh", "npm run clean"]) {
      const event = (cwd?: string) =>
        JSON.stringify({ hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command }, cwd });
      expect((await answer("claude-code", event(project))).decision, command).toBe("ask");
      expect((await answer("claude-code", event())).decision, command).toBe("{}");
      const shell = JSON.stringify({ hook_event_name: "beforeShellExecution", command, cwd: project });
      expect((await answer("cursor", shell)).decision, command).toBe("ask");
      // Cursor's other events name the workspace instead.
      const tool = JSON.stringify({
        hook_event_name: "preToolUse",
        tool_name: "Shell",
        tool_input: { command },
        workspace_roots: [project],
      });
      expect((await answer("cursor", tool)).decision, command).toBe("ask");
    }
  });
});
