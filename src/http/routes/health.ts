// /healthz (process up) and /readyz (store reachable and initialised, keys loaded; Vault and the lease revocation
// backlog reported), each failing with a stated reason.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { BrokerContext } from "../../context/broker-context.ts";
import { checkVaultReadiness } from "../../credentials/vault-readiness.ts";
import { StoreUnavailableError } from "../../errors/leash-error.ts";

export const healthRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/healthz",
      { schema: { tags: ["ops"], summary: "Liveness: the process answers", security: [], problems: [] } },
      async () => ({ status: "ok" }),
    );

    const readiness = {
      tags: ["ops"],
      summary: "Readiness: Redis reachable, generation present, every environment's signing key loaded",
      security: [],
      successes: {
        200: "Ready (Vault's state and the lease revocation backlog are reported, with warnings)",
        503: "Not ready: `problems` says why (store unreachable, generation missing, no signing key, Vault down)",
      },
      problems: [],
    };
    app.get("/readyz", { schema: readiness }, async (_request, reply) => {
      const problems: string[] = [];
      try {
        await context.store.ping();
        if (!(await context.store.getGeneration())) {
          problems.push("store generation missing: Redis lost its data or leash init was not run");
        }
      } catch (error) {
        problems.push(error instanceof StoreUnavailableError ? "store unreachable" : "store check failed");
      }
      const missingKeys = [...context.scopes.current().environments.keys()].filter(
        (env) => !context.keys.get(env),
      );
      if (missingKeys.length > 0) problems.push(`no signing key for ${missingKeys.join(", ")}`);
      // A configured Vault that cannot be reached makes the broker unready. Authorize and revocation still
      // answer on this process; only a load balancer acting on readiness would route around it.
      const { warnings, problem: vaultProblem, ...vault } = await checkVaultReadiness(context);
      if (vaultProblem) problems.push(vaultProblem);
      const body = {
        status: problems.length === 0 ? "ready" : "not_ready",
        problems,
        warnings,
        scope_set: context.scopes.current().hash,
        vault,
      };
      return reply.code(problems.length === 0 ? 200 : 503).send(body);
    });
  };
