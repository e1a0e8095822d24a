// /v1/agents and /v1/humans: admins create, list, disable and re-key principals. Keys are shown once.

import type { RegistrationResponseJSON } from "@simplewebauthn/server";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { beginPasskeyEnrolment, finishPasskeyEnrolment } from "../../approvals/passkeys.ts";
import { humanActor, recordPrincipalChange } from "../../audit/audit-trail.ts";
import type { BrokerContext } from "../../context/broker-context.ts";
import { disablePrincipal } from "../../enforce/revoke.ts";
import { newEnrolment, redeemEnrolment } from "../../principals/enrolment.ts";
import {
  createPrincipal,
  publicView,
  rotatePrincipalKey,
  setPrincipalDisabled,
} from "../../principals/principals.ts";
import { ROLE_PATTERN } from "../../principals/roles.ts";
import { acceptTotp } from "../../principals/totp.ts";
import { identifier } from "../../scopes/schema.ts";
import type { PrincipalKind } from "../../store/targets.ts";
import { authenticateHuman, requireHuman } from "../auth.ts";

const idParams = z.object({ id: identifier });
const newAgent = z
  .object({ id: identifier, scopes: z.array(z.string().min(1).max(128)).min(1).max(100) })
  .strict();
const newHuman = z
  .object({
    id: identifier,
    roles: z
      .array(z.string().regex(ROLE_PATTERN, { error: "expected admin, security or approver:<group>" }))
      .min(1),
  })
  .strict();

