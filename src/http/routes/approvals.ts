// Approvals: approvers list, approve (TOTP or passkey) and deny; agents and proxies long-poll one approval or issuance request.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { briefApproval } from "../../approvals/briefing.ts";
import { readAsAsker, requestCommandApproval } from "../../approvals/command-approval.ts";
import {
  type ApprovalFactor,
  approve,
  approverGroups,
  checkEligible,
  deny,
  listPendingFor,
  requirePending,
  withdrawApproval,
} from "../../approvals/decide.ts";
import { beginPasskeyApproval } from "../../approvals/passkeys.ts";
import { MAX_CHANGES_WAIT_SECONDS, waitForPendingChange } from "../../approvals/pending-changes.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pendingPage } from "../../approvals/pending-page.ts";
import { approvalView, loadApproval } from "../../approvals/records.ts";
import { requireCurrentRule } from "../../approvals/stale-rule.ts";
import { MAX_WAIT_SECONDS, waitForDecision } from "../../approvals/wait.ts";
import { agentActor, humanActor } from "../../audit/audit-trail.ts";
import type { BrokerContext } from "../../context/broker-context.ts";
import { introspect } from "../../enforce/introspect.ts";
import { LeashError } from "../../errors/leash-error.ts";
import { collectIssuance } from "../../issuance/issuance-approval.ts";
import { authenticateApiKey } from "../../principals/authenticate.ts";
import { hasAnyRole } from "../../principals/roles.ts";
import type { Approval } from "../../store/approval-record.ts";
import { authenticateHuman, requireRequestCaller } from "../auth.ts";
import { issuedTokenBody } from "./tokens.ts";

const pageQuery = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .default(DEFAULT_PAGE_SIZE)
      .meta({ description: `approvals per page (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE})` }),
    cursor: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .meta({ description: "the previous page's next_cursor; absent for the first page" }),
  })
  .strict();
const idParams = z.object({ id: z.string().min(1).max(128) });
const base64url = (max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, "base64url")
    .max(max);
/** A passkey's answer as the browser's PublicKeyCredential.toJSON() gives it (WebAuthn Level 3). */
export const passkeyAssertion = z
  .object({
    id: base64url(1024).min(1),
    rawId: base64url(1024).min(1),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: base64url(8192).min(1),
      authenticatorData: base64url(8192).min(1),
      signature: base64url(2048).min(1),
      userHandle: base64url(1024).optional(),
    }),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  })
  .meta({ id: "PasskeyAssertion" });

const changesQuery = z
  .object({
    after: z.string().min(1).max(64).optional(),
    wait: z.coerce.number().int().min(0).max(MAX_CHANGES_WAIT_SECONDS).default(0),
  })
  .strict();
const waitQuery = z.object({ wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).default(0) });

function bearer(header: string | undefined): string {
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match)
    throw new LeashError("missing_credentials", "send an API key or the task token as Authorization: Bearer");
  return match[1]!;
}

/** Who reads an approval: authenticated first, so an unknown id and a bad credential answer alike (401). */
interface ApprovalReader {
  kind: "agent" | "token" | "human";
  /** The audit actor: `agent:<id>` or `human:<id>`. */
  actor: string;
  /** Throws 403 unless this caller may read this approval. */
  mayRead(approval: Approval): void;
}

async function approvalReader(context: BrokerContext, credential: string): Promise<ApprovalReader> {
  if (credential.startsWith("lsk_") || credential.startsWith("lsh_")) {
    const principal = await authenticateApiKey(context.store, credential);
    if (principal.kind === "agent") {
      return {
        kind: "agent",
        actor: agentActor(principal.id),
        mayRead(approval) {
          if (approval.agent !== principal.id)
            throw new LeashError("not_your_approval", "this approval belongs to another agent");
        },
      };
    }
    return {
      kind: "human",
      actor: humanActor(principal.id),
      mayRead(approval) {
        // Security and admins read every approval; an approver only those of their own groups.
        if (hasAnyRole(principal, ["security"])) return;
        if (!approverGroups(principal).some((group) => approval.rule.approvers.includes(group)))
          throw new LeashError("not_your_approval", "this approval is for another approver group");
      },
    };
  }
  // Introspection, not only the signature: a revoked, stale or expired token reads nothing.
  const token = await introspect(context, credential);
  if (!token.active)
    throw new LeashError("invalid_token", "the task token is not valid (revoked, expired or forged)");
  return {
    kind: "token",
    actor: agentActor(token.client_id),
    mayRead(approval) {
      if (approval.kind !== "call" || token.jti !== approval.jti)
        throw new LeashError("not_your_approval", "this approval is for another token");
    },
  };
}

