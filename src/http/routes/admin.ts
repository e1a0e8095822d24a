// POST /v1/admin/reload-scopes: the same reload as SIGHUP, for deployments where signals are awkward.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { BrokerContext } from "../../context/broker-context.ts";
import { LeashError } from "../../errors/leash-error.ts";
import { formatProblem, type LoadScopeSetResult } from "../../scopes/load.ts";
import { requireHuman } from "../auth.ts";

/** Loads the scope files again and, if they have no problem, puts them in force (the broker hands it to the app). */
export type ReloadScopes = () => Promise<LoadScopeSetResult>;

export const adminRoutes =
  (context: BrokerContext, reloadScopes: ReloadScopes): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/v1/admin/reload-scopes",
      {
        schema: {
          tags: ["admin"],
          summary: "Reload scope files; a set with problems is refused and the old one kept",
          problems: [401, 403, 422],
        },
      },
      async (request) => {
        await requireHuman(context, request, []);
        const result = await reloadScopes();
        if (!result.ok) {
          throw new LeashError(
            "scopes_invalid",
            `reload refused; still running ${context.scopes.current().hash}`,
            {
              problems: result.problems.map(formatProblem),
            },
          );
        }
        return { scope_set: result.set.hash };
      },
    );
  };
