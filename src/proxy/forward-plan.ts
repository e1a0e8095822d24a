// What the proxy does with one agent request, decided before any I/O: refuse it (and how), read its body first, or
// forward exactly this to that upstream once leash allows the calls.
import type { IncomingHttpHeaders } from "node:http";
import type { HttpRequestShown } from "../approvals/http-request.ts";
import { CredentialScrubber } from "../scrub/credential-scrubber.ts";
import type { ActionCall, CallMapping } from "./action-call.ts";
import type { GraphqlRule, RestRule, Upstream } from "./compile-config.ts";
import { agreedParameter } from "./content-type-parameters.ts";
import { graphqlCalls } from "./graphql-calls.ts";
import { bearerToken, connectionListsDecidedOn } from "./headers.ts";
import { matchRule, restCall } from "./match-rule.ts";
import { type Refusal, type RefusalStyle, refusal } from "./refusal.ts";
import { type HashedRequest, requestHash, shownRequest } from "./request-hash.ts";
import { type HeadPlan, planBody, planHead } from "./request-plan.ts";
import { hasAmbiguousSegments } from "./rest-path.ts";

/** Where a listener sends requests: an upstream under a path prefix ("" for an upstream on its own port). */
export interface Route {
  upstream: Upstream;
  prefix: string;
}

export interface AgentRequest {
  method: string;
  /** The request target as sent: path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body, once a plan asked for it (`read_body`); the request is then planned again with it. */
  body?: Buffer;
}

/** What the proxy sends upstream once leash allows `calls`. */
export interface Forward {
  upstream: Upstream;
  /** The agent's task token: sent to leash, never upstream. */
  token: string;
  calls: ActionCall[];
  /** Relative to the upstream, with the query when it is forwarded. */
  path: string;
  /** Sent instead of streaming the agent's body: the body read, or the GraphQL request as parsed. */
  body?: Buffer;
  /** The Content-Type sent instead of the agent's: the type of a body the proxy wrote itself. */
  contentType?: string;
  /** What an approval of these calls is bound to. */
  requestHash: string;
  /** The hashed parts, shown to an approver if a call is held; absent when one is too long to show. */
  shown?: HttpRequestShown;
}

export type RequestPlan = {
  /** How a refusal is written, now or after leash answers: GraphQL endpoints answer GraphQL errors. */
  style: RefusalStyle;
  /** The upstream the request was routed to, for the log. */
  upstream: Upstream | undefined;
  /** The calls the request maps to, once known, for the log. */
  calls: ActionCall[];
} & (
  | { kind: "refuse"; refusal: Refusal }
  /** Read the body (bounded by max_body_bytes) and plan again with it. */
  | { kind: "read_body" }
  | { kind: "forward"; forward: Forward }
);

