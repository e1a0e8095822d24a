// The broker's Fastify app: one plugin per route group, zod schemas as validation and OpenAPI, problem+json errors.
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
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Broker } from "../broker/broker.ts";
import type { BrokerContext } from "../broker/context.ts";
import { problem, sendProblem, toProblem } from "./problem.ts";
import { adminRoutes } from "./routes/admin.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { consoleRoutes } from "./routes/console.ts";
import { enforcementRoutes } from "./routes/enforcement.ts";
import { healthRoutes } from "./routes/health.ts";
import { jwksRoutes } from "./routes/jwks.ts";
import { principalRoutes } from "./routes/principals.ts";
import { tokenRoutes } from "./routes/tokens.ts";

/** One JSON line per request, after it completes; no headers or bodies, so no secrets. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) request.log.error({ ...line, err: error.message }, "request errored");
    else request.log.info(line, "request");
  }
}

/** Bodies are small JSON documents; anything larger is refused before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;

export interface AppHooks {
  reloadScopes: Broker["reloadScopes"];
}

export async function buildApp(context: BrokerContext, hooks: AppHooks): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger as FastifyBaseLogger,
    logController: new OneLinePerRequest(),
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: "x-request-id",
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((error, request, reply) => {
    const value = toProblem(error);
    if (value.status >= 500) request.log.error({ err: error, code: value.code }, "request failed");
    return sendProblem(reply, request, value);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      problem(404, "route_not_found", `no route ${request.method} ${request.url.split("?")[0]}`),
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
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  await app.register(healthRoutes(context));
  await app.register(jwksRoutes(context));
  await app.register(tokenRoutes(context));
  await app.register(principalRoutes(context));
  await app.register(enforcementRoutes(context));
  await app.register(adminRoutes(context, hooks.reloadScopes));
  await app.register(approvalRoutes(context));
  await app.register(consoleRoutes());
  return app;
}
