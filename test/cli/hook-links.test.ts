// A path the agent writes is judged where it leads on disk, where the hook runs: a link a repository committed
// (`docs/cfg` to `../.claude`, `notes.json` to a settings file not made yet) does not hide the agent's settings or
// the hook's own program behind another name. Real hook processes in a temporary project with real links.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LEASH_BIN, runProcess } from "../helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "leash-hook-links-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const project = join(work, "project");
mkdirSync(join(project, ".claude"), { recursive: true });
mkdirSync(join(project, "docs"));
mkdirSync(join(project, "node_modules", ".bin"), { recursive: true });
writeFileSync(join(project, ".claude", "settings.json"), "{}");
writeFileSync(join(project, "node_modules", ".bin", "leash"), "");
symlinkSync("../.claude", join(project, "docs", "cfg"));
// Leads nowhere yet: a write through it makes the settings file.
symlinkSync(".claude/settings.local.json", join(project, "notes.json"));
symlinkSync("node_modules/.bin", join(project, "tools"));

async function answer(agent: "claude-code" | "cursor", event: object): Promise<string> {
  const r = await runProcess(process.execPath, [LEASH_BIN, "hook", agent], {
    cwd: project,
    env: { PATH: process.env.PATH, HOME: work },
    input: JSON.stringify({ cwd: project, ...event }),
  });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  return (agent === "claude-code" ? out.hookSpecificOutput?.permissionDecision : out.permission) ?? "{}";
}

const bash = (command: string) => answer("claude-code", { tool_name: "Bash", tool_input: { command } });

describe("writes through links, judged where they lead", { timeout: 90_000 }, () => {
  it("asks about the agent's settings and the hook's program reached through a link", async () => {
    const write = { tool_name: "Write", tool_input: { file_path: join(project, "docs/cfg/settings.json") } };
    expect(await answer("claude-code", write)).toBe("ask");
    expect(await bash("echo '{}' > notes.json")).toBe("ask");
    expect(await bash("cp /bin/true tools/leash")).toBe("ask");
    expect(
      await answer("cursor", {
        hook_event_name: "beforeShellExecution",
        command: "tee docs/cfg/settings.json < x",
      }),
    ).toBe("ask");
  });

  it("has no opinion on ordinary files, through a link or not", async () => {
    expect(await bash("echo hi > docs/readme.md")).toBe("{}");
    expect(await bash("cat notes.json docs/cfg/settings.json")).toBe("{}");
  });
});
