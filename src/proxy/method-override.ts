// Finds method overrides wherever a framework reads them, so a POST leash authorized cannot run as a DELETE upstream.
import type { IncomingHttpHeaders } from "node:http";
import { agreedParameter } from "./content-type-parameters.ts";

/**
 * Header names frameworks read as "run this as another method": Rack, Symfony/Laravel and ASP.NET read the first,
 * Express's method-override and OData servers the others. Compared after `_` → `-`, since CGI-style servers read
 * `X_HTTP_METHOD_OVERRIDE` as the same header.
 */
const OVERRIDE_HEADERS = new Set(["x-http-method-override", "x-http-method", "x-method-override"]);

/**
 * Form, query or JSON member names read as the method: `_method` by Rails, Laravel, Symfony, Spring, Jersey and
 * gorilla/handlers; `__METHOD_OVERRIDE__` by the middleware Flask documents; `_HttpMethod` by Salesforce's REST API.
 * The header names are counted too, for frameworks configured to read them as parameters.
 */
const OVERRIDE_PARAMETERS = new Set(["_method", "__method_override__", "_httpmethod"]);

/** How the upstream might parse a request body into parameters. */
export type BodyKind = "form" | "multipart" | "json";

/** A header name as a CGI-style server reads it: case-folded, `_` and `-` the same. */
export const cgiHeaderName = (name: string) => name.toLowerCase().replaceAll("_", "-");

export const isOverrideHeader = (name: string) => OVERRIDE_HEADERS.has(cgiHeaderName(name));

/** The first header that asks for another method, as sent; undefined when there is none. */
export function overrideHeader(headers: IncomingHttpHeaders): string | undefined {
  return Object.keys(headers).find(isOverrideHeader);
}

/**
 * The parameter names a framework may see for one raw query or form key: Rack and Rails read `_method` and
 * `_method[…]`; PHP cuts the name at NUL, skips leading spaces and turns ` `, `.` and `[` into `_` in its leading
 * part (`.method`, ` method` and `[method` all arrive as `_method`). Generous on purpose: a name counted as an
 * override that no framework reads only refuses an odd request.
 */