/** Whether the request announces a body (Content-Length above 0, or Transfer-Encoding). */
export function announcesBody(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The plan for `request` arriving at a listener serving `routes`. */
export function planRequest(request: AgentRequest, routes: readonly Route[]): RequestPlan {
  const { method, url, headers } = request;
  const queryAt = url.indexOf("?");
  const fullPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? "" : url.slice(queryAt);
  const route = fullPath.startsWith("/") ? findRoute(routes, fullPath) : undefined;
  let style: RefusalStyle = "problem";
  const refuse = (refusal: Refusal, calls: ActionCall[] = []): RequestPlan => ({
    kind: "refuse",
    refusal,
    style,
    upstream: route?.upstream,
    calls,
  });

  if (!route) {
    return refuse(refusal({ code: "no_upstream", detail: `no upstream listens at ${fullPath}` }));
  }
  const { upstream } = route;
  const path = fullPath.slice(route.prefix.length) || "/";
  if (hasAmbiguousSegments(path)) {
    return refuse(
      refusal({
        code: "invalid_path",
        detail: "the path has empty, '.' or '..' segments or encoded slashes",
      }),
    );
  }
  const hasBody = announcesBody(headers);
  const head = planHead({ method, query, headers, hasBody });
  if (head.refuse) return refuse(head.refuse);
  const match = matchRule(upstream, method, path);
  if (match.kind === "graphql") style = "graphql";
  const extra: Record<string, unknown> = { upstream: upstream.name };
  const listed = connectionListsDecidedOn(headers, match.kind === "none" ? [] : match.rule.hashHeaders);
  if (listed !== undefined) {
    return refuse(
      refusal({
        code: "connection_header_refused",
        detail: `the Connection header lists ${listed}, which the proxy decides on; it would not reach the upstream, which could then read the request differently`,
        extra,
      }),
    );
  }

  const token = bearerToken(headers);
  if (!token) {
    return refuse(
      refusal({
        code: "missing_token",
        detail: "send the task token from `leash token` as Authorization: Bearer <token>",
        headers: { "www-authenticate": 'Bearer realm="leash"' },
        extra,
      }),
    );
  }
  // The agent's own token goes nowhere but to leash: not in the URL, whatever the encoding.
  const ownToken = new CredentialScrubber([token]);
  if (ownToken.contains(url)) {
    return refuse(
      refusal({
        code: "task_token_in_request",
        detail:
          "the task token is in the path or query; it goes only in Authorization and is never forwarded",
        extra,
      }),
    );
  }
  if (match.kind === "none") {
    return refuse(
      refusal({
        code: "no_matching_rule",
        detail: `no rule of upstream ${upstream.name} maps ${method} ${path} to an action; requests no rule matches are refused`,
        extra,
      }),
    );
  }

  const mapped =
    match.kind === "graphql"
      ? mapGraphqlRequest(match.rule, upstream, request, path)
      : mapRestRequest(match.rule, match.params, upstream, request, { path, query, head, hasBody });
  if (mapped.kind === "read_body") return { kind: "read_body", style, upstream, calls: [] };
  if (mapped.kind === "refuse") return refuse({ ...mapped.refusal, extra });
  const { mapping, body, forwardPath, contentType } = mapped;
  if (!mapping.ok) {
    return refuse({
      status: mapping.status,
      code: mapping.code,
      detail: mapping.detail,
      extra: { ...extra, ...(mapping.field ? { field: mapping.field } : {}) },
    });
  }
  const { calls } = mapping;
  if (body && ownToken.contains(body)) {
    return refuse(
      refusal({
        code: "task_token_in_request",
        detail: "the task token is in the body; it goes only in Authorization and is never forwarded",
        extra,
      }),
      calls,
    );
  }
  const hashed: HashedRequest = {
    method,
    path: forwardPath,
    headers: contentType ? { ...headers, "content-type": contentType } : headers,
    hashHeaders: match.rule.hashHeaders,
    ...(body ? { body } : {}),
  };
  const hash = requestHash(hashed);
  const shown = shownRequest(hashed);
  return {
    kind: "forward",
    style,
    upstream,
    calls,
    forward: {
      upstream,
      token,
      calls,
      path: forwardPath,
      ...(body ? { body } : {}),
      ...(contentType ? { contentType } : {}),
      requestHash: hash,
      ...(shown ? { shown } : {}),
    },
  };
}

function findRoute(routes: readonly Route[], path: string): Route | undefined {
  return routes.find(({ prefix }) => prefix === "" || path === prefix || path.startsWith(`${prefix}/`));
}

/** The calls a request maps to, with the body and path to forward; or a refusal, or the body must be read first. */
type Mapped =
  | { kind: "mapped"; mapping: CallMapping; body?: Buffer; contentType?: string; forwardPath: string }
  | { kind: "refuse"; refusal: Refusal }
  | { kind: "read_body" };

/** A GraphQL request is a JSON POST read whole; what goes upstream is the request as parsed, re-serialized. */
function mapGraphqlRequest(
  rule: GraphqlRule,
  upstream: Upstream,
  request: AgentRequest,
  path: string,
): Mapped {
  if (request.method !== "POST") {
    return {
      kind: "refuse",
      refusal: refusal({
        code: "method_not_allowed",
        detail: "GraphQL requests go through the proxy as POST with a JSON body",
        headers: { allow: "POST" },
      }),
    };
  }
  if (!isJson(request.headers["content-type"])) {
    return {
      kind: "refuse",
      refusal: refusal({
        code: "unsupported_media_type",
        detail: "expected Content-Type: application/json",
      }),
    };
  }
  // The body is read as UTF-8; a parser that honours another declared charset (Express decodes UTF-7) would read
  // other JSON in the same bytes, so no other charset is taken.
  const charset = agreedParameter(request.headers["content-type"] ?? "", "charset", true);
  if (charset.ambiguous || !(charset.value === undefined || UTF8.has(charset.value))) {
    return {
      kind: "refuse",
      refusal: refusal({
        code: "unsupported_media_type",
        detail:
          "GraphQL bodies are read as UTF-8: send Content-Type: application/json without another charset",
      }),
    };
  }
  if (request.body === undefined) return { kind: "read_body" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString("utf8"));
  } catch {
    return {
      kind: "refuse",
      refusal: refusal({ code: "invalid_graphql_request", detail: "the body is not JSON" }),
    };
  }
  const mapping = graphqlCalls(rule, upstream.environment, parsed);
  if (!mapping.ok) return { kind: "mapped", mapping, forwardPath: path };
  // What goes upstream is what was parsed and authorized, re-serialized and typed as what it is: no parser can read
  // it differently.
  return {
    kind: "mapped",
    mapping,
    body: Buffer.from(JSON.stringify(mapping.request)),
    contentType: "application/json",
    forwardPath: path,
  };
}

/** A REST request's body is read only when the rule binds approvals to it or a framework could parse it. */
function mapRestRequest(
  rule: RestRule,
  params: Record<string, string>,
  upstream: Upstream,
  request: AgentRequest,
  at: { path: string; query: string; head: HeadPlan; hasBody: boolean },
): Mapped {
  const mapping = restCall(rule, upstream.environment, params);
  const forwardPath = at.path + at.query;
  if (!mapping.ok || !(rule.hashBody || at.head.inspectBody) || !at.hasBody) {
    return { kind: "mapped", mapping, forwardPath };
  }
  if (request.body === undefined) return { kind: "read_body" };
  const refusal =
    at.head.inspectBody && planBody(at.head.inspectBody, request.headers["content-type"], request.body);
  if (refusal) return { kind: "refuse", refusal };
  return { kind: "mapped", mapping, body: request.body, forwardPath };
}

const UTF8 = new Set(["utf-8", "utf8"]);

function isJson(contentType: string | undefined): boolean {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return media === "application/json";
}
