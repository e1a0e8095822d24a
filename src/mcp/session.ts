// One agent's MCP session: the SDK's low-level Server whose tools/list and tools/call go through leash first.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  type ListToolsRequest,
  ListToolsRequestSchema,
  type ListToolsResult,
  McpError,
  type ServerNotification,
  type ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import { TOOL_CALL_ARGUMENTS_MAX } from "../approvals/tool-call.ts";
import type { Clock } from "../clock/clock.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { ActionCall } from "../proxy/action-call.ts";
import { authorizeCalls, type CallsDecision, refusalDetail } from "../proxy/authorize-calls.ts";
import { type BrokerClient, CallAbandonedError, type TokenGrants } from "../proxy/broker-client.ts";
import { CredentialScrubber } from "../scrub/credential-scrubber.ts";
import type { McpUpstream } from "./config.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { payloadReaders } from "./payload-readers.ts";
import { scrubDeep, scrubError } from "./scrub-result.ts";
import { visibleTools } from "./tool-list.ts";
import { mappingFor, planToolCall } from "./tool-plan.ts";
import type { UpstreamConnection } from "./upstream-client.ts";

export interface GatewayContext {
  upstream: McpUpstream;
  connection: UpstreamConnection;
  broker: BrokerClient;
  /** Masks every upstream credential the gateway holds. */
  scrubber: CredentialScrubber;
  logger: Logger;
  metrics: GatewayMetrics;
  clock?: Clock;
}

/** The agent's side of one session: its token, and whether leash has ended it. */
export interface AgentSession {
  token: string;
  task: string;
  /** The agent the token was minted for (client_id): the guard's workers are shared fairly between agents. */
  agent?: string | undefined;
  /** When the token expires: the session ends then. */
  expiresAtMs: number;
  /** Set once the token is revoked or expired: every later request is refused with this code. */
  ended?: string;
  /** Told when leash has ended the session and no call is in flight any more, so the transport can be closed. */
  onEnded?: (code: string) => void;
  /** tools/call requests being decided or run: an ended session closes only once they are answered. */
  inFlight?: number;
}

/** Refusals that mean the token will never work again: the session ends with them. */
const FINAL_CODES = new Set(["revoked", "expired", "invalid_token", "scope_removed", "not_yet_valid"]);
/** A held call tells a client that asked for progress that it is still waiting, this often. */
const HOLD_PROGRESS_INTERVAL_MS = 10_000;
/** Where the refusal's machine-readable fields travel in a tool error. */
export const REFUSAL_META_KEY = "leash/refusal";

export interface Refusal {
  code: string;
  detail: string;
  [field: string]: unknown;
}

