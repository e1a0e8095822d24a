// The hook settings README tells users to write: every tool the hook judges must reach it, in Claude Code and in
// Cursor. A tool the settings leave out is never shown to leash, so what the rules say of it (the agent's own settings
// written through Write or Edit) would not hold.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { claudeCodeAction, cursorAction } from "../../src/guard/hooks.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** Claude Code's built-in tools and an MCP tool, each with the input fields its PreToolUse event carries. */
const TOOLS: Record<string, Record<string, unknown>> = {
  Bash: { command: "ls" },
  PowerShell: { command: "Get-ChildItem" },
  Write: { file_path: "/repo/a.txt", content: "" },
  Edit: { file_path: "/repo/a.txt", old_string: "a", new_string: "b" },
  MultiEdit: { file_path: "/repo/a.txt", edits: [] },
  NotebookEdit: { notebook_path: "/repo/a.ipynb", new_source: "" },
  Read: { file_path: "/repo/a.txt" },
  Glob: { pattern: "**/*.ts" },
  Grep: { pattern: "TODO" },
  WebFetch: { url: "https://example.com/", prompt: "summarise" },
  WebSearch: { query: "leash" },
  TodoWrite: { todos: [] },
  mcp__postgres__execute_sql: { sql: "SELECT 1" },
};

function readmeMatcher(): RegExp {
  const block = /```json\n(\{[^\n]*"PreToolUse"[^\n]*\})\n```/.exec(README);
  if (!block) throw new Error("README has no Claude Code PreToolUse settings block");
  const settings = JSON.parse(block[1]!) as { hooks: { PreToolUse: { matcher: string }[] } };
  // Read as matching the whole tool name, the stricter of the ways a matcher may be read.
  return new RegExp(`^(?:${settings.hooks.PreToolUse[0]!.matcher})$`);
}

describe("README's Claude Code hook settings", () => {
  it("send every tool the hook judges to it, and only those", () => {
    const matcher = readmeMatcher();
    const judged = Object.entries(TOOLS)
      .filter(([tool_name, tool_input]) => claudeCodeAction({ tool_name, tool_input }) !== null)
      .map(([name]) => name);
    expect(judged).toEqual(
      expect.arrayContaining([
        "Bash",
        "Write",
        "Edit",
        "Read",
        "Grep",
        "WebFetch",
        "mcp__postgres__execute_sql",
      ]),
    );
    expect(judged.filter((name) => !matcher.test(name))).toEqual([]);
    // A tool with no opinion to give need not start a process before every call.
    const unjudged = Object.keys(TOOLS).filter((name) => !judged.includes(name));
    expect(unjudged.filter((name) => matcher.test(name))).toEqual([]);
  });
});

/** Cursor's tools in its preToolUse event; Shell reaches the hook through beforeShellExecution. */
const CURSOR_TOOLS = [
  "Shell",
  "Write",
  "StrReplace",
  "Edit",
  "MultiEdit",
  "EditNotebook",
  "Read",
  "Grep",
  "Glob",
];

function readmeCursorMatchers(): string[] {
  const block = /```json\n(\{\n {2}"version": 1,[\s\S]*?\n\})\n```/.exec(README);
  if (!block) throw new Error("README has no Cursor hooks.json block");
  const settings = JSON.parse(block[1]!) as {
    hooks: Record<string, { matcher?: string; command: string }[]>;
  };
  expect(Object.keys(settings.hooks)).toEqual(
    expect.arrayContaining(["beforeShellExecution", "beforeMCPExecution", "preToolUse"]),
  );
  return settings.hooks.preToolUse!.map((entry) => entry.matcher ?? "");
}

describe("README's Cursor hook settings", () => {
  it("send every file tool the hook reads as a write or a read to it", () => {
    const files = CURSOR_TOOLS.filter((tool_name) => {
      if (tool_name === "Shell") return false;
      const event = { hook_event_name: "preToolUse", tool_name, tool_input: { file_path: "/repo/a.txt" } };
      return "command" in cursorAction(event, "linux");
    });
    expect(files).toEqual(["Write", "StrReplace", "Edit", "MultiEdit", "EditNotebook", "Read", "Grep"]);
    expect(readmeCursorMatchers().sort()).toEqual([...files].sort());
  });
});