export function parameterNames(rawKey: string): string[] {
  const key = percentDecode(rawKey.replaceAll("+", " ")).split("\0")[0]!;
  const names = new Set<string>();
  for (const candidate of [key, key.replace(/^ +/, "")]) {
    const php = candidate.replace(/[ .[]/g, "_");
    names.add(candidate);
    names.add(php);
    // `_method[x]` is the array `_method` in Rack and PHP.
    for (const form of [candidate, php]) {
      const bracket = candidate.indexOf("[", 1);
      if (bracket !== -1 && candidate.indexOf("]", bracket) !== -1) names.add(form.slice(0, bracket));
    }
  }
  return [...names].map((name) => name.toLowerCase());
}

const isOverrideKey = (rawKey: string) =>
  parameterNames(rawKey).some((name) => OVERRIDE_PARAMETERS.has(name) || isOverrideHeader(name));

/**
 * The raw key of the first override in a query string or an urlencoded body; undefined when there is none.
 * Splits on `;` too, as older Rack and Python do.
 */
export function overrideInUrlencoded(text: string): string | undefined {
  for (const pair of text.replace(/^\?/, "").split(/[&;]/)) {
    const key = pair.split("=", 1)[0]!.trimStart();
    if (key !== "" && isOverrideKey(key)) return key;
  }
  return undefined;
}

/**
 * Every body parser some framework would run on a request, from its Content-Type: frameworks read the same header
 * differently, so the body is looked at in each way any of them would. Empty when none parses it.
 */
export function bodyKinds(method: string, contentType: string | undefined): BodyKind[] {
  const header = (contentType ?? "").toLowerCase();
  const kinds = new Set<BodyKind>();
  for (const media of mediaTypes(header)) {
    // Rack parses a POST without a Content-Type as a form.
    if (media === "" && method !== "GET" && method !== "HEAD") kinds.add("form");
    if (media === "application/x-www-form-urlencoded") kinds.add("form");
    if (media.startsWith("multipart/")) kinds.add("multipart");
  }
  // Laravel takes parameters, `_method` among them, from any body whose Content-Type mentions JSON anywhere, its
  // parameters included.
  if (header.includes("/json") || header.includes("+json")) kinds.add("json");
  return [...kinds];
}

/**
 * The media types frameworks read in one Content-Type: cut at ";" (RFC 9110), at ";" or "," (Rack), or at the first
 * ";", "," or space (PHP).
 */
function mediaTypes(header: string): Set<string> {
  const trimmed = header.trim();
  return new Set([
    trimmed.split(";")[0]!.trim(),
    trimmed.split(/[;,]/)[0]!.trim(),
    trimmed.split(/[;,\s]/)[0]!,
  ]);
}

/** Charsets a body the proxy must read may declare; anything else could decode to other names upstream. */
const READABLE_CHARSETS = new Set(["", "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1"]);

export type BodyOverride =
  | { found: false; undecidable?: undefined }
  | { found: true; where: string; undecidable?: undefined }
  | { undecidable: true; why: string; found?: undefined };

/** Looks for an override in a body the proxy read; a body it cannot read the way the upstream would is undecidable. */
export function overrideInBody(kind: BodyKind, contentType: string | undefined, body: Buffer): BodyOverride {
  const declared = agreedParameter(contentType ?? "", "charset", true);
  if (declared.ambiguous) {
    return { undecidable: true, why: `a ${kind} body whose Content-Type parsers read as different charsets` };
  }
  const charset = declared.value ?? "";
  if (!READABLE_CHARSETS.has(charset)) {
    return { undecidable: true, why: `a ${kind} body in charset ${JSON.stringify(charset)}` };
  }
  const text = body.toString("latin1");
  switch (kind) {
    case "form": {
      const key = overrideInUrlencoded(text);
      return key === undefined ? { found: false } : { found: true, where: `the form field ${key}` };
    }
    case "json": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        // Another parser (PHP's, a lenient one) might read members this one cannot.
        return { undecidable: true, why: "a JSON body that does not parse" };
      }
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        const key = Object.keys(parsed).find(isOverrideKey);
        if (key !== undefined) return { found: true, where: `the JSON member ${key}` };
      }
      return { found: false };
    }
    case "multipart":
      return overrideInMultipart(contentType ?? "", text);
  }
}

function overrideInMultipart(contentType: string, text: string): BodyOverride {
  const declared = agreedParameter(contentType, "boundary");
  const boundary = declared.ambiguous ? undefined : declared.value;
  if (!boundary || boundary.length > 200) {
    return { undecidable: true, why: "a multipart body without a usable boundary" };
  }
  // Every line that looks like a part's Content-Disposition, wherever it is: parsers disagree on where parts
  // start, so names are looked for in all of them rather than only where this parser would find them.
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!/^[ \t]*content-disposition[ \t]*:/i.test(lines[i]!)) continue;
    let line = lines[i]!;
    // Folded continuation lines belong to the header.
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) line += ` ${lines[++i]!.trim()}`;
    for (const name of dispositionNames(line)) {
      if (name === undefined) {
        return { undecidable: true, why: "a multipart field name in an encoding the proxy does not decode" };
      }
      if (isOverrideKey(encodeURIComponent(name)))
        return { found: true, where: `the multipart field ${name}` };
    }
  }
  return { found: false };
}

/** The `name` (and RFC 2231 `name*`) parameters of a Content-Disposition line; undefined for an encoded word. */
function dispositionNames(line: string): (string | undefined)[] {
  const names: (string | undefined)[] = [];
  const pattern = /(?:^|[;:])\s*name(\*?)\s*=\s*("((?:[^"\\]|\\.)*)"?|[^;]*)/gi;
  for (const match of line.matchAll(pattern)) {
    const extended = match[1] === "*";
    let value = match[3] !== undefined ? match[3].replace(/\\(.)/g, "$1") : match[2]!.trim();
    if (extended) {
      const quote = value.indexOf("'", value.indexOf("'") + 1);
      value = percentDecode(quote === -1 ? value : value.slice(quote + 1));
    }
    names.push(/=\?.*\?=/.test(value) ? undefined : value);
  }
  return names;
}

/** Percent-decoding that never throws: malformed escapes stay as they are, bytes map 1:1 to characters. */
function percentDecode(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}
