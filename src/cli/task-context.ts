// What the guard knows about the task it guards: taken from the task token itself when LEASH_TOKEN is set (verified
// against the environment's JWKS when LEASH_URL answers, decoded only when it does not), else from LEASH_INTENT and
// LEASH_ENV. A token whose signature fails is not believed: the guard falls back as if there were none.
import type { GuardSettings } from "../config/guard-env.ts";

export interface TaskContext {
  intent?: string;
  env?: string;
  task?: string;
  /** Granted actions (the token's `scope`). */
  actions?: string[];
  resources?: string[];
  /** Where the intent came from, for reasons: "verified task token", "task token (not verified: …)", "LEASH_INTENT". */
  source?: string;
}

const JWKS_TIMEOUT_MS = 1500;

interface TokenClaims {
  iss?: unknown;
  intent?: unknown;
  env?: unknown;
  task?: unknown;
  scope?: unknown;
  resources?: unknown;
}

/** The payload of a compact JWS, without checking anything; null when it is not one. */
export function decodeClaims(token: string): TokenClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
    return claims && typeof claims === "object" ? (claims as TokenClaims) : null;
  } catch {
    return null;
  }
}

function fromClaims(claims: TokenClaims, source: string): TaskContext {
  const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  return {
    intent: text(claims.intent),
    env: text(claims.env),
    task: text(claims.task),
    actions: typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : undefined,
    resources: Array.isArray(claims.resources)
      ? claims.resources.filter((r): r is string => typeof r === "string")
      : undefined,
    source,
  };
}

const MAX_JWKS_BYTES = 1024 * 1024;

/**
 * GET a JSON document with node:http(s). A hook runs this once per agent command, and global fetch loads its whole
 * HTTP client first: about a third of a bare Node start-up in CPU.
 */
async function getJson(url: URL): Promise<{ status: number; body?: unknown }> {
  const { request } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { timeout: JWKS_TIMEOUT_MS, headers: { accept: "application/json" } },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status !== 200) {
          response.resume();
          resolve({ status });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_JWKS_BYTES) req.destroy(new Error("JWKS larger than 1 MiB"));
          else chunks.push(chunk);
        });
        response.on("end", () => {
          try {
            resolve({ status, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
          } catch (error) {
            reject(error);
          }
        });
        response.on("error", reject);
      },
    );
    // The request's own timeout only limits silence: a server sending a byte a second would hold the hook past the
    // time an agent waits for it. The whole answer has the same limit.
    const late = () => req.destroy(new Error(`no answer within ${JWKS_TIMEOUT_MS} ms`));
    const whole = setTimeout(late, JWKS_TIMEOUT_MS);
    req.on("timeout", late);
    req.on("error", reject);
    req.on("close", () => clearTimeout(whole));
    req.end();
  });
}

type Verdict = { verified: true } | { verified: false; reachable: boolean; why: string };

/** Verifies the token with its environment's JWKS from the broker; unreachable is told apart from rejected. */
async function verify(token: string, env: string, url: string): Promise<Verdict> {
  let jwks: unknown;
  try {
    const response = await getJson(new URL(`/v1/envs/${encodeURIComponent(env)}/jwks.json`, url));
    // An environment the broker does not know is an answer, not an outage.
    if (response.status === 404) return { verified: false, reachable: true, why: `no environment ${env}` };
    if (response.status !== 200)
      return { verified: false, reachable: false, why: `JWKS answered ${response.status}` };
    jwks = response.body;
  } catch (error) {
    return { verified: false, reachable: false, why: (error as Error).message };
  }
  const { verifyTaskToken } = await import("../tokens/verify-task-token.ts");
  // The issuer is the token's own: what makes it trustworthy is the environment's key, fetched from LEASH_URL.
  const iss = decodeClaims(token)?.iss;
  const issuer = typeof iss === "string" ? iss.replace(/\/envs\/[^/]*$/, "") : "";
  try {
    await verifyTaskToken(token, { environment: env, jwks: jwks as never, issuer });
    return { verified: true };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { verified: false, reachable: true, why: e.code ?? e.message };
  }
}

/** The task from the guard's settings (its variables, read by config/guard-env.ts). */
export async function taskContextFromSettings(
  settings: Pick<GuardSettings, "env" | "intent" | "task" | "token" | "url">,
): Promise<TaskContext> {
  const fallback: TaskContext = {
    intent: settings.intent,
    env: settings.env,
    task: settings.task,
    source: settings.intent ? "LEASH_INTENT" : undefined,
  };
  const { token, url } = settings;
  if (!token) return fallback;
  const claims = decodeClaims(token);
  if (!claims || typeof claims.env !== "string") {
    return { ...fallback, source: `${fallback.source ?? "no intent"}; LEASH_TOKEN is not a task token` };
  }
  if (!url) return fromClaims(claims, "task token (decoded; LEASH_URL not set, not verified)");
  const verdict = await verify(token, claims.env, url);
  if (verdict.verified) return fromClaims(claims, "verified task token");
  if (!verdict.reachable) return fromClaims(claims, `task token (decoded; not verified: ${verdict.why})`);
  return {
    ...fallback,
    source: `${fallback.source ?? "no intent"}; the task token was rejected (${verdict.why})`,
  };
}
