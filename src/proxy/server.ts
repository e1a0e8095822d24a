// `leash proxy`: listens for agents, maps each request to actions, asks leash, then forwards with the real credential.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream";
import zlib from "node:zlib";
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.ts";
import { LeashError } from "../errors/leash-error.ts";
import { CredentialScrubber, type GuardRefusal } from "../scrub/credential-scrubber.ts";
import { authorizeCalls } from "./authorize-calls.ts";
import { BrokerClient, CallAbandonedError } from "./broker-client.ts";
import type { ProxyConfig, Upstream } from "./compile-config.ts";
import { type AgentRequest, announcesBody, planRequest, type Route } from "./forward-plan.ts";
import { agentResponseHeaders, upstreamRequestHeaders } from "./headers.ts";
import { type Refusal, refusal, sendRefusal } from "./refusal.ts";
import { responseDecoding } from "./response-codings.ts";

export interface ProxyDependencies {
  /** LEASH_URL. */
  brokerUrl: string;
  /** Each upstream's credential value, by upstream name. */
  credentials: ReadonlyMap<string, string>;
  logger: Logger;
  /** Bound on one authorize call. */
  brokerTimeoutMs?: number;
  clock?: Clock;
}

export interface ProxyListener {
  upstream: string;
  /** Where agents send this upstream's requests. */
  url: string;
}

export interface RunningProxy {
  listeners: ProxyListener[];
  close(): Promise<void>;
}

/** No answer or body byte from an upstream for this long ends the exchange. */
const UPSTREAM_IDLE_MS = 120_000;

