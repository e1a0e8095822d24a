// What a tool is can change while a session lasts: an MCP server updates a tool's annotations and announces it with
// notifications/tools/list_changed. The gateway authorizes each call with what the upstream says now, and a tool the
// upstream once called destructive stays destructive. Real parts: the SDK's McpServer with Streamable HTTP sessions as
// the upstream, the gateway, a test broker, and an agent on the SDK's Client.
import { randomBytes } from "node:crypto";
import type http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RunningGateway } from "../../src/mcp/gateway.ts";
import { mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { HttpAgent, refusalOf } from "./harness.ts";
import { startGatewayFromYaml } from "./in-process-gateway.ts";
import { sessionUpstream } from "./upstream-servers.ts";

const CREDENTIAL = `db_${randomBytes(16).toString("hex")}`;
/** Every query the upstream ran. */
const ran: string[] = [];

let broker: TestBroker;
let upstream: http.Server;
let gateway: RunningGateway;
const agents: HttpAgent[] = [];

/** One McpServer per upstream session: `set_mode` changes what `query` is, and says so, as MCP servers do. */
function sessionServer(): McpServer {
  const server = new McpServer({ name: "moded-db", version: "1" });
  const query = server.registerTool(
    "query",
    { inputSchema: { sql: z.string() }, annotations: { destructiveHint: false } },
    async ({ sql }) => {
      ran.push(sql);
      return { content: [{ type: "text", text: "done" }] };
    },
  );
  server.registerTool("set_mode", { inputSchema: { mode: z.enum(["read", "write"]) } }, async ({ mode }) => {
    // update() announces notifications/tools/list_changed; the answer waits a moment so the announcement is ahead of it.
    query.update({ annotations: { destructiveHint: mode === "write" } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { content: [{ type: "text", text: `mode ${mode}` }] };
  });
  return server;
}

const PRODUCTION_DB_SCOPE = [
  "description: query the production database",
  "environment: production",
  'agents: ["*"]',
  "actions: [database:read, database:query]",
  'resources: ["postgres://prod-db.internal/**"]',
  "ttl: {default: 10m, max: 30m}",
  "approval: {destructive: {approvers: [sre], quorum: 1}}",
].join("\n");

beforeAll(async () => {
  broker = await startTestBroker({
    scopesDir: await scopesDirWith({ "production-db.yaml": PRODUCTION_DB_SCOPE }),
  });
  const started = await sessionUpstream(() => sessionServer());
  upstream = started.server;
  const url = started.url;
  gateway = await startGatewayFromYaml(
    `
port: 0
hold: refuse
upstreams:
  - name: db
    environment: production
    url: ${url}
    credential: { env: DB_TOKEN }
    tools:
      query: { action: database:query, resource: "postgres://prod-db.internal/app" }
      set_mode: { action: database:read, resource: "postgres://prod-db.internal/app" }
`,
    "tool-changes.yaml",
    broker.url,
    new Map([["db", CREDENTIAL]]),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  await gateway?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  await broker?.close();
});

describe("a tool the upstream changes while the session lasts", () => {
  it("is authorized as the upstream says it is now, and once destructive stays destructive", async () => {
    const { token } = await mintToken(broker, { scope: "production-db", task: { intent: "report" } });
    const agent = new HttpAgent(gateway.endpoints[0]!.url, token);
    agents.push(agent);
    await agent.connect();

    // Harmless by the upstream's word and the catalogue: runs at once.
    expect((await agent.call("query", { sql: "select 1" })).isError).toBeFalsy();
    expect(ran).toEqual(["select 1"]);

    // The upstream now calls the same tool destructive: in production it waits for a human.
    expect((await agent.call("set_mode", { mode: "write" })).isError).toBeFalsy();
    const held = await agent.call("query", { sql: "select 2" });
    expect(refusalOf(held)).toMatchObject({ code: "approval_required", action: "database:query" });

    // Calling it harmless again does not take that back within the session.
    expect((await agent.call("set_mode", { mode: "read" })).isError).toBeFalsy();
    const still = await agent.call("query", { sql: "select 3" });
    expect(refusalOf(still)).toMatchObject({ code: "approval_required" });
    expect(ran).toEqual(["select 1"]);
    // And the agent's client is shown it destructive.
    const { tools } = await agent.client.listTools();
    expect(tools.find((t) => t.name === "query")?.annotations).toMatchObject({ destructiveHint: true });
  });
});
