// The incident, replayed through `leash mcp` with real processes: `leash dev`, the fake platform's MCP server (SDK
// McpServer, Streamable HTTP), the gateway as a user runs it (examples/mcp.yaml pointed at the fake), and agents on
// the SDK's own Client. The platform's one token reaches every environment, as the incident's did.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { api } from "../helpers/broker.ts";
import { runCli, startCli } from "../helpers/cli.ts";
import {
  approve,
  FAKE_PLATFORM_COMMAND,
  HttpAgent,
  type Leash,
  mintTaskToken,
  pendingApproval,
  platformCalls,
  rawInitialize,
  refusalOf,
  startHttpPlatform,
} from "./harness.ts";

type Running = Awaited<ReturnType<typeof startCli>>;

const PLATFORM_TOKEN = `plat_${randomBytes(16).toString("hex")}`;
let leash: Leash;
let dev: Running;
let gateway: Running;
let platform: Awaited<ReturnType<typeof startHttpPlatform>>;
let logFile: string;
let gatewayLogs = "";
let gatewayUrl: string;
/** Both environments; holds approvals (hold: wait). */
let hosting: string;
/** Production only; answers approvals at once (hold: refuse); volume_list deliberately unmapped. */
let hostingProduction: string;
/** A stdio server the gateway spawned, staging only. */
let hostingLocal: string;
const agents: HttpAgent[] = [];

const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const calls = (tool?: string) => platformCalls(logFile).filter((c) => tool === undefined || c.tool === tool);

async function agentFor(
  endpoint: string,
  scope: string,
  intent: string,
): Promise<HttpAgent & { task: string }> {
  const { token, task } = await mintTaskToken(leash, scope, intent);
  const agent = Object.assign(new HttpAgent(endpoint, token), { task });
  agents.push(agent);
  await agent.connect();
  return agent;
}

async function connectError(endpoint: string, token: string | null): Promise<StreamableHTTPError> {
  const agent = new HttpAgent(endpoint, token);
  agents.push(agent);
  const error = await agent.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StreamableHTTPError);
  return error as StreamableHTTPError;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "leash-mcp-"));
  logFile = join(dir, "platform-calls.jsonl");
  platform = await startHttpPlatform(PLATFORM_TOKEN, logFile);
  dev = await startCli(["dev", "--json", "--port", "0"], { timeoutMs: 60_000 });
  leash = JSON.parse(dev.firstLine);

  // The shipped example, pointed at the fake platform, plus a production-only upstream that answers at once.
  const example = parseYaml(await readFile("examples/mcp.yaml", "utf8"));
  example.port = 0;
  example.hold_timeout = "60s";
  example.upstreams[0].url = platform.url;
  const { volume_list: _unmapped, ...productionTools } = example.upstreams[0].tools;
  example.upstreams.push({
    name: "hosting-production",
    environment: "production",
    url: platform.url,
    credential: { env: "PLATFORM_TOKEN" },
    hold: "refuse",
    tools: Object.fromEntries(
      Object.entries(productionTools as Record<string, { action: string; resource: string }>).map(
        ([tool, m]) => [tool, { ...m, resource: m.resource.replace("{args.environment}", "{env}") }],
      ),
    ),
  });
  // A stdio server the gateway spawns itself, and an upstream that is down (its sessions fail, /readyz says so).
  example.upstreams.push({
    name: "hosting-local",
    environment: "staging",
    command: [...FAKE_PLATFORM_COMMAND, `--expect=${PLATFORM_TOKEN}`, `--log=${logFile}`],
    credential: { env: "PLATFORM_TOKEN" },
    tools: { volume_list: example.upstreams[0].tools.volume_list },
  });
  example.upstreams.push({
    name: "hosting-down",
    environment: "staging",
    url: "http://127.0.0.1:9/mcp",
    credential: { env: "PLATFORM_TOKEN" },
    tools: { volume_list: example.upstreams[0].tools.volume_list },
  });
  const configFile = join(dir, "mcp.yaml");
  await writeFile(configFile, stringifyYaml(example));

  gateway = await startCli(["mcp", "--config", configFile, "--json"], {
    env: { LEASH_URL: leash.url, PLATFORM_TOKEN },
    timeoutMs: 30_000,
  });
  gateway.child.stderr!.on("data", (chunk) => {
    gatewayLogs += chunk;
  });
  const started = JSON.parse(gateway.firstLine) as {
    url: string;
    endpoints: { upstream: string; url: string }[];
  };
  gatewayUrl = started.url;
  hosting = started.endpoints.find((e) => e.upstream === "hosting")!.url;
  hostingProduction = started.endpoints.find((e) => e.upstream === "hosting-production")!.url;
  hostingLocal = started.endpoints.find((e) => e.upstream === "hosting-local")!.url;
}, 90_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  await gateway?.stop();
  await dev?.stop();
  await platform?.stop();
});

