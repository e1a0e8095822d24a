// `leash token exchange` and `leash exec --delegate` as real CLI processes against a real broker (`leash dev`): the
// parent's token in LEASH_TOKEN, a narrower child out, widening refused with the RFC's error.
import { spawnSync } from "node:child_process";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.ts";

const S = "railway:prj_demo/env/staging";
let dev: Awaited<ReturnType<typeof startCli>>;
let info: Record<string, string>;

beforeAll(async () => {
  dev = await startCli(["dev", "--json", "--port", "0"], { timeoutMs: 60_000 });
  info = JSON.parse(dev.firstLine);
}, 90_000);
afterAll(() => dev?.stop());

/** A parent task token minted by the CLI, as an agent would. */
async function parentToken(intent = "fix staging"): Promise<string> {
  const minted = await runCli(["token", "--scope", "staging-fix", "--intent", intent], {
    env: { LEASH_URL: info.url!, LEASH_AGENT_KEY: info.agent_key! },
  });
  expect(minted.code, minted.stderr).toBe(0);
  return minted.stdout.trim();
}

/** `leash token exchange …` with only the parent's token and the broker's URL in the environment. */
const exchange = (parent: string, args: string[]) =>
  runCli(["token", "exchange", ...args], { env: { LEASH_URL: info.url!, LEASH_TOKEN: parent } });

