// Asks leash about every action of one request, holding it while humans approve; all must be allowed for it to pass.
import { setTimeout as sleep } from "node:timers/promises";
import type { HttpRequestShown } from "../approvals/http-request.ts";
import { type Clock, systemClock } from "../clock/clock.ts";
import type { ActionCall } from "./action-call.ts";
import { type ApprovalStatus, type BrokerClient, CallAbandonedError } from "./broker-client.ts";

export type CallsDecision =
  | { allow: true; approvals: string[] }
  | {
      allow: false;
      status: number;
      code: string;
      detail: string;
      call?: ActionCall;
      approvalId?: string;
      taskRevoked?: boolean;
    };

export interface AuthorizeCallsInput {
  token: string;
  calls: ActionCall[];
  requestHash: string;
  /** The request's hashed parts, shown to an approver if a call is held (the broker checks they hash to requestHash). */
  httpRequest?: HttpRequestShown;
  holdTimeoutMs: number;
  /** Aborted when the agent disconnects: a held call is then dropped, never forwarded later. */
  signal: AbortSignal;
  /** Told when a call starts waiting for a human, for the log. */
  onHold?: (call: ActionCall, approvalId: string) => void;
  clock?: Clock;
}

/** The longest single long-poll; the broker's `wait` is in seconds. */
const MAX_WAIT_SECONDS = 30;
/** A broker that answers `pending` before the wait is over is not polled again sooner than this. */
const MIN_POLL_INTERVAL_MS = 1_000;

/**
 * Authorizes the calls in order and stops at the first refusal. Calls that need approval are held together once
 * every call has been asked about, then asked about again with their approval id. Budget spent by calls allowed
 * before a refusal stays spent: leash counted them, and the request is still not forwarded.
 */
export async function authorizeCalls(
  broker: BrokerClient,
  input: AuthorizeCallsInput,
): Promise<CallsDecision> {
  const { token, requestHash, signal } = input;
  const shown = input.httpRequest ? { http_request: input.httpRequest } : {};
  const clock = input.clock ?? systemClock;
  const held: { call: ActionCall; approvalId: string }[] = [];
  for (const call of input.calls) {
    const answer = await broker.authorize(
      {
        token,
        action: call.action,
        resource: call.resource,
        request_hash: requestHash,
        ...callHints(call),
        ...shown,
      },
      signal,
    );
    if (answer.allow) continue;
    if (answer.reason === "approval_required" && answer.approval_id) {
      held.push({ call, approvalId: answer.approval_id });
      continue;
    }
    return {
      allow: false,
      status: 403,
      code: answer.reason,
      detail: refusalDetail(call, answer.reason, answer.detail),
      call,
      ...(answer.task_revoked ? { taskRevoked: true } : {}),
    };
  }
  if (held.length === 0) return { allow: true, approvals: [] };

  const deadline = clock.now() + input.holdTimeoutMs;
  const stopWaiting = new AbortController();
  const waiting = AbortSignal.any([signal, stopWaiting.signal]);
  let outcomes: { call: ActionCall; approvalId: string; status: ApprovalStatus | "timeout" | "cancelled" }[];
  try {
    outcomes = await Promise.all(
      held.map(async ({ call, approvalId }) => {
        input.onHold?.(call, approvalId);
        try {
          const status = await waitForApproval(broker, {
            approvalId,
            token,
            deadline,
            signal: waiting,
            clock,
          });
          // One "no" settles the whole request: stop waiting for the others.
          if (status !== "approved") stopWaiting.abort();
          return { call, approvalId, status };
        } catch (error) {
          if (error instanceof CallAbandonedError && !signal.aborted && stopWaiting.signal.aborted) {
            return { call, approvalId, status: "cancelled" as const };
          }
          throw error;
        }
      }),
    );
  } finally {
    // Whatever happened, no poll outlives the decision.
    stopWaiting.abort();
  }
  const refused =
    outcomes.find((o) => o.status === "denied") ??
    outcomes.find((o) => o.status === "timeout") ??
    outcomes.find((o) => o.status !== "approved");
  if (refused) {
    const denied = refused.status === "denied";
    return {
      allow: false,
      status: 403,
      code: denied ? "approval_denied" : "approval_timeout",
      detail: denied
        ? `a human denied ${describe(refused.call)}; it was not forwarded`
        : `no human approved ${describe(refused.call)} within ${Math.round(input.holdTimeoutMs / 1000)} s; it was not forwarded`,
      call: refused.call,
      approvalId: refused.approvalId,
    };
  }

  for (const { call, approvalId } of held) {
    const answer = await broker.authorize(
      {
        token,
        action: call.action,
        resource: call.resource,
        request_hash: requestHash,
        approval_id: approvalId,
        ...callHints(call),
        ...shown,
      },
      signal,
    );
    if (!answer.allow) {
      return {
        allow: false,
        status: 403,
        code: answer.reason,
        detail: refusalDetail(call, answer.reason, answer.detail),
        call,
        approvalId,
        ...(answer.task_revoked ? { taskRevoked: true } : {}),
      };
    }
  }
  return { allow: true, approvals: held.map((h) => h.approvalId) };
}

/** What the broker is told besides action and resource: only present hints, so the proxy's requests stay as they were. */
const callHints = (call: ActionCall) => ({
  ...(call.destructive ? { destructive: true as const } : {}),
  ...(call.via ? { via: call.via } : {}),
  ...(call.toolCall ? { tool_call: call.toolCall } : {}),
});

async function waitForApproval(
  broker: BrokerClient,
  options: { approvalId: string; token: string; deadline: number; signal: AbortSignal; clock: Clock },
): Promise<ApprovalStatus | "timeout"> {
  const { clock, deadline, signal } = options;
  for (;;) {
    const remaining = deadline - clock.now();
    if (remaining <= 0) return "timeout";
    const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.ceil(remaining / 1000)));
    const started = clock.now();
    const status = await broker.approvalStatus(options.approvalId, options.token, waitSeconds, signal);
    if (status !== "pending") return status === "expired" ? "timeout" : status;
    const early = MIN_POLL_INTERVAL_MS - (clock.now() - started);
    if (early > 0) {
      try {
        await sleep(Math.min(early, Math.max(0, deadline - clock.now())), undefined, { signal });
      } catch {
        throw new CallAbandonedError("the agent went away");
      }
    }
  }
}

const describe = (call: ActionCall) =>
  `${call.action} on ${call.resource}${call.field ? ` (field ${call.field})` : ""}`;

export function refusalDetail(call: ActionCall, reason: string, brokerDetail?: string): string {
  const why = REASONS[reason] ?? `leash refused it (${reason})`;
  return `${describe(call)}: ${why}${brokerDetail ? ` (${brokerDetail})` : ""}; nothing was forwarded`;
}

const REASONS: Record<string, string> = {
  wrong_environment: "the resource is outside the task token's environment",
  action_not_granted: "the task token does not grant this action",
  resource_not_granted: "the task token does not grant this resource",
  rate_limited: "the task's blast-radius limit is reached",
  revoked: "the task token is revoked",
  expired: "the task token has expired",
  invalid_token: "the task token is not valid",
  scope_removed: "the token's scope no longer exists",
  approval_required: "a human must approve this call, and leash did not open an approval for it",
  approval_denied: "a human denied this call",
  approval_mismatch: "the approval was given for another call (token, action, resource or request)",
};
