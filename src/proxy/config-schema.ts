// What proxy.yaml may say, as zod schemas: each field's shape and the message naming what was expected.
import { z } from "zod";
import { ENV_VAR_NAME, gatewayFileFields } from "../scopes/config-file.ts";
import { describeValue } from "../scopes/describe-value.ts";
import { actionName, durationMs, expecting, identifier, scopeIssueMessage } from "../scopes/schema.ts";

const show = describeValue;

export const DEFAULT_HOLD_TIMEOUT_MS = 120_000;
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

export const proxyFileSchema = z
  .object(
    {
      /** Address every listener binds. */
      host: z.string({ error: expecting("a host address") }).default("127.0.0.1"),
      /** The shared port, for upstreams whose `listen` is a path prefix. */
      port: port.optional(),
      /** How long a call waiting for approval is held before answering 403 approval_timeout. */
      hold_timeout: durationMs.optional(),
      ...gatewayFileFields(upstream),
    },
    { error: expecting("a mapping with an `upstreams:` list") },
  )
  .strict();

export type ProxyFile = z.infer<typeof proxyFileSchema>;
export type RawRule = z.infer<typeof rule>;
export type RawActionMapping = z.infer<typeof actionMapping>;
