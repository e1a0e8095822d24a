// `leash exec` through real processes: the child gets a scrubbed environment and the task token; the task ends with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.ts";

let dev: Awaited<ReturnType<typeof startCli>>;
let info: Record<string, string>;

beforeAll(async () => {
  dev = await startCli(["dev", "--json", "--port", "0"]);
  info = JSON.parse(dev.firstLine);
});
afterAll(() => dev.stop());

const printEnv = ["--", process.execPath, "-e", "process.stdout.write(JSON.stringify(process.env))"];

describe("leash exec", () => {
  it("removes long-lived secrets, injects the task token, and revokes the task when the command exits", async () => {
    const result = await runCli(
      ["exec", "--scope", "staging-fix", "--intent", "run the migration", ...printEnv],
      {
        env: {
          LEASH_URL: info.url!,
          LEASH_AGENT_KEY: info.agent_key!,
          AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
          GITHUB_TOKEN: "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB",
          DATABASE_URL: "postgres://app:s3cret-pw@prod-db.internal:5432/app",
          HARMLESS_SETTING: "blue",
          KEPT_TOKEN: "allowed-on-purpose-123",
        },
      },
    );
    // --keep is tested with a second run below; here the defaults apply.
    expect(result.code).toBe(0);
    const child = JSON.parse(result.stdout) as Record<string, string>;
    for (const name of [
      "AWS_SECRET_ACCESS_KEY",
      "GITHUB_TOKEN",
      "DATABASE_URL",
      "LEASH_AGENT_KEY",
      "KEPT_TOKEN",
    ]) {
      expect(child[name], name).toBeUndefined();
    }
    expect(child.HARMLESS_SETTING).toBe("blue");
    expect(child.PATH).toBe(process.env.PATH);
    expect(child.LEASH_TOKEN).toMatch(/^ey/);
    expect(child.LEASH_ENV).toBe("staging");
    expect(child.LEASH_INTENT).toBe("run the migration");
    expect(result.stderr).toContain("AWS_SECRET_ACCESS_KEY");
    expect(result.stderr).not.toContain("wJalrXUtnFEMI");

    const decision = await fetch(`${info.url}/v1/authorize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        token: child.LEASH_TOKEN,
        action: "volume:read",
        resource: "railway:prj_demo/env/staging/volume/v1",
      }),
    }).then((r) => r.json());
    expect(decision).toMatchObject({ allow: false, reason: "revoked" });
  });

  it("passes an allow-listed variable and the command's exit code through", async () => {
    const result = await runCli(
      [
        "exec",
        "--scope",
        "staging-fix",
        "--intent",
        "x",
        "--keep",
        "KEPT_TOKEN",
        "--",
        process.execPath,
        "-e",
        "process.exit(process.env.KEPT_TOKEN === 'allowed-on-purpose-123' ? 7 : 1)",
      ],
      {
        env: { LEASH_URL: info.url!, LEASH_AGENT_KEY: info.agent_key!, KEPT_TOKEN: "allowed-on-purpose-123" },
      },
    );
    expect(result.code).toBe(7);
  });
});
