// The gateway's connection to one upstream MCP server (Streamable HTTP or a spawned stdio process), with its credential.
import type { Readable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CallToolResult,
  type Tool,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { McpUpstream } from "./config.ts";
import type { UpstreamTool } from "./tool-plan.ts";

/** A tool call upstream may run this long; progress notifications from the upstream do not extend it. */
const UPSTREAM_CALL_TIMEOUT_MS = 120_000;
const UPSTREAM_LIST_TIMEOUT_MS = 30_000;
/** tools/list pages followed before the list counts as endless. */
const MAX_LIST_PAGES = 50;

export interface UpstreamConnectionOptions {
  /** The credential's value, injected into the upstream connection only. */
  credential: string;
  /** `leash mcp stdio -- <command>`: the server to spawn, instead of the config's. */
  command?: { command: string; args: string[] };
  /** Lines the spawned server writes to stderr (already its own, not the agent's). */
  onStderr?: (line: string) => void;
}

/**
 * One client per agent session (and one for the gateway's own checks): the credential is the gateway's, not the
 * agent's, and each call is authorized on its own before it is sent. Reconnects on the next use after the upstream
 * went away, until it is closed.
 */
export class UpstreamConnection {
  readonly #upstream: McpUpstream;
  readonly #options: UpstreamConnectionOptions;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #tools = new Map<string, Tool>();
  /** The upstream said its tool list changed (or this is a new upstream session): read it again before the next call. */
  #stale = true;
  /**
   * Tools the upstream has called destructive in this connection: they stay so. Its hints can only make a call
   * stricter, so a tool that says destructive now and harmless later is still destructive.
   */
  readonly #destructive = new Set<string>();
  #closed = false;

  constructor(upstream: McpUpstream, options: UpstreamConnectionOptions) {
    this.#upstream = upstream;
    this.#options = options;
  }

  get name(): string {
    return this.#upstream.name;
  }

  async connect(): Promise<Client> {
    if (this.#closed) throw new Error(`the connection to upstream ${this.#upstream.name} is closed`);
    if (this.#client) return this.#client;
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<Client> {
    const client = new Client({ name: "leash-mcp-gateway", version: "1" });
    const transport = this.#transport();
    client.onclose = () => {
      if (this.#client === client) this.#client = undefined;
    };
    // What a tool is (its annotations) can change while a session lasts; MCP servers announce it with this.
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#client === client) this.#stale = true;
    });
    await client.connect(transport);
    if (this.#closed) {
      // Closed while it was connecting (its session ended): nothing may stay open upstream.
      await client.close().catch(() => undefined);
      throw new Error(`the connection to upstream ${this.#upstream.name} is closed`);
    }
    this.#client = client;
    // Another upstream session (the server may have been redeployed): what the last one listed may not hold.
    this.#stale = true;
    return client;
  }

  #transport(): Transport {
    const { credential } = this.#upstream;
    const value = this.#options.credential;
    const spawn =
      this.#options.command ??
      (this.#upstream.transport.kind === "stdio" ? this.#upstream.transport : undefined);
    if (spawn) {
      // Only the variables a server needs to run (the SDK's sudo-like list) and the credential: the gateway's own
      // environment (LEASH_TOKEN, the credential's source variable, Vault's token) stays with the gateway.
      const transport = new StdioClientTransport({
        command: spawn.command,
        args: spawn.args,
        env: { ...getDefaultEnvironment(), [credential.env]: value },
        stderr: "pipe",
      });
      const stderr = transport.stderr as Readable | null;
      if (stderr) {
        let pending = "";
        stderr.setEncoding("utf8");
        stderr.on("data", (chunk: string) => {
          pending += chunk;
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) this.#options.onStderr?.(line);
        });
      }
      return transport;
    }
    if (this.#upstream.transport.kind !== "http") {
      throw new Error(`upstream ${this.#upstream.name} has neither url nor command`);
    }
    const headerValue = credential.scheme ? `${credential.scheme} ${value}` : value;
    return new StreamableHTTPClientTransport(this.#upstream.transport.url, {
      requestInit: { headers: { [credential.header]: headerValue } },
      // A redirect could carry the credential to another origin.
      redirectPolicy: "same-origin",
    });
  }

  /** Every tool the upstream lists, following pages; remembered for the calls that follow. */
  async listTools(signal?: AbortSignal): Promise<Tool[]> {
    const client = await this.connect();
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const answer = await client.listTools(cursor ? { cursor } : {}, {
        timeout: UPSTREAM_LIST_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      });
      tools.push(...answer.tools);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    for (const tool of tools) {
      if (tool.annotations?.destructiveHint === true) this.#destructive.add(tool.name);
    }
    // As the agent's tools/list shows them and as calls are authorized: destructive once, destructive since.
    const described = tools.map((tool) =>
      this.#destructive.has(tool.name) && tool.annotations?.destructiveHint !== true
        ? { ...tool, annotations: { ...tool.annotations, destructiveHint: true } }
        : tool,
    );
    this.#tools = new Map(described.map((tool) => [tool.name, tool]));
    return described;
  }

  /**
   * What the upstream says about a tool, as it says it now: asked again when the tool is not known yet, when the
   * upstream announced that its tools changed, and on a new upstream session.
   */
  async describeTool(name: string, signal?: AbortSignal): Promise<UpstreamTool | undefined> {
    await this.connect();
    if (this.#stale || !this.#tools.has(name)) {
      // Cleared first: a change announced while the list is read is read on the next call.
      this.#stale = false;
      await this.listTools(signal).catch((error: unknown) => {
        this.#stale = true;
        throw error;
      });
    }
    const tool = this.#tools.get(name);
    return tool ? { name, destructiveHint: tool.annotations?.destructiveHint === true } : undefined;
  }

  async callTool(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    const client = await this.connect();
    return (await client.callTool({ name, arguments: args }, undefined, {
      timeout: UPSTREAM_CALL_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    })) as CallToolResult;
  }

  async ping(timeoutMs: number): Promise<void> {
    const client = await this.connect();
    await client.ping({ timeout: timeoutMs });
  }

  /** For good: a closed connection does not reconnect. */
  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
  }
}
