// Real processes for the MCP gateway tests: `leash dev`, the fake platform's MCP server, and agents on the SDK's Client.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { authenticator } from "otplib";
import { api } from "../helpers/broker.ts";
import type { RecordedToolCall } from "../helpers/fake-mcp-platform.ts";

export const FAKE_PLATFORM_SCRIPT = fileURLToPath(
  new URL("../helpers/fake-mcp-platform.ts", import.meta.url),
);
/** How to run the fake platform as its own process (TypeScript through tsx, as bin/leash.js does). */
export const FAKE_PLATFORM_COMMAND = [process.execPath, "--import", "tsx", FAKE_PLATFORM_SCRIPT];

export interface Leash {
  url: string;
  agent_key: string;
  security_key: string;
  approver_key: string;
  approver_totp_secret: string;
}

/** Every tools/call the fake platform received so far. */
export function platformCalls(logFile: string): RecordedToolCall[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RecordedToolCall);
}

/** Starts the fake platform over Streamable HTTP; resolves with its URL. */
export function startHttpPlatform(
  token: string,
  logFile: string,
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const [command, ...args] = FAKE_PLATFORM_COMMAND;
  const child = spawn(command!, [...args, "--http", `--expect=${token}`, `--log=${logFile}`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`fake platform exited with ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      resolve({ url: JSON.parse(line).url, child, stop });
    });
  });
}

export async function mintTaskToken(
  leash: Leash,
  scope: string,
  intent: string,
): Promise<{ token: string; task: string }> {
  const minted = await api(leash.url, "POST", "/v1/tokens", {
    key: leash.agent_key,
    body: { scope, task: { intent } },
  });
  if (minted.status !== 201) throw new Error(`mint failed: ${minted.status} ${JSON.stringify(minted.body)}`);
  return { token: minted.body.token, task: minted.body.task.id };
}

/** An agent: the SDK's own Client over Streamable HTTP, recording every byte of every answer it receives. */
export class HttpAgent {
  readonly client = new Client({ name: "test-agent", version: "1.0.0" });
  /** Status lines, headers and bodies of every HTTP answer, and every result and error the client surfaced. */
  readonly received: string[] = [];
  readonly #pending: Promise<void>[] = [];

  constructor(
    readonly endpoint: string,
    readonly token: string | null,
  ) {}

  async connect(): Promise<void> {
    const transport = new StreamableHTTPClientTransport(new URL(this.endpoint), {
      requestInit: { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} },
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        this.received.push(
          `${response.status} ${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}`,
        );
        const copy = response.clone();
        // Bodies of streams that stay open (the standalone SSE stream) are collected as far as they went.
        this.#pending.push(
          copy
            .text()
            .then((text) => void this.received.push(text))
            .catch(() => undefined),
        );
        return response;
      },
    });
    try {
      await this.client.connect(transport);
    } catch (error) {
      this.received.push(String(error));
      throw error;
    }
  }

  async call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    try {
      const result = (await this.client.callTool({ name, arguments: args }, undefined, {
        timeout: 90_000,
      })) as CallToolResult;
      this.received.push(JSON.stringify(result));
      return result;
    } catch (error) {
      this.received.push(String(error));
      throw error;
    }
  }

  async toolNames(): Promise<string[]> {
    const { tools } = await this.client.listTools();
    this.received.push(JSON.stringify(tools));
    return tools.map((t) => t.name).sort();
  }

  async everything(): Promise<string> {
    await Promise.race([Promise.all(this.#pending), sleep(200)]);
    return this.received.join("\n");
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** leash's refusal in a tool error. */
/** An MCP initialize sent over raw HTTP with a bearer token, as any client could send it. */
export function rawInitialize(endpoint: string, token: string): Promise<Response> {
  return fetch(endpoint, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
}

export function refusalOf(result: CallToolResult): Record<string, unknown> | undefined {
  return (result._meta?.["leash/refusal"] as Record<string, unknown> | undefined) ?? undefined;
}

/** The pending approval an approver sees for a resource (the gateway holds the call meanwhile). */
export async function pendingApproval(
  leash: Leash,
  resource: string,
): Promise<{ id: string; action: string; intent: string; tool_call?: Record<string, string> }> {
  for (let i = 0; i < 400; i++) {
    const { body } = await api(leash.url, "GET", "/v1/approvals", { key: leash.approver_key });
    const found = (body.approvals ?? []).find(
      (a: { resource?: string; status: string }) => a.resource === resource && a.status === "pending",
    );
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no pending approval for ${resource}`);
}

/**
 * An approver approves with a TOTP code. leash accepts each step once and one step of skew either way, so a test that
 * approves several calls within 30 s uses the codes of the neighbouring steps instead of waiting.
 */
export async function approve(leash: Leash, approvalId: string): Promise<void> {
  for (const offsetMs of [0, 30_000, -30_000]) {
    const totp = authenticator.clone({ epoch: Date.now() + offsetMs }).generate(leash.approver_totp_secret);
    const answer = await api(leash.url, "POST", `/v1/approvals/${approvalId}/approve`, {
      key: leash.approver_key,
      body: { totp },
    });
    if (answer.status === 200) return;
    if (answer.body.code !== "totp_replayed") {
      throw new Error(`approve failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  }
  throw new Error("every code of the current window was already used");
}
