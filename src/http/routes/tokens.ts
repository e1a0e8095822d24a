// POST /v1/tokens: an agent asks for a task token.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { BrokerContext } from "../../context/broker-context.ts";
import type { IssuedToken } from "../../issuance/issue-task-token.ts";
import { mintRequestSchema } from "../../issuance/mint-request.ts";
import { issueTaskToken } from "../../issuance/request-token.ts";
import { failureLabels } from "../../metrics/broker-metrics.ts";
import { lookupMintCaller } from "../auth.ts";

export const tokenRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/v1/tokens",
      {
        schema: {
          tags: ["tokens"],
          summary: "Mint a task token",
          body: mintRequestSchema,
          successes: { 201: "Token minted", 202: "Issuance waits for a human's approval" },
          problems: [400, 401, 403, 404, 409, 413, 415, 503],
        },
        // A mint is a decision: each one, granted, pending or refused, is in the audit log with its request id.
        config: { decisionRoute: true },
      },
      async (request, reply) => {
        const { metrics } = context;
        const stopTimer = metrics.mintSeconds.startTimer();
        try {
          // Not awaited here: the mint's own store reads go out alongside the key lookup (one round trip).
          const { caller, expectedAgentId } = lookupMintCaller(context, request, request.body.scope);
          const outcome = await issueTaskToken(
            context,
            caller,
            request.body,
            { requestId: request.id },
            expectedAgentId,
          );
          if (outcome.status === "pending") {
            metrics.mints.inc({ result: "pending", reason: "approval_required" });
            return reply
              .code(202)
              .send({ request_id: outcome.requestId, status: "pending", task: outcome.task });
          }
          metrics.mints.inc({ result: "granted", reason: "ok" });
          return reply.code(201).send(issuedTokenBody(outcome));
        } catch (error) {
          metrics.mints.inc(failureLabels(error));
          throw error;
        } finally {
          stopTimer();
        }
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