describe("sessions: only a live task token of the upstream's environment opens one", () => {
  it("no token: 401 at connect", async () => {
    const error = await connectError(hosting, null);
    expect(error.code).toBe(401);
    expect(error.message).toContain("missing_token");
  });

  it("a forged or revoked token: 401 at connect", async () => {
    expect((await connectError(hosting, "not-a-token")).message).toContain("invalid_token");
    const { token, task } = await mintTaskToken(leash, "staging-fix", "about to be revoked");
    const revoked = await api(leash.url, "POST", "/v1/revocations", {
      key: leash.security_key,
      body: { task, reason: "test" },
    });
    expect(revoked.status).toBe(200);
    const error = await connectError(hosting, token);
    expect(error.code).toBe(401);
    expect(error.message).toContain("revoked");
  });

  it("a staging token at the production-only server: 403 wrong_environment at connect", async () => {
    const { token } = await mintTaskToken(leash, "staging-fix", "fix staging");
    const error = await connectError(hostingProduction, token);
    expect(error.code).toBe(403);
    expect(error.message).toContain("wrong_environment");
  });

  it("a session answers only the token that opened it", async () => {
    const agent = await agentFor(hosting, "staging-fix", "fix staging");
    const other = await mintTaskToken(leash, "staging-fix", "someone else");
    const response = await fetch(hosting, {
      method: "POST",
      headers: {
        authorization: `Bearer ${other.token}`,
        "mcp-session-id": (agent.client.transport as { sessionId?: string }).sessionId!,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(403);
    expect((await response.json()).code).toBe("session_token_mismatch");
  });
});

describe("sessions are bounded per token", () => {
  const initialize = (token: string) => rawInitialize(hosting, token);

  it("a token holds at most 32 open sessions; closing one makes room", async () => {
    const { token } = await mintTaskToken(leash, "staging-fix", "open many sessions");
    const ids: string[] = [];
    for (let i = 0; i < 32; i++) {
      const response = await initialize(token);
      expect(response.status).toBe(200);
      ids.push(response.headers.get("mcp-session-id")!);
      await response.body?.cancel();
    }
    const refused = await initialize(token);
    expect(refused.status).toBe(429);
    expect((await refused.json()).code).toBe("too_many_sessions");

    const closed = await fetch(hosting, {
      method: "DELETE",
      headers: {
        authorization: `Bearer ${token}`,
        "mcp-session-id": ids[0]!,
        "mcp-protocol-version": "2025-06-18",
      },
    });
    expect(closed.status).toBe(200);
    const again = await initialize(token);
    expect(again.status).toBe(200);
    await again.body?.cancel();
  }, 60_000);
});

describe("tools/list shows only what the token grants", () => {
  it("staging-fix: no backup_delete, nothing marked for approval", async () => {
    const agent = await agentFor(hosting, "staging-fix", "fix staging");
    const { tools } = await agent.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["service_restart", "volume_delete", "volume_list"]);
    for (const tool of tools) expect(tool.description).not.toContain("approval");
  });

  it("production-ops: destructive tools (by catalogue or by the upstream's annotation) are marked", async () => {
    const agent = await agentFor(hosting, "production-ops", "operate production");
    const { tools } = await agent.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual(["service_restart", "volume_delete", "volume_list"]);
    expect(byName.get("volume_delete")!.description).toContain("waits for a human's approval");
    expect(byName.get("service_restart")!.description).toContain("waits for a human's approval");
    expect(byName.get("volume_list")!.description).not.toContain("approval");
  });

  it("production-read sees only the read", async () => {
    const agent = await agentFor(hosting, "production-read", "look");
    expect(await agent.toolNames()).toEqual(["volume_list"]);
  });
});

describe("the incident, replayed through leash mcp", () => {
  let stagingAgent: HttpAgent & { task: string };

  it("1. a staging task's volume_delete on the production volume: wrong_environment, never sent", async () => {
    stagingAgent = await agentFor(hosting, "staging-fix", "fix the failing staging deploy");
    const result = await stagingAgent.call("volume_delete", {
      environment: "production",
      volumeId: "vol_prod_db",
    });
    expect(result.isError).toBe(true);
    expect(refusalOf(result)).toMatchObject({
      code: "wrong_environment",
      tool: "volume_delete",
      action: "volume:delete",
      resource: production("volume/vol_prod_db"),
    });
    expect((result.content[0] as { text: string }).text).toContain("outside the task token's environment");
    expect(calls("volume_delete")).toEqual([]);
  });

  it("2. a burst of staging deletes is cut at the limit and the task revoked; its session then stops", async () => {
    const first = await stagingAgent.call("volume_delete", { environment: "staging", volumeId: "vol_stg_1" });
    expect(first.isError).toBeFalsy();
    const burst = await Promise.all(
      ["vol_stg_2", "vol_stg_3", "vol_stg_4"].map((volumeId) =>
        stagingAgent.call("volume_delete", { environment: "staging", volumeId }),
      ),
    );
    const refused = burst.filter((r) => r.isError);
    expect(refused).toHaveLength(1);
    expect(refusalOf(refused[0]!)).toMatchObject({ code: "rate_limited", task_revoked: true });
    expect(calls("volume_delete").map((c) => c.arguments.volumeId)).toHaveLength(3);

    // The task is revoked: the session is over (HTTP 401 with the reason), and nothing more reaches the platform.
    const before = calls().length;
    await expect(stagingAgent.call("volume_list", { environment: "staging" })).rejects.toThrow(/401|revoked/);
    await expect(stagingAgent.client.listTools()).rejects.toThrow(/revoked/);
    expect(calls().length).toBe(before);
  });

  it("3. a production delete is held until an approver approves with TOTP, then runs once", async () => {
    const agent = await agentFor(
      hosting,
      "production-ops",
      "remove the unused production volume vol_prod_old",
    );
    const held = agent.call("volume_delete", { environment: "production", volumeId: "vol_prod_old" });
    const approval = await pendingApproval(leash, production("volume/vol_prod_old"));
    // The approver sees what will run: the tool and its exact arguments (canonical JSON), besides action and resource.
    const exactArguments = '{"environment":"production","volumeId":"vol_prod_old"}';
    expect(approval).toMatchObject({
      action: "volume:delete",
      intent: "remove the unused production volume vol_prod_old",
      tool_call: { upstream: "hosting", tool: "volume_delete", arguments: exactArguments },
    });
    const listed = await runCli(["approvals"], {
      env: { LEASH_URL: leash.url, LEASH_HUMAN_KEY: leash.approver_key },
    });
    expect(listed.code, listed.stderr).toBe(0);
    const block = listed.stdout.slice(listed.stdout.indexOf(approval.id));
    expect(block.split("\n").slice(0, 2).join("\n")).toBe(
      [
        `${approval.id}  [production] volume:delete on ${production("volume/vol_prod_old")}`,
        `    tool hosting/volume_delete with arguments ${exactArguments}`,
      ].join("\n"),
    );
    expect(calls("volume_delete").filter((c) => c.arguments.volumeId === "vol_prod_old")).toEqual([]);

    await approve(leash, approval.id);
    const result = await held;
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: "deleted vol_prod_old and 0 backup(s)" }]);
    expect(calls("volume_delete").filter((c) => c.arguments.volumeId === "vol_prod_old")).toHaveLength(1);
  });

  it("3. hold: refuse answers at once with the approval id; approved, the same call runs once, and only it", async () => {
    const agent = await agentFor(hostingProduction, "production-ops", "restart the production web service");
    const args = { environment: "production", serviceId: "svc_web" };
    const asked = await agent.call("service_restart", args);
    expect(asked.isError).toBe(true);
    const refusal = refusalOf(asked)!;
    // service:restart is not destructive in the catalogue; the platform's destructiveHint makes it so.
    expect(refusal).toMatchObject({
      code: "approval_required",
      action: "service:restart",
      resource: production("service/svc_web"),
    });
    expect(refusal.approval_id).toMatch(/^apr_/);
    expect(calls("service_restart")).toEqual([]);

    // Other arguments are another call, with an approval of their own, showing its own arguments.
    const other = await agent.call("service_restart", { environment: "production", serviceId: "svc_api" });
    expect(refusalOf(other)!.approval_id).not.toBe(refusal.approval_id);
    for (const [id, serviceId] of [
      [refusal.approval_id, "svc_web"],
      [refusalOf(other)!.approval_id, "svc_api"],
    ]) {
      const shown = await api(leash.url, "GET", `/v1/approvals/${id}`, { key: leash.approver_key });
      expect(shown.body.tool_call).toEqual({
        upstream: "hosting-production",
        tool: "service_restart",
        arguments: `{"environment":"production","serviceId":"${serviceId}"}`,
      });
    }
    // The approvers' list marks it destructive, as the platform annotates it (the catalogue alone would not).
    const briefed = await api(leash.url, "GET", "/v1/approvals", { key: leash.approver_key });
    expect(briefed.body.approvals).toContainEqual(
      expect.objectContaining({ id: refusal.approval_id, destructive: true, environment_protected: true }),
    );

    await approve(leash, refusal.approval_id as string);
    const ran = await agent.call("service_restart", args);
    expect(ran.isError, JSON.stringify(ran)).toBeFalsy();
    expect(calls("service_restart").map((c) => c.arguments)).toEqual([
      { environment: "production", serviceId: "svc_web" },
    ]);

    const again = await agent.call("service_restart", args);
    expect(refusalOf(again)).toMatchObject({ code: "approval_required" });
    expect(refusalOf(again)!.approval_id).not.toBe(refusal.approval_id);
    expect(calls("service_restart")).toHaveLength(1);
  });

  it("4. backup_delete is never listed and never runs, for any token", async () => {
    for (const scope of ["staging-fix", "production-ops", "production-read"]) {
      const agent = await agentFor(hosting, scope, "tidy old backups");
      expect(await agent.toolNames()).not.toContain("backup_delete");
      const result = await agent.call("backup_delete", { environment: "production", backupId: "bak_prod_1" });
      // A safety net's destruction is refused by the gateway itself, before any token's grants are asked about.
      expect(refusalOf(result)?.code, scope).toBe("guard_denied");
    }
    expect(calls("backup_delete")).toEqual([]);
  });

  it("an unmapped tool is neither listed nor called", async () => {
    const agent = await agentFor(hostingProduction, "production-read", "look at production");
    expect(await agent.toolNames()).not.toContain("volume_list");
    const before = calls().length;
    const result = await agent.call("volume_list", { environment: "production" });
    expect(refusalOf(result)).toMatchObject({ code: "unmapped_tool" });
    expect(calls().length).toBe(before);
  });

  it("refusals decided before leash is asked are in leash's audit trail and the gateway's metrics too", async () => {
    const agent = await agentFor(hosting, "staging-fix", "try tools the gateway cannot map");
    const before = calls().length;
    const refusals = [
      // No mapping for the name (spelled outside MCP's tool-name characters, with a bidi control).
      [await agent.call("volume delete\u202e", { environment: "staging" }), "unmapped_tool"],
      // Mapped, but the resource template needs an argument the call does not have.
      [await agent.call("volume_delete", { environment: "staging" }), "unresolvable_resource"],
    ] as const;
    for (const [result, code] of refusals) expect(refusalOf(result)).toMatchObject({ code });
    expect(calls().length).toBe(before);

    const audit = await api(leash.url, "GET", `/v1/audit?task=${encodeURIComponent(agent.task)}`, {
      key: leash.security_key,
    });
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    const records = (audit.body.records as Record<string, string>[]).filter((r) => r.event === "authorize");
    expect(records).toEqual([
      expect.objectContaining({
        decision: "deny",
        reason: "unmapped_tool",
        agent: "dev-agent",
        action: "",
        detail: "mcp hosting/volume_delete_ (not an MCP tool name); refused by the gateway before authorize",
      }),
      expect.objectContaining({
        decision: "deny",
        reason: "unresolvable_resource",
        agent: "dev-agent",
        action: "volume:delete",
        detail: "mcp hosting/volume_delete; refused by the gateway before authorize",
      }),
    ]);
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /leash_mcp_tool_calls_total\{upstream="hosting",tool="\(other\)",decision="unmapped_tool"\} 1/,
    );
    expect(metrics).toMatch(
      /leash_mcp_tool_calls_total\{upstream="hosting",tool="volume_delete",decision="unresolvable_resource"\} 1/,
    );
  });

  it("a task revoked by security: its session stops on the next call", async () => {
    const agent = await agentFor(hosting, "staging-fix", "fix staging");
    expect((await agent.call("volume_list", { environment: "staging" })).isError).toBeFalsy();
    const revoked = await api(leash.url, "POST", "/v1/revocations", {
      key: leash.security_key,
      body: { task: agent.task, reason: "agent misbehaving" },
    });
    expect(revoked.status).toBe(200);
    const before = calls().length;
    const result = await agent.call("volume_list", { environment: "staging" });
    expect(refusalOf(result)).toMatchObject({ code: "revoked" });
    await expect(agent.client.listTools()).rejects.toThrow(/401|revoked|session/);
    expect(calls().length).toBe(before);
  });

  it("5. the credential is scrubbed from results, and the agent never receives it", async () => {
    const agent = await agentFor(hosting, "production-read", "look at production volumes");
    const result = await agent.call("volume_list", { environment: "production" });
    expect(result.isError).toBeFalsy();
    const texts = (result.content as { text: string }[]).map((c) => c.text);
    expect(texts[0]).toContain("vol_prod_db");
    expect(texts[1]).toMatch(/^debug: authenticated as \*+ \(\*+\)$/);

    const everything = (await Promise.all(agents.map((a) => a.everything()))).join("\n");
    expect(everything.length).toBeGreaterThan(2000);
    expect(everything).not.toContain(PLATFORM_TOKEN);
    expect(everything).not.toContain(encodeURIComponent(PLATFORM_TOKEN));
    expect(gatewayLogs).not.toContain(PLATFORM_TOKEN);
    // The platform saw its own token on every call and never a task token.
    for (const call of calls()) {
      expect(call.credential).toBe(PLATFORM_TOKEN);
      for (const agentSeen of agents) {
        if (agentSeen.token) expect(JSON.stringify(call.headers)).not.toContain(agentSeen.token);
      }
    }
  });
});

