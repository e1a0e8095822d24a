// The request hash an approval is bound to: everything of the forwarded request that changes what the call does.
import type { IncomingHttpHeaders } from "node:http";
import { type HttpRequestShown, httpRequestHash, showHttpRequest } from "../approvals/http-request.ts";

/** Always part of the hash: the same bytes under another type are another call (a form, JSON, multipart). */
export const ALWAYS_HASHED_HEADERS = ["content-type"];

export interface HashedRequest {
  method: string;
  /** The path sent upstream, with the query when it is forwarded. */
  path: string;
  /** The headers as forwarded; the ones hashed are `content-type` and the rule's `hash_headers`. */
  headers: IncomingHttpHeaders;
  hashHeaders: readonly string[];
  /** The body forwarded, when the proxy read it; streamed bodies are not hashed. */
  body?: Buffer;
}

/** The hashed headers as [name, value] in the order hashed: sorted lower-case names, `null` when absent. */
function hashedHeaders(request: HashedRequest): [string, string | null][] {
  const names = [
    ...new Set([...ALWAYS_HASHED_HEADERS, ...request.hashHeaders.map((h) => h.toLowerCase())]),
  ].sort();
  const headers: Record<string, string | null> = {};
  for (const name of names) {
    const value = request.headers[name];
    headers[name] = value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }
  // The order JSON.stringify writes them in, so the hashed text is the object's JSON exactly.
  return Object.entries(headers);
}

/**
 * SHA-256 (hex) of `METHOD \n path?query \n` + a JSON object of the hashed headers (sorted, lower-case names, `null`
 * when absent, repeated values joined with ", ") + `\n` + the body bytes.
 */
export function requestHash(request: HashedRequest): string {
  return httpRequestHash(request.method, request.path, hashedHeaders(request), request.body);
}

/** The request as an approver is shown it: exactly the hashed parts, or undefined when one is too long to show. */
export function shownRequest(request: HashedRequest): HttpRequestShown | undefined {
  return showHttpRequest(request.method, request.path, hashedHeaders(request), request.body);
}
