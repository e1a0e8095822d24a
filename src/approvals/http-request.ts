// What a held HTTP request will do, as its approver sees it: the method, the path with its query, the hashed headers and
// the body bytes the proxy read, exactly the parts the request hash covers. What the human reads is what runs, or
// nothing does: the broker stores it only when it hashes to the request hash the approval is bound to.
import { createHash } from "node:crypto";
import type { HttpRequestShown } from "../store/approval-record.ts";

export type { HttpRequestShown };

/** Longest body a proxy sends to be shown; beyond it the approval shows action and resource only. */
export const HTTP_REQUEST_BODY_MAX = 32_768;
/** Bounds on the other parts, so a shown request always fits the broker's request limit beside the token. */
export const HTTP_REQUEST_PATH_MAX = 8_192;
export const HTTP_REQUEST_HEADERS_MAX = 16;
export const HTTP_REQUEST_HEADER_VALUE_MAX = 2_048;
export const HTTP_REQUEST_METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
export const HTTP_REQUEST_HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]{1,128}$/;
/** The most a shown request takes in the broker's request (64 KiB in all), as JSON, leaving room for the token. */
export const HTTP_REQUEST_SHOWN_JSON_MAX = 49_152;
/** The base64 of the longest body shown. */
export const HTTP_REQUEST_BODY_BASE64_MAX = Math.ceil(HTTP_REQUEST_BODY_MAX / 3) * 4;

/** A path with a control character could be split into the hashed text another way than it was sent. */
const PATH_CONTROL = /\p{Cc}/u;

/** The JSON object of the hashed headers, in the order given: what JSON.stringify writes for an object with these keys. */
export const hashedHeadersJson = (headers: readonly (readonly [string, string | null])[]) =>
  `{${headers.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`).join(",")}}`;

/** SHA-256 (hex) of `METHOD \n path \n headers-JSON \n` and the body bytes: the proxy's request hash. */
export function httpRequestHash(
  method: string,
  path: string,
  headers: readonly (readonly [string, string | null])[],
  body: Buffer | undefined,
): string {
  const hash = createHash("sha256").update(`${method}\n${path}\n${hashedHeadersJson(headers)}\n`);
  if (body) hash.update(body);
  return hash.digest("hex");
}

/**
 * The request as an approver is shown it, or undefined when a part is beyond what is shown (then only action and
 * resource are): the body only when the proxy read it, never a part of it.
 */
export function showHttpRequest(
  method: string,
  path: string,
  headers: readonly (readonly [string, string | null])[],
  body: Buffer | undefined,
): HttpRequestShown | undefined {
  if (!HTTP_REQUEST_METHOD.test(method) || !path.startsWith("/") || path.length > HTTP_REQUEST_PATH_MAX)
    return undefined;
  if (PATH_CONTROL.test(path)) return undefined;
  if (headers.length > HTTP_REQUEST_HEADERS_MAX) return undefined;
  for (const [name, value] of headers) {
    if (!HTTP_REQUEST_HEADER_NAME.test(name) || (value?.length ?? 0) > HTTP_REQUEST_HEADER_VALUE_MAX)
      return undefined;
  }
  if (body && body.length > HTTP_REQUEST_BODY_MAX) return undefined;
  const shown: HttpRequestShown = {
    method,
    path,
    headers: headers.map(([name, value]) => [name, value]),
    // Zero bytes read bind what no body at all binds, so they are shown alike: a streamed body hashes the same way.
    ...(body && body.length > 0 ? { body_base64: body.toString("base64") } : {}),
  };
  return Buffer.byteLength(JSON.stringify(shown)) > HTTP_REQUEST_SHOWN_JSON_MAX ? undefined : shown;
}

/** Why a shown request is not the request the hash binds, or null when it is exactly it. */
export function httpRequestShownProblem(
  shown: HttpRequestShown,
  requestHash: string | undefined,
): string | null {
  if (!HTTP_REQUEST_METHOD.test(shown.method)) return "method is not an HTTP token";
  if (!shown.path.startsWith("/") || PATH_CONTROL.test(shown.path))
    return "path must start with / and hold no control characters";
  let body: Buffer | undefined;
  if (shown.body_base64 !== undefined) {
    body = Buffer.from(shown.body_base64, "base64");
    if (body.length === 0) return "an empty body is shown as no body_base64 (no body bytes are bound)";
    if (body.toString("base64") !== shown.body_base64) return "body_base64 is not canonical base64";
    if (body.length > HTTP_REQUEST_BODY_MAX) return `the body is longer than ${HTTP_REQUEST_BODY_MAX} bytes`;
  }
  if (requestHash !== httpRequestHash(shown.method, shown.path, shown.headers, body))
    return "request_hash is not the hash of this request";
  return null;
}

/** The body as text when it is UTF-8, for people; undefined when it is bytes that are not. */
export function shownBodyText(shown: HttpRequestShown): string | undefined {
  if (shown.body_base64 === undefined) return undefined;
  const bytes = Buffer.from(shown.body_base64, "base64");
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes) ? text : undefined;
}
