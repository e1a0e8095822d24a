// `leash mcp`: a Streamable HTTP MCP server per upstream; a session opens only for a live task token of its environment.
import { randomUUID, timingSafeEqual } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import { type Alarm, alarmAt } from "../clock/alarm.ts";
import type { Clock } from "../clock/clock.ts";
import { LeashError } from "../errors/leash-error.ts";
import { answeredProblem } from "../errors/problem.ts";
import { BrokerClient, BrokerUnavailableError } from "../proxy/broker-client.ts";
import { bearerToken } from "../proxy/headers.ts";
import { CredentialScrubber } from "../scrub/credential-scrubber.ts";
import { endpointPath, type McpConfig, type McpUpstream } from "./config.ts";
import { GatewayMetrics } from "./metrics.ts";
import { payloadReaders } from "./payload-readers.ts";
import { originRefusal } from "./request-origin.ts";
import { type AgentSession, createSessionServer, type GatewayContext } from "./session.ts";
import { agentOf } from "./token-agent.ts";
import { UpstreamConnection } from "./upstream-client.ts";

export interface GatewayDependencies {
  /** LEASH_URL. */
  brokerUrl: string;
  /** Each upstream's credential value, by upstream name. */
  credentials: ReadonlyMap<string, string>;
  logger: Logger;
  brokerTimeoutMs?: number;
  clock?: Clock;
}

export interface RunningGateway {
  url: string;
  endpoints: { upstream: string; url: string }[];
  metrics: GatewayMetrics;
  close(): Promise<void>;
}

/** Open sessions one task token may hold at once: each costs memory until its token expires. */
const MAX_SESSIONS_PER_TOKEN = 32;
/**
 * Open sessions one agent may hold at once across all its task tokens: an agent mints tokens at will, and each session
 * holds an upstream session (for a spawned server, a process of its own).
 */
const MAX_SESSIONS_PER_AGENT = 64;
/** /readyz gives each upstream this long to answer a ping. */
const READY_PING_TIMEOUT_MS = 3_000;

interface OpenSession {
  agent: AgentSession;
  transport: StreamableHTTPServerTransport;
  /** The session's own upstream session (or spawned server): closed with it. */
  connection: UpstreamConnection;
  upstream: string;
  /** The agent (client_id) whose task token opened it. */
  agentId: string | undefined;
  expiry: Alarm;
  closed: boolean;
}

