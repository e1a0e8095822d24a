// The guard takes the task's intent and environment from the task token (verified against the environment's JWKS when
// LEASH_URL answers, decoded otherwise), else from LEASH_INTENT, through real `leash` processes and a real broker.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/cli.ts";

let dev: Awaited<ReturnType<typeof startCli>>;
let info: Record<string, string>;
const work = mkdtempSync(join(tmpdir(), "leash-guard-task-"));
const scopes = join(work, "scopes");

beforeAll(async () => {
  mkdirSync(scopes);
  writeFileSync(
    join(scopes, "environments.yaml"),
    `environments:
  - name: staging
    protected: false
    markers: ["--context staging"]
  - name: production
    protected: true
    markers: ["--context prod"]
`,
  );
  dev = await startCli(["dev", "--json", "--port", "0"], { timeoutMs: 60_000 });
  info = JSON.parse(dev.firstLine);
}, 90_000);
afterAll(async () => {
  await dev.stop();
  rmSync(work, { recursive: true, force: true });
});

const DELETE_PREVIEW = "kubectl --context staging delete ns preview";

/** A clean environment: nothing from the developer's shell, no model. */
const clean = (extra: Record<string, string>) => ({
  PATH: process.env.PATH ?? "",
  HOME: work,
  LEASH_SCOPES_DIR: scopes,
  LEASH_URL: "",
  LEASH_TOKEN: "",
  LEASH_ENV: "",
  LEASH_INTENT: "",
  LEASH_GUARD_MODEL_URL: "",
  ...extra,
});

async function check(cmd: string, env: Record<string, string>) {
  const r = await runCli(["guard", "check", "--json", cmd], { env: clean(env) });
  expect(r.stderr).toBe("");
  return { code: r.code, result: JSON.parse(r.stdout) as { decision: string; reasons: string[] } };
}

async function mint(intent: string): Promise<string> {
  const r = await runCli(["token", "--scope", "staging-fix", "--intent", intent], {
    env: { LEASH_URL: info.url!, LEASH_AGENT_KEY: info.agent_key! },
  });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** The same token with another intent in its claims: the signature no longer matches. */
function forge(token: string, intent: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
  return [header, Buffer.from(JSON.stringify({ ...claims, intent })).toString("base64url"), signature].join(
    ".",
  );
}

describe("the task's intent in guard check and the hook", { timeout: 120_000 }, () => {
  it("LEASH_INTENT decides whether a destructive command is covered", async () => {
    const covered = await check(DELETE_PREVIEW, {
      LEASH_ENV: "staging",
      LEASH_INTENT: "delete the preview namespace",
    });
    expect(covered.code).toBe(0);
    expect(covered.result.reasons.join("\n")).toMatch(
      /intent_covers: "delete".*\[intent from LEASH_INTENT\]/,
    );
    const other = await check(DELETE_PREVIEW, { LEASH_ENV: "staging", LEASH_INTENT: "write a README" });
    expect(other.code).toBe(2);
    expect(other.result.reasons[0]).toMatch(/^intent_mismatch: the task's intent "write a README"/);
    const none = await check(DELETE_PREVIEW, { LEASH_ENV: "staging" });
    expect(none.code).toBe(2);
    expect(none.result.reasons[0]).toMatch(/^intent_unknown/);
  });

  it("takes intent and environment from a verified task token, over LEASH_INTENT", async () => {
    const token = await mint("delete the preview namespace");
    const r = await check(DELETE_PREVIEW, {
      LEASH_URL: info.url!,
      LEASH_TOKEN: token,
      LEASH_INTENT: "write docs",
    });
    expect(r.code).toBe(0);
    expect(r.result.reasons.join("\n")).toMatch(/intent_covers.*\[intent from verified task token\]/);
    const readme = await mint("write a README");
    const asked = await check(DELETE_PREVIEW, { LEASH_URL: info.url!, LEASH_TOKEN: readme });
    expect(asked.code).toBe(2);
    expect(asked.result.reasons[0]).toMatch(/write a README.*\[intent from verified task token\]/);
    // The token's environment is the task's: a production command is refused.
    const prod = await check("kubectl --context prod get pods", {
      LEASH_URL: info.url!,
      LEASH_TOKEN: readme,
    });
    expect(prod.code).toBe(3);
  });

  it("does not believe a token whose signature fails, and only decodes one when the broker is unreachable", async () => {
    const forged = forge(await mint("write a README"), "delete the preview namespace");
    const rejected = await check(DELETE_PREVIEW, {
      LEASH_URL: info.url!,
      LEASH_TOKEN: forged,
      LEASH_ENV: "staging",
    });
    expect(rejected.code).toBe(2);
    expect(rejected.result.reasons[0]).toMatch(
      /^intent_unknown.*task token was rejected \(token_signature_invalid\)/,
    );
    const decoded = await check(DELETE_PREVIEW, { LEASH_URL: "http://127.0.0.1:9", LEASH_TOKEN: forged });
    expect(decoded.code).toBe(0);
    expect(decoded.result.reasons.join("\n")).toMatch(/\[intent from task token \(decoded; not verified/);
  });

  it("gives up on a broker that sends its JWKS too slowly, as on one that does not answer", async () => {
    // A byte every 200 ms never leaves the socket silent for long, so only a limit on the whole answer ends it.
    const trickle = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write(" "), 200);
      res.on("close", () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => trickle.listen(0, "127.0.0.1", resolve));
    const { port } = trickle.address() as AddressInfo;
    try {
      const started = Date.now();
      const decoded = await check(DELETE_PREVIEW, {
        LEASH_URL: `http://127.0.0.1:${port}`,
        LEASH_TOKEN: await mint("write a README"),
      });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(decoded.result.reasons.join("\n")).toMatch(/not verified: no answer within 1500 ms/);
    } finally {
      trickle.closeAllConnections();
      trickle.close();
    }
  });

  it("the hook answers from the token's intent", async () => {
    const event = JSON.stringify({ tool_name: "Bash", tool_input: { command: DELETE_PREVIEW } });
    const covered = await runCli(["hook", "claude-code"], {
      env: clean({ LEASH_URL: info.url!, LEASH_TOKEN: await mint("delete the preview namespace") }),
      input: event,
    });
    expect(JSON.parse(covered.stdout)).toEqual({});
    const readme = await runCli(["hook", "claude-code"], {
      env: clean({ LEASH_URL: info.url!, LEASH_TOKEN: await mint("write a README") }),
      input: event,
    });
    const out = JSON.parse(readme.stdout).hookSpecificOutput;
    expect(out.permissionDecision).toBe("ask");
    expect(out.permissionDecisionReason).toContain("intent_mismatch");
  });
});
