// Prometheus metrics of one broker, in a registry of its own (not prom-client's global one), so several brokers can
// run in one process (tests) without mixing their numbers. Served at /metrics.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LeaseRevocationBacklog } from "../store/leases.ts";

/** Where the gauges read from at scrape time; a failing source leaves its gauge as it was. */
export interface MetricSources {
  approvalsPending(): Promise<number>;
  vaultRevocationBacklog(): Promise<LeaseRevocationBacklog>;
  /** Seconds left on leash's own Vault token: null without one, Infinity for one that does not expire. */
  vaultTokenTtlSeconds?(): number | null;
}

/**
 * A counter of a hot path (every request, every authorize): counted in plain numbers by label set and handed to
 * prom-client when /metrics is read, so a request pays one Map lookup instead of prom-client validating and hashing
 * its labels on every increment.
 */
class CountedPerLabels<L extends string> {
  private readonly counts = new Map<string, { labels: Record<L, string>; value: number }>();

  constructor(options: { name: string; help: string; labelNames: readonly L[] }, registry: Registry) {
    const counts = this.counts;
    new Counter({
      ...options,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, value } of counts.values()) this.inc(labels, value);
      },
    });
  }

  /** One more for the label set `key` names; `labels` spells it out the first time it is seen. */
  inc(key: string, labels: () => Record<L, string>): void {
    const count = this.counts.get(key);
    if (count) count.value++;
    else this.counts.set(key, { labels: labels(), value: 1 });
  }
}

