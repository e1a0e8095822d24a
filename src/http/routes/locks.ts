// GET /v1/locks and DELETE /v1/locks/:id: the locks that agent, scope and environment revocations put in force.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { BrokerContext } from "../../context/broker-context.ts";
import { lockBody, removeLock } from "../../enforce/locks.ts";
import { requireHuman } from "../auth.ts";

export const lockSchema = z
  .object({
    id: z.string().meta({ description: "lock id (`lock_…`)" }),
    target: z.object({
      kind: z.enum(["agent", "scope", "environment"]),
      value: z.string(),
    }),
    reason: z.string(),
    created_by: z.string().meta({ description: "who put it in force, `human:<id>`" }),
    created_at: z.iso.datetime(),
    expires_at: z.iso
      .datetime()
      .nullable()
      .meta({ description: "when it lapses by itself; null: in force until removed" }),
    environments: z.array(z.string()).meta({ description: "environments whose tokens it refuses" }),
  })
  .meta({ id: "Lock" });

const lockIdParams = z.object({ id: z.string().min(1).max(128) });

export const lockRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/locks",
      {
        schema: {
          tags: ["enforcement"],
          summary: "Locks in force, oldest first (security, admin)",
          response: { 200: z.object({ locks: z.array(lockSchema) }) },
        },
      },
      async (request) => {
        await requireHuman(context, request, ["security"]);
        const locks = await context.store.listLocks();
        return { locks: locks.map(lockBody) };
      },
    );

    app.delete(
      "/v1/locks/:id",
      {
        schema: {
          tags: ["enforcement"],
          summary:
            "Lift a lock: minting for its target works again; tokens revoked when it was put in force stay revoked",
          params: lockIdParams,
          response: { 200: z.object({ removed: lockSchema }) },
        },
      },
      async (request) => {
        const actor = await requireHuman(context, request, ["security"]);
        const lock = await removeLock(context, request.params.id, actor.id, { requestId: request.id });
        return { removed: lockBody(lock) };
      },
    );
  };
