// proxy.yaml: listeners, upstreams, their credentials and the rules mapping requests to actions; validated with zod.
import { z } from "zod";
import {
  type ConfigFileResult,
  ENV_VAR_NAME,
  parseConfigText,
  readConfigFile,
} from "../scopes/config-file.ts";
import { formatPath, formatProblem } from "../scopes/load.ts";
import {
  actionName,
  describeValue,
  durationMs,
  expecting,
  identifier,
  type ScopeProblem,
  scopeIssueMessage,
} from "../scopes/schema.ts";
import { compileTemplate, type ResourceTemplate, TemplateError } from "./resource-template.ts";
import { compilePathPattern, type PathPattern, PathPatternError } from "./rest-path.ts";

const show = describeValue;

/** One problem in a proxy config file, printed as `file: path: message` like the scope loader's. */
export type ProxyConfigProblem = ScopeProblem;
export { formatProblem };

export const DEFAULT_HOLD_TIMEOUT_MS = 120_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Shorter credentials would make scrubbing them out of responses mask ordinary text. */
export const MIN_CREDENTIAL_LENGTH = 8;

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof METHODS)[number];

/** A schema that runs `check` on the raw value: one message naming what was expected, then the typed result. */
function checked<T>(expected: string, check: (value: unknown) => T | undefined) {
  return z.unknown().transform((value, ctx): T => {
    const result = check(value);
    if (result === undefined) {
      ctx.addIssue({ code: "custom", message: `expected ${expected}, got ${show(value)}` });
      return z.NEVER;
    }
    return result;
  });
}

const port = checked("a port number 0-65535", (value) =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 65_535 ? value : undefined,
);

const PREFIX = /^(\/[A-Za-z0-9._~-]+)+\/?$/;
const listen = checked<{ port: number } | { prefix: string }>(
  'a port number (0-65535) or a path prefix like "/railway"',
  (value) => {
    if (typeof value === "number") {
      return Number.isInteger(value) && value >= 0 && value <= 65_535 ? { port: value } : undefined;
    }
    if (typeof value === "string" && PREFIX.test(value) && !/\/\.\.?(\/|$)/.test(value)) {
      return { prefix: value.replace(/\/$/, "") };
    }
    return undefined;
  },
);

const httpUrl = checked('an http(s) URL like "https://backboard.railway.com"', (value) => {
  if (typeof value !== "string" || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  const plain = (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
  return plain && !url.search && !url.hash ? url : undefined;
});

const method = checked<HttpMethod>(METHODS.join(", "), (value) => {
  const upper = typeof value === "string" ? value.toUpperCase() : undefined;
  return (METHODS as readonly string[]).includes(upper ?? "") ? (upper as HttpMethod) : undefined;
});
const methods = z.union([method.transform((m) => [m]), z.array(method).min(1)], {
  error: (issue) => `expected a method (${METHODS.join(", ")}) or a list of them, got ${show(issue.input)}`,
});

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const headerName = checked('an HTTP header name like "authorization"', (value) =>
  typeof value === "string" && HEADER_NAME.test(value) ? value.toLowerCase() : undefined,
);

const envVar = checked('an environment variable name like "RAILWAY_TOKEN"', (value) =>
  typeof value === "string" && ENV_VAR_NAME.test(value) ? value : undefined,
);
const vaultPath = checked('a Vault KV path like "upstreams/railway-staging"', (value) =>
  typeof value === "string" && /^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/.test(value) ? value : undefined,
);

const credentialPlacement = {
  /** Header that carries the credential upstream (default authorization). */
  header: headerName.optional(),
  /** Prefix before the value; default "Bearer" in authorization, none elsewhere. "" sends the bare value. */
  scheme: z.string({ error: expecting('a scheme like "Bearer"') }).optional(),
};

const envCredential = z
  .object(
    { env: envVar, ...credentialPlacement },
    { error: expecting("a mapping like {env: RAILWAY_TOKEN}") },
  )
  .strict();
const vaultCredential = z
  .object(
    {
      vault_kv: vaultPath,
      key: z
        .string({ error: expecting('the key inside the secret, like "token"') })
        .min(1)
        .default("token"),
      mount: vaultPath.optional(),
      ...credentialPlacement,
    },
    { error: expecting('a mapping like {vault_kv: "upstreams/railway", key: token}') },
  )
  .strict();

export const credential = z.unknown().transform((value, ctx) => {
  const record = value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  const schema =
    record && "vault_kv" in record ? vaultCredential : record && "env" in record ? envCredential : undefined;
  if (!schema) {
    ctx.addIssue({
      code: "custom",
      message: `expected {env: VARIABLE} or {vault_kv: "path", key: name} (the credential comes from the proxy's environment or Vault, never from the agent), got ${show(value)}`,
    });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value, { error: scopeIssueMessage });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
    }
    return z.NEVER;
  }
  return parsed.data;
});
export type CredentialSource = z.infer<typeof envCredential> | z.infer<typeof vaultCredential>;

const template = (what: string) =>
  z
    .string({ error: expecting(`a resource template like ${what}`) })
    .min(1, { error: `expected a resource template like ${what}` });

const actionMapping = z
  .object(
    {
      action: actionName,
      resource: template('"railway:prj_demo/env/{env}/volume/{args.volumeId}"'),
    },
    { error: expecting("a mapping like {action: volume:delete, resource: ...}") },
  )
  .strict();

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const fieldName = z
  .string()
  .regex(GRAPHQL_NAME, { error: (i) => `expected a GraphQL field name, got ${show(i.input)}` });

