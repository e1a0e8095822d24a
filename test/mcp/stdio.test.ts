// `leash mcp stdio -- <command>` as an MCP client (the SDK's Client with StdioClientTransport) spawns it: the gateway
// refuses to start without a live token of its environment, spawns the fake platform's stdio server with only the
// credential, and governs every call as the HTTP gateway does.
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify as stringifyYaml } from "yaml";
import { api } from "../helpers/broker.ts";
import { LEASH_BIN, runCli, startCli } from "../helpers/cli.ts";
import { FAKE_PLATFORM_COMMAND, type Leash, mintTaskToken, platformCalls, refusalOf } from "./harness.ts";

const PLATFORM_TOKEN = `plat_${randomBytes(16).toString("hex")}`;
let dev: Awaited<ReturnType<typeof startCli>>;
let leash: Leash;
let configFile: string;
let logFile: string;
const clients: Client[] = [];

/** The command an agent's MCP config would name: leash mcp stdio, fronting the fake platform. */
function gatewayCommand(): string[] {
  return [
    LEASH_BIN,
    "mcp",
    "stdio",
    "--config",
    configFile,
    "--",
    ...FAKE_PLATFORM_COMMAND,
    `--expect=${PLATFORM_TOKEN}`,
    `--log=${logFile}`,
  ];
}

function gatewayEnv(token?: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    LEASH_URL: leash.url,
    PLATFORM_TOKEN,
    ...(token ? { LEASH_TOKEN: token } : {}),
  };
}

async function connect(token: string): Promise<{ client: Client; closed: Promise<void> }> {
  const client = new Client({ name: "test-agent", version: "1.0.0" });
  clients.push(client);
  const closed = new Promise<void>((resolve) => {
    client.onclose = () => resolve();
  });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: gatewayCommand(),
      env: gatewayEnv(token),
      stderr: "ignore",
    }),
  );
  return { client, closed };
}

const calls = () => platformCalls(logFile);

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "leash-mcp-stdio-"));
  logFile = join(dir, "platform-calls.jsonl");
  configFile = join(dir, "mcp.yaml");
  await writeFile(
    configFile,
    stringifyYaml({
      upstreams: [
        {
          name: "hosting-staging",
          environment: "staging",
          credential: { env: "PLATFORM_TOKEN" },
          tools: {
            volume_list: {
              action: "volume:read",
              resource: "railway:prj_demo/env/{args.environment}/volumes",
            },
            volume_delete: {
              action: "volume:delete",
              resource: "railway:prj_demo/env/{args.environment}/volume/{args.volumeId}",
            },
            backup_delete: {
              action: "backup:delete",
              resource: "railway:prj_demo/env/{args.environment}/backup/{args.backupId}",
            },
          },
        },
      ],
    }),
  );
  dev = await startCli(["dev", "--json", "--port", "0"], { timeoutMs: 60_000 });
  leash = JSON.parse(dev.firstLine);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await dev?.stop();
});

describe("leash mcp stdio", () => {
  it("refuses to start without a token, with a revoked one, or with one of another environment", async () => {
    const missing = await runCli(gatewayCommand().slice(1), { env: gatewayEnv() });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("missing_token");

    const production = await mintTaskToken(leash, "production-read", "look at production");
    const wrong = await runCli(gatewayCommand().slice(1), { env: gatewayEnv(production.token) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong_environment");

    const staging = await mintTaskToken(leash, "staging-fix", "about to be revoked");
    await api(leash.url, "POST", "/v1/revocations", {
      key: leash.security_key,
      body: { task: staging.task, reason: "t" },
    });
    const revoked = await runCli(gatewayCommand().slice(1), { env: gatewayEnv(staging.token) });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain("revoked");
    // Nothing was spawned, so nothing reached the platform.
    expect(calls()).toEqual([]);
  }, 120_000);

  it("governs calls like the HTTP gateway; the session stops once the task is revoked", async () => {
    const { token, task } = await mintTaskToken(leash, "staging-fix", "fix staging");
    const { client, closed } = await connect(token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["volume_delete", "volume_list"]);

    const wrong = (await client.callTool({
      name: "volume_delete",
      arguments: { environment: "production", volumeId: "vol_prod_db" },
    })) as CallToolResult;
    expect(refusalOf(wrong)).toMatchObject({ code: "wrong_environment" });
    const backup = (await client.callTool({
      name: "backup_delete",
      arguments: { environment: "staging", backupId: "bak_stg_5" },
    })) as CallToolResult;
    // Deleting a backup destroys a safety net: the gateway refuses it itself, whatever the token grants.
    expect(refusalOf(backup)).toMatchObject({ code: "guard_denied" });
    expect(calls()).toEqual([]);

    const listed = (await client.callTool({
      name: "volume_list",
      arguments: { environment: "staging" },
    })) as CallToolResult;
    expect(listed.isError).toBeFalsy();
    const received = JSON.stringify(listed);
    expect(received).toContain("vol_stg_1");
    expect(received).not.toContain(PLATFORM_TOKEN);
    expect(received).toContain("debug: authenticated as ****");
    // The spawned server got the credential, and not the task token.
    expect(calls()).toEqual([
      expect.objectContaining({ tool: "volume_list", credential: PLATFORM_TOKEN, leashTokenVisible: false }),
    ]);

    await api(leash.url, "POST", "/v1/revocations", {
      key: leash.security_key,
      body: { task, reason: "stop" },
    });
    const after = (await client.callTool({
      name: "volume_list",
      arguments: { environment: "staging" },
    })) as CallToolResult;
    expect(refusalOf(after)).toMatchObject({ code: "revoked" });
    await closed;
    expect(calls()).toHaveLength(1);
  }, 120_000);
});
