// proxy.yaml compiled into what the proxy runs on: path patterns and resource templates compiled, defaults filled in,
// and the checks that span fields (unique names, ports and prefixes apart, one graphql rule per path).
import { uniqueUpstreamNames } from "../scopes/config-file.ts";
import { formatPath } from "../scopes/format-path.ts";
import type { ScopeProblem } from "../scopes/schema.ts";
import {
  type CredentialSource,
  DEFAULT_HOLD_TIMEOUT_MS,
  type HttpMethod,
  type ProxyFile,
  type RawActionMapping,
  type RawRule,
} from "./config-schema.ts";
import { compileTemplate, type ResourceTemplate, TemplateError } from "./resource-template.ts";
import { compilePathPattern, type PathPattern, PathPatternError } from "./rest-path.ts";

export interface ActionMapping {
  action: string;
  resource: ResourceTemplate;
}

export interface RestRule {
  kind: "rest";
  methods: HttpMethod[];
  path: PathPattern;
  action: string;
  resource: ResourceTemplate;
  hashBody: boolean;
  /** Headers besides Content-Type whose values the approval is bound to. */
  hashHeaders: string[];
}

export interface GraphqlRule {
  kind: "graphql";
  path: string;
  mutations: Map<string, ActionMapping>;
  queryFields: Map<string, ActionMapping>;
  queryDefault?: ActionMapping;
  hashHeaders: string[];
}

export type ProxyRule = RestRule | GraphqlRule;

export interface Credential {
  source: CredentialSource;
  header: string;
  scheme: string;
}

export interface Upstream {
  name: string;
  listen: { port: number } | { prefix: string };
  target: URL;
  environment: string;
  credential: Credential;
  holdTimeoutMs: number;
  stripHeaders: string[];
  /** Header names with "_" the agent may send; CGI-style servers read `_` as `-`, so others are dropped. */
  underscoreHeaders: string[];
  rules: ProxyRule[];
}

export interface ProxyConfig {
  file: string;
  host: string;
  port?: number;
  maxBodyBytes: number;
  upstreams: Upstream[];
}

/** Cross-field checks and compilation of patterns and templates; problems point at the field at fault. */
export function compileProxyConfig(data: ProxyFile, file: string, problems: ScopeProblem[]): ProxyConfig {
  const problem = (path: PropertyKey[], message: string) =>
    problems.push({ file, path: formatPath(path), message });
  const checkName = uniqueUpstreamNames(problem);
  const ports = new Map<number, number>();
  const prefixes: { prefix: string; index: number }[] = [];

  const upstreams = data.upstreams.map((entry, i): Upstream => {
    const at = ["upstreams", i];
    checkName(entry.name, i);

    if ("port" in entry.listen) {
      const { port: own } = entry.listen;
      const clash = ports.get(own);
      if (own !== 0 && (clash !== undefined || own === data.port)) {
        problem(
          [...at, "listen"],
          `expected a port no other listener uses, got ${own} (also ${clash === undefined ? "the shared port" : `upstreams[${clash}]`})`,
        );
      }
      ports.set(own, i);
    } else {
      const { prefix } = entry.listen;
      if (data.port === undefined) {
        problem(
          [...at, "listen"],
          `a path prefix listens on the shared port: set a top-level port (e.g. port: 8787)`,
        );
      }
      const nested = prefixes.find(
        (other) => `${prefix}/`.startsWith(`${other.prefix}/`) || `${other.prefix}/`.startsWith(`${prefix}/`),
      );
      if (nested) {
        problem(
          [...at, "listen"],
          `expected a prefix apart from every other one, got ${JSON.stringify(prefix)} (overlaps upstreams[${nested.index}]: ${JSON.stringify(nested.prefix)})`,
        );
      }
      prefixes.push({ prefix, index: i });
    }

    const header = entry.credential.header ?? "authorization";
    const scheme = entry.credential.scheme ?? (header === "authorization" ? "Bearer" : "");
    return {
      name: entry.name,
      listen: entry.listen,
      target: entry.target,
      environment: entry.environment,
      credential: { source: entry.credential, header, scheme },
      holdTimeoutMs: entry.hold_timeout ?? data.hold_timeout ?? DEFAULT_HOLD_TIMEOUT_MS,
      stripHeaders: entry.strip_headers,
      underscoreHeaders: entry.underscore_headers,
      rules: entry.rules.flatMap((r, j) => compileRule(r, [...at, "rules", j], problem)),
    };
  });

  for (const [i, entry] of upstreams.entries()) {
    const graphqlPaths = new Map<string, number>();
    for (const [j, r] of entry.rules.entries()) {
      if (r.kind !== "graphql") continue;
      const seen = graphqlPaths.get(r.path);
      if (seen !== undefined) {
        problem(
          ["upstreams", i, "rules", j, "graphql", "path"],
          `expected one graphql rule per path, got ${JSON.stringify(r.path)} again (first at rules[${seen}])`,
        );
      }
      graphqlPaths.set(r.path, j);
    }
  }

  return {
    file,
    host: data.host,
    ...(data.port === undefined ? {} : { port: data.port }),
    maxBodyBytes: data.max_body_bytes,
    upstreams,
  };
}

