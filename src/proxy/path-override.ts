// Finds headers that name another path for the upstream to route, so the path leash authorized is the one it serves.
import type { IncomingHttpHeaders } from "node:http";
import { cgiHeaderName } from "./method-override.ts";

/**
 * Header names some servers route by instead of the request line: Symfony and Zend read the first two (until 2018),
 * and applications behind IIS URL Rewrite still do. Compared as CGI-style servers read names (`_` for `-`).
 */
const PATH_OVERRIDE_HEADERS = new Set(["x-original-url", "x-rewrite-url"]);

export const isPathOverrideHeader = (name: string) => PATH_OVERRIDE_HEADERS.has(cgiHeaderName(name));

/** The first header that names another path, as sent; undefined when there is none. */
export function pathOverrideHeader(headers: IncomingHttpHeaders): string | undefined {
  return Object.keys(headers).find(isPathOverrideHeader);
}
