// GET /v1/tasks: the live tasks security watches (and the console's security view lists), with their counters.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { BrokerContext } from "../../context/broker-context.ts";
import { listLiveTasks } from "../../tasks/live-tasks.ts";
import { requireHuman } from "../auth.ts";

const tasksQuery = z
  .object({
    active: z
      .enum(["true", "false"])
      .default("false")
      .meta({ description: "true: only tasks neither revoked nor stopped by a lock" }),
  })
  .strict();

const budgetSchema = z.object({
  owner: z.string().meta({ description: "whose limit: `scope:<id>` or `env:<name>`" }),
  match: z.string().meta({ description: "the action it counts, or `destructive`" }),
  key: z.enum(["task", "agent", "scope", "environment"]),
  max: z.number().int(),
  per_ms: z.number().int(),
  on_exceed: z.enum(["deny", "revoke_task"]),
  used: z.number().int().meta({ description: "calls counted in the window ending now" }),
  remaining: z.number().int(),
});

export const liveTaskSchema = z
  .object({
    task: z.string(),
    agent: z.string(),
    intent: z.string(),
    state: z.enum(["active", "revoked", "locked"]),
    lock: z
      .object({ id: z.string(), kind: z.string(), value: z.string(), reason: z.string() })
      .nullable()
      .meta({ description: "the lock that stops it, when `locked`" }),
    scopes: z.array(z.string()),
    environments: z.array(z.string()),
    tokens_alive: z.number().int(),
    tokens: z.array(
      z.object({
        jti: z.string(),
        scope: z.string(),
        environment: z.string(),
        issued_at: z.iso.datetime(),
        expires_at: z.iso.datetime(),
      }),
    ),
    expires_at: z.iso.datetime().meta({ description: "when its last token expires" }),
    budgets: z.array(budgetSchema).meta({ description: "every blast-radius limit its calls count against" }),
    pending_approvals: z.array(
      z.object({
        id: z.string(),
        action: z.string().nullable(),
        resource: z.string().nullable(),
        expires_at: z.iso.datetime(),
      }),
    ),
  })
  .meta({ id: "LiveTask" });

export const taskRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/tasks",
      {
        schema: {
          tags: ["enforcement"],
          summary:
            "Tasks with a token alive now, the ones living longest first (security, admin): tokens, blast-radius budget used and remaining per limit, pending approvals",
          querystring: tasksQuery,
          response: { 200: z.object({ tasks: z.array(liveTaskSchema), truncated: z.boolean() }) },
        },
      },
      async (request) => {
        await requireHuman(context, request, ["security"]);
        return listLiveTasks(context, { active: request.query.active === "true" });
      },
    );
  };
