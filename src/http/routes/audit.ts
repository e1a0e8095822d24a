// GET /v1/audit: security reads the audit log, filtered and a page at a time (leash audit tail/export use it).
// GET /v1/audit/seals: one chain's seals, to keep copies outside Redis (leash audit seals uses it).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { queryAudit } from "../../audit/query.ts";
import { querySeals } from "../../audit/query-seals.ts";
import type { BrokerContext } from "../../context/broker-context.ts";
import { LeashError } from "../../errors/leash-error.ts";
import { requireHuman } from "../auth.ts";

const text = z.string().min(1).max(256);
/** A time as ISO 8601 or epoch milliseconds. */
const time = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const ms = /^\d{1,16}$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "expected an ISO 8601 time or epoch milliseconds" });
      return z.NEVER;
    }
    return ms;
  });

const auditQuery = z
  .object({
    task: text.optional(),
    agent: text.optional(),
    environment: text.optional(),
    decision: z.string().min(1).max(32).optional(),
    event: z.string().min(1).max(64).optional(),
    from: time.optional(),
    to: time.optional(),
    order: z.enum(["asc", "desc"]).default("asc"),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict();

const sealsQuery = z
  .object({
    chain: z
      .string()
      .regex(/^(global|env:[^{}]{1,256})$/, "global or env:<environment>")
      .default("global"),
    after: z
      .string()
      .regex(/^\d{1,20}-\d{1,20}$/, "a seal id (stream id)")
      .optional(),
    order: z.enum(["asc", "desc"]).default("asc"),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const auditRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/v1/audit",
      {
        schema: {
          tags: ["audit"],
          summary:
            "Audit records, every chain merged by time (oldest first unless order=desc); next_cursor fetches the next page",
          querystring: auditQuery,
        },
      },
      async (request) => {
        await requireHuman(context, request, ["security"]);
        const { order, limit, cursor, from, to, ...filters } = request.query;
        if (from !== undefined && to !== undefined && from > to)
          throw new LeashError("invalid_request", "from is after to");
        if (filters.environment && /[{}]/.test(filters.environment))
          throw new LeashError("invalid_request", "environment: not an environment name");
        return queryAudit(
          context.store.audit,
          { ...filters, fromMs: from, toMs: to },
          { order, limit, cursor },
        );
      },
    );
    app.get(
      "/v1/audit/seals",
      {
        schema: {
          tags: ["audit"],
          summary:
            "One chain's seals (oldest first unless order=desc): the SHA-256 chain over its records, to keep outside Redis; next_after fetches the next page",
          querystring: sealsQuery,
        },
      },
      async (request) => {
        await requireHuman(context, request, ["security"]);
        return querySeals(context.store.audit, request.query);
      },
    );
  };
