// POST /v1/tokens: an agent asks for a task token.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { BrokerContext } from "../../broker/context.ts";
import { type IssuedToken, issueTaskToken } from "../../issuance/issue-task-token.ts";
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
        return reply.code(201).send(issuedTokenBody(outcome));
      },
    );
  };

/** What an agent receives with a token, whether minted at once or collected after issuance approval. */
export function issuedTokenBody(issued: Omit<IssuedToken, "status">) {
  const { claims } = issued;
  return {
    token: issued.token,
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
    ...(issued.credentials === undefined ? {} : { credentials: issued.credentials }),
    ...(issued.warning === undefined ? {} : { warning: issued.warning }),
  };
}
