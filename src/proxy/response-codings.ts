// Which decoders a response body needs before it can be scanned for credentials, or why it cannot be passed.
import type { IncomingHttpHeaders } from "node:http";

/** Codings the proxy can undo; anything else is a body it cannot scan, so it is not passed. */
export const DECODABLE = new Set(["gzip", "x-gzip", "deflate", "br"]);

export type ResponseDecoding =
  | { ok: true; decoders: string[] }
  | { ok: false; header: "transfer-encoding" | "content-encoding"; coding: string };

const list = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value.join(",") : (value ?? ""))
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");

/**
 * The decoders to run, in order, on a response body as Node hands it over (chunked framing already undone):
 * transfer codings first, then content codings, each list undone from its last coding to its first. `hasBody`
 * false (HEAD, 204, 304) needs none.
 */
export function responseDecoding(headers: IncomingHttpHeaders, hasBody: boolean): ResponseDecoding {
  if (!hasBody) return { ok: true, decoders: [] };
  const transfer = list(headers["transfer-encoding"]);
  // Node removes the chunked framing only when chunked is the final transfer coding.
  if (transfer.at(-1) === "chunked") transfer.pop();
  const content = list(headers["content-encoding"]);
  for (const [header, codings] of [
    ["transfer-encoding", transfer],
    ["content-encoding", content],
  ] as const) {
    const unknown = codings.find((coding) => !DECODABLE.has(coding));
    if (unknown !== undefined) return { ok: false, header, coding: unknown };
  }
  return { ok: true, decoders: [...transfer.reverse(), ...content.reverse()] };
}
