// Which Host and Origin the gateway answers: a page in the user's browser must not reach it, by its own name rebound
// to the gateway's address (DNS rebinding) or from another site, as MCP's Streamable HTTP transport requires.
import { isIP } from "node:net";

export interface OriginRefusal {
  code: "host_not_allowed" | "origin_not_allowed";
  detail: string;
}

/** Names that reach only this machine: a gateway bound to one of them is local, whatever a DNS server says. */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost" || name === "::1") return true;
  return isIP(name) === 4 && name.startsWith("127.");
}

/**
 * Null when the request may be answered. A gateway listening on loopback answers only Host names that are loopback
 * (a rebound name is the attacker's, though it resolves to 127.0.0.1); any gateway refuses an Origin other than its
 * own as the request names it (a browser sends Origin on cross-site and on non-GET requests; MCP clients do not).
 */
export function originRefusal(
  headers: { host?: string | undefined; origin?: string | undefined },
  listeningHost: string,
): OriginRefusal | null {
  const host = headers.host;
  if (isLoopbackHost(listeningHost)) {
    const hostname = host === undefined ? undefined : hostnameOf(host);
    if (hostname === undefined || !isLoopbackHost(hostname)) {
      return {
        code: "host_not_allowed",
        detail: `this gateway listens on ${listeningHost} and answers only loopback names (localhost, 127.0.0.1, [::1]) in Host, not ${JSON.stringify(host ?? "")}`,
      };
    }
  }
  const origin = headers.origin;
  if (origin === undefined) return null;
  let originHost: string | undefined;
  try {
    const url = new URL(origin);
    if (url.protocol === "http:" || url.protocol === "https:") originHost = url.host;
  } catch {}
  if (originHost === undefined || host === undefined || originHost !== originHostOf(host)) {
    return {
      code: "origin_not_allowed",
      detail: `requests from a web page are answered only from the gateway's own origin, not ${JSON.stringify(origin)}`,
    };
  }
  return null;
}

/** A Host header: a name or an address, and a port. Anything else (user info, a path) is no host to compare. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/** The name in a Host header (`[::1]:8788` gives `[::1]`), or undefined when it is not one. */
function hostnameOf(host: string): string | undefined {
  return HOST_HEADER.exec(host)?.[1];
}

/** host:port as an origin names it (lower case, the scheme's default port left out), or undefined. */
function originHostOf(host: string): string | undefined {
  if (!HOST_HEADER.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).host;
  } catch {
    return undefined;
  }
}
