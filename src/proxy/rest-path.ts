// REST path patterns of proxy rules ("/v1/volumes/:id"): compiled once, matched segment by segment.

export type PathSegment = { kind: "literal"; text: string } | { kind: "param"; name: string };

export interface PathPattern {
  source: string;
  segments: PathSegment[];
  params: string[];
}

const LITERAL_SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=@-]+$/;
const PARAM_SEGMENT = /^:([A-Za-z_][A-Za-z0-9_]*)$/;

export class PathPatternError extends Error {
  override name = "PathPatternError";
}

export function compilePathPattern(source: string): PathPattern {
  if (!source.startsWith("/")) throw new PathPatternError(`expected a path starting with "/"`);
  const segments: PathSegment[] = [];
  const params: string[] = [];
  const raw = source === "/" ? [] : source.slice(1).split("/");
  for (const [index, segment] of raw.entries()) {
    // A trailing "/" is part of some APIs' paths (/api/volumes/); it must then be sent exactly so.
    if (segment === "" && index === raw.length - 1 && index > 0) {
      segments.push({ kind: "literal", text: "" });
      continue;
    }
    const param = PARAM_SEGMENT.exec(segment);
    if (param) {
      const name = param[1]!;
      if (params.includes(name)) throw new PathPatternError(`parameter :${name} appears twice`);
      params.push(name);
      segments.push({ kind: "param", name });
    } else if (segment === "." || segment === ".." || !LITERAL_SEGMENT.test(segment)) {
      throw new PathPatternError(
        segment === ""
          ? "expected no empty segments (//)"
          : `expected segments of URL-safe characters or :name, got ${JSON.stringify(segment)}`,
      );
    } else {
      segments.push({ kind: "literal", text: segment });
    }
  }
  return { source, segments, params };
}

/**
 * Matches a request path (as sent, still percent-encoded, without the query) against a pattern. Literal segments
 * must match exactly as sent; parameters are percent-decoded. A path with empty or dot segments matches nothing,
 * so what leash authorizes is the path the upstream will serve.
 */
export function matchPath(pattern: PathPattern, path: string): Record<string, string> | null {
  const sent = path === "/" ? [] : path.slice(1).split("/");
  if (sent.length !== pattern.segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < sent.length; i++) {
    const segment = sent[i]!;
    const expected = pattern.segments[i]!;
    if (expected.kind === "literal") {
      if (segment !== expected.text) return null;
      continue;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (decoded === "" || decoded === "." || decoded === "..") return null;
    params[expected.name] = decoded;
  }
  return params;
}

/**
 * True when a request path has an empty, "." or ".." segment, raw or percent-encoded, also before a `;`: Tomcat and
 * Jetty cut a segment's `;parameters` before resolving dot segments, so `/..;/` climbs a level there.
 */
export function hasAmbiguousSegments(path: string): boolean {
  if (!path.startsWith("/") || path.includes("\\")) return true;
  if (path === "/") return false;
  const segments = path.slice(1).split("/");
  return segments.some((segment, index) => {
    if (segment === "" && index === segments.length - 1 && index > 0) return false;
    const name = segment.toLowerCase().replaceAll("%2e", ".").split(/;|%3b/)[0]!;
    return name === "" || name === "." || name === ".." || /%2f|%5c/i.test(segment);
  });
}
