// The agent SDK: what an agent's bootstrap code and tools call (mint a task token, ask before acting, wait for a
// human, end the task) and what security's tooling calls to revoke. A thin client of the HTTP API.
import { LeashConnectionError, LeashProblemError, problemFrom } from "./problem.ts";
import type {
  ApprovalView,
  AuthorizeDecision,
  AuthorizeRequest,
  ExchangedTaskToken,
  ExchangeRequest,
  IssuedTaskToken,
  MintTaskTokenRequest,
  PendingIssuance,
  RefusedIssuance,
  RevocationResult,
  RevocationTarget,
} from "./types.ts";

export interface LeashClientOptions {
  /** The broker's URL, e.g. https://leash.internal. */
  url: string;
  /** The agent's API key (`lsk_…`), for minting. */
  agentKey?: string;
  /** A human's API key (`lsh_…`), for revoking. */
  humanKey?: string;
  /** How long one request may take, long polls excepted (default 10 s). */
  timeoutMs?: number;
}

/** The broker holds a long poll at most this long; longer waits are several polls. */
const MAX_POLL_SECONDS = 60;
const DEFAULT_TIMEOUT_MS = 10_000;

interface Call {
  method: "GET" | "POST";
  path: string;
  credential?: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export class LeashClient {
  private readonly url: string;
  private readonly agentKey?: string;
  private readonly humanKey?: string;
  private readonly timeoutMs: number;

  constructor(options: LeashClientOptions) {
    this.url = new URL(options.url).toString();
    this.agentKey = options.agentKey;
    this.humanKey = options.humanKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Mints a task token with the agent key. A scope that needs a human before it issues answers `pending`; with
   * `waitSeconds`, this waits up to that long for the decision and returns the token once approved.
   */
  async mintTaskToken(
    request: MintTaskTokenRequest,
    options: { waitSeconds?: number } = {},
  ): Promise<IssuedTaskToken | PendingIssuance | RefusedIssuance> {
    const body = {
      scope: request.scope,
      task: { intent: request.intent, ...(request.taskId === undefined ? {} : { id: request.taskId }) },
      ...(request.actions === undefined ? {} : { actions: request.actions }),
      ...(request.resources === undefined ? {} : { resources: request.resources }),
      ...(request.ttl === undefined ? {} : { ttl: request.ttl }),
    };
    const agentKey = this.required(this.agentKey, "agentKey");
    const { status, body: answer } = await this.call({
      method: "POST",
      path: "/v1/tokens",
      credential: agentKey,
      body,
    });
    if (status === 201) return { status: "issued", ...(answer as Omit<IssuedTaskToken, "status">) };
    const pending = answer as PendingIssuance;
    const deadline = Date.now() + (options.waitSeconds ?? 0) * 1000;
    for (;;) {
      const seconds = Math.min(MAX_POLL_SECONDS, Math.ceil((deadline - Date.now()) / 1000));
      if (seconds <= 0) return pending;
      const { body: state } = await this.call({
        method: "GET",
        path: `/v1/requests/${encodeURIComponent(pending.request_id)}?wait=${seconds}`,
        credential: agentKey,
        timeoutMs: seconds * 1000 + this.timeoutMs,
      });
      const { status: requestStatus, ...rest } = state as { status: string } & Record<string, unknown>;
      if (requestStatus === "approved")
        return { status: "issued", ...(rest as unknown as Omit<IssuedTaskToken, "status">) };
      if (requestStatus !== "pending")
        return { status: requestStatus as RefusedIssuance["status"], request_id: pending.request_id };
    }
  }

  /** Asks leash before acting: revocation, grants, the scope as it is now, blast radius and approvals. */
  async authorize(request: AuthorizeRequest): Promise<AuthorizeDecision> {
    const { body } = await this.call({
      method: "POST",
      path: "/v1/authorize",
      body: {
        token: request.token,
        action: request.action,
        resource: request.resource,
        ...(request.requestHash === undefined ? {} : { request_hash: request.requestHash }),
        ...(request.approvalId === undefined ? {} : { approval_id: request.approvalId }),
      },
    });
    return body as AuthorizeDecision;
  }

  /**
   * Waits until a human decides an approval (or it expires), up to `timeoutSeconds` (default 120); returns it as it
   * stands then. `credential` is the task token the approval is for, or the agent's key (the default).
   */
  async waitForApproval(
    approvalId: string,
    options: { credential?: string; timeoutSeconds?: number } = {},
  ): Promise<ApprovalView> {
    const credential = this.required(options.credential ?? this.agentKey, "credential or agentKey");
    const deadline = Date.now() + (options.timeoutSeconds ?? 120) * 1000;
    for (;;) {
      const seconds = Math.max(0, Math.min(MAX_POLL_SECONDS, Math.ceil((deadline - Date.now()) / 1000)));
      const { body } = await this.call({
        method: "GET",
        path: `/v1/approvals/${encodeURIComponent(approvalId)}?wait=${seconds}`,
        credential,
        timeoutMs: seconds * 1000 + this.timeoutMs,
      });
      const approval = body as ApprovalView;
      if (approval.status !== "pending" || seconds === 0) return approval;
    }
  }

  /**
   * Exchanges a task token for a narrower child token for a sub-agent (RFC 8693): same task and environment, a subset
   * of the actions and resources, never past the parent's expiry. Asking for more is refused, never narrowed.
   */
  async exchange(parentToken: string, request: ExchangeRequest): Promise<ExchangedTaskToken> {
    const { body } = await this.call({
      method: "POST",
      path: "/v1/token-exchange",
      body: {
        subject_token: parentToken,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        intent: request.intent,
        ...(request.actions ? { scope: request.actions.join(" ") } : {}),
        ...(request.resources ? { resource: request.resources } : {}),
        ...(request.ttl ? { ttl: request.ttl } : {}),
        ...(request.actorKey
          ? { actor_token: request.actorKey, actor_token_type: "urn:leash:params:oauth:token-type:agent-key" }
          : {}),
      },
    });
    return body as ExchangedTaskToken;
  }

  /** Ends the task the token belongs to: every token of the task and its Vault leases are revoked. */
  async endTask(token: string, reason?: string): Promise<RevocationResult> {
    const { body } = await this.call({
      method: "POST",
      path: "/v1/tasks/end",
      credential: token,
      body: reason === undefined ? {} : { reason },
    });
    return body as RevocationResult;
  }

  /** Revokes a token, task, agent, scope or environment at once (a human key with role security or admin). */
  async revoke(target: RevocationTarget, reason: string): Promise<RevocationResult> {
    const { body } = await this.call({
      method: "POST",
      path: "/v1/revocations",
      credential: this.required(this.humanKey, "humanKey"),
      body: { ...target, reason },
    });
    return body as RevocationResult;
  }

  private required(value: string | undefined, name: string): string {
    if (!value) throw new TypeError(`LeashClient: ${name} is required for this call`);
    return value;
  }

  private async call(call: Call): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(new URL(call.path, this.url), {
        method: call.method,
        headers: {
          accept: "application/json, application/problem+json",
          ...(call.body === undefined ? {} : { "content-type": "application/json" }),
          ...(call.credential ? { authorization: `Bearer ${call.credential}` } : {}),
          ...call.headers,
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: AbortSignal.timeout(call.timeoutMs ?? this.timeoutMs),
      });
    } catch (error) {
      throw new LeashConnectionError(`cannot reach leash at ${this.url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (error) {
      throw new LeashConnectionError(`leash answered HTTP ${response.status} with a body that is not JSON`, {
        cause: error,
      });
    }
    if (!response.ok) throw new LeashProblemError(problemFrom(response.status, body));
    return { status: response.status, body };
  }
}
