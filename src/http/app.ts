// The broker's Fastify app: one plugin per route group, zod schemas as validation and OpenAPI, problem+json errors.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import formbody from "@fastify/formbody";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { BrokerContext } from "../context/broker-context.ts";
import { StoreUnavailableError } from "../errors/leash-error.ts";
import { problem } from "../errors/problem.ts";
import { type AccessLevel, type AccessLine, accessLogger } from "../log/logger.ts";
import { LazyRequestLogger } from "../log/request-logger.ts";
import { documentResponses } from "./openapi.ts";
import { sendProblem, toProblem } from "./problem.ts";
import { adminRoutes, type ReloadScopes } from "./routes/admin.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { auditRoutes } from "./routes/audit.ts";
import { consoleRoutes } from "./routes/console.ts";
import { enforcementRoutes } from "./routes/enforcement.ts";
import { healthRoutes } from "./routes/health.ts";
import { jwksRoutes } from "./routes/jwks.ts";
import { lockRoutes } from "./routes/locks.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { principalRoutes } from "./routes/principals.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { tokenExchangeRoutes } from "./routes/token-exchange.ts";
import { tokenRoutes } from "./routes/tokens.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * A decision route (authorize, introspect, mint, …): its answers that grant (an allow, an active token, a token
     * minted or an issuance waiting for approval) are logged at debug, not info. Each is in the audit log already; a
     * line per call in the server log would repeat it at a cost on every call. Refusals, whether 4xx or a 200 that says no (set `decisionRefused`), and errors are logged
     * at info as on every route: a refused caller nobody could identify leaves only a tally in the audit log.
     */
    decisionRoute?: boolean;
  }
  interface FastifyRequest {
    /** Set by a decision route when its answer is a refusal sent as 200 (`allow: false`, `active: false`). */
    decisionRefused: boolean;
  }
}

/**
 * After each request: one JSON line (no headers or bodies, so no secrets) and its count in `/metrics`, here rather
 * than in an onResponse hook, which would cost every request a hook run.
 */
class RequestCompleted extends LogController {
  constructor(
    private readonly access: (line: AccessLine, level: AccessLevel) => void,
    private readonly metrics: BrokerContext["metrics"],
  ) {
    super({ requestIdLogLabel: "request_id" });
  }
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const { url: route, config } = request.routeOptions;
    const status = reply.statusCode;
    this.metrics.countHttpRequest(request.method, route ?? "unmatched", status);
    const line: AccessLine = {
      request_id: request.id,
      method: request.method,
      route,
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) request.log.error({ ...line, err: error.message }, "request errored");
    else
      this.access(
        line,
        status < 400 && config?.decisionRoute === true && !request.decisionRefused ? "debug" : "info",
      );
  }
}

/** Bodies are small JSON documents; anything larger is refused before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;

/** An incoming X-Request-Id is kept (and echoed) when it looks like an id; anything else gets a fresh one. */
const REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;
const requestId = (request: IncomingMessage): string => {
  const header = request.headers["x-request-id"];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
};

export interface RegisteredRoute {
  method: string;
  url: string;
  /** Left out of the OpenAPI document (the console's static files, the docs UI). */
  hidden: boolean;
}

const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route the app registered (for the test that checks each one is documented). */
export const registeredRoutes = (app: FastifyInstance): RegisteredRoute[] => registered.get(app) ?? [];

export interface AppHooks {
  reloadScopes: ReloadScopes;
}

export async function buildApp(context: BrokerContext, hooks: AppHooks): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger as FastifyBaseLogger,
    logController: new RequestCompleted(accessLogger(context.logger), context.metrics),
    childLoggerFactory: (logger, bindings, options) =>
      new LazyRequestLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestId,
    requestIdHeader: false,
    return503OnClosing: true,
    // Errors the router raises before any route (a malformed URL, a path parameter over maxParamLength) skip the
    // error handler; they are problem+json too.
    frameworkErrors: (error, request, reply) => sendProblem(reply, request, toProblem(error)),
  }).withTypeProvider<ZodTypeProvider>();
  app.decorateRequest("decisionRefused", false);
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, hidden: route.schema?.hide === true });
    }
  });
  // The request id goes back out (errors and 404s included) and into every log line and audit record. Nothing is
  // cached by default: answers carry tokens, keys, TOTP secrets, approval details or refusals, and a browser's disk
  // cache or a proxy in between must keep none of them; a route meant to be cached (the JWKS) says so itself.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    reply.header("cache-control", "no-store");
    done();
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    const value = toProblem(error);
    if (error instanceof StoreUnavailableError) context.metrics.storeUnavailable.inc();
    if (value.status >= 500) request.log.error({ err: error, code: value.code }, "request failed");
    if (typeof value.retry_after === "number") reply.header("retry-after", String(value.retry_after));
    return sendProblem(reply, request, value);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      problem("route_not_found", `no route ${request.method} ${request.url.split("?")[0]}`),
    ),
  );

  // JSON only (plus the form encoding RFC 7662 clients use): anything else is 415, not a confusing 400.
  app.removeContentTypeParser("text/plain");
  // RFC 7662 clients send introspection requests form-encoded.
  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      info: { title: "leash", description: "Secrets broker for AI coding agents", version: "0.1.0" },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
      security: [{ apiKey: [] }],
    },
    transform: documentResponses,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  await app.register(healthRoutes(context));
  await app.register(jwksRoutes(context));
  await app.register(tokenRoutes(context));
  await app.register(tokenExchangeRoutes(context));
  await app.register(principalRoutes(context));
  await app.register(enforcementRoutes(context));
  await app.register(lockRoutes(context));
  await app.register(taskRoutes(context));
  await app.register(adminRoutes(context, hooks.reloadScopes));
  await app.register(approvalRoutes(context));
  await app.register(auditRoutes(context));
  await app.register(metricsRoutes(context));
  await app.register(consoleRoutes());
  return app;
}