export async function startGateway(config: McpConfig, deps: GatewayDependencies): Promise<RunningGateway> {
  for (const upstream of config.upstreams) {
    if (!deps.credentials.get(upstream.name))
      throw new Error(`no credential resolved for upstream ${upstream.name}`);
    if (upstream.transport.kind === "none") {
      throw new LeashError(
        "mcp_config_invalid",
        `upstream ${upstream.name} has neither url nor command (only \`leash mcp stdio -- <command>\` can serve it)`,
      );
    }
  }
  // The guard's workers start now, so the first call does not wait for them.
  payloadReaders.start();
  const broker = new BrokerClient({ url: deps.brokerUrl, timeoutMs: deps.brokerTimeoutMs });
  // Every credential is masked in everything any agent receives, whichever upstream it came through.
  const scrubber = new CredentialScrubber([...deps.credentials.values()]);
  const metrics = new GatewayMetrics();
  const contexts = new Map<string, GatewayContext>();
  const connectTo = (upstream: McpUpstream) =>
    new UpstreamConnection(upstream, {
      credential: deps.credentials.get(upstream.name)!,
      onStderr: (line) =>
        deps.logger.info({ upstream: upstream.name, stderr: scrubber.scrubText(line) }, "upstream stderr"),
    });
  for (const upstream of config.upstreams) {
    // This one is for the start-up check and /readyz; every agent session gets a connection of its own.
    const connection = connectTo(upstream);
    contexts.set(endpointPath(upstream), {
      upstream,
      connection,
      broker,
      scrubber,
      logger: deps.logger,
      metrics,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  }
  // Upstreams are connected at start so a misconfigured one is found now; one that is down does not stop the others
  // (its sessions fail their calls, and /readyz says so).
  await Promise.all(
    [...contexts.values()].map((c) =>
      c.connection.connect().catch((error: unknown) => {
        deps.logger.warn(
          { upstream: c.upstream.name, err: scrubber.scrubText(String(error)) },
          "upstream not reachable at start",
        );
      }),
    ),
  );

  const sessions = new Map<string, OpenSession>();
  /** Initialize requests between the session count and their session's registration. */
  const opening = new Set<Opening>();
  const longestHold = Math.max(...config.upstreams.map((u) => u.holdTimeoutMs));
  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      deps.logger.error(
        { err: scrubber.scrubText(error instanceof Error ? error.message : String(error)) },
        "gateway error",
      );
      if (!res.headersSent)
        sendProblem(
          res,
          500,
          "internal_error",
          "the gateway hit an unexpected error; nothing was sent upstream",
        );
      else res.destroy();
    });
  });
  server.requestTimeout = Math.max(300_000, longestHold + 60_000);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    // Before anything is read or answered: a browser page is not an MCP client, whatever it sends.
    const refused = originRefusal(req.headers, config.host);
    if (refused) return sendProblem(res, 403, refused.code, refused.detail);
    if (path === "/healthz" && req.method === "GET") return sendJson(res, 200, { status: "ok" });
    if (path === "/readyz" && req.method === "GET") return ready(res);
    if (path === "/metrics" && req.method === "GET") {
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    const context = contexts.get(path);
    if (!context)
      return sendProblem(res, 404, "no_upstream", `no MCP server at ${path}; see /readyz for the list`);
    return mcpRequest(context, req, res);
  }

  async function ready(res: ServerResponse): Promise<void> {
    const upstreams = await Promise.all(
      [...contexts.values()].map(async ({ upstream, connection }) => {
        try {
          await connection.ping(READY_PING_TIMEOUT_MS);
          return { name: upstream.name, ready: true };
        } catch (error) {
          return { name: upstream.name, ready: false, problem: scrubber.scrubText((error as Error).message) };
        }
      }),
    );
    const ok = upstreams.every((u) => u.ready);
    sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "not_ready", upstreams });
  }

  async function mcpRequest(
    context: GatewayContext,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { upstream } = context;
    const token = bearerToken(req.headers);
    if (!token) {
      res.setHeader("www-authenticate", 'Bearer realm="leash"');
      return sendProblem(
        res,
        401,
        "missing_token",
        "send the task token from `leash token` as Authorization: Bearer <token>",
      );
    }
    const sessionId = req.headers["mcp-session-id"];
    if (sessionId !== undefined) {
      const open = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
      if (!open || open.upstream !== upstream.name) {
        return sendProblem(
          res,
          404,
          "session_not_found",
          "no such session (it ended or never existed); initialize a new one",
        );
      }
      if (!sameToken(open.agent.token, token)) {
        return sendProblem(res, 403, "session_token_mismatch", "this session belongs to another task token");
      }
      if (open.agent.ended || open.closed) {
        if (!open.agent.ended)
          return sendProblem(res, 404, "session_not_found", "this session is closed; initialize a new one");
        return sendProblem(
          res,
          401,
          open.agent.ended,
          `leash ended this session (${open.agent.ended}); start a new task`,
        );
      }
      const body = req.method === "POST" ? await readJson(req, res, config.maxBodyBytes) : undefined;
      if (body === INVALID) return;
      await open.transport.handleRequest(req, res, body);
      return;
    }

    if (req.method !== "POST") {
      return sendProblem(res, 400, "session_required", "open a session first: POST an initialize request");
    }
    const body = await readJson(req, res, config.maxBodyBytes);
    if (body === INVALID) return;
    if (!isInitializeRequest(body)) {
      return sendProblem(
        res,
        400,
        "session_required",
        "open a session first: POST an initialize request (without Mcp-Session-Id)",
      );
    }
    // Sessions being opened count as open: the broker is asked before one is registered, and every initialize sent
    // meanwhile would otherwise see the same count.
    const reservation: Opening = { token };
    const open = openCount((o) => sameToken(o.token, token));
    if (open >= MAX_SESSIONS_PER_TOKEN) {
      return sendProblem(
        res,
        429,
        "too_many_sessions",
        `this task token already has ${open} open sessions; close one (DELETE with its Mcp-Session-Id) first`,
      );
    }
    opening.add(reservation);
    try {
      const admitted = await admit(context, token, res);
      if (!admitted) return;
      // Known once the broker has verified the token: its agent, whichever task token it minted for the session.
      const agent = admitted.agent;
      const ofAgent = agent === undefined ? 0 : openCount((o) => o !== reservation && o.agent === agent);
      if (ofAgent >= MAX_SESSIONS_PER_AGENT) {
        return sendProblem(
          res,
          429,
          "too_many_sessions",
          `this agent already has ${ofAgent} open sessions across its task tokens; close one (DELETE with its Mcp-Session-Id) first`,
        );
      }
      reservation.agent = agent;
      await openSession(context, admitted, agent, req, res, body);
    } finally {
      opening.delete(reservation);
    }
  }

  /** Open sessions and sessions being opened that match. */
  function openCount(matches: (o: Opening) => boolean): number {
    let count = 0;
    for (const o of sessions.values())
      if (!o.closed && matches({ token: o.agent.token, agent: o.agentId })) count++;
    for (const o of opening) if (matches(o)) count++;
    return count;
  }

  /** The session's token must be live and of an environment this upstream serves; otherwise no session opens. */
  async function admit(
    context: GatewayContext,
    token: string,
    res: ServerResponse,
  ): Promise<AgentSession | undefined> {
    const { upstream } = context;
    const refuse = (status: number, code: string, detail: string) => {
      metrics.sessions.inc({ upstream: upstream.name, result: code });
      deps.logger.info({ upstream: upstream.name, code }, "mcp session refused");
      if (status === 401) res.setHeader("www-authenticate", `Bearer realm="leash", error="invalid_token"`);
      sendProblem(res, status, code, detail);
      return undefined;
    };
    try {
      const grants = await broker.grants(token, AbortSignal.timeout(30_000));
      if (!upstream.environments.includes(grants.env)) {
        return refuse(
          403,
          "wrong_environment",
          `this MCP server serves ${upstream.environments.join(", ")} task tokens; the token is for ${grants.env}`,
        );
      }
      metrics.sessions.inc({ upstream: upstream.name, result: "opened" });
      return { token, task: grants.task, agent: agentOf(token), expiresAtMs: grants.exp * 1000 };
    } catch (error) {
      if (error instanceof BrokerUnavailableError) return refuse(503, error.code, error.message);
      if (error instanceof LeashError) return refuse(401, error.code, error.message);
      throw error;
    }
  }

  async function openSession(
    context: GatewayContext,
    agent: AgentSession,
    agentId: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
  ): Promise<void> {
    // Upstream servers keep state per session (a selected database, a working directory, a browser page): one task's
    // must never be what another task's calls act on, so no agent session shares its upstream session.
    const connection = connectTo(context.upstream);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        // Forgotten when its token expires, whatever the agent does; until then an ended session says why it ended.
        const expiry = alarmAt(agent.expiresAtMs, () => {
          close(id);
          sessions.delete(id);
        });
        sessions.set(id, {
          agent,
          transport,
          connection,
          upstream: context.upstream.name,
          agentId,
          expiry,
          closed: false,
        });
      },
    });
    const close = (id: string) => {
      const open = sessions.get(id);
      if (!open || open.closed) return;
      open.closed = true;
      open.transport.close().catch(() => undefined);
      open.connection.close().catch(() => undefined);
      if (!open.agent.ended) {
        // Closed by the agent (DELETE) or the gateway: nothing to remember.
        open.expiry.cancel();
        sessions.delete(id);
      }
    };
    agent.onEnded = () => {
      // Answer the call that ended it first; the session then refuses everything.
      setImmediate(() => {
        if (transport.sessionId) close(transport.sessionId);
      });
    };
    transport.onclose = () => {
      if (transport.sessionId) close(transport.sessionId);
    };
    const mcp = createSessionServer({ ...context, connection }, agent);
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
    // An initialize that opened no session leaves nothing upstream to keep.
    if (!transport.sessionId) await connection.close().catch(() => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    endpoints: config.upstreams.map((u) => ({ upstream: u.name, url: `${url}${endpointPath(u)}` })),
    metrics,
    async close() {
      for (const id of [...sessions.keys()]) {
        const open = sessions.get(id)!;
        sessions.delete(id);
        open.expiry.cancel();
        await open.transport.close().catch(() => undefined);
        await open.connection.close().catch(() => undefined);
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...contexts.values()].map((c) => c.connection.close().catch(() => undefined)));
    },
  };
}

