// What crosses the gateway between an agent and an upstream MCP server, over real HTTP with the SDK on every side (the
// agent's Client, the gateway, the upstream's Server). A careless upstream that puts its credential in a JSON-RPC error
// (message or data) or an HTTP error body must not show it to the agent, on tools/list or tools/call; and the agent's
// task token, which goes only to leash, must not reach the upstream in a call's arguments.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/mcp/gateway.ts";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { HttpAgent, refusalOf } from "./harness.ts";
import { startGatewayFromYaml } from "./in-process-gateway.ts";

const CREDENTIAL = `plat_${randomBytes(16).toString("hex")}`;

/** How the upstream answers tools/list and tools/call. */
type Mode = "ok" | "rpc-error" | "http-error";
let mode: Mode = "ok";
/** The arguments of every tools/call the upstream received. */
const upstreamArguments: unknown[] = [];

let broker: TestBroker;
let upstream: http.Server;
let gateway: RunningGateway;
const agents: HttpAgent[] = [];

const rpcError = (credential: string) =>
  new McpError(ErrorCode.InternalError, `token ${credential} may not do this`, {
    token: credential,
    [credential]: "as a key too",
  });

function upstreamServer(credential: string): Server {
  const server = new Server({ name: "careless-upstream", version: "1" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    if (mode === "rpc-error") throw rpcError(credential);
    return {
      tools: [{ name: "volume_list", inputSchema: { type: "object", properties: {} } }],
    };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    upstreamArguments.push(request.params.arguments);
    if (mode === "rpc-error") throw rpcError(credential);
    return { content: [{ type: "text", text: "no volumes" }] };
  });
  return server;
}

async function startUpstream(): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? JSON.parse(text) : undefined;
    const credential = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    const method = (body as { method?: string } | undefined)?.method;
    if (mode === "http-error" && (method === "tools/list" || method === "tools/call")) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`upstream rejected ${credential} (${encodeURIComponent(credential)})`);
      return;
    }
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await upstreamServer(credential).connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}

beforeAll(async () => {
  broker = await startTestBroker();
  const started = await startUpstream();
  upstream = started.server;
  gateway = await startGatewayFromYaml(
    `
port: 0
upstreams:
  - name: careless
    environment: staging
    url: ${started.url}
    credential: { env: PLATFORM_TOKEN }
    tools:
      volume_list: { action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
`,
    "upstream-boundary.yaml",
    broker.url,
    new Map([["careless", CREDENTIAL]]),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  await gateway?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  await broker?.close();
});

beforeEach(() => {
  mode = "ok";
  upstreamArguments.length = 0;
});

async function connectedAgent(): Promise<HttpAgent & { token: string }> {
  const { token } = await mintToken(broker, { scope: "staging-fix", task: { intent: "list volumes" } });
  const agent = new HttpAgent(gateway.endpoints[0]!.url, token);
  agents.push(agent);
  await agent.connect();
  return agent as HttpAgent & { token: string };
}

/** Runs `attempt`, which the upstream fails, and returns everything the agent received, the error included. */
async function received(agent: HttpAgent, attempt: () => Promise<unknown>): Promise<string> {
  await attempt().then(
    (result) => agent.received.push(JSON.stringify(result)),
    (error: unknown) => agent.received.push(String(error), JSON.stringify(error)),
  );
  return agent.everything();
}

describe("an upstream's errors, as the agent gets them", () => {
  for (const failing of ["rpc-error", "http-error"] as const) {
    it(`tools/list failing with ${failing}: the credential is masked, not shown`, async () => {
      const agent = await connectedAgent();
      mode = failing;
      const everything = await received(agent, () => agent.client.listTools());
      expect(everything).toMatch(/\*{8,}/);
      expect(everything).not.toContain(CREDENTIAL);
    });

    it(`tools/call failing with ${failing}: the credential is masked, not shown`, async () => {
      const agent = await connectedAgent();
      mode = failing;
      const everything = await received(agent, () => agent.call("volume_list", {}));
      expect(everything).toMatch(/\*{8,}/);
      expect(everything).not.toContain(CREDENTIAL);
    });
  }

  it("a working upstream still answers through the gateway", async () => {
    const agent = await connectedAgent();
    expect(await agent.toolNames()).toEqual(["volume_list"]);
    const result = await agent.call("volume_list", {});
    expect(result.content).toEqual([{ type: "text", text: "no volumes" }]);
  });
});

describe("the task token in a call's arguments", () => {
  it("is refused before leash or the upstream sees the call, in any encoding and at any depth", async () => {
    const agent = await connectedAgent();
    const { token } = agent;
    const spellings: Record<string, unknown>[] = [
      { note: token },
      { auth: `Bearer ${token}` },
      { nested: { list: ["x", { deep: token }] } },
      { encoded: encodeURIComponent(token) },
      { basic: Buffer.from(`agent:${token}`).toString("base64") },
      { [token]: "as a key" },
    ];
    for (const args of spellings) {
      const result = await agent.call("volume_list", args);
      expect(result.isError, JSON.stringify(args).slice(0, 40)).toBe(true);
      expect(refusalOf(result)?.code).toBe("task_token_in_request");
    }
    expect(upstreamArguments).toEqual([]);
    const fine = await agent.call("volume_list", { note: "weekly check" });
    expect(fine.isError).toBeFalsy();
    expect(upstreamArguments).toEqual([{ note: "weekly check" }]);
  });
});
