import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { removeScopeDirs, SHIPPED_DIR, scopeDir, stagingScope } from "./scope-dir.ts";

afterAll(removeScopeDirs);

const leash = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

describe("leash scopes lint", () => {
  it("exits 1 and prints one line per problem plus a summary", async () => {
    const dir = await scopeDir({
      "a.yaml": stagingScope({ ttl: "ttl: {default: 15m, max: soon}" }),
      "b.yaml": stagingScope({ environment: "environment: prod" }),
    });
    const { code, stdout, stderr } = await leash(["scopes", "lint", dir]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.split("\n")).toEqual([
      `${dir}/a.yaml: ttl.max: expected a duration like "1m", got "soon"`,
      `${dir}/b.yaml: environment: expected an environment from environments.yaml (staging, production), got "prod"`,
      `2 problems in ${dir}`,
      "",
    ]);
  });

  it("exits 1 on lint problems of a set that loads", async () => {
    const dir = await scopeDir({
      "a.yaml": stagingScope({ actions: "actions: [volume:read, backup:delete]" }),
    });
    const { code, stderr } = await leash(["scopes", "lint", dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${dir}/a.yaml: actions[1]: expected only grantable actions, got "backup:delete"`,
    );
    expect(stderr).toContain(`2 problems in ${dir}`);
  });

  it("exits 0 on the shipped scopes and prints counts and the hash", async () => {
    const { code, stdout, stderr } = await leash(["scopes", "lint", SHIPPED_DIR]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^OK 3 scopes, 2 environments, \d+ actions \(hash [0-9a-f]{12}\)\n$/);
  });

  it("defaults to LEASH_SCOPES_DIR", async () => {
    const dir = await scopeDir({ "a.yaml": stagingScope({ ttl: "ttl: {default: 15m, max: soon}" }) });
    const { code, stderr } = await leash(["scopes", "lint"], { LEASH_SCOPES_DIR: dir });
    expect(code).toBe(1);
    expect(stderr).toContain(`${dir}/a.yaml: ttl.max`);
  });
});
