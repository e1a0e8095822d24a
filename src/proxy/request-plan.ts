// The proxy's boundary decisions about a request as pure functions: refuse it, or go on (reading its body first).
import type { IncomingHttpHeaders } from "node:http";
import {
  type BodyKind,
  bodyKinds,
  overrideHeader,
  overrideInBody,
  overrideInUrlencoded,
} from "./method-override.ts";
import { pathOverrideHeader } from "./path-override.ts";
import { type Refusal, refusal } from "./refusal.ts";

export interface RequestHead {
  method: string;
  /** The query string as sent, with or without the leading "?". */
  query: string;
  headers: IncomingHttpHeaders;
  /** Whether the request announces a body (Content-Length above 0, or Transfer-Encoding). */
  hasBody: boolean;
}

export type HeadPlan =
  | { refuse: Refusal; inspectBody?: undefined }
  | {
      refuse?: undefined;
      /** The body must be read (bounded) and passed to `planBody` before anything is forwarded: these parsers read it. */
      inspectBody?: BodyKind[];
    };

const overrideRefused = (where: string): Refusal =>
  refusal({
    code: "method_override_refused",
    detail: `${where} asks the upstream to run another method than the one sent; method overrides are refused`,
  });

/** What the request line and headers alone decide. */
export function planHead(head: RequestHead): HeadPlan {
  const key = overrideInUrlencoded(head.query);
  if (key !== undefined) return { refuse: overrideRefused(`the query parameter ${JSON.stringify(key)}`) };
  const header = overrideHeader(head.headers);
  if (header !== undefined) return { refuse: overrideRefused(`the header ${header}`) };
  const pathHeader = pathOverrideHeader(head.headers);
  if (pathHeader !== undefined) {
    return {
      refuse: refusal({
        code: "path_override_refused",
        detail: `the header ${pathHeader} asks the upstream to route another path than the one sent; path overrides are refused`,
      }),
    };
  }
  if (!head.hasBody) return {};
  const kinds = bodyKinds(head.method, head.headers["content-type"]);
  // A body the proxy cannot decode (compressed, say) is a body it cannot look into: neither for a method override
  // nor for the task token, which every body is searched for, read or streamed.
  const encoding = (head.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "") {
    return {
      refuse: refusal({
        code: "unsupported_media_type",
        detail: `a ${kinds[0] ?? "request"} body with Content-Encoding ${encoding} cannot be checked for ${kinds.length > 0 ? "method overrides or " : ""}the task token; send it unencoded`,
      }),
    };
  }
  if (kinds.length === 0) return {};
  return { inspectBody: kinds };
}

/**
 * What a body the proxy read decides, read by each parser a framework might run on it; undefined when the request
 * may go on. An override any of them finds is refused, and so is a body one of them cannot read.
 */
export function planBody(
  kinds: readonly BodyKind[],
  contentType: string | undefined,
  body: Buffer,
): Refusal | undefined {
  const readings = kinds.map((kind) => overrideInBody(kind, contentType, body));
  const found = readings.find((reading) => reading.found);
  if (found?.found) return overrideRefused(found.where);
  const undecidable = readings.find((reading) => reading.undecidable);
  if (undecidable?.undecidable) {
    return refusal({
      code: "unreadable_body",
      detail: `${undecidable.why}: the proxy cannot tell how the upstream would read it, so it is refused`,
    });
  }
  return undefined;
}
