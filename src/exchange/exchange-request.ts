// The parameters of a token-exchange request (RFC 8693 §2.1), form-encoded or JSON, checked into one typed request.
import { parseDuration } from "../scopes/duration.ts";
import { actionName } from "../scopes/schema.ts";
import { oauthError } from "./oauth-error.ts";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
export const ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
/** An agent's API key (`lsk_…`) as `actor_token`: the agent the child token is handed to. */
export const AGENT_KEY_TOKEN_TYPE = "urn:leash:params:oauth:token-type:agent-key";

const TASK_TOKEN_TYPES = [JWT_TOKEN_TYPE, ACCESS_TOKEN_TYPE];
const MAX_TOKEN_LENGTH = 8192;
const MAX_ITEMS = 200;
const INTENT_MAX_LENGTH = 500;

export interface ExchangeRequest {
  /** The parent's task token. */
  subjectToken: string;
  /** The actor agent's API key, when the child is handed to another agent. */
  actorKey?: string;
  /** `scope`: the actions asked for; absent = the parent's. */
  actions?: string[];
  /** `resource`: the resource globs asked for; absent = the parent's. */
  resources?: string[];
  /** `audience`: must name the parent's environment (there is no exchange across environments). */
  audiences: string[];
  /** `ttl` (a duration like "5m"); absent = the scope's default, cut to the parent's remaining lifetime. */
  ttlMs?: number;
  ttlText?: string;
  intent: string;
  issuedTokenType: string;
}

type Body = Record<string, unknown>;

/** One value of a parameter that may appear at most once (RFC 6749 §3.1). */
function single(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string")
    throw oauthError("invalid_request", "invalid_parameter", `${name}: expected one string value`);
  return value;
}

/** A parameter that may be repeated (`resource`, `audience`); JSON clients may send an array. */
function repeated(body: Body, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0 || values.length > MAX_ITEMS || !values.every((v) => typeof v === "string"))
    throw oauthError("invalid_request", "invalid_parameter", `${name}: expected 1 to ${MAX_ITEMS} strings`);
  return values as string[];
}

/** The request, or an OAuth error naming the first parameter that is wrong. */
export function parseExchangeRequest(raw: unknown, options: { grantTypeRequired: boolean }): ExchangeRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw oauthError("invalid_request", "invalid_request", "expected form-encoded (or JSON) parameters");
  const body = raw as Body;
  const grantType = single(body, "grant_type");
  if (grantType === undefined && options.grantTypeRequired)
    throw oauthError("invalid_request", "invalid_request", "grant_type: required");
  if (grantType !== undefined && grantType !== TOKEN_EXCHANGE_GRANT)
    throw oauthError(
      "unsupported_grant_type",
      "unsupported_grant_type",
      `grant_type: only ${TOKEN_EXCHANGE_GRANT} is supported`,
    );

  const subjectToken = single(body, "subject_token");
  if (!subjectToken || subjectToken.length > MAX_TOKEN_LENGTH)
    throw oauthError(
      "invalid_request",
      "invalid_request",
      "subject_token: the parent's task token is required",
    );
  const subjectType = single(body, "subject_token_type");
  if (!subjectType || !TASK_TOKEN_TYPES.includes(subjectType))
    throw oauthError(
      "invalid_request",
      "unsupported_token_type",
      `subject_token_type: expected ${TASK_TOKEN_TYPES.join(" or ")}`,
    );

  const actorKey = single(body, "actor_token");
  const actorType = single(body, "actor_token_type");
  if ((actorKey === undefined) !== (actorType === undefined))
    throw oauthError("invalid_request", "invalid_request", "actor_token and actor_token_type go together");
  if (actorType !== undefined && actorType !== AGENT_KEY_TOKEN_TYPE)
    throw oauthError(
      "invalid_request",
      "unsupported_token_type",
      `actor_token_type: expected ${AGENT_KEY_TOKEN_TYPE} (the actor agent's API key)`,
    );

  const requestedType = single(body, "requested_token_type");
  if (requestedType !== undefined && !TASK_TOKEN_TYPES.includes(requestedType))
    throw oauthError(
      "invalid_request",
      "unsupported_token_type",
      `requested_token_type: leash issues ${TASK_TOKEN_TYPES.join(" or ")}`,
    );

  const scope = single(body, "scope");
  let actions: string[] | undefined;
  if (scope !== undefined) {
    actions = [...new Set(scope.split(" ").filter(Boolean))];
    const malformed = actions.filter((action) => !actionName.safeParse(action).success);
    if (actions.length === 0 || actions.length > MAX_ITEMS || malformed.length > 0)
      throw oauthError("invalid_scope", "invalid_scope", "scope: expected space-separated action names", {
        refused: malformed,
      });
  }

  const resources = repeated(body, "resource");
  if (resources?.some((resource) => resource.length === 0 || resource.length > 1024))
    throw oauthError("invalid_target", "invalid_target", "resource: expected globs of 1 to 1024 characters");

  const ttlText = single(body, "ttl");
  const ttlMs = ttlText === undefined ? undefined : parseDuration(ttlText);
  if (ttlMs === null || (ttlMs !== undefined && ttlMs < 1000))
    throw oauthError("invalid_request", "invalid_ttl", 'ttl: expected a duration of at least 1s, like "5m"');

  const intent = single(body, "intent")?.trim();
  if (!intent || intent.length > INTENT_MAX_LENGTH)
    throw oauthError(
      "invalid_request",
      "intent_required",
      `intent: say what the sub-task is for (1 to ${INTENT_MAX_LENGTH} characters)`,
    );

  return {
    subjectToken,
    ...(actorKey === undefined ? {} : { actorKey }),
    ...(actions ? { actions } : {}),
    ...(resources ? { resources: [...new Set(resources)] } : {}),
    audiences: repeated(body, "audience") ?? [],
    ...(ttlMs === undefined ? {} : { ttlMs, ttlText }),
    intent,
    issuedTokenType: requestedType ?? ACCESS_TOKEN_TYPE,
  };
}
