// The proxy's client for the broker: authorize one action, and long-poll one approval. Any doubt is an error, never an allow.
import { z } from "zod";
import type { HttpRequestShown } from "../approvals/http-request.ts";
import type { ToolCallShown } from "../approvals/tool-call.ts";
import { LeashError, PassedOnError } from "../errors/leash-error.ts";

/** The broker is unreachable, slow or failing: the proxy answers 503 and forwards nothing. */
export class BrokerUnavailableError extends LeashError {
  constructor(detail: string) {
    super("broker_unavailable", `leash cannot be asked right now (${detail}); nothing was forwarded`);
  }
}

/** The agent went away while its call was being decided or held. */
export class CallAbandonedError extends Error {
  override name = "CallAbandonedError";
}

export interface AuthorizeRequest {
  token: string;
  action: string;
  resource: string;
  request_hash: string;
  approval_id?: string;
  /** Only ever stricter: the caller knows the call is destructive whatever the catalogue says. */
  destructive?: true;
  /** What the call came through, for the audit record. */
  via?: string;
  /** An MCP tool call as its approver is shown it; the broker checks it hashes to request_hash. */
  tool_call?: ToolCallShown;
  /** A held HTTP request as its approver is shown it; the broker checks it hashes to request_hash. */
  http_request?: HttpRequestShown;
}

/** A call refused before authorize, for the audit trail (POST /v1/refusals). */
export interface RefusalReport {
  token: string;
  /** `mcp <upstream>/<tool>`. */
  via: string;
  reason: string;
  action?: string;
}

const authorizeAnswer = z.object({
  allow: z.boolean(),
  reason: z.string(),
  approval_id: z.string().optional(),
  task_revoked: z.boolean().optional(),
  limit: z.string().optional(),
  detail: z.string().optional(),
});
export type AuthorizeAnswer = z.infer<typeof authorizeAnswer>;

export type ApprovalStatus = "pending" | "approved" | "denied" | "expired";
const approvalAnswer = z.object({
  id: z.string().optional(),
  // "used": spent by an identical call held alongside this one; "cancelled": withdrawn by the agent that asked.
  // For this call either is as good as expired.
  status: z
    .enum(["pending", "approved", "denied", "expired", "used", "cancelled"])
    .transform((s) => (s === "used" || s === "cancelled" ? "expired" : s)),
});

const grantsAnswer = z.object({
  env: z.string(),
  protected: z.boolean(),
  task: z.string(),
  jti: z.string(),
  exp: z.number(),
  actions: z.array(z.object({ action: z.string(), destructive: z.boolean(), approval: z.boolean() })),
});
/** What a task token may do right now, as the broker sees it. */
export type TokenGrants = z.infer<typeof grantsAnswer>;

const problemBody = z.object({ code: z.string().optional(), detail: z.string().optional() });

export interface BrokerClientOptions {
  /** LEASH_URL: the broker's base URL. */
  url: string;
  /** Bound on one authorize call, so a hung broker fails closed quickly. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
/** Beyond the wait the broker was asked for, before a long-poll counts as hung. */
const LONG_POLL_GRACE_MS = 10_000;

export class BrokerClient {
  readonly #url: string;
  readonly #timeoutMs: number;

  constructor(options: BrokerClientOptions) {
    this.#url = options.url;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async authorize(request: AuthorizeRequest, signal: AbortSignal): Promise<AuthorizeAnswer> {
    const { status, body } = await this.#call(
      "/v1/authorize",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) },
      this.#timeoutMs,
      signal,
    );
    if (status !== 200) throw unexpectedStatus("authorize", status, body);
    const parsed = authorizeAnswer.safeParse(body);
    if (!parsed.success)
      throw new BrokerUnavailableError("authorize answered something that is not a decision");
    return parsed.data;
  }

  /**
   * Records a call the gateway refused without asking (a tool it cannot map, arguments it cannot read), so the audit
   * trail has every call. It decides nothing: a failure here changes no answer.
   */
  async reportRefusal(refusal: RefusalReport, signal: AbortSignal): Promise<void> {
    const { status, body } = await this.#call(
      "/v1/refusals",
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(refusal) },
      this.#timeoutMs,
      signal,
    );
    if (status !== 200) throw unexpectedStatus("refusal record", status, body);
  }

  /** The token's live grants; a token the broker will not honour is a LeashError with its reason as the code. */
  async grants(token: string, signal: AbortSignal): Promise<TokenGrants> {
    const { status, body } = await this.#call(
      "/v1/grants",
      { method: "GET", headers: { authorization: `Bearer ${token}` } },
      this.#timeoutMs,
      signal,
    );
    if (status !== 200) {
      const problem = problemBody.safeParse(body);
      const code = (problem.success && problem.data.code) || "invalid_token";
      throw new PassedOnError(code, status === 401 ? 401 : 403, `the task token is refused: ${code}`);
    }
    const parsed = grantsAnswer.safeParse(body);
    if (!parsed.success) throw new BrokerUnavailableError("the grants lookup answered something unexpected");
    return parsed.data;
  }

  /**
   * One long-poll of an approval, authenticated with the task token it belongs to. A missing approval reads as
   * expired: either way it will never allow this call.
   */
  async approvalStatus(
    id: string,
    token: string,
    waitSeconds: number,
    signal: AbortSignal,
  ): Promise<ApprovalStatus> {
    const path = `/v1/approvals/${encodeURIComponent(id)}?wait=${waitSeconds}`;
    const { status, body } = await this.#call(
      path,
      { method: "GET", headers: { authorization: `Bearer ${token}` } },
      waitSeconds * 1000 + LONG_POLL_GRACE_MS,
      signal,
    );
    if (status === 404) return "expired";
    if (status !== 200) throw unexpectedStatus("approval lookup", status, body);
    const parsed = approvalAnswer.safeParse(body);
    if (!parsed.success) throw new BrokerUnavailableError("the approval lookup answered an unknown status");
    return parsed.data.status;
  }

  async #call(
    path: string,
    init: RequestInit,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<{ status: number; body: unknown }> {
    if (signal.aborted) throw new CallAbandonedError("the agent went away");
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(new URL(path, this.#url), {
        ...init,
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw new CallAbandonedError("the agent went away");
      if (timeout.aborted) throw new BrokerUnavailableError(`no answer within ${timeoutMs} ms`);
      throw new BrokerUnavailableError(`unreachable: ${(error as Error).message}`);
    }
    if (response.status >= 500) throw new BrokerUnavailableError(`HTTP ${response.status}`);
    try {
      return { status: response.status, body: text ? JSON.parse(text) : null };
    } catch {
      throw new BrokerUnavailableError(`HTTP ${response.status} with a body that is not JSON`);
    }
  }
}

/** A 4xx from the broker: its problem code is passed on (a revoked token polling its approval, say), never allowed. */
function unexpectedStatus(what: string, status: number, body: unknown): LeashError {
  const problem = problemBody.safeParse(body);
  const code = (problem.success && problem.data.code) || "broker_refused";
  const detail = (problem.success && problem.data.detail) || `HTTP ${status}`;
  return new PassedOnError(code, 403, `leash refused the ${what}: ${detail}`);
}
