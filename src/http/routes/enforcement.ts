// POST /v1/authorize, /v1/introspect and /v1/revocations.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  HTTP_REQUEST_BODY_BASE64_MAX,
  HTTP_REQUEST_HEADER_NAME,
  HTTP_REQUEST_HEADER_VALUE_MAX,
  HTTP_REQUEST_HEADERS_MAX,
  HTTP_REQUEST_METHOD,
  HTTP_REQUEST_PATH_MAX,
} from "../../approvals/http-request.ts";
import { TOOL_CALL_ARGUMENTS_MAX } from "../../approvals/tool-call.ts";
import { refusalSource } from "../../audit/refusal-source.ts";
import type { BrokerContext } from "../../context/broker-context.ts";
import { type AuthorizeInput, authorize } from "../../enforce/authorize.ts";
import { tokenGrants } from "../../enforce/grants.ts";
import { activeClaims, activeIntrospection, requireActiveToken } from "../../enforce/introspect.ts";
import { lockBody, lockTarget } from "../../enforce/locks.ts";
import { recordGatewayRefusal } from "../../enforce/record-refusal.ts";
import { revoke } from "../../enforce/revoke.ts";
import { verifyBrokerToken } from "../../enforce/verify-broker-token.ts";
import { LeashError, PassedOnError } from "../../errors/leash-error.ts";
import { claimTask } from "../../issuance/issue-task-token.ts";
import { failureLabels } from "../../metrics/broker-metrics.ts";
import { parseDuration } from "../../scopes/duration.ts";
import type { LockTarget, RevocationTarget } from "../../store/targets.ts";
import type { TaskTokenClaims } from "../../tokens/claims.ts";
import { requireHuman } from "../auth.ts";

const TOKEN_MAX = 8192;
const token = z.string().min(1).max(TOKEN_MAX);

