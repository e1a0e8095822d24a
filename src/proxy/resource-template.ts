// Resource templates of proxy rules ("railway:prj_demo/env/{env}/volume/{args.volumeId}") and the values they accept.
import { resourceNotCanonical } from "../scopes/resource-name.ts";

/** One piece of a template: literal text, the upstream's environment, a REST path parameter or a GraphQL argument. */
export type TemplatePart =
  | { kind: "text"; text: string }
  | { kind: "env" }
  | { kind: "param"; name: string }
  | { kind: "arg"; path: string[] };

export interface ResourceTemplate {
  source: string;
  parts: TemplatePart[];
}

/** What a template may refer to: REST rules have path parameters, GraphQL rules have field arguments. */
export type TemplateContext = { kind: "rest"; params: readonly string[] } | { kind: "graphql" };

const PLACEHOLDER = /\{([^{}]*)\}|\/:([A-Za-z_][A-Za-z0-9_]*)(?=\/|$)/g;
const ARG_PATH = /^args(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/**
 * A value that may stand in a resource: one path segment of plain characters. No "/", no glob characters, no
 * leading "." or "-", so a value can neither climb out of its segment nor widen what the resource matches.
 */
const SAFE_VALUE = /^[A-Za-z0-9_][A-Za-z0-9_.:@+~=-]{0,255}$/;

export class TemplateError extends Error {
  override name = "TemplateError";
}

/** Parses a template, naming the first placeholder that the rule cannot fill. */
export function compileTemplate(source: string, context: TemplateContext): ResourceTemplate {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const start = match.index;
    const [whole, braced, param] = match;
    if (param !== undefined) {
      if (context.kind !== "rest") {
        throw new TemplateError(
          `":${param}" is a REST path parameter; GraphQL rules name arguments as {args.${param}}`,
        );
      }
      if (!context.params.includes(param)) {
        throw new TemplateError(
          `":${param}" is not a parameter of the rule's path (it has ${describeNames(context.params.map((p) => `:${p}`))})`,
        );
      }
      parts.push({ kind: "text", text: source.slice(last, start + 1) });
      parts.push({ kind: "param", name: param });
    } else {
      parts.push({ kind: "text", text: source.slice(last, start) });
      parts.push(bracedPart(braced!.trim(), context));
    }
    last = start + whole.length;
  }
  parts.push({ kind: "text", text: source.slice(last) });
  if (/[{}]/.test(parts.map((p) => (p.kind === "text" ? p.text : "")).join(""))) {
    throw new TemplateError('unbalanced "{" or "}"');
  }
  const compiled = { source, parts: parts.filter((p) => p.kind !== "text" || p.text !== "") };
  // Values are single plain segments (SAFE_VALUE), so a template that renders canonical with one renders canonical
  // with all; broker refuses the rest (400 resource_not_canonical), so say it now.
  const sample = renderTemplate(compiled, {
    env: "env",
    params: sampleValues(compiled),
    args: sampleArgs(compiled),
  });
  const problem = sample.ok ? resourceNotCanonical(sample.resource) : null;
  if (problem) throw new TemplateError(`the resources it builds are not canonical: ${problem}`);
  return compiled;
}

function sampleValues(template: ResourceTemplate): Record<string, string> {
  const values: Record<string, string> = {};
  for (const part of template.parts) if (part.kind === "param") values[part.name] = "x";
  return values;
}

function sampleArgs(template: ResourceTemplate): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const part of template.parts) {
    if (part.kind !== "arg") continue;
    let at = args;
    part.path.forEach((key, i) => {
      if (i === part.path.length - 1) at[key] = "x";
      else {
        at[key] ??= {};
        at = at[key] as Record<string, unknown>;
      }
    });
  }
  return args;
}

function bracedPart(name: string, context: TemplateContext): TemplatePart {
  if (name === "env") return { kind: "env" };
  if (context.kind === "graphql" && ARG_PATH.test(name))
    return { kind: "arg", path: name.split(".").slice(1) };
  if (context.kind === "rest" && /^params\.[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    const param = name.slice("params.".length);
    if (!context.params.includes(param)) {
      throw new TemplateError(`{${name}} is not a parameter of the rule's path`);
    }
    return { kind: "param", name: param };
  }
  const allowed = context.kind === "rest" ? "{env} or :param" : "{env} or {args.name}";
  throw new TemplateError(`unknown placeholder {${name}}, expected ${allowed}`);
}

function describeNames(names: string[]): string {
  return names.length === 0 ? "none" : names.join(", ");
}

export interface TemplateValues {
  env: string;
  params?: Record<string, string>;
  args?: Record<string, unknown>;
}

export type RenderResult = { ok: true; resource: string } | { ok: false; problem: string };

/** Fills a template; a missing, structured or unsafe value refuses the request instead of guessing a resource. */
export function renderTemplate(template: ResourceTemplate, values: TemplateValues): RenderResult {
  let resource = "";
  for (const part of template.parts) {
    if (part.kind === "text") {
      resource += part.text;
      continue;
    }
    const { label, value } = lookup(part, values);
    if (value === undefined || value === null) return { ok: false, problem: `${label} is missing` };
    if (typeof value !== "string" && !(typeof value === "number" && Number.isFinite(value))) {
      return { ok: false, problem: `${label} is not a string or a number` };
    }
    if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      // JSON numbers past 2^53 were rounded when parsed: the id the agent wrote is not the one it would name.
      return { ok: false, problem: `${label} is an integer too large to carry exactly; send it as a string` };
    }
    const text = String(value);
    if (!SAFE_VALUE.test(text)) {
      return {
        ok: false,
        problem: `${label} is not a plain identifier (letters, digits and _ . : @ + ~ = -, not starting with . or -)`,
      };
    }
    resource += text;
  }
  return { ok: true, resource };
}

function lookup(part: Exclude<TemplatePart, { kind: "text" }>, values: TemplateValues) {
  switch (part.kind) {
    case "env":
      return { label: "the environment", value: values.env };
    case "param":
      return { label: `path parameter :${part.name}`, value: values.params?.[part.name] };
    case "arg": {
      let value: unknown = values.args;
      for (const key of part.path) {
        value =
          value && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, key)
            ? (value as Record<string, unknown>)[key]
            : undefined;
      }
      return { label: `argument ${part.path.join(".")}`, value };
    }
  }
}
