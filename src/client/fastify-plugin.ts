// The Fastify plugin resource servers mount: verifies task tokens locally (@fastify/jwt, pinned to one environment),
// then asks leash to authorize the route's action (or, for read paths the admin chose, decides locally).
import fastifyJwt, { type TokenOrHeader } from "@fastify/jwt";
import type { FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { decodeJwt } from "jose";
import { matchesResource } from "../scopes/resource-glob.ts";
import { resourceNotCanonical } from "../scopes/resource-name.ts";
import {
  delegationProblem,
  environmentAudience,
  environmentIssuer,
  parseTaskTokenClaims,
  type TaskTokenClaims,
} from "../tokens/claims.ts";
import { compactSerializationProblem, TOKEN_ALGORITHMS } from "../tokens/verify-task-token.ts";
import { EnvironmentJwks } from "./jwks-cache.ts";

export interface LeashRouteConfig {
  /** The action this route performs, e.g. `volume:delete`. */
  action: string;
  /** The resource it acts on, from the request. */
  resource: (request: FastifyRequest) => string;
  /**
   * `authorize` (default) asks leash on every call: revocation, blast radius, approvals. `local` only checks the
   * token's own grants; choose it only for read paths where a revoked token reading until expiry is acceptable.
   */
  mode?: "authorize" | "local";
}

export interface LeashResourceServerOptions {
  /** The broker's URL, for JWKS and authorize. */
  brokerUrl: string;
  /** The broker's issuer (`LEASH_ISSUER`); defaults to brokerUrl. */
  issuer?: string;
  /** The one environment this resource server belongs to. */
  environment: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    leash?: LeashRouteConfig;
  }
  interface FastifyRequest {
    /** The verified task behind this request, once the plugin let it through. */
    leashTask?: { claims: TaskTokenClaims; approvalId?: string };
  }
}

const FORBIDDEN_HEADERS = ["jwk", "jku", "x5u", "x5c"];

function refuse(
  reply: FastifyReply,
  status: 400 | 401 | 403 | 503,
  code: string,
  detail: string,
  extra = {},
) {
  return reply
    .code(status)
    .type("application/problem+json")
    .send({
      type: `urn:leash:problem:${code}`,
      title: status === 401 ? "Unauthorized" : "Forbidden",
      status,
      code,
      detail,
      ...extra,
    });
}

/** The reason a verification error stands for; a token from another environment is `wrong_environment`, a 403. */
function verificationRefusal(error: { code?: string; message?: string }): {
  status: 401 | 403;
  code: string;
} {
  switch (error.code) {
    case "FAST_JWT_CLAIM_VALUE_INVALID":
      return { status: 403, code: "wrong_environment" };
    case "FAST_JWT_EXPIRED":
    case "FST_JWT_AUTHORIZATION_TOKEN_EXPIRED":
      return { status: 401, code: "token_expired" };
    case "FAST_JWT_INACTIVE":
      return { status: 401, code: "token_not_yet_valid" };
    default:
      return { status: 401, code: "invalid_token" };
  }
}

function claimedEnvironment(request: FastifyRequest): string | null {
  try {
    const env = decodeJwt(request.headers.authorization?.replace(/^Bearer\s+/i, "") ?? "").env;
    return typeof env === "string" ? env : null;
  } catch {
    return null;
  }
}

