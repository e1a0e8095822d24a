// The agent's own hook, permission and MCP settings, and the guard hook's own program and configuration (leash as
// installed, npm's settings files, environments.yaml): any command that may change them is asked about (uncertain, so
// a hook asks, whatever the task's intent says); reading them, or changing the agent's other files, is not.
import { describe, expect, it } from "vitest";
import { agentSettingsIn } from "../../src/guard/agent-settings.ts";
import { classifyToolCall } from "../../src/guard/classifier.ts";
import { classify } from "../../src/guard/classify.ts";
import { forHook } from "../../src/guard/hooks.ts";

const touchesSettings = (cmd: string) =>
  classify(cmd, { intent: "update the agent settings and remove the old hooks" }).reasons.some((r) =>
    r.startsWith("agent_settings"),
  );

describe("commands that may change the agent's own settings", () => {
  it.each([
    "echo {} > .claude/settings.json",
    "printf '{}' >| ~/.claude/settings.local.json",
    "cat x >> .claude/settings.json",
    "rm .claude/settings.local.json",
    "rm -rf ~/.claude",
    "rm -rf .cursor/",
    "mv .claude .claude.bak",
    "mv .claude/* /tmp",
    "sed -i 's/leash/true/' .claude/settings.json",
    "perl -pi -e 's/hook/x/' ~/.cursor/hooks.json",
    "jq 'del(.hooks)' ~/.claude/settings.json > t && mv t ~/.claude/settings.json",
    'cp evil.json "$HOME/.mcp.json"',
    "ln -sf /dev/null .claude/settings.json",
    "truncate -s 0 .cursor/mcp.json",
    "tee /etc/claude-code/managed-settings.json < mine.json",
    "sudo cp x /Library/Application\\ Support/ClaudeCode/managed-mcp.json",
    "yq -i '.hooks = {}' .claude/settings.json",
    "sort -o .claude/settings.json .claude/settings.json",
    "chmod 000 .claude/settings.json",
    "git checkout -- .claude/settings.json",
    "git rm --cached .mcp.json && rm .mcp.json",
    "echo 'exit 0' > .claude/hooks/leash-guard.sh",
    "echo 'exit 0' > .cursor/hooks/guard.sh",
    "d=.claude; echo {} > $d/settings.json",
    "python3 -c \"open('.claude/settings.json', 'w').write('{}')\"",
    "node -e \"require('fs').rmSync(process.env.HOME + '/.claude.json')\"",
    "rm .Claude/Settings.json",
    "pwsh -c 'Remove-Item -Force C:\\Users\\me\\.claude\\settings.json'",
    "pwsh -c \"Set-Content -Path .claude\\settings.json -Value '{}'\"",
    // The guard hook's own program: leash as installed in the project or globally, and the command npm links.
    "printf '#!/bin/sh\\necho {}\\n' > node_modules/.bin/leash",
    "ln -sf /bin/true node_modules/.bin/leash",
    "rm node_modules/.bin/leash",
    "cp evil.cjs node_modules/leash/dist/hook/main.cjs",
    "rm -rf node_modules/leash",
    "sed -i 's/ask/allow/' node_modules/leash/dist/hook/main.cjs",
    "ln -sf /bin/true ~/.npm-global/bin/leash",
    "rm -rf ~/.leash",
    "echo 'echo {}' > ~/.leash/bin/leash",
    "npm install --global --prefix ~/.leash ./other.tgz",
    "rm -rf /usr/local/lib/node_modules/leash",
    "npm uninstall leash",
    "npm i leash@latest",
    "pnpm add -D leash@npm:not-leash",
    "yarn remove leash",
    "bun add leash",
    // npm's settings, which npx and npm read when they start the hook: node-options runs code inside it.
    "echo 'node-options=--require ./x.cjs' > .npmrc",
    "echo 'node-options=--require ./x.cjs' >> ~/.npmrc",
    "cp npmrc.example .npmrc",
    "npm config set node-options '--require ./x.cjs'",
    "npm config set --location=project script-shell ./x.sh",
    "npm set node-options=--require=./x.cjs",
    "tee /usr/local/etc/npmrc < mine",
    // The environments the guard reads: which environment a command points at, and which is protected.
    "echo 'environments: []' > scopes/environments.yaml",
    "sed -i 's/protected: true/protected: false/' scopes/environments.yaml",
    "rm scopes/environments.yaml",
  ])("%s", (cmd) => {
    const r = classify(cmd, { intent: "update the agent settings and remove the old hooks" });
    expect(touchesSettings(cmd), r.reasons.join(" | ")).toBe(true);
    expect(r.uncertain).toBe(true);
    expect(forHook(r).decision).not.toBe("allow");
  });
});