function compileRule(
  raw: RawRule,
  at: PropertyKey[],
  problem: (path: PropertyKey[], message: string) => void,
): ProxyRule[] {
  if (raw.kind === "rest") {
    let path: PathPattern;
    try {
      path = compilePathPattern(raw.path);
    } catch (error) {
      if (!(error instanceof PathPatternError)) throw error;
      problem([...at, "path"], `${error.message}, got ${JSON.stringify(raw.path)}`);
      return [];
    }
    const resource = compileOrReport(
      raw.resource,
      { kind: "rest", params: path.params },
      [...at, "resource"],
      problem,
    );
    if (!resource) return [];
    return [
      {
        kind: "rest",
        methods: raw.method,
        path,
        action: raw.action,
        resource,
        hashBody: raw.hash_body,
        hashHeaders: raw.hash_headers,
      },
    ];
  }

  if (!/^\/[A-Za-z0-9._~/-]*$/.test(raw.path) || raw.path.includes("//")) {
    problem([...at, "graphql", "path"], `expected a path like "/graphql", got ${JSON.stringify(raw.path)}`);
  }
  const mappings = (entries: Record<string, RawActionMapping>, key: PropertyKey[]) => {
    const compiled = new Map<string, ActionMapping>();
    for (const [field, mapping] of Object.entries(entries)) {
      const resource = compileOrReport(
        mapping.resource,
        { kind: "graphql" },
        [...key, field, "resource"],
        problem,
      );
      if (resource) compiled.set(field, { action: mapping.action, resource });
    }
    return compiled;
  };
  const mutations = mappings(raw.mutations, [...at, "graphql", "mutations"]);
  const queryFields = mappings(raw.queries.fields, [...at, "graphql", "queries", "fields"]);
  const queryDefault = raw.queries.default
    ? compileOrReport(
        raw.queries.default.resource,
        { kind: "graphql" },
        [...at, "graphql", "queries", "default", "resource"],
        problem,
      )
    : undefined;
  if (
    Object.keys(raw.mutations).length === 0 &&
    Object.keys(raw.queries.fields).length === 0 &&
    !raw.queries.default
  ) {
    problem(
      [...at, "graphql"],
      "expected at least one mutation or query mapping (a graphql rule without any refuses everything)",
    );
  }
  return [
    {
      kind: "graphql",
      path: raw.path,
      mutations,
      queryFields,
      hashHeaders: raw.hash_headers,
      ...(raw.queries.default && queryDefault
        ? { queryDefault: { action: raw.queries.default.action, resource: queryDefault } }
        : {}),
    },
  ];
}

function compileOrReport(
  source: string,
  context: Parameters<typeof compileTemplate>[1],
  at: PropertyKey[],
  problem: (path: PropertyKey[], message: string) => void,
): ResourceTemplate | undefined {
  try {
    return compileTemplate(source, context);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    problem(at, `${error.message}, in ${JSON.stringify(source)}`);
    return undefined;
  }
}
