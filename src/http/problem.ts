// The Fastify app's errors as problem+json: LeashError, schema validation and Fastify's own errors get stable codes.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import type { ErrorCode } from "../errors/catalogue.ts";
import { LeashError } from "../errors/leash-error.ts";
import { answeredProblem, type Problem, problem } from "../errors/problem.ts";

/** Fastify's own errors (bad JSON, body too large, wrong content type) as stable codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: "malformed_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "malformed_json",
  FST_ERR_CTP_BODY_TOO_LARGE: "body_too_large",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_content_length",
  FST_ERR_VALIDATION: "invalid_request",
  FST_ERR_BAD_URL: "malformed_url",
  FST_ERR_MAX_PARAM_LENGTH: "path_parameter_too_long",
};

export function toProblem(error: unknown): Problem {
  if (error instanceof LeashError)
    return answeredProblem(error.status, error.code, error.message, error.extra);
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const issues = fastifyError.validation.map((issue) => ({
      path: `${fastifyError.validationContext ?? "body"}${issue.instancePath.replaceAll("/", ".")}`,
      message: issue.message,
    }));
    const detail = issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    return problem("invalid_request", detail, { issues });
  }
  const status = fastifyError?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fastifyError.code] ?? "bad_request";
    return answeredProblem(status, code, fastifyError.message);
  }
  return problem("internal_error", "leash hit an unexpected error; it was logged");
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, value: Problem): FastifyReply {
  return reply
    .code(value.status)
    .type("application/problem+json")
    .send({ ...value, instance: request.url });
}