export const approvalRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ["approvals"];

    app.get(
      "/v1/approvals",
      {
        schema: {
          tags,
          summary:
            "Pending approvals this approver can decide, oldest first, each with what is at risk (environment_protected, destructive), the agent's owner, expires_in_ms and the task's recent_decisions; paged: pass `next_cursor` back as `cursor` while it is present",
          querystring: pageQuery,
        },
      },
      async (request) => {
        const human = await authenticateHuman(context, request);
        const nowMs = context.clock.now();
        const page = pendingPage(await listPendingFor(context, human), request.query);
        return {
          approvals: await Promise.all(
            page.approvals.map((approval) => briefApproval(context, approval, nowMs)),
          ),
          ...(page.nextCursor ? { next_cursor: page.nextCursor } : {}),
        };
      },
    );

    app.get(
      "/v1/approvals/changes",
      {
        schema: {
          tags,
          summary:
            "Long-poll: answers as soon as the pending approvals this approver can decide differ from `after` (a fingerprint this route gave), or when `wait` seconds pass",
          querystring: changesQuery,
        },
      },
      async (request, reply) => {
        const human = await authenticateHuman(context, request);
        const gone = new AbortController();
        reply.raw.once("close", () => gone.abort());
        const { after, wait } = request.query;
        return waitForPendingChange(context, human, after, wait * 1000, gone.signal);
      },
    );

    app.get(
      "/v1/approvals/:id",
      {
        schema: {
          tags,
          summary:
            "One approval; `wait` long-polls until it is decided. The caller is authenticated before the id is looked up. A command approval is spent by its asker's first read of `approved` (later reads say `used`)",
          params: idParams,
          querystring: waitQuery,
          problems: [400, 401, 403, 404, 503],
        },
      },
      async (request) => {
        const reader = await approvalReader(context, bearer(request.headers.authorization));
        const approval = await loadApproval(context, request.params.id);
        reader.mayRead(approval);
        const waited = await waitForDecision(context, approval.id, request.query.wait * 1000);
        const shown = reader.kind === "human" ? waited : await readAsAsker(context, waited, reader.actor);
        return approvalView(shown, context.clock.now());
      },
    );

    app.post(
      "/v1/approvals/:id/cancel",
      {
        schema: {
          tags,
          summary:
            "Withdraw a pending call approval nobody waits for any more (its task token or its agent's key), so no human approves it",
          params: idParams,
          body: z
            .object({ reason: z.string().trim().min(1).max(200).optional() })
            .strict()
            .nullish(),
          problems: [400, 401, 403, 404, 409, 503],
        },
      },
      async (request) => {
        const reader = await approvalReader(context, bearer(request.headers.authorization));
        if (reader.kind === "human") {
          throw new LeashError(
            "agent_credential_required",
            "an approver denies; only the asking agent withdraws",
          );
        }
        reader.mayRead(await loadApproval(context, request.params.id));
        const withdrawn = await withdrawApproval(
          context,
          request.params.id,
          reader.actor,
          request.body?.reason ?? "withdrawn by the agent",
          { requestId: request.id },
        );
        return approvalView(withdrawn, context.clock.now());
      },
    );

    app.post(
      "/v1/approvals",
      {
        schema: {
          tags,
          summary: "Ask a human to approve a shell command the guard flagged (task token as Bearer)",
          body: z.object({ command: z.string().min(1).max(16_384) }).strict(),
        },
      },
      async (request, reply) => {
        const token = await introspect(context, bearer(request.headers.authorization));
        if (!token.active)
          throw new LeashError("invalid_token", "the task token is not valid (revoked, expired or forged)");
        const opened = await requestCommandApproval(context, token, request.body.command);
        return reply.code(201).send({ approval_id: opened.approvalId, reason: opened.reason });
      },
    );

    app.post(
      "/v1/approvals/:id/approve",
      {
        schema: {
          tags,
          summary:
            "Approve with a TOTP code, or with a passkey's answer (`webauthn`) to a challenge from /passkey-options",
          params: idParams,
          body: z.union([
            z.object({ totp: z.string().min(1).max(16) }).strict(),
            z.object({ webauthn: passkeyAssertion }).strict(),
          ]),
          problems: [400, 401, 403, 404, 409, 413, 415, 429, 503],
        },
      },
      async (request) => {
        const human = await authenticateHuman(context, request);
        return approvalView(
          await approve(context, human, request.params.id, request.body as ApprovalFactor, {
            requestId: request.id,
          }),
          context.clock.now(),
        );
      },
    );

    app.post(
      "/v1/approvals/:id/passkey-options",
      {
        schema: {
          tags,
          summary:
            "WebAuthn request options for approving with a passkey: a one-use challenge bound to this approval and its exact call",
          params: idParams,
          problems: [400, 401, 403, 404, 409, 429, 503],
        },
      },
      async (request) => {
        const human = await authenticateHuman(context, request);
        const approval = await loadApproval(context, request.params.id);
        await checkEligible(context, human, approval);
        requirePending(approval, context.clock.now());
        await requireCurrentRule(context, approval);
        return beginPasskeyApproval(context, human, approval);
      },
    );

    app.post(
      "/v1/approvals/:id/deny",
      {
        schema: {
          tags,
          summary: "Deny with a reason",
          params: idParams,
          body: z.object({ reason: z.string().trim().min(1).max(500) }).strict(),
          problems: [400, 401, 403, 404, 409, 413, 415, 503],
        },
      },
      async (request) => {
        const human = await authenticateHuman(context, request);
        return approvalView(
          await deny(context, human, request.params.id, request.body.reason, { requestId: request.id }),
          context.clock.now(),
        );
      },
    );

    app.get(
      "/v1/requests/:id",
      {
        schema: {
          tags: ["tokens"],
          summary:
            "An issuance request; `wait` long-polls; the token is returned once, on the first read after approval",
          params: idParams,
          querystring: waitQuery,
        },
      },
      async (request) => {
        const { agent, workload } = await requireRequestCaller(context, request, request.params.id);
        const approval = await loadApproval(context, request.params.id);
        if (approval.kind !== "issue" || approval.agent !== agent.id) {
          throw new LeashError("not_your_request", "this request belongs to another agent");
        }
        await waitForDecision(context, approval.id, request.query.wait * 1000);
        const state = await collectIssuance(context, agent, approval.id, { requestId: request.id }, workload);
        if (state.status !== "approved")
          return { request_id: approval.id, status: state.status, approval: state.approval };
        return { request_id: approval.id, status: "approved", ...issuedTokenBody(state) };
      },
    );
  };
