// OpenAPI from the route schemas, plus each route's error responses (RFC 9457 problem+json) and success statuses.
//
// The error and success entries are added by the swagger transform only: they document, they do not serialize.
// (fastify-type-provider-zod serializes a response that has a schema by parsing it with zod, a cost on every reply
// that would fall on the hot authorize route; problem bodies are built in one place, src/errors/problem.ts.)
import type { FastifySchema } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

declare module "fastify" {
  interface FastifySchema {
    /** Error statuses the route answers (problem+json); default: derived from its schema (see errorStatuses). */
    problems?: readonly number[];
    /** Success statuses and what each means; default `200`. */
    successes?: Readonly<Record<number, string>>;
  }
}

/** What each status means in leash; the `code` in the body says exactly why. */
export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Bad request: the body, query or path failed validation (invalid_request, malformed_json, …)",
  401: "No API key, or an unknown, rotated or disabled one (missing_credentials, invalid_api_key, principal_disabled)",
  403: "Not allowed: wrong key type, missing role, or the request asks for more than its scope allows",
  404: "No such resource (route_not_found, unknown_scope, approval_not_found, …)",
  409: "Conflicts with the current state (principal_exists, approval_not_pending, already_approved, …)",
  413: "Body larger than 64 KiB (body_too_large)",
  415: "Body is not JSON (unsupported_media_type)",
  422: "The scope files on disk are invalid; the running set was kept (scopes_invalid)",
  500: "Unexpected error; logged with the request id, never detailed in the answer (internal_error)",
  503: "Redis (or Vault, for credentials) unavailable or uninitialised: leash refuses rather than guesses",
};

const PROBLEM_SCHEMA = {
  type: "object",
  required: ["type", "title", "status", "detail", "code"],
  properties: {
    type: { type: "string", description: "urn:leash:problem:<code>" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string", description: "What went wrong, in words a person can act on" },
    code: { type: "string", description: "Stable machine code" },
    instance: { type: "string", description: "The request path" },
  },
  additionalProperties: true,
};

/** The statuses a route documents when it does not list them: what its schema says it can fail with. */
export function errorStatuses(schema: FastifySchema, url: string): number[] {
  if (schema.problems) return [...new Set([...schema.problems, 500])].sort((a, b) => a - b);
  const statuses = new Set([500, 503]);
  if (schema.body || schema.querystring || schema.params) statuses.add(400);
  if (schema.body) {
    statuses.add(413);
    statuses.add(415);
  }
  const isPublic = Array.isArray(schema.security) && schema.security.length === 0;
  if (!isPublic) {
    statuses.add(401);
    statuses.add(403);
  }
  if (url.includes(":")) statuses.add(404);
  return [...statuses].sort((a, b) => a - b);
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/** jsonSchemaTransform, then the success and problem+json responses of the route. */
export function documentResponses(input: TransformInput): ReturnType<typeof jsonSchemaTransform> {
  const result = jsonSchemaTransform(input);
  const original = input.schema as FastifySchema | undefined;
  const transformed = result.schema as Record<string, unknown> | undefined;
  if (!original || !transformed || transformed.hide) return result;
  delete transformed.problems;
  delete transformed.successes;
  const response: Record<string, unknown> = { ...((transformed.response as object | undefined) ?? {}) };
  for (const [status, description] of Object.entries(original.successes ?? { 200: "Success" })) {
    response[status] ??= { description, type: "object", additionalProperties: true };
  }
  for (const status of errorStatuses(original, input.url)) {
    response[String(status)] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? "Error",
      content: { "application/problem+json": { schema: PROBLEM_SCHEMA } },
    };
  }
  return { ...result, schema: { ...transformed, response } as typeof result.schema };
}