export async function startProxy(config: ProxyConfig, deps: ProxyDependencies): Promise<RunningProxy> {
  for (const upstream of config.upstreams) {
    if (!deps.credentials.get(upstream.name))
      throw new Error(`no credential resolved for upstream ${upstream.name}`);
  }
  const broker = new BrokerClient({ url: deps.brokerUrl, timeoutMs: deps.brokerTimeoutMs });
  // Every credential is masked in everything any agent receives, whichever upstream it came through.
  const scrubber = new CredentialScrubber([...deps.credentials.values()]);
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const longestHold = Math.max(...config.upstreams.map((u) => u.holdTimeoutMs));
  const context: HandlerContext = { config, deps, broker, scrubber, agents };

  const servers: { server: http.Server; routes: Route[] }[] = [];
  const shared = config.upstreams.filter((u) => "prefix" in u.listen);
  if (shared.length > 0) {
    const routes = shared.map((upstream) => ({
      upstream,
      prefix: (upstream.listen as { prefix: string }).prefix,
    }));
    servers.push({ server: createServer(context, routes, longestHold), routes });
  }
  for (const upstream of config.upstreams) {
    if ("port" in upstream.listen) {
      const routes = [{ upstream, prefix: "" }];
      servers.push({ server: createServer(context, routes, longestHold), routes });
    }
  }

  const listeners: ProxyListener[] = [];
  const started: http.Server[] = [];
  try {
    for (const { server, routes } of servers) {
      const first = routes[0]!.upstream.listen;
      const port = "port" in first ? first.port : config.port!;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, config.host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      started.push(server);
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      for (const route of routes) {
        listeners.push({
          upstream: route.upstream.name,
          url: `http://${host}:${address.port}${route.prefix}`,
        });
      }
    }
  } catch (error) {
    await Promise.all(started.map(closeServer));
    throw error;
  }

  return {
    listeners,
    async close() {
      await Promise.all(started.map(closeServer));
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

interface HandlerContext {
  config: ProxyConfig;
  deps: ProxyDependencies;
  broker: BrokerClient;
  scrubber: CredentialScrubber;
  agents: { http: http.Agent; https: https.Agent };
}

function createServer(context: HandlerContext, routes: Route[], longestHoldMs: number): http.Server {
  const server = http.createServer((req, res) => {
    handle(context, routes, req, res).catch((error: unknown) => {
      context.deps.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        "proxy error",
      );
      if (!res.headersSent) {
        sendRefusal(
          res,
          refusal({
            code: "internal_error",
            detail: "the proxy hit an unexpected error; nothing was forwarded",
          }),
          "problem",
          {
            instance: pathOf(req.url),
            accept: req.headers.accept,
            scrubber: context.scrubber,
            closeConnection: true,
          },
        );
      } else res.destroy();
    });
  });
  // A held request waits for a human; Node's default whole-request timeout must not cut it short.
  server.requestTimeout = Math.max(300_000, longestHoldMs + 60_000);
  return server;
}

const pathOf = (url: string | undefined) => (url ?? "/").split("?")[0]!;

/** Plans the request, reads its body if the plan asks, asks leash about the calls, then forwards or refuses. */
async function handle(context: HandlerContext, routes: Route[], req: IncomingMessage, res: ServerResponse) {
  const { scrubber, deps } = context;
  const startedAt = performance.now();
  const method = req.method ?? "GET";
  const request: AgentRequest = { method, url: req.url ?? "/", headers: req.headers };
  const fullPath = pathOf(request.url);
  let plan = planRequest(request, routes);
  let bodyConsumed = false;
  const log = (status: number, outcome: string, extra: Record<string, unknown> = {}) =>
    deps.logger.info(
      {
        upstream: plan.upstream?.name,
        method,
        path: fullPath,
        calls: plan.calls.map((c) => `${c.action} ${c.resource}`),
        outcome,
        status,
        ms: Math.round((performance.now() - startedAt) * 100) / 100,
        ...extra,
      },
      "proxied request",
    );
  const refuse = (refusal: Refusal) => {
    sendRefusal(res, refusal, plan.style, {
      instance: fullPath,
      accept: req.headers.accept,
      scrubber,
      closeConnection: !bodyConsumed && announcesBody(req.headers),
    });
    log(refusal.status, refusal.code);
  };
  const refuseError = (error: unknown) => {
    if (error instanceof CallAbandonedError) return log(499, "agent_gone");
    if (error instanceof LeashError) {
      return refuse({
        status: error.status,
        code: error.code,
        detail: error.message,
        extra: { upstream: plan.upstream?.name },
      });
    }
    throw error;
  };

  if (plan.kind === "read_body") {
    try {
      request.body = await readBody(req, context.config.maxBodyBytes);
    } catch (error) {
      return refuseError(error);
    }
    bodyConsumed = true;
    plan = planRequest(request, routes);
  }
  if (plan.kind === "refuse") return refuse(plan.refusal);
  if (plan.kind !== "forward")
    throw new Error("the request was planned again with its body and still asks for it");
  const { forward: planned } = plan;
  const { upstream } = planned;

  const agentGone = new AbortController();
  res.once("close", () => {
    if (!res.writableEnded) agentGone.abort();
  });
  let decision: Awaited<ReturnType<typeof authorizeCalls>>;
  try {
    decision = await authorizeCalls(context.broker, {
      token: planned.token,
      calls: planned.calls,
      requestHash: planned.requestHash,
      ...(planned.shown ? { httpRequest: planned.shown } : {}),
      holdTimeoutMs: upstream.holdTimeoutMs,
      signal: agentGone.signal,
      clock: deps.clock,
      onHold: (call, approvalId) =>
        deps.logger.info(
          { upstream: upstream.name, action: call.action, resource: call.resource, approval_id: approvalId },
          "holding call for approval",
        ),
    });
  } catch (error) {
    return refuseError(error);
  }
  if (!decision.allow) {
    return refuse({
      status: decision.status,
      code: decision.code,
      detail: decision.detail,
      extra: {
        upstream: upstream.name,
        ...(decision.call
          ? {
              action: decision.call.action,
              resource: decision.call.resource,
              ...(decision.call.field ? { field: decision.call.field } : {}),
            }
          : {}),
        ...(decision.approvalId ? { approval_id: decision.approvalId } : {}),
        ...(decision.taskRevoked ? { task_revoked: true } : {}),
      },
    });
  }
  if (agentGone.signal.aborted) {
    log(499, "agent_gone");
    return;
  }

  const status = await forward(context, req, res, {
    upstream,
    path: planned.path,
    token: planned.token,
    ...(planned.body ? { body: planned.body } : {}),
    ...(planned.contentType ? { contentType: planned.contentType } : {}),
    refuse,
  });
  if (status !== undefined)
    log(status, "forwarded", decision.approvals.length > 0 ? { approvals: decision.approvals } : {});
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new LeashError("body_too_large", `the request body is larger than ${limit} bytes (max_body_bytes)`);
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", () => reject(new CallAbandonedError("the agent went away mid-body")));
    req.once("close", () => {
      if (!req.complete) reject(new CallAbandonedError("the agent went away mid-body"));
    });
  });
}

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  "x-gzip": () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

interface ForwardOptions {
  upstream: Upstream;
  /** Relative to the upstream, with the query. */
  path: string;
  token: string;
  /** A body the proxy read; without it the agent's body streams through. */
  body?: Buffer;
  /** The type of a body the proxy wrote itself. */
  contentType?: string;
  refuse: (refusal: Refusal) => void;
}

