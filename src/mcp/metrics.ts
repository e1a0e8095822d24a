// Prometheus metrics of one gateway, in a registry of its own: tool calls by upstream, tool and decision.
import { Counter, Histogram, Registry } from "prom-client";

export class GatewayMetrics {
  readonly registry = new Registry();

  readonly toolCalls = new Counter({
    name: "leash_mcp_tool_calls_total",
    help: "tools/call requests by upstream, tool (configured names only) and decision (allow, or the refusal code)",
    labelNames: ["upstream", "tool", "decision"] as const,
    registers: [this.registry],
  });
  readonly toolCallSeconds = new Histogram({
    name: "leash_mcp_tool_call_duration_seconds",
    help: "Time from a tools/call to its answer, held time and the upstream's own time included",
    labelNames: ["upstream"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600],
    registers: [this.registry],
  });
  readonly sessions = new Counter({
    name: "leash_mcp_sessions_total",
    help: "Session starts by upstream and result (opened, or the refusal code)",
    labelNames: ["upstream", "result"] as const,
    registers: [this.registry],
  });
}
