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
 * True when a request path has a segment some server reads as empty, "." or ".." or as more than one segment: raw
 * or percent-encoded, also before a `;` (Tomcat and Jetty cut a segment's `;parameters` before resolving dot
 * segments, so `/..;/` climbs a level there); percent-encoded twice (IIS, and apps that decode a path their server
 * already decoded, read `%252e%252e` as `..`); as bytes that are not UTF-8 (`%c0%ae`, an overlong "."); after
 * Unicode compatibility normalisation (a fullwidth "\uff0e" is "."); with a control character (NUL ends a path in C
 * code); or made only of dots (Windows drops trailing dots, so `...` is `..`).
 */
export function hasAmbiguousSegments(path: string): boolean {
  if (!path.startsWith("/") || path.includes("\\")) return true;
  if (path === "/") return false;
  const segments = path.slice(1).split("/");
  return segments.some((segment, index) => {
    if (segment === "" && index === segments.length - 1 && index > 0) return false;
    const readings = segmentReadings(segment);
    return (
      readings === undefined ||
      readings.some((reading) => {
        const name = reading.split(";")[0]!;
        return /^[.\s]*$/.test(name) || /[/\\\p{Cc}]/u.test(reading);
      })
    );
  });
}

/** How many times a segment is percent-decoded when looking for what a server could make of it. */
const DECODING_ROUNDS = 3;

/**
 * A segment as sent, then percent-decoded once, twice and three times, each also NFKC-normalised; undefined when a
 * decoding is not UTF-8.
 */
function segmentReadings(segment: string): string[] | undefined {
  const readings = [segment];
  let current = segment;
  for (let round = 0; round < DECODING_ROUNDS && /%[0-9a-f]{2}/i.test(current); round++) {
    const decoded = percentDecodeUtf8(current);
    if (decoded === undefined) return undefined;
    readings.push(decoded);
    current = decoded;
  }
  // A percent-escape still there after every round is a deeper encoding than any reading checked here.
  if (/%[0-9a-f]{2}/i.test(current)) return undefined;
  return readings.flatMap((reading) => [reading, reading.normalize("NFKC")]);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function percentDecodeUtf8(text: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const percentEscape = /^%[0-9a-f]{2}/i.exec(text.slice(i, i + 3));
    if (percentEscape) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = text.charCodeAt(i);
      // A raw non-ASCII character in a request line is one Latin-1 byte as Node reads it.
      if (code > 0xff) return undefined;
      bytes.push(code);
    }
  }
  try {
    return utf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}
