// `leash mcp lint`: a gateway config checked against the scopes.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseMcpConfig } from "../../src/mcp/config.ts";
import { lintMcpConfig } from "../../src/mcp/lint.ts";
import { loadScopeSet } from "../../src/scopes/load.ts";
import { runCli } from "../helpers/cli.ts";

async function lint(text: string) {
  const loaded = parseMcpConfig(text, "mcp.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const scopes = await loadScopeSet("scopes");
  if (!scopes.ok) throw new Error("scopes");
  return lintMcpConfig(loaded.config, scopes.set);
}

describe("leash mcp lint", () => {
  it("finds unknown environments, uncatalogued actions and templates that cannot reach an environment", async () => {
    const { problems, notes } = await lint(`
upstreams:
  - name: hosting
    environments: [staging, qa]
    url: http://127.0.0.1:1/mcp
    credential: { env: T }
    tools:
      volume_wipe: { action: volume:wipe, resource: "railway:prj_demo/env/{args.environment}/volume/{args.id}" }
      volume_list: { action: volume:read, resource: "railway:prj_other/env/{args.environment}/volumes" }
      backup_delete: { action: backup:delete, resource: "railway:prj_demo/env/{args.environment}/backup/{args.id}" }
`);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^upstreams\[0\]\.environments: "qa" is not an environment/),
      expect.stringMatching(
        /^upstreams\[0\]\.tools\.volume_wipe\.action: volume:wipe is not in the action catalogue/,
      ),
      expect.stringMatching(
        /^upstreams\[0\]\.tools\.volume_list\.resource: .* cannot name a resource of staging/,
      ),
    ]);
    expect(notes).toEqual([expect.stringContaining("backup:delete is not grantable")]);
  });

  it("passes the shipped example, noting the tools that wait for approval and those no token can call", async () => {
    const result = await runCli(["mcp", "lint", "--config", "examples/mcp.yaml", "--scopes", "scopes"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "note: hosting/volume_delete: in production each call waits for a human's approval",
    );
    expect(result.stdout).toContain("note: hosting/backup_delete: backup:delete is not grantable");
    expect(result.stdout).toMatch(/^OK 1 upstream\(s\), 4 mapped tool\(s\)/m);

    const dir = await mkdtemp(join(tmpdir(), "leash-mcp-lint-"));
    const bad = join(dir, "mcp.yaml");
    await writeFile(
      bad,
      'upstreams:\n  - name: x\n    environment: nowhere\n    url: http://127.0.0.1:1/mcp\n    credential: {env: T}\n    tools: {t: {action: volume:read, resource: "r/{args.id}"}}\n',
    );
    const failed = await runCli(["mcp", "lint", "--config", bad, "--scopes", "scopes"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('"nowhere" is not an environment');
  }, 60_000);
});
