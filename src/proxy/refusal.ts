// What the agent gets when the proxy does not forward: problem+json, or a GraphQL `errors` body for GraphQL clients.
import type { ServerResponse } from "node:http";
import { type ErrorCode, errorCatalogue } from "../errors/catalogue.ts";
import { answeredProblem } from "../errors/problem.ts";
import type { CredentialScrubber } from "../scrub/credential-scrubber.ts";

export interface Refusal {
  status: number;
  code: string;
  detail: string;
  /** Extra members: upstream, action, resource, field, approval_id, task_revoked. */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A refusal the proxy makes itself, answered with the status the catalogue gives its code. */
export const refusal = (fields: Omit<Refusal, "status" | "code"> & { code: ErrorCode }): Refusal => ({
  status: errorCatalogue[fields.code].status,
  ...fields,
});

/** "problem" for REST clients; "graphql" when the request went to a GraphQL endpoint. */
export type RefusalStyle = "problem" | "graphql";

/**
 * The body of a refusal. GraphQL clients get `{"errors": [{message, extensions: {code, ...}}]}` with the same HTTP
 * status a REST client would see (403, 400, 503…): the request was not executed, and the GraphQL-over-HTTP spec
 * allows non-2xx statuses for that; clients that only read the body still find the code in `extensions`.
 */
export function refusalBody(
  refusal: Refusal,
  style: RefusalStyle,
  instance: string,
  accept: string | undefined,
): { contentType: string; body: string } {
  const extra = refusal.extra ?? {};
  if (style === "graphql") {
    const contentType = accept?.includes("application/graphql-response+json")
      ? "application/graphql-response+json; charset=utf-8"
      : "application/json; charset=utf-8";
    const error = {
      message: refusal.detail,
      extensions: { code: refusal.code, status: refusal.status, ...extra },
    };
    return { contentType, body: JSON.stringify({ errors: [error] }) };
  }
  return {
    contentType: "application/problem+json; charset=utf-8",
    body: JSON.stringify({
      ...answeredProblem(refusal.status, refusal.code, refusal.detail, extra),
      instance,
    }),
  };
}

export function sendRefusal(
  res: ServerResponse,
  refusal: Refusal,
  style: RefusalStyle,
  options: {
    instance: string;
    accept: string | undefined;
    scrubber: CredentialScrubber;
    closeConnection: boolean;
  },
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { contentType, body } = refusalBody(refusal, style, options.instance, options.accept);
  const bytes = Buffer.from(options.scrubber.scrubText(body));
  res.writeHead(refusal.status, {
    ...refusal.headers,
    "content-type": contentType,
    "content-length": String(bytes.length),
    "cache-control": "no-store",
    // A body the proxy did not read would otherwise be parsed as the next request on this connection.
    ...(options.closeConnection ? { connection: "close" } : {}),
  });
  res.end(bytes);
}