/** Latency buckets (seconds) around what authorize and mint take: sub-millisecond to a slow Vault read. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class BrokerMetrics {
  readonly registry = new Registry();
  private sources: MetricSources | null = null;

  private readonly authorizeDecisions = new CountedPerLabels(
    {
      name: "leash_authorize_decisions_total",
      help: "Authorize decisions by result (allow, deny, error) and reason",
      labelNames: ["result", "reason"] as const,
    },
    this.registry,
  );
  readonly authorizeSeconds = new Histogram({
    name: "leash_authorize_duration_seconds",
    help: "Time to decide POST /v1/authorize, audit record included",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly mints = new Counter({
    name: "leash_mint_requests_total",
    help: "Token requests by result (granted, pending, refused, error) and reason (the refusal code)",
    labelNames: ["result", "reason"] as const,
    registers: [this.registry],
  });
  readonly mintSeconds = new Histogram({
    name: "leash_mint_duration_seconds",
    help: "Time to answer POST /v1/tokens (Vault credentials included when the scope has them)",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly revocations = new Counter({
    name: "leash_revocations_total",
    help: "Revocations by what they named (jti, task, agent, scope, environment; task_limit: a revoke_task limit)",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly locks = new Counter({
    name: "leash_locks_total",
    help: "Locks put in force (event=create) or lifted (event=remove), by what they name (agent, scope, environment)",
    labelNames: ["event", "kind"] as const,
    registers: [this.registry],
  });
  readonly approvalEvents = new Counter({
    name: "leash_approval_events_total",
    help: "Approval lifecycle events (requested, approved, partially_approved, denied, expired, used)",
    labelNames: ["event"] as const,
    registers: [this.registry],
  });
  readonly unauthenticatedRefusals = new Counter({
    name: "leash_unauthenticated_refusals_total",
    help: "Refusals before the caller was identified (garbage, forged or expired tokens), by event and reason; tallied per source, not one audit record each",
    labelNames: ["event", "reason"] as const,
    registers: [this.registry],
  });
  readonly unauthenticatedRefusalRecords = new Counter({
    name: "leash_unauthenticated_refusal_records_total",
    help: "Audit records written for tallies of unauthenticated refusals (one per source, reason and window)",
    labelNames: ["event"] as const,
    registers: [this.registry],
  });
  readonly approvalsRefused = new Counter({
    name: "leash_approvals_refused_total",
    help: "Approvals not opened because the task's or the agent's pending approvals were at their limit (429 too_many_pending_approvals)",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });
  readonly totpFailures = new Counter({
    name: "leash_totp_failures_total",
    help: "TOTP codes refused as wrong (invalid, malformed, replayed); each also an audit record",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly totpLocks = new Counter({
    name: "leash_totp_locks_total",
    help: "Humans locked out of TOTP after too many wrong codes in the window",
    registers: [this.registry],
  });
  readonly totpRefusedWhileLocked = new Counter({
    name: "leash_totp_refused_while_locked_total",
    help: "TOTP codes not even checked because their human was locked (429 totp_locked)",
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({
    name: "leash_redis_errors_total",
    help: "Redis connection errors reported by the client",
    registers: [this.registry],
  });
  readonly storeUnavailable = new Counter({
    name: "leash_store_unavailable_total",
    help: "Requests refused with 503 because the store (Redis) failed or timed out",
    registers: [this.registry],
  });
  readonly vaultLogins = new Counter({
    name: "leash_vault_logins_total",
    help: "Logins to Vault for leash's own token (AppRole, Kubernetes, JWT) by result (ok, failed)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly vaultTokenRenewals = new Counter({
    name: "leash_vault_token_renewals_total",
    help: "Renewals of leash's own Vault token by result (ok, capped at its max ttl, failed, refused: token gone)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  private readonly httpRequests = new CountedPerLabels(
    {
      name: "leash_http_requests_total",
      help: "HTTP requests by method, route and status",
      labelNames: ["method", "route", "status"] as const,
    },
    this.registry,
  );

  countAuthorizeDecision(result: "allow" | "deny" | "error", reason: string): void {
    this.authorizeDecisions.inc(`${result} ${reason}`, () => ({ result, reason }));
  }

  countHttpRequest(method: string, route: string, status: number): void {
    this.httpRequests.inc(`${method} ${route} ${status}`, () => ({ method, route, status: String(status) }));
  }

  constructor() {
    const metrics = this;
    new Gauge({
      name: "leash_approvals_pending",
      help: "Approvals waiting for a human (read from the store at scrape time)",
      registers: [this.registry],
      async collect() {
        const count = await metrics.sources?.approvalsPending().catch(() => null);
        if (typeof count === "number") this.set(count);
      },
    });
    new Gauge({
      name: "leash_vault_revocation_backlog",
      help: "Vault lease revocations waiting (queued, attempted at least once) or scheduled for token expiry",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        const backlog = await metrics.sources?.vaultRevocationBacklog().catch(() => null);
        if (!backlog) return;
        this.set({ state: "queued" }, backlog.queued);
        this.set({ state: "attempted" }, backlog.attempted);
        this.set({ state: "scheduled" }, backlog.scheduled);
      },
    });
    new Gauge({
      name: "leash_vault_token_ttl_seconds",
      help: "Seconds left on leash's own Vault token (0: no valid token; absent: a token that does not expire)",
      registers: [this.registry],
      collect() {
        const ttl = metrics.sources?.vaultTokenTtlSeconds?.();
        if (ttl === undefined || ttl === Number.POSITIVE_INFINITY) return;
        this.set(ttl ?? 0);
      },
    });
  }

  /** Connects the gauges to the broker's store; done once the broker is assembled. */
  readFrom(sources: MetricSources): void {
    this.sources = sources;
  }
}

/** How a failed request is counted: a 4xx LeashError is a refusal with its code, anything else an error. */
export function failureLabels(error: unknown): { result: "refused" | "error"; reason: string } {
  const { status, code } = error as { status?: unknown; code?: unknown };
  const reason = typeof code === "string" && /^[a-z_]{1,64}$/.test(code) ? code : "internal_error";
  return typeof status === "number" && status >= 400 && status < 500
    ? { result: "refused", reason }
    : { result: "error", reason };
}
