// Upstream state does not cross tasks: a stateful MCP server (the SDK's McpServer with Streamable HTTP sessions) keeps
// what a session selected, such as a database, and the gateway gives each agent session its own upstream session, so
// what a production task selected is never what a staging task's call acts on.
import { randomBytes } from "node:crypto";
import type http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RunningGateway } from "../../src/mcp/gateway.ts";
import { mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { HttpAgent } from "./harness.ts";
import { startGatewayFromYaml } from "./in-process-gateway.ts";
import { sessionUpstream } from "./upstream-servers.ts";

const CREDENTIAL = `db_${randomBytes(16).toString("hex")}`;
/** What each upstream session ran its queries on. */
const queries: { session: string; host: string; sql: string }[] = [];

let broker: TestBroker;
let upstream: http.Server;
let gateway: RunningGateway;
const agents: HttpAgent[] = [];

/** One McpServer per upstream session: `connect` selects the database its later queries run on. */
function sessionServer(session: () => string): McpServer {
  const server = new McpServer({ name: "stateful-db", version: "1" });
  let selected = "(none)";
  server.registerTool("connect", { inputSchema: { host: z.string() } }, async ({ host }) => {
    selected = host;
    return { content: [{ type: "text", text: `connected to ${host}` }] };
  });
  // The host argument names where the caller thinks it is; the query runs where the session is connected.
  server.registerTool("query", { inputSchema: { host: z.string(), sql: z.string() } }, async ({ sql }) => {
    queries.push({ session: session(), host: selected, sql });
    return { content: [{ type: "text", text: `ran on ${selected}` }] };
  });
  return server;
}

const PRODUCTION_DB_SCOPE = [
  "description: read the production database",
  "environment: production",
  'agents: ["*"]',
  "actions: [database:read, database:query]",
  'resources: ["postgres://prod-db.internal/**"]',
  "ttl: {default: 10m, max: 30m}",
].join("\n");

beforeAll(async () => {
  broker = await startTestBroker({
    scopesDir: await scopesDirWith({ "production-db.yaml": PRODUCTION_DB_SCOPE }),
  });
  const started = await sessionUpstream(sessionServer, { jsonResponses: true });
  upstream = started.server;
  const url = started.url;
  gateway = await startGatewayFromYaml(
    `
port: 0
upstreams:
  - name: pg
    environments: [staging, production]
    url: ${url}
    credential: { env: DB_TOKEN }
    tools:
      connect: { action: database:read, resource: "postgres://{args.host}/app" }
      query: { action: database:query, resource: "postgres://{args.host}/app" }
`,
    "upstream-sessions.yaml",
    broker.url,
    new Map([["pg", CREDENTIAL]]),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  await gateway?.close();
  await new Promise<void>((resolve) => {
    upstream?.closeAllConnections();
    upstream ? upstream.close(() => resolve()) : resolve();
  });
  await broker?.close();
});

async function agentFor(scope: string): Promise<HttpAgent> {
  const { token } = await mintToken(broker, { scope, task: { intent: "look at the app database" } });
  const agent = new HttpAgent(gateway.endpoints[0]!.url, token);
  agents.push(agent);
  await agent.connect();
  return agent;
}

describe("upstream sessions", () => {
  it("what a production task selected upstream is not where a staging task's call runs", async () => {
    const production = await agentFor("production-db");
    const staging = await agentFor("staging-fix");
    expect((await production.call("connect", { host: "prod-db.internal" })).isError).toBeFalsy();

    // The staging task names staging, as its token allows; the upstream must not run it on production.
    const result = await staging.call("query", { host: "staging-db.internal", sql: "delete from sessions" });
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(result.content).toEqual([{ type: "text", text: "ran on (none)" }]);
    expect(queries.filter((q) => q.host === "prod-db.internal")).toEqual([]);

    // Each agent session keeps its own upstream session for all its calls.
    expect((await staging.call("connect", { host: "staging-db.internal" })).isError).toBeFalsy();
    await staging.call("query", { host: "staging-db.internal", sql: "select 1" });
    await production.call("query", { host: "prod-db.internal", sql: "select 1" });
    expect(queries.slice(-2).map((q) => q.host)).toEqual(["staging-db.internal", "prod-db.internal"]);
    expect(new Set(queries.map((q) => q.session)).size).toBe(2);
  });
});
