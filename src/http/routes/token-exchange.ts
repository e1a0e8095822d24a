// POST /v1/token-exchange and POST /v1/oauth/token (grant_type token-exchange): a task token for a sub-agent.
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { BrokerContext } from "../../context/broker-context.ts";
import { parseExchangeRequest } from "../../exchange/exchange-request.ts";
import { actingAgent, type ExchangedToken, exchangeToken } from "../../exchange/exchange-token.ts";
import { failureLabels } from "../../metrics/broker-metrics.ts";
import { actorChain } from "../../tokens/claims.ts";

// Parameters are read by parseExchangeRequest, which answers in the RFC's error format; the schema only documents.
const exchangeParameters = z
  .object({
    grant_type: z.string().optional(),
    subject_token: z.string(),
    subject_token_type: z.string(),
    actor_token: z.string().optional(),
    actor_token_type: z.string().optional(),
    requested_token_type: z.string().optional(),
    scope: z.string().optional().describe("space-separated actions, a subset of the parent's"),
    resource: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("resource globs inside the parent's"),
    audience: z.union([z.string(), z.array(z.string())]).optional(),
    ttl: z.string().optional().describe('lifetime like "5m"; never past the parent\'s expiry'),
    intent: z.string().describe("what the sub-task is for"),
  })
  .passthrough();

/** RFC 8693 §2.2.1, plus what leash callers read (`granted`, `delegation`) in the shape POST /v1/tokens uses. */
export function exchangedTokenBody(exchanged: ExchangedToken, issuedTokenType: string) {
  const { claims } = exchanged;
  return {
    access_token: exchanged.token,
    issued_token_type: issuedTokenType,
    token_type: "Bearer",
    // The token was signed for this answer: its lifetime from the instant it was issued, not from a later read of
    // the clock, which on a busy machine can fall in the next second.
    expires_in: claims.exp - claims.iat,
    scope: claims.scope,
    token: exchanged.token,
    expires_at: new Date(claims.exp * 1000).toISOString(),
    task: { id: claims.task, intent: claims.intent, sub_task: claims.sub_task },
    granted: {
      scope: claims.scope_id,
      environment: claims.env,
      actions: claims.scope.split(" "),
      resources: claims.resources,
      jti: claims.jti,
    },
    delegation: {
      actor: actingAgent(claims),
      parent: claims.parent,
      chain: claims.chain,
      depth: claims.depth,
      act_chain: actorChain(claims),
    },
  };
}

export const tokenExchangeRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    const handle = async (
      body: unknown,
      requestId: string,
      reply: FastifyReply,
      grantTypeRequired: boolean,
    ) => {
      const { metrics } = context;
      const stopTimer = metrics.mintSeconds.startTimer();
      try {
        const request = parseExchangeRequest(body, { grantTypeRequired });
        const exchanged = await exchangeToken(context, request, { requestId });
        metrics.mints.inc({ result: "granted", reason: "exchange" });
        // RFC 6749 §5.1: token responses are never cached.
        return reply
          .code(200)
          .header("cache-control", "no-store")
          .send(exchangedTokenBody(exchanged, request.issuedTokenType));
      } catch (error) {
        metrics.mints.inc(failureLabels(error));
        throw error;
      } finally {
        stopTimer();
      }
    };

    app.post(
      "/v1/token-exchange",
      {
        schema: {
          tags: ["tokens"],
          summary: "Exchange a task token for a narrower child token for a sub-agent (RFC 8693)",
          body: exchangeParameters,
          security: [],
          successes: { 200: "Child token issued" },
          problems: [400, 413, 415, 503],
        },
        // The RFC's errors, not a schema dump, for anything wrong in the parameters.
        attachValidation: true,
      },
      (request, reply) => handle(request.body, request.id, reply, false),
    );

    app.post(
      "/v1/oauth/token",
      {
        schema: {
          tags: ["tokens"],
          summary: "OAuth 2.0 token endpoint; grant_type urn:ietf:params:oauth:grant-type:token-exchange",
          body: exchangeParameters,
          security: [],
          successes: { 200: "Child token issued" },
          problems: [400, 413, 415, 503],
        },
        attachValidation: true,
      },
      (request, reply) => handle(request.body, request.id, reply, true),
    );
  };