export function createSessionServer(context: GatewayContext, session: AgentSession): Server {
  const { upstream, connection } = context;
  const server = new Server(
    { name: `leash-mcp-${upstream.name}`, version: "1" },
    {
      capabilities: { tools: { listChanged: false } },
      instructions:
        "Tools here are governed by leash: each call is authorized against your task token; destructive calls in protected environments wait for a human's approval.",
    },
  );

  // The agent's own token goes nowhere but to leash: not upstream in a call's arguments, whatever the encoding.
  const ownToken = new CredentialScrubber([session.token]);
  const end = (code: string) => {
    if (session.ended) return;
    session.ended = code;
    context.logger.info({ upstream: upstream.name, task: session.task, code }, "session ended by leash");
    if (!session.inFlight) session.onEnded?.(code);
  };
  const settled = () => {
    session.inFlight = (session.inFlight ?? 1) - 1;
    if (session.ended && session.inFlight === 0) session.onEnded?.(session.ended);
  };

  server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    try {
      return await listTools(request, extra);
    } catch (error) {
      throw scrubError(error, context.scrubber);
    }
  });
  const listTools = async (
    _request: ListToolsRequest,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  ): Promise<ListToolsResult> => {
    if (session.ended) throw sessionEnded(session.ended);
    let grants: TokenGrants;
    try {
      grants = await context.broker.grants(session.token, extra.signal);
    } catch (error) {
      if (error instanceof LeashError) {
        if (FINAL_CODES.has(error.code)) end(error.code);
        throw new McpError(ErrorCode.InvalidRequest, `leash: ${error.message}`, { code: error.code });
      }
      throw error;
    }
    const tools = await connection.listTools(extra.signal);
    return { tools: scrubDeep(visibleTools(upstream, tools, grants), context.scrubber) };
  };

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    session.inFlight = (session.inFlight ?? 0) + 1;
    try {
      return await callTool(request, extra);
    } catch (error) {
      throw scrubError(error, context.scrubber);
    } finally {
      settled();
    }
  });

  const callTool = async (
    request: CallToolRequest,
    extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  ): Promise<CallToolResult> => {
    const started = performance.now();
    const tool = request.params.name;
    const known = upstream.tools.has(tool) || !upstream.denyUnmapped;
    const label = upstream.tools.has(tool) ? tool : "(other)";
    const finish = (decision: string, fields: Record<string, unknown>) => {
      context.metrics.toolCalls.inc({ upstream: upstream.name, tool: label, decision });
      context.metrics.toolCallSeconds.observe(
        { upstream: upstream.name },
        (performance.now() - started) / 1000,
      );
      context.logger.info(
        {
          upstream: upstream.name,
          tool: known ? tool : undefined,
          task: session.task,
          decision,
          ms: Math.round((performance.now() - started) * 100) / 100,
          ...fields,
        },
        "mcp tool call",
      );
    };
    const refuse = (refusal: Refusal): CallToolResult => {
      finish(refusal.code, { ...refusal, detail: undefined });
      return scrubDeep(refusalResult(refusal), context.scrubber);
    };
    /** A refusal leash was not asked about: recorded in its audit trail first (best effort), then answered. */
    const refuseUnasked = async (refusal: Refusal, action?: string): Promise<CallToolResult> => {
      const report = {
        token: session.token,
        via: `mcp ${upstream.name}/${auditedToolName(tool)}`,
        reason: refusal.code,
      };
      try {
        await context.broker.reportRefusal({ ...report, ...(action ? { action } : {}) }, extra.signal);
      } catch (error) {
        context.logger.warn(
          { upstream: upstream.name, task: session.task, code: refusal.code, err: (error as Error).message },
          "could not record a refused tool call in leash's audit trail",
        );
      }
      return refuse(refusal);
    };

    if (session.ended)
      return refuseUnasked({ code: session.ended, detail: "leash ended this session; start a new task" });
    if (ownToken.contains(JSON.stringify(request.params.arguments ?? {}))) {
      return refuseUnasked(
        {
          code: "task_token_in_request",
          detail:
            "the task token is in the call's arguments; it goes only in Authorization and is never sent upstream",
          tool,
        },
        mappingFor(upstream, tool)?.action,
      );
    }
    try {
      const described = known ? await connection.describeTool(tool, extra.signal) : undefined;
      const plan = planToolCall(upstream, tool, request.params.arguments, described);
      if (!plan.ok)
        return await refuseUnasked(
          { code: plan.code, detail: plan.detail, tool },
          mappingFor(upstream, tool)?.action,
        );
      const payload = await payloadReaders
        .judge(
          session.agent ?? session.task,
          { upstream: upstream.name, tool, args: plan.arguments },
          extra.signal,
        )
        .catch((error: unknown) => {
          if (extra.signal.aborted) throw new CallAbandonedError("cancelled before its arguments were read");
          throw error;
        });
      if (!payload.ok) {
        return await refuseUnasked(
          { code: payload.code, detail: payload.detail, tool, action: plan.action, resource: plan.resource },
          plan.action,
        );
      }
      const call: ActionCall = {
        action: plan.action,
        resource: plan.resource,
        via: `mcp ${upstream.name}/${tool}`,
        // Stricter only: the upstream's annotation or the arguments' payloads can make a call destructive, never less.
        ...(plan.destructive || payload.destructive ? { destructive: true } : {}),
        ...(plan.shown ? { toolCall: plan.shown } : {}),
      };
      const about = { tool, action: plan.action, resource: plan.resource };
      const progressToken = request.params._meta?.progressToken;
      let progress: NodeJS.Timeout | undefined;
      const onHold = (_call: ActionCall, approvalId: string) => {
        context.logger.info(
          { upstream: upstream.name, ...about, approval_id: approvalId },
          "holding tool call for approval",
        );
        if (progressToken === undefined || progress) return;
        let tick = 0;
        progress = setInterval(() => {
          tick++;
          extra
            .sendNotification({
              method: "notifications/progress",
              params: {
                progressToken,
                progress: tick,
                message: `waiting for a human to approve ${approvalId}`,
              },
            })
            .catch(() => undefined);
        }, HOLD_PROGRESS_INTERVAL_MS);
      };
      let decision: CallsDecision;
      try {
        decision = !plan.shown
          ? // An approver could see only action and resource, not what would run: such a call is never approved.
            await authorizeWithoutWaiting(
              context.broker,
              session.token,
              call,
              plan.requestHash,
              extra.signal,
              false,
            )
          : upstream.hold === "wait"
            ? await authorizeCalls(context.broker, {
                token: session.token,
                calls: [call],
                requestHash: plan.requestHash,
                holdTimeoutMs: upstream.holdTimeoutMs,
                signal: extra.signal,
                onHold,
                ...(context.clock ? { clock: context.clock } : {}),
              })
            : await authorizeWithoutWaiting(
                context.broker,
                session.token,
                call,
                plan.requestHash,
                extra.signal,
              );
      } finally {
        clearInterval(progress);
      }
      if (!decision.allow) {
        if (decision.taskRevoked) end("revoked");
        else if (FINAL_CODES.has(decision.code)) end(decision.code);
        return refuse({
          code: decision.code,
          detail: decision.detail,
          ...about,
          ...(decision.approvalId ? { approval_id: decision.approvalId } : {}),
          ...(decision.taskRevoked ? { task_revoked: true } : {}),
          ...(decision.code === "approval_required"
            ? {
                approve: `a human with the approver role runs: leash approve ${decision.approvalId} --code <TOTP>`,
              }
            : {}),
        });
      }
      let result: CallToolResult;
      try {
        result = await connection.callTool(tool, plan.arguments, extra.signal);
      } catch (error) {
        if (extra.signal.aborted) throw error;
        return refuse({
          code: "upstream_error",
          detail: `upstream ${upstream.name} failed the call after leash allowed it: ${(error as Error).message}`,
          ...about,
        });
      }
      finish("allow", {
        ...about,
        ...(decision.approvals.length > 0 ? { approvals: decision.approvals } : {}),
      });
      return scrubDeep(withoutLeashMeta(result), context.scrubber);
    } catch (error) {
      if (error instanceof CallAbandonedError) {
        finish("abandoned", { tool });
        throw new McpError(
          ErrorCode.RequestTimeout,
          "the call was cancelled before leash decided it; nothing was sent",
        );
      }
      if (error instanceof LeashError) {
        if (FINAL_CODES.has(error.code)) end(error.code);
        return refuse({ code: error.code, detail: error.message, tool });
      }
      if (error instanceof McpError) {
        return refuse({
          code: "upstream_error",
          detail: `upstream ${upstream.name}: ${error.message}`,
          tool,
        });
      }
      throw error;
    }
  };
  return server;
}

