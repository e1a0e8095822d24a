// GET /v1/envs/:env/jwks.json: each environment's public keys, for resource servers in that environment.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { BrokerContext } from "../../context/broker-context.ts";
import { LeashError } from "../../errors/leash-error.ts";

export const jwksRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/envs/:env/jwks.json",
      {
        schema: {
          tags: ["keys"],
          summary: "An environment's JSON Web Key Set",
          params: z.object({ env: z.string().max(64) }),
          security: [],
          problems: [400, 404],
        },
      },
      async (request, reply) => {
        const ring = context.keys.get(request.params.env);
        if (!ring) throw new LeashError("unknown_environment", `no environment named ${request.params.env}`);
        return reply.header("cache-control", "public, max-age=300").send(ring.jwks(context.clock.now()));
      },
    );
  };
