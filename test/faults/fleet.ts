// HTTP and timing helpers the fault and soak tests share; the brokers themselves come from test/helpers/serve-fleet.ts.
import { setTimeout as sleep } from "node:timers/promises";

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
  body: any;
  /** Date.now() when the request was sent and when the answer (or the failure) came back. */
  sentAt: number;
  answeredAt: number;
}

/** One JSON request that never throws: a transport failure is status 0. Bounded by `timeoutMs`. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const sentAt = Date.now();
  try {
    const response = await fetch(new URL(path, url), {
      method,
      headers: {
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.status, body, sentAt, answeredAt: Date.now() };
  } catch (error) {
    return { status: 0, body: { error: String(error) }, sentAt, answeredAt: Date.now() };
  }
}

/** Polls `attempt` until `done`; returns the last value and how long it took. */
export async function waitFor<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() - started > timeoutMs) return { value, ms: Date.now() - started };
    await sleep(50);
  }
}

/** Creates an agent (all scopes) and a security human through the API; returns their keys. */
export async function principals(url: string, adminKey: string, suffix: string) {
  const agent = await call(url, "POST", "/v1/agents", {
    key: adminKey,
    body: { id: `agent-${suffix}`, scopes: ["*"] },
  });
  const security = await call(url, "POST", "/v1/humans", {
    key: adminKey,
    body: { id: `sec-${suffix}`, roles: ["security"] },
  });
  if (agent.status !== 201 || security.status !== 201)
    throw new Error(`principals: ${JSON.stringify([agent.body, security.body])}`);
  return { agentKey: agent.body.api_key as string, securityKey: security.body.api_key as string };
}

export const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Figures the fault tests print at the end, one line each, for the README. */
export const figures: string[] = [];
