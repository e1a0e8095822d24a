// An agent hook that turns the guard's "ask" into a leash approval and waits for a human, through real processes.

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/principals/totp.ts";
import { runCli, startCli } from "../helpers/cli.ts";

let dev: Awaited<ReturnType<typeof startCli>>;
let info: Record<string, string>;

beforeAll(async () => {
  dev = await startCli(["dev", "--json", "--port", "0"]);
  info = JSON.parse(dev.firstLine);
});
afterAll(() => dev.stop());

async function productionToken(): Promise<string> {
  const minted = await runCli(
    ["token", "--scope", "production-ops", "--intent", "roll back the api deployment"],
    {
      env: { LEASH_URL: info.url!, LEASH_AGENT_KEY: info.agent_key! },
    },
  );
  return minted.stdout.trim();
}

interface HookOutput {
  hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string };
}

/** Runs the Claude Code hook with a production command; resolves with its decision JSON. */
async function runHook(token: string, command: string, waitSeconds = 20): Promise<HookOutput> {
  const { stdout } = await runCli(
    ["hook", "claude-code", "--env", "production", "--wait-approval", String(waitSeconds)],
    {
      env: { LEASH_URL: info.url!, LEASH_TOKEN: token },
      input: JSON.stringify({ tool_name: "Bash", tool_input: { command } }),
    },
  );
  return JSON.parse(stdout);
}

async function decideFirstPending(verdict: "approve" | "deny"): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const list = await fetch(`${info.url}/v1/approvals`, {
      headers: { authorization: `Bearer ${info.approver_key}` },
    });
    const { approvals } = (await list.json()) as { approvals: { id: string; resource: string }[] };
    if (approvals.length > 0) {
      const { id, resource } = approvals[0]!;
      const body =
        verdict === "approve"
          ? { totp: currentTotp(info.approver_totp_secret!, Date.now()) }
          : { reason: "not now" };
      await fetch(`${info.url}/v1/approvals/${id}/${verdict}`, {
        method: "POST",
        headers: { authorization: `Bearer ${info.approver_key}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return resource;
    }
    await sleep(100);
  }
  throw new Error("no approval appeared");
}

describe("hook with --wait-approval", () => {
  it("a destructive production command waits for a human and is allowed once approved", async () => {
    const token = await productionToken();
    const hook = runHook(token, "kubectl --context prod delete deployment api");
    const shown = await decideFirstPending("approve");
    expect(shown).toBe("command: kubectl --context prod delete deployment api");
    const output = await hook;
    expect(output.hookSpecificOutput.permissionDecision).toBe("allow");
    expect(output.hookSpecificOutput.permissionDecisionReason).toContain("approved by dev-approver");
  });

  it("a denial turns the ask into deny", async () => {
    const token = await productionToken();
    const hook = runHook(token, "kubectl --context prod delete deployment worker");
    await decideFirstPending("deny");
    const output = await hook;
    expect(output.hookSpecificOutput.permissionDecision).toBe("deny");
    expect(output.hookSpecificOutput.permissionDecisionReason).toContain("not now");
  });
});

describe("a hook that stops waiting", () => {
  it("withdraws its approval: no human can approve a command nobody will run", async () => {
    const token = await productionToken();
    const command = "kubectl --context prod delete deployment billing";
    const output = await runHook(token, command, 1);
    expect(output.hookSpecificOutput.permissionDecision).toBe("deny");
    const reason = output.hookSpecificOutput.permissionDecisionReason;
    expect(reason).toContain("no human decided within 1s");
    expect(reason).toContain("withdrawn");
    const approvalId = /\((apr_[A-Za-z0-9_-]+),/.exec(reason)![1]!;

    const read = await fetch(`${info.url}/v1/approvals/${approvalId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await read.json()).toMatchObject({
      status: "cancelled",
      deny_reason: expect.stringContaining("1s"),
    });
    const listed = await fetch(`${info.url}/v1/approvals`, {
      headers: { authorization: `Bearer ${info.approver_key}` },
    });
    const { approvals } = (await listed.json()) as { approvals: { id: string }[] };
    expect(approvals.map((a) => a.id)).not.toContain(approvalId);
    const late = await fetch(`${info.url}/v1/approvals/${approvalId}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${info.approver_key}`, "content-type": "application/json" },
      body: JSON.stringify({ totp: currentTotp(info.approver_totp_secret!, Date.now()) }),
    });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe("approval_not_pending");
  });
});
