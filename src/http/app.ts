// The broker's Fastify app: one plugin per route group, zod schemas as validation and OpenAPI, problem+json errors.
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { BrokerContext } from "../broker/context.ts";
import { problem, sendProblem, toProblem } from "./problem.ts";
import { healthRoutes } from "./routes/health.ts";
import { jwksRoutes } from "./routes/jwks.ts";
import { principalRoutes } from "./routes/principals.ts";
import { tokenRoutes } from "./routes/tokens.ts";

/** Bodies are small JSON documents; anything larger is refused before parsing. */
const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApp(context: BrokerContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: context.logger as FastifyBaseLogger,
    disableRequestLogging: true,
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
    sendProblem(reply, request, problem(404, "route_not_found", `no route ${request.method} ${request.url.split("?")[0]}`)),
  );
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      { req_id: request.id, method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: reply.elapsedTime },
      "request",
    );
  });

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
  return app;
}
