// The CLI's HTTP client for the broker API: JSON in, JSON out, problem+json turned into a LeashError.
import { cliEnv } from "../config/cli-env.ts";
import { LeashError, PassedOnError } from "../errors/leash-error.ts";

export interface ApiClientOptions {
  url: string;
  key?: string;
}

export function apiClientFromEnv(keyVariable: "LEASH_AGENT_KEY" | "LEASH_HUMAN_KEY"): ApiClientOptions {
  const env = cliEnv();
  const url = env.LEASH_URL;
  const key = env[keyVariable];
  if (!url) throw new Error("LEASH_URL: required, not set (the broker's URL)");
  if (!key) throw new Error(`${keyVariable}: required, not set`);
  return { url, key };
}

export async function callApi<T = Record<string, unknown>>(
  client: ApiClientOptions,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  let response: Response;
  try {
    response = await fetch(new URL(path, client.url), {
      method,
      headers: {
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(client.key ? { authorization: `Bearer ${client.key}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new LeashError(
      "broker_unreachable",
      `cannot reach leash at ${client.url}: ${(error as Error).message}`,
    );
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new PassedOnError(
      "bad_response",
      response.status,
      `leash answered ${response.status} with a non-JSON body`,
    );
  }
  if (!response.ok) {
    const problem = (parsed ?? {}) as { code?: string; detail?: string; error?: unknown };
    throw new PassedOnError(
      problem.code ?? "request_failed",
      response.status,
      problem.detail ?? `HTTP ${response.status}`,
      // An OAuth endpoint's refusal also names its RFC 6749 `error` (invalid_scope, invalid_target, …).
      typeof problem.error === "string" ? { error: problem.error } : {},
    );
  }
  return { status: response.status, body: parsed as T };
}
