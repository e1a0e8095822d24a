// POST /v1/tokens: an agent asks for a task token.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { BrokerContext } from "../../broker/context.ts";
import { issueTaskToken } from "../../issuance/issue-task-token.ts";
import { mintRequestSchema } from "../../issuance/mint-request.ts";
import { requireAgent } from "../auth.ts";

export const tokenRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/v1/tokens",
      { schema: { tags: ["tokens"], summary: "Mint a task token", body: mintRequestSchema } },
      async (request, reply) => {
        const agent = await requireAgent(context, request);
        const outcome = await issueTaskToken(context, agent, request.body);
        if (outcome.status === "pending") {
          return reply
            .code(202)
            .send({ request_id: outcome.requestId, status: "pending", task: outcome.task });
        }
        const { claims } = outcome;
        return reply.code(201).send({
          token: outcome.token,
          token_type: "Bearer",
          expires_at: new Date(claims.exp * 1000).toISOString(),
          task: { id: claims.task, intent: claims.intent },
          granted: {
            scope: claims.scope_id,
            environment: claims.env,
            actions: claims.scope.split(" "),
            resources: claims.resources,
            jti: claims.jti,
          },
          ...(outcome.credentials === undefined ? {} : { credentials: outcome.credentials }),
          ...(outcome.warning === undefined ? {} : { warning: outcome.warning }),
        });
      },
    );
  };