/** Sends the request upstream with the credential and streams the answer back scrubbed; the status, or undefined. */
function forward(
  context: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  options: ForwardOptions,
): Promise<number | undefined> {
  const { upstream, body } = options;
  const { scrubber } = context;
  const target = upstream.target;
  const secure = target.protocol === "https:";
  const basePath = target.pathname.replace(/\/+$/, "");
  const headers = upstreamRequestHeaders(req.headers, {
    upstream,
    taskToken: options.token,
    credentialValue: context.deps.credentials.get(upstream.name)!,
    ...(body ? { bodyLength: body.length } : {}),
    ...(options.contentType ? { contentType: options.contentType } : {}),
  });

  return new Promise((resolve) => {
    /** Set when the streamed body held the task token: the upstream request was aborted and the agent answered. */
    let tokenInBody = false;
    const outgoing = (secure ? https : http).request({
      protocol: target.protocol,
      hostname: target.hostname.replace(/^\[|\]$/g, ""),
      port: target.port || (secure ? 443 : 80),
      method: req.method,
      path: `${basePath}${options.path}`,
      headers,
      agent: secure ? context.agents.https : context.agents.http,
    });
    outgoing.setTimeout(UPSTREAM_IDLE_MS, () =>
      outgoing.destroy(new Error("the upstream stopped answering")),
    );
    outgoing.once("error", (error) => {
      if (tokenInBody) return;
      if (!res.headersSent) {
        options.refuse(
          refusal({
            code: "upstream_unreachable",
            detail: `upstream ${upstream.name} could not be reached or failed mid-request (${error.message})`,
            extra: { upstream: upstream.name },
          }),
        );
      } else res.destroy();
      resolve(undefined);
    });
    outgoing.once("response", (answer) => {
      if (tokenInBody) {
        answer.resume();
        return;
      }
      const status = answer.statusCode ?? 502;
      const hasResponseBody = req.method !== "HEAD" && status !== 204 && status !== 304;
      const decoding = responseDecoding(answer.headers, hasResponseBody);
      if (!decoding.ok) {
        // A coding the proxy cannot undo is a body it cannot check for the credential.
        answer.resume();
        options.refuse(
          refusal({
            code: "upstream_encoding_unsupported",
            detail: `upstream ${upstream.name} answered with ${decoding.header === "content-encoding" ? "Content-Encoding" : "Transfer-Encoding"} ${decoding.coding}, which the proxy cannot scan`,
            extra: { upstream: upstream.name },
          }),
        );
        resolve(undefined);
        return;
      }
      const decoded = decoding.decoders.length > 0;
      // The status text is Node's for the code, never the upstream's; trailers are not passed on.
      res.writeHead(
        status,
        agentResponseHeaders(answer.headers, scrubber, decoded, upstream.credential.header),
      );
      const stages = [
        answer,
        ...decoding.decoders.map((coding) => DECODERS[coding]!()),
        scrubber.stream(),
        res,
      ];
      // biome-ignore lint/suspicious/noExplicitAny: pipeline's overloads do not take a spread of mixed streams
      (pipeline as any)(...stages, (error: Error | null) => {
        if (error) {
          outgoing.destroy();
          res.destroy();
        }
        resolve(status);
      });
    });
    if (body) outgoing.end(body);
    else {
      // A body that streams through is searched as it passes: the task token in it, in any encoding the scrubber
      // knows and split across chunks too, stops the upstream request before that part of the body reaches it.
      const guard = new CredentialScrubber([options.token]).guard((why) => new StreamedBodyRefusal(why));
      guard.once("error", (error) => {
        tokenInBody = true;
        req.unpipe(guard);
        outgoing.destroy();
        if (!res.headersSent) {
          options.refuse(
            error instanceof StreamedBodyRefusal && error.why === "undecidable"
              ? refusal({
                  code: "body_not_searchable",
                  detail:
                    "the body holds a whitespace run too long to search for the task token as it streams",
                  extra: { upstream: upstream.name },
                })
              : refusal({
                  code: "task_token_in_request",
                  detail:
                    "the task token is in the body; it goes only in Authorization and is never forwarded",
                  extra: { upstream: upstream.name },
                }),
          );
        } else res.destroy();
        resolve(undefined);
      });
      req.once("error", (error) => outgoing.destroy(error));
      req.once("close", () => {
        if (!req.complete) outgoing.destroy(new Error("the agent went away mid-body"));
      });
      req.pipe(guard).pipe(outgoing);
    }
  });
}

/** A body streaming to the upstream stopped: the agent's own token in it, or a tail too long to search. */
class StreamedBodyRefusal extends Error {
  constructor(readonly why: GuardRefusal) {
    super(why);
  }
}
