import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerificationError, verifyTaskToken } from "../../src/tokens/verify-task-token.ts";
import { runCli, startCli } from "../helpers/cli.ts";

let dev: Awaited<ReturnType<typeof startCli>>;
let info: Record<string, string>;

beforeAll(async () => {
  dev = await startCli(["dev", "--json", "--port", "0"]);
  info = JSON.parse(dev.firstLine);
});
afterAll(() => dev.stop());

describe("leash dev --json --port 0", () => {
  it("prints exactly the documented JSON line with a real port", () => {
    expect(Object.keys(info).sort()).toEqual(
      ["admin_key", "agent_key", "approver_key", "approver_totp_secret", "security_key", "url"].sort(),
    );
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.url).not.toMatch(/:0$/);
    expect(info.agent_key).toMatch(/^lsk_/);
    expect(info.admin_key).toMatch(/^lsh_/);
    expect(info.approver_totp_secret).toMatch(/^[A-Z2-7]+$/);
  });

  it("mints a token with `leash token` that verifies with the environment's JWKS, and only there", async () => {
    const minted = await runCli(
      ["token", "--scope", "staging-fix", "--intent", "fix the staging deploy", "--format", "json"],
      { env: { LEASH_URL: info.url!, LEASH_AGENT_KEY: info.agent_key! } },
    );
    expect(minted.stderr).toBe("");
    expect(minted.code).toBe(0);
    const { token } = JSON.parse(minted.stdout);

    const stagingJwks = await (await fetch(`${info.url}/v1/envs/staging/jwks.json`)).json();
    const claims = await verifyTaskToken(token, {
      environment: "staging",
      jwks: stagingJwks,
      issuer: info.url!,
    });
    expect(claims.scope_id).toBe("staging-fix");

    const productionJwks = await (await fetch(`${info.url}/v1/envs/production/jwks.json`)).json();
    expect(productionJwks.keys[0].kid).not.toBe(stagingJwks.keys[0].kid);
    const refused = await verifyTaskToken(token, {
      environment: "production",
      jwks: productionJwks,
      issuer: info.url!,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TokenVerificationError);
    expect((refused as TokenVerificationError).code).toBe("wrong_environment");
  });

  it("`leash token --format env` prints export lines for eval, and over-asking fails with the code", async () => {
    const env = { LEASH_URL: info.url!, LEASH_AGENT_KEY: info.agent_key! };
    const exported = await runCli(
      ["token", "--scope", "production-read", "--intent", "read prod", "--format", "env"],
      { env },
    );
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^export LEASH_TOKEN='ey[^']+'$/m);
    expect(exported.stdout).toMatch(/^export LEASH_ENV='production'$/m);
    expect(exported.stdout).toMatch(/^export LEASH_INTENT='read prod'$/m);

    const refused = await runCli(["token", "--scope", "staging-fix", "--intent", "x", "--ttl", "5h"], {
      env,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("ttl_exceeds_max");
    expect(refused.stdout).toBe("");
  });
});