interface Opening {
  token: string;
  agent?: string | undefined;
}

function sameToken(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const INVALID = Symbol("invalid body");

/** The request body parsed as JSON, bounded; answers 413/400 itself and returns INVALID when it is not usable. */
async function readJson(req: IncomingMessage, res: ServerResponse, limit: number): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    sendProblem(
      res,
      413,
      "body_too_large",
      `the request body is larger than ${limit} bytes (max_body_bytes)`,
      true,
    );
    return INVALID;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        sendProblem(
          res,
          413,
          "body_too_large",
          `the request body is larger than ${limit} bytes (max_body_bytes)`,
          true,
        );
        return INVALID;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    res.destroy();
    return INVALID;
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    sendProblem(res, 400, "invalid_json", "the body is not JSON (expected a JSON-RPC message)");
    return INVALID;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(bytes.length),
    "cache-control": "no-store",
  });
  res.end(bytes);
}

function sendProblem(res: ServerResponse, status: number, code: string, detail: string, close = false): void {
  const bytes = Buffer.from(JSON.stringify(answeredProblem(status, code, detail)));
  res.writeHead(status, {
    "content-type": "application/problem+json; charset=utf-8",
    "content-length": String(bytes.length),
    "cache-control": "no-store",
    ...(close ? { connection: "close" } : {}),
  });
  res.end(bytes);
}
