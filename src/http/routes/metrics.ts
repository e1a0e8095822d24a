// GET /metrics: this broker's Prometheus metrics (its own registry; gauges read the store at scrape time).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { BrokerContext } from "../../context/broker-context.ts";

export const metricsRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/metrics",
      {
        schema: {
          tags: ["ops"],
          summary: "Prometheus metrics (text exposition format)",
          security: [],
          successes: { 200: "Metrics in the Prometheus text format" },
          problems: [500],
        },
      },
      async (_request, reply) => {
        const { registry } = context.metrics;
        return reply.type(registry.contentType).send(await registry.metrics());
      },
    );
  };
