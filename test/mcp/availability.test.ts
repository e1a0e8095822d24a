// One agent's calls cannot stall another's: the guard reads each call's arguments for up to 2 s, and a task can send
// arguments shaped to take all of it, many at once. Over real HTTP with the SDK on every side: an upstream on the
// SDK's McpServer, the gateway, a test broker, and agents on the SDK's Client.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type http from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import type { RunningGateway } from "../../src/mcp/gateway.ts";
import { createPrincipal } from "../../src/principals/principals.ts";
import { mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { HttpAgent, rawInitialize, refusalOf } from "./harness.ts";
import { startGatewayFromYaml } from "./in-process-gateway.ts";
import { statelessUpstream } from "./upstream-servers.ts";

const CREDENTIAL = `db_${randomBytes(16).toString("hex")}`;
/** Every tools/call the upstream ran. */
const ran: { tool: string; args: unknown }[] = [];

let broker: TestBroker;
let upstream: http.Server;
let gateway: RunningGateway;
const agents: HttpAgent[] = [];

function upstreamServer(): McpServer {
  const server = new McpServer({ name: "database-platform", version: "1" });
  const tool = (name: string, inputSchema: z.ZodRawShape) =>
    server.registerTool(name, { inputSchema }, async (args) => {
      ran.push({ tool: name, args });
      return { content: [{ type: "text", text: "done" }] };
    });
  tool("execute_sql", { sql: z.string() });
  tool("run_command", { command: z.string() });
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

/** A task that may last a month, in an environment that allows it. */
const LONG_TASK_SCOPE = [
  "description: a long-running staging task",
  "environment: staging",
  'agents: ["*"]',
  "actions: [database:read, database:query]",
  'resources: ["postgres://staging-db.internal/**"]',
  "ttl: {default: 30d, max: 30d}",
].join("\n");

beforeAll(async () => {
  const environments = readFileSync(`${SHIPPED_SCOPES_DIR}/environments.yaml`, "utf8");
  broker = await startTestBroker({
    scopesDir: await scopesDirWith({
      "production-db.yaml": PRODUCTION_DB_SCOPE,
      "long-task.yaml": LONG_TASK_SCOPE,
      "environments.yaml": environments.replace("max_ttl: 1h", "max_ttl: 30d"),
    }),
  });
  const started = await statelessUpstream(upstreamServer);
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
      execute_sql: { action: database:query, resource: "postgres://prod-db.internal/app" }
      run_command: { action: database:query, resource: "postgres://prod-db.internal/app" }
  - name: staging-db
    environment: staging
    url: ${url}
    credential: { env: DB_TOKEN }
    tools:
      execute_sql: { action: database:query, resource: "postgres://staging-db.internal/app" }
`,
    "availability.yaml",
    broker.url,
    new Map([
      ["db", CREDENTIAL],
      ["staging-db", CREDENTIAL],
    ]),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  await gateway?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  await broker?.close();
});

/** An agent principal of its own (the test broker's agent-1 is another). */
async function agentKey(id: string): Promise<string> {
  const { apiKey } = await createPrincipal(
    broker.store,
    { id, kind: "agent", roles: [], scopes: ["*"], createdBy: "admin" },
    Date.now(),
  );
  return apiKey;
}

async function productionAgent(intent: string, key?: string): Promise<HttpAgent> {
  const { token } = await mintToken(broker, { scope: "production-db", task: { intent } }, key);
  const agent = new HttpAgent(gateway.endpoints[0]!.url, token);
  agents.push(agent);
  await agent.connect();
  return agent;
}

describe("one agent's arguments cannot stall the gateway for the others", () => {
  it("while an agent's slow-to-read calls (from many tasks) are read, another agent's calls are answered at once; the slow ones stay destructive", async () => {
    // More tasks than the gateway has workers for the guard, so a turn per task would keep them all busy.
    const slowKey = await agentKey("agent-slow");
    const slowTasks = await Promise.all(
      Array.from({ length: 5 }, (_, i) => productionAgent(`slow task ${i}`, slowKey)),
    );
    const other = await productionAgent("report on the app database");
    // Warm: the other task's session and the upstream are ready, so what is timed below is the calls alone.
    expect((await other.call("execute_sql", { sql: "select 1" })).isError).toBeFalsy();

    // Each takes the guard far longer than its 2 s deadline to read (and is under 1 MiB, the gateway's body limit).
    const unreadable = { command: "f() { a; }; ".repeat(60_000) };
    let slowAnswered = 0;
    const slowCalls = slowTasks.map((task) =>
      task.call("run_command", unreadable).finally(() => {
        slowAnswered++;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    for (let i = 0; i < 3; i++) {
      const result = await other.call("execute_sql", { sql: `select ${i}` });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
    }
    // The slow agent's readings run one at a time, each for its whole deadline: the other agent's calls were answered
    // while most of them were still to come, so none of them was waited for (behind them all, every one would have
    // been answered first). Counted, not timed, so a loaded machine cannot fail it.
    expect(slowAnswered).toBeLessThanOrEqual(2);

    // Not read to the end within the deadline, each is destructive: in production it needs a human, and an approver
    // could not be shown it, so it is refused; none ran.
    for (const result of await Promise.all(slowCalls)) {
      expect(refusalOf(result), JSON.stringify(result).slice(0, 300)).toMatchObject({
        code: "arguments_too_long_to_approve",
      });
    }
    expect(ran.filter((r) => r.tool === "run_command")).toEqual([]);
  }, 90_000);
});

describe("a session lasts as long as its token", () => {
  it("a token that lives longer than a timer can wait (about 24.8 days) keeps its session", async () => {
    const { token } = await mintToken(broker, {
      scope: "long-task",
      task: { intent: "migrate for a month" },
    });
    const agent = new HttpAgent(gateway.endpoints.find((e) => e.upstream === "staging-db")!.url, token);
    agents.push(agent);
    await agent.connect();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await agent.toolNames()).toEqual(["execute_sql"]);
    expect((await agent.call("execute_sql", { sql: "select 1" })).isError).toBeFalsy();
  });
});

/** An initialize over raw HTTP: its status and session id (the answer's stream is not kept open). */
async function initialize(endpoint: string, token: string): Promise<{ status: number; session?: string }> {
  const response = await rawInitialize(endpoint, token);
  const session = response.headers.get("mcp-session-id") ?? undefined;
  const code = response.status === 200 ? undefined : ((await response.json()) as { code: string }).code;
  await response.body?.cancel().catch(() => undefined);
  if (code && code !== "too_many_sessions") throw new Error(`initialize: ${response.status} ${code}`);
  return { status: response.status, ...(session ? { session } : {}) };
}

describe("sessions are bounded however they are opened", () => {
  const endpoint = () => gateway.endpoints.find((e) => e.upstream === "staging-db")!.url;

  it("initializes sent at once with one token open at most 32 sessions", async () => {
    const { token } = await mintToken(broker, { scope: "long-task", task: { intent: "open many at once" } });
    const answers = await Promise.all(Array.from({ length: 48 }, () => initialize(endpoint(), token)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(32);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(16);
  });

  it("an agent holds at most 64 open sessions across the task tokens it mints; another agent is not held back", async () => {
    const apiKey = await agentKey("agent-many");
    const opened: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { token } = await mintToken(
        broker,
        { scope: "long-task", task: { intent: `task ${i}` } },
        apiKey,
      );
      const answers = await Promise.all(Array.from({ length: 32 }, () => initialize(endpoint(), token)));
      opened.push(answers.filter((a) => a.status === 200).length);
    }
    expect(opened).toEqual([32, 32, 0]);

    const other = await mintToken(broker, { scope: "long-task", task: { intent: "another agent's task" } });
    expect((await initialize(endpoint(), other.token)).status).toBe(200);
  });
});