export const leashResourceServer = fp<LeashResourceServerOptions>(
  async (app, options) => {
    const jwks = new EnvironmentJwks(options.brokerUrl, options.environment);
    const issuer = environmentIssuer(options.issuer ?? options.brokerUrl, options.environment);
    await app.register(fastifyJwt, {
      secret: async (_request: FastifyRequest, tokenOrHeader: TokenOrHeader) => {
        const header = ("header" in tokenOrHeader ? tokenOrHeader.header : tokenOrHeader) as Record<
          string,
          unknown
        >;
        if (FORBIDDEN_HEADERS.some((name) => name in header)) throw new Error("forbidden header parameter");
        const key = typeof header.kid === "string" ? await jwks.key(header.kid) : null;
        if (!key) throw new Error("no key of this environment has that kid");
        return key.export({ format: "pem", type: "spki" }) as string;
      },
      // The secret callback needs the header (kid, and parameters we refuse), not just the payload.
      decode: { complete: true },
      verify: {
        algorithms: TOKEN_ALGORITHMS as ["EdDSA", "ES256"],
        allowedIss: issuer,
        allowedAud: environmentAudience(options.environment),
        checkTyp: "at+jwt",
        requiredClaims: ["jti", "exp", "iat", "nbf", "sub", "env", "task", "scope"],
      },
    });

    app.addHook("onRequest", async (request, reply) => {
      const route = request.routeOptions.config.leash;
      if (!route) return;
      let claims: TaskTokenClaims;
      try {
        // The same spelling and size rules as the broker's verifier (fast-jwt decodes base64 leniently).
        const problem = compactSerializationProblem(
          request.headers.authorization?.replace(/^Bearer\s+/i, ""),
        );
        if (problem) return refuse(reply, 401, "invalid_token", `the task token was refused: ${problem}`);
        const parsed = parseTaskTokenClaims(await request.jwtVerify());
        if (!parsed) return refuse(reply, 401, "invalid_token", "the task token's claims are malformed");
        claims = parsed;
        // As verifyTaskToken: a child whose chain does not fit together could hide an ancestor from revocation.
        const delegation = delegationProblem(claims);
        if (delegation)
          return refuse(
            reply,
            401,
            "invalid_token",
            `the task token's delegation claims are malformed: ${delegation}`,
          );
        // As verifyTaskToken: a token "issued" in the future would escape revocations of its agent or scope.
        if (claims.iat > Math.floor(Date.now() / 1000))
          return refuse(
            reply,
            401,
            "token_not_yet_valid",
            "the task token claims to be issued in the future",
          );
      } catch (error) {
        // A well-formed token of another environment fails on its key; say so as the 403 it is.
        if (claimedEnvironment(request) !== options.environment && claimedEnvironment(request) !== null) {
          return refuse(
            reply,
            403,
            "wrong_environment",
            `this resource server accepts ${options.environment} tokens only`,
          );
        }
        const refusal = verificationRefusal(error as { code?: string });
        return refuse(reply, refusal.status, refusal.code, "the task token was refused");
      }
      if (claims.env !== options.environment)
        return refuse(reply, 403, "wrong_environment", "token is for another environment");
      const resource = route.resource(request);
      // As authorize: a name spelled any other way than the canonical one is refused, never matched or normalised.
      const notCanonical = resourceNotCanonical(resource);
      if (notCanonical)
        return refuse(reply, 400, "resource_not_canonical", `the resource is not canonical: ${notCanonical}`);
      const approvalHeader = request.headers["leash-approval"];
      const approvalId = typeof approvalHeader === "string" ? approvalHeader : undefined;

      if (route.mode === "local") {
        if (!claims.scope.split(" ").includes(route.action))
          return refuse(reply, 403, "action_not_granted", route.action);
        if (!matchesResource(claims.resources, resource))
          return refuse(reply, 403, "resource_not_granted", resource);
      } else {
        const token = request.headers.authorization!.replace(/^Bearer\s+/i, "");
        let decision: { allow: boolean; reason: string; approval_id?: string };
        try {
          const response = await fetch(new URL("/v1/authorize", options.brokerUrl), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              token,
              action: route.action,
              resource,
              ...(approvalId ? { approval_id: approvalId } : {}),
            }),
            signal: AbortSignal.timeout(5_000),
          });
          if (response.status >= 400 && response.status < 500) {
            // leash refused the request itself (a token or resource it will not take): a refusal, not an outage.
            const problem = (await response.json().catch(() => ({}))) as { code?: unknown };
            const code = typeof problem.code === "string" ? problem.code : "authorize_refused";
            return refuse(reply, 403, code, `leash refused to decide ${route.action} on ${resource}`);
          }
          if (!response.ok)
            return refuse(reply, 503, "leash_unavailable", `leash answered ${response.status}; refusing`);
          decision = (await response.json()) as typeof decision;
        } catch {
          return refuse(reply, 503, "leash_unavailable", "leash could not be asked; refusing");
        }
        if (!decision.allow) {
          return refuse(
            reply,
            403,
            decision.reason,
            `leash refused ${route.action} on ${resource}: ${decision.reason}`,
            {
              ...(decision.approval_id ? { approval_id: decision.approval_id } : {}),
            },
          );
        }
      }
      request.leashTask = { claims, approvalId };
    });
  },
  { name: "leash-resource-server", fastify: "5.x" },
);