describe("commands that only read the settings, or touch the agent's other files", () => {
  it.each([
    "cat .claude/settings.json",
    "jq .hooks ~/.claude/settings.json",
    "diff .claude/settings.json .claude/settings.local.json",
    "ls -la .claude/",
    "grep -n leash .cursor/hooks.json",
    "git add .claude/settings.json && git commit -m 'share the hook settings'",
    "git diff .mcp.json",
    "echo .claude/settings.json",
    "vim .claude/commands/review.md",
    "rm .claude/agents/old-reviewer.md",
    "mkdir -p .claude/commands",
    "cp docs/claude.json.example docs/claude.json",
    "cat settings.json > backup/settings.json",
    "npm run build > build.log",
    "cat node_modules/leash/README.md",
    "npx --no leash hook claude-code < event.json",
    "node_modules/.bin/leash guard check 'rm -rf /srv'",
    "npm install",
    "npm ci",
    "npm install evil-leash leash-utils",
    "npm ls leash",
    "npm config get registry",
    "npm config list",
    "rm -rf node_modules/leash-utils node_modules/.cache",
    "echo x > my.npmrc.txt",
    "cat scopes/environments.yaml",
    "git diff scopes/environments.yaml",
    "echo x > docs/environments.yaml.md",
    "echo x > .leashrc",
  ])("%s", (cmd) => {
    expect(touchesSettings(cmd), classify(cmd).reasons.join(" | ")).toBe(false);
  });
});

describe("the reasons", () => {
  it("name each settings path once, though a program's words and its write both name it", () => {
    const reasons = classify("echo {} | tee .claude/settings.json").reasons;
    expect(reasons.filter((r) => r.startsWith("agent_settings"))).toEqual([
      "agent_settings: tee is given .claude/settings.json, the agent's own hook, permission or MCP settings; changing them can switch the guard off",
    ]);
  });
});

describe("agentSettingsIn", () => {
  it("finds the settings path inside longer text, in either separator and any case", () => {
    expect(agentSettingsIn("open('.claude/settings.json','w')")).toBe(".claude/settings.json");
    expect(agentSettingsIn("C:\\Users\\me\\.cursor\\hooks.json")).toBe(".cursor\\hooks.json");
    expect(agentSettingsIn("~/.CLAUDE/SETTINGS.JSON")).toBe(".CLAUDE/SETTINGS.JSON");
    expect(agentSettingsIn("/etc/cursor/hooks.json")).toBe("cursor/hooks.json");
    expect(agentSettingsIn(".claude/settings.json.bak")).toBeUndefined();
    expect(agentSettingsIn("my.claude.json")).toBeUndefined();
    expect(agentSettingsIn(".claude/commands/x.md")).toBeUndefined();
    expect(agentSettingsIn("notes/.claudeignore")).toBeUndefined();
  });
});

describe("MCP file tools on the agent's settings", () => {
  it.each([
    ["mcp__filesystem__write_file", { path: ".claude/settings.json", content: "{}" }],
    ["mcp__filesystem__edit_file", { path: "/home/me/.claude/settings.local.json", edits: [] }],
    ["mcp__filesystem__move_file", { source: ".mcp.json", destination: "/tmp/mcp.json" }],
    ["mcp__fs__append_file", { file_path: ".cursor/hooks.json", text: "" }],
  ])("%s %j", (name, input) => {
    const r = classifyToolCall({ name, input });
    expect(
      r.reasons.some((reason) => reason.startsWith("agent_settings")),
      r.reasons.join(" | "),
    ).toBe(true);
    expect(forHook(r).decision).not.toBe("allow");
  });

  it("reading them is not asked about", () => {
    const r = classifyToolCall({
      name: "mcp__filesystem__read_file",
      input: { path: ".claude/settings.json" },
    });
    expect(r).toMatchObject({ decision: "allow", uncertain: false });
  });
});