export const principalRoutes =
  (context: BrokerContext): FastifyPluginAsyncZod =>
  async (app) => {
    const collection = (kind: PrincipalKind) => (kind === "agent" ? "agents" : "humans");

    for (const kind of ["agent", "human"] as const) {
      const base = `/v1/${collection(kind)}`;
      const tags = [collection(kind)];

      app.get(base, { schema: { tags, summary: `List ${collection(kind)}` } }, async (request) => {
        await requireHuman(context, request, []);
        const principals = await context.store.listPrincipals(kind);
        return { [collection(kind)]: principals.map(publicView) };
      });

      app.post(
        `${base}/:id/disable`,
        { schema: { tags, params: idParams, summary: `Disable a ${kind}` } },
        async (request) => {
          const admin = await requireHuman(context, request, []);
          const origin = { requestId: request.id };
          const principal = await disablePrincipal(context, kind, request.params.id, admin.id, origin);
          await recordPrincipalChange(context, "disable", principal, humanActor(admin.id), origin);
          return publicView(principal);
        },
      );

      app.post(
        `${base}/:id/enable`,
        { schema: { tags, params: idParams, summary: `Enable a ${kind}` } },
        async (request) => {
          const admin = await requireHuman(context, request, []);
          const principal = await setPrincipalDisabled(context.store, kind, request.params.id, false);
          await recordPrincipalChange(context, "enable", principal, humanActor(admin.id), {
            requestId: request.id,
          });
          return publicView(principal);
        },
      );

      app.post(
        `${base}/:id/rotate-key`,
        { schema: { tags, params: idParams, summary: `Rotate a ${kind}'s key` } },
        async (request) => {
          const admin = await requireHuman(context, request, []);
          const { principal, apiKey } = await rotatePrincipalKey(
            context.store,
            kind,
            request.params.id,
            admin.id,
            context.clock.now(),
          );
          await recordPrincipalChange(context, "rotate_key", principal, humanActor(admin.id), {
            requestId: request.id,
          });
          return { ...publicView(principal), api_key: apiKey };
        },
      );
    }

    app.post(
      "/v1/agents",
      {
        schema: {
          tags: ["agents"],
          summary: "Create an agent (its key is shown once)",
          body: newAgent,
          successes: { 201: "Created; api_key is shown this once" },
          problems: [400, 401, 403, 409, 413, 415, 503],
        },
      },
      async (request, reply) => {
        const admin = await requireHuman(context, request, []);
        const { principal, apiKey } = await createPrincipal(
          context.store,
          { id: request.body.id, kind: "agent", scopes: request.body.scopes, createdBy: admin.id },
          context.clock.now(),
        );
        await recordPrincipalChange(context, "create", principal, humanActor(admin.id), {
          requestId: request.id,
        });
        return reply.code(201).send({ ...publicView(principal), api_key: apiKey });
      },
    );

    app.post(
      "/v1/humans",
      {
        schema: {
          tags: ["humans"],
          summary:
            "Create a human (key shown once); the human redeems the one-time enrolment token for their TOTP secret",
          body: newHuman,
          successes: {
            201: "Created; api_key and enrolment.token are shown this once. The TOTP secret is never shown here",
          },
          problems: [400, 401, 403, 409, 413, 415, 503],
        },
      },
      async (request, reply) => {
        const admin = await requireHuman(context, request, []);
        const enrolment = newEnrolment(context.clock.now());
        const { principal, apiKey } = await createPrincipal(
          context.store,
          {
            id: request.body.id,
            kind: "human",
            roles: request.body.roles,
            createdBy: admin.id,
            enrolment: enrolment.record,
          },
          context.clock.now(),
        );
        await recordPrincipalChange(context, "create", principal, humanActor(admin.id), {
          requestId: request.id,
        });
        return reply.code(201).send({
          ...publicView(principal),
          api_key: apiKey,
          enrolment: {
            token: enrolment.token,
            expires_at: new Date(enrolment.record.expiresAt).toISOString(),
          },
        });
      },
    );

    app.get(
      "/v1/humans/me",
      {
        schema: {
          tags: ["humans"],
          summary: "Who you are: your id, roles and second factors (human key as Bearer)",
        },
      },
      async (request) => publicView(await authenticateHuman(context, request)),
    );

    app.post(
      "/v1/humans/me/passkeys/options",
      {
        schema: {
          tags: ["humans"],
          summary: "WebAuthn creation options for enrolling a passkey (user verification required)",
          problems: [401, 403, 429, 503],
        },
      },
      async (request) => beginPasskeyEnrolment(context, await authenticateHuman(context, request)),
    );

    app.post(
      "/v1/humans/me/passkeys",
      {
        schema: {
          tags: ["humans"],
          summary:
            "Enrol a passkey: the browser's answer to the creation options, and a current TOTP code (an API key alone cannot add a factor)",
          body: z
            .object({
              totp: z.string().min(1).max(16),
              response: z
                .object({
                  id: z.string().min(1).max(1024),
                  rawId: z.string().min(1).max(1024),
                  type: z.literal("public-key"),
                  response: z.object({
                    clientDataJSON: z.string().min(1).max(8192),
                    attestationObject: z.string().min(1).max(16_384),
                    transports: z.array(z.string().max(32)).max(8).optional(),
                  }),
                  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
                  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
                })
                .meta({ id: "PasskeyRegistration" }),
            })
            .strict(),
          problems: [400, 401, 403, 409, 413, 415, 429, 503],
        },
      },
      async (request) => {
        const human = await authenticateHuman(context, request);
        const updated = await finishPasskeyEnrolment(
          context,
          human,
          request.body.response as RegistrationResponseJSON,
          request.body.totp,
          { requestId: request.id },
        );
        return publicView(updated);
      },
    );

    app.post(
      "/v1/humans/me/totp/enroll",
      {
        schema: {
          tags: ["humans"],
          summary:
            "Redeem your one-time enrolment token (human key as Bearer) for your TOTP secret and otpauth URI, shown once",
          body: z.object({ token: z.string().min(1).max(128) }).strict(),
          problems: [400, 401, 403, 409, 413, 415, 503],
        },
      },
      async (request) => {
        const human = await authenticateHuman(context, request);
        const { secret, otpauthUri } = await redeemEnrolment(context, human, request.body.token, {
          requestId: request.id,
        });
        return { id: human.id, totp: { secret, otpauth_uri: otpauthUri, confirmed: false } };
      },
    );

    app.post(
      "/v1/humans/me/totp/confirm",
      {
        schema: {
          tags: ["humans"],
          summary: "Confirm TOTP enrolment with a first valid code",
          body: z.object({ totp: z.string().min(1).max(16) }).strict(),
        },
      },
      async (request) => {
        const human = await authenticateHuman(context, request);
        const current = await acceptTotp(context, human, request.body.totp, context.clock.now(), {
          requireConfirmed: false,
          origin: { requestId: request.id },
        });
        const confirmed = { ...current, totp: { ...current.totp!, confirmed: true } };
        await context.store.savePrincipal(confirmed);
        await recordPrincipalChange(context, "totp_confirm", confirmed, humanActor(human.id), {
          requestId: request.id,
        });
        return publicView(confirmed);
      },
    );
  };