async function authorize(token: string, action: string, resource: string) {
  const response = await fetch(`${info.url}/v1/authorize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, action, resource }),
  });
  return (await response.json()) as { allow: boolean; reason: string };
}

const narrowing = ["--actions", "volume:read,volume:delete", "--resources", `${S}/volume/*`, "--ttl", "5m"];

describe("leash token exchange", () => {
  it("prints the child as a raw token: narrower, same task, one level down", async () => {
    const parent = await parentToken();
    const result = await exchange(parent, [...narrowing, "--intent", "prune old volumes"]);
    expect(result.code, result.stderr).toBe(0);
    const child = result.stdout.trim();
    expect(result.stdout).toBe(`${child}\n`);
    const claims = decodeJwt(child);
    const parentClaims = decodeJwt(parent);
    expect(claims).toMatchObject({
      task: parentClaims.task,
      parent: parentClaims.jti,
      chain: [parentClaims.jti],
      depth: 1,
      scope: "volume:read volume:delete",
      resources: [`${S}/volume/*`],
      intent: "prune old volumes",
    });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect((await authorize(child, "volume:read", `${S}/volume/v1`)).allow).toBe(true);
    expect((await authorize(child, "service:read", `${S}/service/api`)).reason).toBe("action_not_granted");
  });

  it("prints JSON (the exchange answer) and env lines a shell can eval, for the child's own child too", async () => {
    const parent = await parentToken();
    const json = await exchange(parent, [...narrowing, "--intent", "json child", "--format", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body).toMatchObject({
      token_type: "Bearer",
      issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
      expires_in: 300,
      task: { id: decodeJwt(parent).task, intent: "json child" },
      delegation: { parent: decodeJwt(parent).jti, depth: 1 },
    });

    // The child hands on a grandchild, in env format, read back by a real shell.
    const env = await exchange(body.access_token, [
      "--actions",
      "volume:read",
      "--intent",
      "it's a grandchild",
      "--format",
      "env",
    ]);
    expect(env.code, env.stderr).toBe(0);
    const shell = spawnSync(
      "/bin/sh",
      [
        "-c",
        `${env.stdout}\nprintf '%s\\n' "$LEASH_TOKEN" "$LEASH_TASK" "$LEASH_SUB_TASK" "$LEASH_ENV" "$LEASH_INTENT"`,
      ],
      { encoding: "utf8" },
    );
    expect(shell.status, shell.stderr).toBe(0);
    const [token, task, subTask, environment, intent] = shell.stdout.trim().split("\n");
    const claims = decodeJwt(token!);
    expect(claims).toMatchObject({ depth: 2, scope: "volume:read", task, sub_task: subTask });
    expect(task).toBe(decodeJwt(parent).task);
    expect(environment).toBe("staging");
    expect(intent).toBe("it's a grandchild");
  });

  const widenings: Array<[string, string[], string, string]> = [
    [
      "an action the parent lacks",
      ["--actions", "volume:read,backup:delete"],
      "invalid_scope",
      "actions_not_delegable",
    ],
    [
      "a resource outside the parent's",
      ["--resources", "railway:prj_demo/env/staging/**,railway:x/**"],
      "invalid_target",
      "resources_not_delegable",
    ],
    [
      "a production resource",
      ["--resources", "railway:prj_demo/env/production/volume/v1"],
      "invalid_target",
      "wrong_environment",
    ],
    ["a ttl past the parent's expiry", ["--ttl", "2h"], "invalid_request", "ttl_exceeds_parent"],
  ];
  for (const [what, args, error, code] of widenings) {
    it(`refuses ${what} with the RFC's ${error} (${code}) and prints no token`, async () => {
      const parent = await parentToken();
      const result = await exchange(parent, [...args, "--intent", "widen"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`(${error}: ${code})`);
    });
  }

  it("refuses to run without LEASH_TOKEN, and with a parent that was revoked", async () => {
    const missing = await runCli(["token", "exchange", "--intent", "x"], {
      env: { LEASH_URL: info.url!, LEASH_TOKEN: "" },
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("LEASH_TOKEN");
    const parent = await parentToken();
    const ended = await fetch(`${info.url}/v1/tasks/end`, {
      method: "POST",
      headers: { authorization: `Bearer ${parent}` },
    });
    expect(ended.status).toBe(200);
    const revoked = await exchange(parent, ["--intent", "too late"]);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toBe("");
    expect(revoked.stderr).toContain("(invalid_grant: subject_token_revoked)");
  });
});

describe("leash exec --delegate", () => {
  const printEnv = ["--", process.execPath, "-e", "process.stdout.write(JSON.stringify(process.env))"];

  it("runs the command as a child task, then ends only the child: the parent keeps working", async () => {
    const parent = await parentToken("parent of exec");
    const result = await runCli(
      ["exec", "--delegate", "--actions", "volume:read", "--intent", "read volumes", ...printEnv],
      { env: { LEASH_URL: info.url!, LEASH_TOKEN: parent, LEASH_AGENT_KEY: info.agent_key! } },
    );
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout) as Record<string, string>;
    // Never the agent key, never the parent's token: only the child's.
    expect(seen.LEASH_AGENT_KEY).toBeUndefined();
    expect(seen.LEASH_TOKEN).not.toBe(parent);
    const claims = decodeJwt(seen.LEASH_TOKEN!);
    expect(claims).toMatchObject({
      task: decodeJwt(parent).task,
      parent: decodeJwt(parent).jti,
      depth: 1,
      scope: "volume:read",
      intent: "read volumes",
    });
    expect(seen).toMatchObject({
      LEASH_TASK: decodeJwt(parent).task,
      LEASH_SUB_TASK: claims.sub_task,
      LEASH_ENV: "staging",
      LEASH_INTENT: "read volumes",
    });
    expect((await authorize(seen.LEASH_TOKEN!, "volume:read", `${S}/volume/v1`)).reason).toBe("revoked");
    expect((await authorize(parent, "volume:read", `${S}/volume/v1`)).allow).toBe(true);
  });

  it("passes the command's exit code through and refuses a widening before running anything", async () => {
    const parent = await parentToken();
    const env = { LEASH_URL: info.url!, LEASH_TOKEN: parent };
    const exit = await runCli(
      ["exec", "--delegate", "--intent", "fail on purpose", "--", process.execPath, "-e", "process.exit(7)"],
      { env },
    );
    expect(exit.code).toBe(7);
    const widened = await runCli(
      [
        "exec",
        "--delegate",
        "--actions",
        "backup:delete",
        "--intent",
        "x",
        "--",
        process.execPath,
        "-e",
        "console.log('ran')",
      ],
      { env },
    );
    expect(widened.code).toBe(1);
    expect(widened.stdout).toBe("");
    expect(widened.stderr).toContain("(invalid_scope: actions_not_delegable)");
    const both = await runCli(
      ["exec", "--delegate", "--scope", "staging-fix", "--intent", "x", "--", "true"],
      { env },
    );
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("either --scope");
  });
});