/** `hold: refuse`: one authorize; an approval a human already gave is used, anything else is answered at once. */
async function authorizeWithoutWaiting(
  broker: BrokerClient,
  token: string,
  call: ActionCall,
  requestHash: string,
  signal: AbortSignal,
  /** False when the approver could not be shown the call: one that needs approval is then refused outright. */
  approvable = true,
): Promise<CallsDecision> {
  const request = {
    token,
    action: call.action,
    resource: call.resource,
    request_hash: requestHash,
    ...(call.destructive ? { destructive: true as const } : {}),
    ...(call.via ? { via: call.via } : {}),
    ...(call.toolCall ? { tool_call: call.toolCall } : {}),
  };
  const refused = (
    answer: { reason: string; detail?: string; task_revoked?: boolean },
    approvalId?: string,
  ) => ({
    allow: false as const,
    status: 403,
    code: answer.reason,
    detail: refusalDetail(call, answer.reason, answer.detail),
    call,
    ...(approvalId ? { approvalId } : {}),
    ...(answer.task_revoked ? { taskRevoked: true } : {}),
  });
  const first = await broker.authorize(request, signal);
  if (first.allow) return { allow: true, approvals: [] };
  const approvalId = first.approval_id;
  if (first.reason !== "approval_required" || !approvalId) return refused(first, approvalId);
  if (!approvable) {
    return {
      allow: false,
      status: 403,
      code: "arguments_too_long_to_approve",
      detail: `${call.action} on ${call.resource} needs a human's approval, and its arguments are longer than an approver is shown (${TOOL_CALL_ARGUMENTS_MAX} bytes as canonical JSON); send shorter arguments (split the work). Nothing was sent`,
      call,
    };
  }
  const status = await broker.approvalStatus(approvalId, token, 0, signal);
  if (status === "denied") return refused({ reason: "approval_denied" }, approvalId);
  if (status !== "approved") {
    return {
      allow: false,
      status: 403,
      code: "approval_required",
      detail: `a human must approve ${call.action} on ${call.resource} (approval ${approvalId}); call the tool again with exactly the same arguments once it is approved. Nothing was sent`,
      call,
      approvalId,
    };
  }
  const second = await broker.authorize({ ...request, approval_id: approvalId }, signal);
  return second.allow ? { allow: true, approvals: [approvalId] } : refused(second, approvalId);
}

/** MCP tool names are 1 to 128 of A-Z a-z 0-9 _ - . ; any other name is recorded with those characters replaced. */
const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
function auditedToolName(tool: string): string {
  if (MCP_TOOL_NAME.test(tool)) return tool;
  return `${tool.slice(0, 100).replace(/[^A-Za-z0-9_.-]/g, "_") || "_"} (not an MCP tool name)`;
}

/**
 * An upstream's result without `_meta` keys in leash's namespace: those are the gateway's to write, so a program that
 * reads a refusal (or an approval id) there reads only what leash decided, never what an upstream made up.
 */
function withoutLeashMeta(result: CallToolResult): CallToolResult {
  if (!result._meta) return result;
  const { _meta: meta, ...rest } = result;
  const kept = Object.entries(meta).filter(([key]) => !key.toLowerCase().startsWith("leash/"));
  return kept.length > 0 ? { ...rest, _meta: Object.fromEntries(kept) } : rest;
}

/** A refusal as an MCP tool error: readable text for the model, the fields under `_meta` for programs. */
export function refusalResult(refusal: Refusal): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `leash refused this call (${refusal.code}): ${refusal.detail}` }],
    _meta: { [REFUSAL_META_KEY]: refusal },
  };
}

function sessionEnded(code: string): McpError {
  return new McpError(ErrorCode.InvalidRequest, `leash ended this session (${code}); start a new task`, {
    code,
  });
}
