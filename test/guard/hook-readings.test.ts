// A shell command read as each shell that may run it: Cursor's terminal on Windows is PowerShell unless its user chose
// another, and Claude Code's PowerShell tool runs PowerShell. The stricter reading is the one a hook acts on.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classifier.ts";
import { type AgentAction, claudeCodeAction, cursorAction, stricterReading } from "../../src/guard/hooks.ts";

/** The reading a hook acts on, as `leash hook` makes it. */
function judged(action: AgentAction | null) {
  if (!action || !("command" in action)) throw new Error("expected a command");
  return [action.command, ...(action.readAlsoAs ?? [])]
    .map((command) => classify(command))
    .reduce(stricterReading);
}

const shell = (command: string) => ({ hook_event_name: "beforeShellExecution", command });

describe("shell commands read as the shells that may run them", () => {
  it("reads a Cursor command on Windows as PowerShell too", () => {
    expect(cursorAction(shell("ls"), "linux")).toEqual({ command: "ls" });
    expect(cursorAction(shell("ls"), "win32")).toEqual({
      command: "ls",
      readAlsoAs: ["pwsh -NoProfile -Command 'ls'"],
    });
    const shellTool = { hook_event_name: "preToolUse", tool_name: "Shell", tool_input: { command: "ls" } };
    expect(cursorAction(shellTool, "win32")).toMatchObject({ readAlsoAs: ["pwsh -NoProfile -Command 'ls'"] });
    // PowerShell's own names for deleting and emptying files, which bash would take for unknown programs.
    for (const command of ["ri C:\\srv\\app -Recurse", "Clear-Content C:\\srv\\app\\db.sqlite"]) {
      expect(judged(cursorAction(shell(command), "linux")).destructive, command).toBe(false);
      const windows = judged(cursorAction(shell(command), "win32"));
      expect(windows.destructive, command).toBe(true);
      expect(windows.decision, command).toBe("ask");
    }
    for (const command of ["git status", "Get-ChildItem C:\\srv"])
      expect(judged(cursorAction(shell(command), "win32")).decision, command).toBe("allow");
    // A bash command keeps its bash reading.
    expect(judged(cursorAction(shell("rm -rf /srv/app"), "win32")).destructive).toBe(true);
  });

  it("reads Claude Code's PowerShell tool as PowerShell", () => {
    const event = (command: string) => ({ tool_name: "PowerShell", tool_input: { command } });
    expect(claudeCodeAction(event("Get-ChildItem"))).toEqual({
      command: "pwsh -NoProfile -Command 'Get-ChildItem'",
    });
    expect(judged(claudeCodeAction(event("ri C:\\srv\\app -Recurse"))).destructive).toBe(true);
    expect(judged(claudeCodeAction(event("Get-ChildItem C:\\srv"))).decision).toBe("allow");
  });

  it("acts on the stricter of two readings, and on the destructive one of two equal answers", () => {
    const allow = classify("ls");
    const ask = classify("rm -rf /srv/app");
    expect(stricterReading(allow, ask)).toBe(ask);
    expect(stricterReading(ask, allow)).toBe(ask);
    const uncertain = classify('bash -c "$CMD"');
    expect(stricterReading(allow, uncertain)).toBe(uncertain);
  });
});