const authorizeBody = z
  .object({
    token,
    action: z.string().min(1).max(128),
    resource: z.string().min(1).max(1024),
    request_hash: z.string().min(1).max(256).optional(),
    approval_id: z.string().min(1).max(128).optional(),
    /** Only `true`: a caller can make a call stricter (destructive), never lighter. */
    destructive: z.literal(true).optional(),
    via: z
      .string()
      .regex(/^[A-Za-z0-9 :._/-]{1,200}$/)
      .optional(),
    /** An MCP gateway's tool call, shown to the approver if the call is held; must hash to request_hash. */
    tool_call: z
      .object({
        upstream: z.string().min(1).max(128),
        tool: z.string().min(1).max(128),
        arguments: z.string().min(2).max(TOOL_CALL_ARGUMENTS_MAX),
      })
      .strict()
      .optional(),
    /** A proxy's held HTTP request, shown to the approver if the call is held; must hash to request_hash. */
    http_request: z
      .object({
        method: z.string().regex(HTTP_REQUEST_METHOD),
        path: z.string().min(1).max(HTTP_REQUEST_PATH_MAX),
        headers: z
          .array(
            z.tuple([
              z.string().regex(HTTP_REQUEST_HEADER_NAME),
              z.string().max(HTTP_REQUEST_HEADER_VALUE_MAX).nullable(),
            ]),
          )
          .max(HTTP_REQUEST_HEADERS_MAX),
        body_base64: z.string().max(HTTP_REQUEST_BODY_BASE64_MAX).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const refusalBody = z
  .object({
    token,
    // As authorize's via, and parentheses: a gateway marks a tool name it could not record as sent.
    via: z.string().regex(/^[A-Za-z0-9 :._/()-]{1,300}$/),
    reason: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    action: z.string().min(1).max(128).optional(),
  })
  .strict();

const introspectBody = z.object({ token, token_type_hint: z.string().max(64).optional() });

/** The content type Fastify gives the JSON it serialises; a string sent with it goes out as it is. */
const JSON_UTF8 = "application/json; charset=utf-8";

/**
 * An active token's answer as JSON, written once per claims object: the verify cache hands back the same claims for
 * every call with a token, and the answer is those claims, so a resource server checking one token again and again
 * is not answered by serialising them again each time. Held only as long as the claims are.
 */
const activeAnswers = new WeakMap<TaskTokenClaims, string>();
function activeIntrospectionJson(claims: TaskTokenClaims): string {
  let json = activeAnswers.get(claims);
  if (json === undefined) {
    json = JSON.stringify(activeIntrospection(claims));
    activeAnswers.set(claims, json);
  }
  return json;
}

const TARGET_KINDS = ["jti", "task", "agent", "scope", "environment"] as const;
/** Revocations that are locks: minting for the target is refused too while the lock is in force. */
const LOCK_KINDS = ["agent", "scope", "environment"] as const;
const isLockTarget = (target: RevocationTarget): target is LockTarget =>
  (LOCK_KINDS as readonly string[]).includes(target.kind);
const revocationBody = z
  .object({
    jti: z.string().min(1).max(256).optional(),
    task: z.string().min(1).max(256).optional(),
    agent: z.string().min(1).max(256).optional(),
    scope: z.string().min(1).max(256).optional(),
    environment: z.string().min(1).max(256).optional(),
    reason: z.string().trim().min(1, { error: "say why (reason)" }).max(500),
    ttl: z
      .string()
      .max(32)
      .refine((text) => parseDuration(text) !== null, { error: "a duration such as 30m, 1h or 7d" })
      .optional()
      .meta({
        description:
          "agent, scope or environment: how long the lock stays in force (default: until DELETE /v1/locks/:id)",
      }),
  })
  .strict()
  .refine((body) => TARGET_KINDS.filter((kind) => body[kind] !== undefined).length === 1, {
    error: `name exactly one of ${TARGET_KINDS.join(", ")}`,
  })
  .refine((body) => body.ttl === undefined || LOCK_KINDS.some((kind) => body[kind] !== undefined), {
    error: "ttl applies to locks: agent, scope or environment revocations",
  });

export const enforcementRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/v1/authorize",
      {
        schema: {
          tags: ["enforcement"],
          summary: "Decide one agent action",
          body: authorizeBody,
          security: [],
        },
        config: { decisionRoute: true },
      },
      async (request) => {
        const input: AuthorizeInput = request.body;
        if (input.approval_id === undefined) {
          const header = request.headers["leash-approval"];
          if (typeof header === "string") input.approval_id = header;
        }
        const { metrics } = context;
        const started = performance.now();
        try {
          const decision = await authorize(context, input, {
            requestId: request.id,
            // Only a refusal of an unidentified caller needs it: worked out then, not on every call.
            get source() {
              return refusalSource(request.ip);
            },
          });
          metrics.countAuthorizeDecision(decision.allow ? "allow" : "deny", decision.reason);
          if (!decision.allow) request.decisionRefused = true;
          return decision;
        } catch (error) {
          metrics.countAuthorizeDecision("error", failureLabels(error).reason);
          throw error;
        } finally {
          metrics.authorizeSeconds.observe((performance.now() - started) / 1000);
        }
      },
    );

    app.post(
      "/v1/refusals",
      {
        schema: {
          tags: ["enforcement"],
          summary:
            "Record a call a gateway refused before asking (unmapped tool, unreadable arguments): one audit record, no decision",
          body: refusalBody,
          security: [],
        },
      },
      async (request) => {
        await recordGatewayRefusal(context, request.body, {
          requestId: request.id,
          source: refusalSource(request.ip),
        });
        return { recorded: true };
      },
    );

    app.post(
      "/v1/introspect",
      {
        schema: { tags: ["enforcement"], summary: "RFC 7662 token introspection", body: introspectBody },
        config: { decisionRoute: true },
      },
      async (request, reply) => {
        await requireHuman(context, request, ["security", "resource-server"]);
        const claims = await activeClaims(context, request.body.token);
        if (!claims) {
          request.decisionRefused = true;
          return { active: false };
        }
        return reply.type(JSON_UTF8).send(activeIntrospectionJson(claims));
      },
    );

    app.get(
      "/v1/grants",
      {
        schema: {
          tags: ["enforcement"],
          summary:
            "What the presented task token may do right now (actions, which need approval); 401 with the reason when nothing",
          security: [],
        },
      },
      async (request) => {
        const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
        if (!presented) throw new LeashError("missing_token", "send the task token as Authorization: Bearer");
        if (presented.length > TOKEN_MAX) throw new LeashError("invalid_token", "the task token is too long");
        const grants = await tokenGrants(context, presented);
        if (!grants.active)
          throw new PassedOnError(grants.reason, 401, `the task token is not usable (${grants.reason})`);
        return grants;
      },
    );

    app.post(
      "/v1/tasks/end",
      {
        schema: {
          tags: ["enforcement"],
          summary: "End the caller's own task: revokes it, with the task token as the credential",
          // nullish: a POST without a body reaches the validator as null, not undefined.
          body: z
            .object({ reason: z.string().max(500).optional() })
            .strict()
            .nullish(),
        },
      },
      async (request) => {
        const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
        if (!presented)
          throw new LeashError("missing_credentials", "send the task token as Authorization: Bearer");
        const claims = await verifyBrokerToken(context, presented).catch(() => {
          throw new LeashError("invalid_token", "the task token does not verify");
        });
        // Only a live token of the caller's own task ends it: not a revoked or stale one, not one for a task id
        // another agent owns.
        await requireActiveToken(context, claims);
        await claimTask(context, claims.task, claims.client_id);
        const reason = request.body?.reason ?? "task ended";
        // A sub-agent's token (token exchange) ends its own sub-task and what it delegated, never the parent's task.
        const target: RevocationTarget =
          claims.depth === undefined
            ? { kind: "task", value: claims.task }
            : { kind: "jti", value: claims.jti };
        return revoke(context, target, reason, `agent:${claims.client_id}`, { requestId: request.id });
      },
    );

    app.post(
      "/v1/revocations",
      {
        schema: {
          tags: ["enforcement"],
          summary:
            "Revoke a token or task; or lock an agent, scope or environment (its tokens are refused and nothing is minted for it while the lock is in force)",
          body: revocationBody,
          problems: [400, 401, 403, 404, 413, 415, 503],
        },
      },
      async (request) => {
        const actor = await requireHuman(context, request, ["security"]);
        const kind = TARGET_KINDS.find((k) => request.body[k] !== undefined)!;
        const target = { kind, value: request.body[kind]! } as RevocationTarget;
        const origin = { requestId: request.id };
        if (!isLockTarget(target)) return revoke(context, target, request.body.reason, actor.id, origin);
        const ttlMs = request.body.ttl === undefined ? undefined : parseDuration(request.body.ttl)!;
        const { lock, ...revoked } = await lockTarget(
          context,
          target,
          request.body.reason,
          actor.id,
          ttlMs,
          origin,
        );
        return { ...revoked, lock: lockBody(lock) };
      },
    );
  };