const graphqlRule = z
  .object({
    graphql: z
      .object(
        {
          path: z.string({ error: expecting('the GraphQL endpoint path, like "/graphql"') }),
          mutations: z
            .record(fieldName, actionMapping, { error: expecting("a mapping of mutation field to action") })
            .default({}),
          queries: z
            .object(
              {
                /** For query fields not listed under `fields`; without it such fields are refused. */
                default: actionMapping.optional(),
                fields: z
                  .record(fieldName, actionMapping, {
                    error: expecting("a mapping of query field to action"),
                  })
                  .default({}),
              },
              { error: expecting("a mapping with default and/or fields") },
            )
            .strict()
            .default({ fields: {} }),
          hash_headers: z.array(headerName, { error: expecting("a list of header names") }).default([]),
        },
        { error: expecting("a mapping with path, mutations and queries") },
      )
      .strict(),
  })
  .strict();

const restRule = z
  .object(
    {
      method: methods,
      path: z.string({ error: expecting('a path pattern like "/v1/volumes/:id"') }),
      action: actionName,
      resource: template('"railway:prj_demo/env/{env}/volume/:id"'),
      /** Buffer the request body (up to max_body_bytes) so the approval is bound to it too; otherwise it streams. */
      hash_body: z.boolean({ error: expecting("true or false") }).default(false),
      /** Request headers the upstream uses to change what the call does; the approval is bound to their values. */
      hash_headers: z.array(headerName, { error: expecting("a list of header names") }).default([]),
    },
    { error: expecting("a rule like {method: DELETE, path: /v1/volumes/:id, action: ..., resource: ...}") },
  )
  .strict();

const rule = z.unknown().transform((value, ctx) => {
  const isGraphql = value && typeof value === "object" && !Array.isArray(value) && "graphql" in value;
  const schema = isGraphql ? graphqlRule : restRule;
  const parsed = schema.safeParse(value, { error: scopeIssueMessage });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path as PropertyKey[] });
    }
    return z.NEVER;
  }
  return isGraphql
    ? { kind: "graphql" as const, ...(parsed.data as z.infer<typeof graphqlRule>).graphql }
    : { kind: "rest" as const, ...(parsed.data as z.infer<typeof restRule>) };
});

const upstream = z
  .object(
    {
      name: identifier,
      listen,
      target: httpUrl,
      environment: identifier,
      credential,
      hold_timeout: durationMs.optional(),
      /** More request headers to remove, beyond the built-in list of credential and hop-by-hop headers. */
      strip_headers: z.array(headerName, { error: expecting("a list of header names") }).default([]),
      /** Request headers whose names contain "_" that go upstream; every other such header is dropped, as nginx does. */
      underscore_headers: z.array(headerName, { error: expecting("a list of header names") }).default([]),
      rules: z
        .array(rule, { error: expecting("a list of rules") })
        .min(1, { error: "expected at least one rule (a request no rule matches is refused)" }),
    },
    { error: expecting("an upstream like {name, listen, target, environment, credential, rules}") },
  )
  .strict();

const proxyFileSchema = z
  .object(
    {
      /** Address every listener binds. */
      host: z.string({ error: expecting("a host address") }).default("127.0.0.1"),
      /** The shared port, for upstreams whose `listen` is a path prefix. */
      port: port.optional(),
      /** How long a call waiting for approval is held before answering 403 approval_timeout. */
      hold_timeout: durationMs.optional(),
      max_body_bytes: z
        .number({ error: expecting("a number of bytes") })
        .int()
        .min(1)
        .default(DEFAULT_MAX_BODY_BYTES),
      upstreams: z
        .array(upstream, { error: expecting("a list of upstreams") })
        .min(1, { error: "expected at least one upstream" }),
    },
    { error: expecting("a mapping with an `upstreams:` list") },
  )
  .strict();

type ProxyFile = z.infer<typeof proxyFileSchema>;

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

export type LoadProxyConfigResult = ConfigFileResult<ProxyConfig>;

export async function loadProxyConfig(file: string): Promise<LoadProxyConfigResult> {
  return readConfigFile(file, "a proxy config file", parseProxyConfig);
}

/** Validates a proxy config's text; every problem is reported, not just the first. */
export function parseProxyConfig(text: string, file: string): LoadProxyConfigResult {
  return parseConfigText(text, file, proxyFileSchema, compile);
}

/** Cross-field checks and compilation of patterns and templates; problems point at the field at fault. */
function compile(data: ProxyFile, file: string, problems: ProxyConfigProblem[]): ProxyConfig {
  const problem = (path: PropertyKey[], message: string) =>
    problems.push({ file, path: formatPath(path), message });
  const names = new Map<string, number>();
  const ports = new Map<number, number>();
  const prefixes: { prefix: string; index: number }[] = [];

  const upstreams = data.upstreams.map((entry, i): Upstream => {
    const at = ["upstreams", i];
    const first = names.get(entry.name);
    if (first !== undefined) {
      problem(
        [...at, "name"],
        `expected a unique upstream name, got ${JSON.stringify(entry.name)} again (first at upstreams[${first}])`,
      );
    } else names.set(entry.name, i);

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

type RawRule = z.infer<typeof rule>;

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
  const mappings = (entries: Record<string, z.infer<typeof actionMapping>>, key: PropertyKey[]) => {
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
