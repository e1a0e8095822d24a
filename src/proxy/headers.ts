// Headers across the proxy: the agent's credentials stripped and the upstream's injected on the way in, scrubbed on the way out.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { CredentialScrubber } from "../scrub/credential-scrubber.ts";
import type { Upstream } from "./compile-config.ts";
import { cgiHeaderName, isOverrideHeader } from "./method-override.ts";
import { isPathOverrideHeader } from "./path-override.ts";

/** RFC 9110 §7.6.1 connection-specific headers, plus the non-standard ones still seen in the wild. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Headers that carry credentials in common APIs. Whatever the agent put there is its own (the task token) or
 * something it should not have; neither goes upstream.
 */
export const CREDENTIAL_HEADERS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "x-api-key",
  "api-key",
  "apikey",
  "x-auth-token",
  "x-access-token",
  "x-amz-security-token",
  "x-goog-api-key",
  "private-token",
  "x-vault-token",
  "project-access-token",
  "team-access-token",
  "leash-approval",
];

/**
 * Response headers in which APIs hand out a credential of their own, besides the request ones: OpenStack Keystone's
 * X-Subject-Token, Swift's X-Auth-Token and X-Storage-Token, devise_token_auth's access-token, refreshed tokens. Such
 * a credential works on the upstream without the proxy; it is dropped as cookies are.
 */
const ISSUED_CREDENTIAL_HEADERS: readonly string[] = [
  "x-subject-token",
  "x-storage-token",
  "access-token",
  "refresh-token",
  "x-refresh-token",
  "x-amz-session-token",
  "authentication-info",
];

/** Set by the proxy itself below; never copied from the agent. */
const SET_BY_PROXY = ["host", "content-length", "accept-encoding", "expect"];

/** A part of a body can hold part of a credential that no scan recognises; the proxy asks for whole bodies. */
const PARTIAL_CONTENT = ["range", "if-range"];

/** Header names the Connection header lists are hop-by-hop too. */
function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const list = Array.isArray(value) ? value.join(",") : (value ?? "");
  return new Set(
    list
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Headers the proxy decides on, besides a rule's hashed ones: how the body is typed and encoded. */
const DECIDED_ON = ["content-type", "content-encoding"];

/**
 * The first header the Connection header lists that the proxy decides on (`DECIDED_ON` and `hashHeaders`);
 * undefined when none. Listed headers are not forwarded, so the upstream would read the request without what the
 * proxy read it with: a Content-Type gone makes Rack parse a POST body as a form.
 */
export function connectionListsDecidedOn(
  headers: IncomingHttpHeaders,
  hashHeaders: readonly string[],
): string | undefined {
  const decided = new Set([...DECIDED_ON, ...hashHeaders.map(cgiHeaderName)]);
  return [...connectionListed(headers)].find((name) => decided.has(cgiHeaderName(name)));
}

export interface UpstreamHeaderOptions {
  upstream: Upstream;
  /** The agent's task token: any header holding it is dropped, wherever the agent put it. */
  taskToken: string;
  /** The upstream credential's value, placed in the configured header. */
  credentialValue: string;
  /** The body's length when the proxy buffered it; undefined when the agent's body streams through as sent. */
  bodyLength?: number;
  /** The type of a body the proxy wrote itself, sent instead of the agent's Content-Type. */
  contentType?: string;
}

/** The headers sent upstream: the agent's, minus credentials and hop-by-hop headers, plus the upstream credential. */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  options: UpstreamHeaderOptions,
): OutgoingHttpHeaders {
  const { upstream, taskToken, credentialValue } = options;
  const drop = new Set([
    ...HOP_BY_HOP,
    ...connectionListed(incoming),
    ...CREDENTIAL_HEADERS,
    ...SET_BY_PROXY,
    ...PARTIAL_CONTENT,
    ...upstream.stripHeaders,
    upstream.credential.header,
  ]);
  // The task token in any encoding (base64 in a Basic header, percent-encoded in a cookie-like value).
  const ownToken = taskToken === "" ? undefined : new CredentialScrubber([taskToken]);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || drop.has(name) || drop.has(cgiHeaderName(name))) continue;
    // Refused before forwarding (request-plan.ts); dropped here as well so no caller can forward one.
    if (isOverrideHeader(name) || isPathOverrideHeader(name)) continue;
    // CGI-style servers read `x_api_key` as `x-api-key`: a name with "_" passes only when a rule allows it.
    if (name.includes("_") && !upstream.underscoreHeaders.includes(name)) continue;
    const text = Array.isArray(value) ? value.join(", ") : value;
    if (ownToken && (ownToken.contains(text) || ownToken.containsIgnoringCase(name))) continue;
    out[name] = value;
  }
  out.host = upstream.target.host;
  // Plain bodies only, so responses can be scanned for the credential without decoding every encoding.
  out["accept-encoding"] = "identity";
  if (options.contentType !== undefined) out["content-type"] = options.contentType;
  if (options.bodyLength !== undefined) out["content-length"] = String(options.bodyLength);
  else if (incoming["content-length"] !== undefined) out["content-length"] = incoming["content-length"];
  else if (incoming["transfer-encoding"] !== undefined) out["transfer-encoding"] = "chunked";
  const { scheme } = upstream.credential;
  out[upstream.credential.header] = scheme ? `${scheme} ${credentialValue}` : credentialValue;
  return out;
}

/**
 * The upstream's response headers as the agent gets them: hop-by-hop headers dropped, and cookies and every header
 * that carries a credential in common APIs (an upstream session or token is a credential too; `credentialHeader`,
 * the one the proxy injects, among them), any credential in another value masked. `decoded` drops the encoding and
 * length of a body the proxy decompresses.
 */
export function agentResponseHeaders(
  incoming: IncomingHttpHeaders,
  scrubber: CredentialScrubber,
  decoded: boolean,
  credentialHeader?: string,
): OutgoingHttpHeaders {
  const drop = new Set([
    ...HOP_BY_HOP,
    ...connectionListed(incoming),
    "set-cookie",
    "set-cookie2",
    ...CREDENTIAL_HEADERS,
    ...ISSUED_CREDENTIAL_HEADERS,
    ...(credentialHeader ? [credentialHeader] : []),
  ]);
  if (decoded) {
    drop.add("content-encoding");
    drop.add("content-length");
  }
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    // A credential in a header's name cannot be masked without making another header: the header goes.
    if (value === undefined || drop.has(name) || drop.has(cgiHeaderName(name))) continue;
    if (scrubber.containsIgnoringCase(name)) continue;
    out[name] = Array.isArray(value)
      ? value.map((v) => scrubber.scrubHeaderValue(v))
      : scrubber.scrubHeaderValue(value);
  }
  return out;
}

/** The task token from `Authorization: Bearer …`, or undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(headers.authorization ?? "");
  return match?.[1];
}
