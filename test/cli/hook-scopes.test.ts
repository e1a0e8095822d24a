// The hook reads ./scopes/environments.yaml from the project the agent works in, which the agent or the repository
// wrote: it may add environments and markers, never hide what the guard sees without it (a production host listed as
// a staging marker, production declared unprotected, production left out). A directory the operator names
// (LEASH_SCOPES_DIR, --scopes-dir) outside the project is taken as written; one inside it is the project's. Real hook processes in temporary projects.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LEASH_BIN, runProcess } from "../helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "leash-hook-scopes-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A project whose scopes/environments.yaml holds `yaml`. */
function project(name: string, yaml: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "scopes"), { recursive: true });
  writeFileSync(join(dir, "scopes", "environments.yaml"), yaml);
  return dir;
}

async function decision(cwd: string, command: string, env: Record<string, string>): Promise<string> {
  const r = await runProcess(process.execPath, [LEASH_BIN, "hook", "claude-code"], {
    cwd,
    env: { PATH: process.env.PATH, HOME: work, ...env },
    input: JSON.stringify({ hook_event_name: "PreToolUse", cwd, tool_name: "Bash", tool_input: { command } }),
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).hookSpecificOutput?.permissionDecision ?? "{}";
}

const DROP_PROD = "psql -h prod-db.internal -c 'DROP TABLE sessions'";
const DROP_STAGING = "psql -h staging-db.internal -c 'DROP TABLE sessions'";
const INTENT = { LEASH_INTENT: "drop the sessions table" };
const STAGING_TASK = { LEASH_ENV: "staging", ...INTENT };

describe("a project's environments.yaml, as the hook reads it", { timeout: 90_000 }, () => {
  it("does not make a production host a staging one by listing it as staging's marker", async () => {
    const dir = project(
      "marker",
      "environments:\n  - name: staging\n    markers: [prod-db.internal, staging-db.internal]\n",
    );
    expect(await decision(dir, DROP_PROD, STAGING_TASK)).toBe("deny");
    // What it says of staging still holds: the task's own drop gets no opinion.
    expect(await decision(dir, DROP_STAGING, STAGING_TASK)).toBe("{}");
  });

  it("does not unprotect production, nor drop it from the environments the guard knows", async () => {
    const unprotected = project(
      "unprotected",
      "environments:\n  - name: production\n    protected: false\n    markers: [prod-db.internal]\n",
    );
    expect(await decision(unprotected, DROP_PROD, INTENT)).toBe("ask");
    const without = project("without", "environments:\n  - name: qa\n    markers: [qa-db.internal]\n");
    expect(await decision(without, DROP_PROD, INTENT)).toBe("ask");
    expect(await decision(without, DROP_PROD, { LEASH_ENV: "qa", ...INTENT })).toBe("deny");
  });

  it("is taken as written when the operator names its directory outside the project", async () => {
    const app = join(work, "app");
    mkdirSync(app, { recursive: true });
    const dir = project("named", "environments:\n  - name: staging\n    markers: [prod-db.internal]\n");
    expect(await decision(app, DROP_PROD, { ...STAGING_TASK, LEASH_SCOPES_DIR: join(dir, "scopes") })).toBe(
      "{}",
    );
  });

  it("is the project's when the directory named is inside the project, as a repository's settings can name it", async () => {
    const dir = project("inside", "environments:\n  - name: staging\n    markers: [prod-db.internal]\n");
    for (const named of ["scopes", join(dir, "scopes")])
      expect(await decision(dir, DROP_PROD, { ...STAGING_TASK, LEASH_SCOPES_DIR: named }), named).toBe(
        "deny",
      );
  });
});