describe("operations", () => {
  it("a stdio upstream the gateway spawns gets the credential and serves sessions like the others", async () => {
    const agent = await agentFor(hostingLocal, "staging-fix", "list staging volumes");
    expect(await agent.toolNames()).toEqual(["volume_list"]);
    const before = calls().length;
    const result = await agent.call("volume_list", { environment: "staging" });
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(JSON.stringify(result)).not.toContain(PLATFORM_TOKEN);
    expect(calls().slice(before)).toEqual([
      expect.objectContaining({ tool: "volume_list", credential: PLATFORM_TOKEN, leashTokenVisible: false }),
    ]);
  });

  it("/readyz reports each upstream; /metrics counts calls by tool and decision; the audit names the tool", async () => {
    const ready = await fetch(`${gatewayUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: "not_ready",
      upstreams: [
        { name: "hosting", ready: true },
        { name: "hosting-production", ready: true },
        { name: "hosting-local", ready: true },
        { name: "hosting-down", ready: false, problem: expect.any(String) },
      ],
    });
    const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /leash_mcp_tool_calls_total\{upstream="hosting",tool="volume_delete",decision="wrong_environment"\} 1/,
    );
    expect(metrics).toMatch(
      /leash_mcp_tool_calls_total\{upstream="hosting",tool="volume_delete",decision="rate_limited"\} 1/,
    );
    expect(metrics).toMatch(
      /leash_mcp_sessions_total\{upstream="hosting-production",result="wrong_environment"\} 1/,
    );

    const audit = await api(leash.url, "GET", "/v1/audit?event=authorize&limit=500", {
      key: leash.security_key,
    });
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    const records = (audit.body.records ?? audit.body.items ?? []) as {
      detail?: string;
      reason?: string;
      resource?: string;
    }[];
    expect(records).toContainEqual(
      expect.objectContaining({
        detail: "mcp hosting/volume_delete",
        reason: "wrong_environment",
        resource: production("volume/vol_prod_db"),
      }),
    );
  });
});
