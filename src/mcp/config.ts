// mcp.yaml: the gateway's listener, its upstream MCP servers, their credentials and the tool → action mapping.
import { z } from "zod";
import { credential, DEFAULT_HOLD_TIMEOUT_MS } from "../proxy/config-schema.ts";
import { compileTemplate, type ResourceTemplate, TemplateError } from "../proxy/resource-template.ts";
import {
  type ConfigFileResult,
  ENV_VAR_NAME,
  gatewayFileFields,
  parseConfigText,
  readConfigFile,
  uniqueUpstreamNames,
} from "../scopes/config-file.ts";
import { describeValue } from "../scopes/describe-value.ts";
import { formatPath } from "../scopes/format-path.ts";
import { formatProblem } from "../scopes/load.ts";
import { actionName, durationMs, expecting, identifier, type ScopeProblem } from "../scopes/schema.ts";

const show = describeValue;

export { formatProblem };
export type McpConfigProblem = ScopeProblem;

/** The longest a held call may wait: MCP clients time requests out, and a human should not be asked for longer. */
export const MAX_HOLD_TIMEOUT_MS = 10 * 60_000;

/** MCP tool names: what clients accept and the spec recommends. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const toolName = z.string().regex(TOOL_NAME, {
  error: (issue) => `expected a tool name (letters, digits, _ . -), got ${show(issue.input)}`,
});

const holdMode = z.enum(["wait", "refuse"], {
  error: (issue) =>
    `expected wait (hold the call until a human decides) or refuse (answer at once with the approval id), got ${show(issue.input)}`,
});

const toolMapping = z
  .object(
    {
      action: actionName,
      resource: z
        .string({
          error: expecting('a resource template like "railway:prj_demo/env/{env}/volume/{args.volumeId}"'),
        })
        .min(1),
    },
    { error: expecting("a mapping like {action: volume:delete, resource: ...}") },
  )
  .strict();

const upstream = z
  .object(
    {
      name: identifier,
      /** The one environment whose tokens this upstream serves; `{env}` in a template is it. */
      environment: identifier.optional(),
      /** Several environments: the resource must then name the environment from the call's arguments. */
      environments: z
        .array(identifier, { error: expecting("a list of environment names") })
        .min(1)
        .optional(),
      /** A Streamable HTTP MCP server. */
      url: z
        .string({ error: expecting('an http(s) URL like "https://mcp.example.com/mcp"') })
        .refine(
          (value) => {
            if (!URL.canParse(value)) return false;
            const url = new URL(value);
            return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
          },
          { error: (issue) => `expected an http(s) URL without user info, got ${show(issue.input)}` },
        )
        .optional(),
      /** A stdio MCP server the gateway spawns: the program and its arguments. */
      command: z
        .array(z.string().min(1), { error: expecting('a command as a list, like ["node", "server.js"]') })
        .min(1)
        .optional(),
      credential,
      /** For a spawned server: the environment variable it reads the credential from. */
      credential_env: z
        .string()
        .regex(ENV_VAR_NAME, {
          error: (issue) => `expected an environment variable name, got ${show(issue.input)}`,
        })
        .optional(),
      hold: holdMode.optional(),
      hold_timeout: durationMs.optional(),
      deny_unmapped: z.boolean({ error: expecting("true or false") }).optional(),
      tools: z
        .record(toolName, toolMapping, { error: expecting("a mapping of tool name to {action, resource}") })
        .default({}),
      /** With deny_unmapped: false, the action and resource every tool without its own mapping is authorized as. */
      unmapped: toolMapping.optional(),
    },
    { error: expecting("an upstream like {name, environment, url, credential, tools}") },
  )
  .strict();

const mcpFileSchema = z
  .object(
    {
      host: z.string({ error: expecting("a host address") }).default("127.0.0.1"),
      port: z
        .number({ error: expecting("a port number") })
        .int()
        .min(0)
        .max(65_535)
        .default(8788),
      /** wait: hold a call that needs approval until a human decides (bounded by hold_timeout); refuse: answer at once. */
      hold: holdMode.default("wait"),
      hold_timeout: durationMs.optional(),
      /** Tools with no mapping are refused and not listed. */
      deny_unmapped: z.boolean({ error: expecting("true or false") }).default(true),
      ...gatewayFileFields(upstream),
    },
    { error: expecting("a mapping with an `upstreams:` list") },
  )
  .strict();

type McpFile = z.infer<typeof mcpFileSchema>;

export interface ToolMapping {
  action: string;
  resource: ResourceTemplate;
}

export type UpstreamTransport =
  | { kind: "http"; url: URL }
  | { kind: "stdio"; command: string; args: string[] }
  /** No server in the file: `leash mcp stdio -- <command>` names it. */
  | { kind: "none" };

export interface McpUpstream {
  name: string;
  /** Tokens of these environments may open a session; others are refused at connect. */
  environments: string[];
  transport: UpstreamTransport;
  credential: {
    source: z.infer<typeof credential>;
    /** HTTP upstreams: the header and scheme it is sent with. */
    header: string;
    scheme: string;
    /** Spawned upstreams: the variable it is passed in. */
    env: string;
  };
  hold: "wait" | "refuse";
  holdTimeoutMs: number;
  denyUnmapped: boolean;
  tools: Map<string, ToolMapping>;
  unmapped?: ToolMapping;
}

export interface McpConfig {
  file: string;
  host: string;
  port: number;
  maxBodyBytes: number;
  upstreams: McpUpstream[];
}

export type LoadMcpConfigResult = ConfigFileResult<McpConfig>;

export async function loadMcpConfig(file: string): Promise<LoadMcpConfigResult> {
  return readConfigFile(file, "an MCP gateway config file", parseMcpConfig);
}

/** Validates a gateway config's text; every problem is reported, not just the first. */
export function parseMcpConfig(text: string, file: string): LoadMcpConfigResult {
  return parseConfigText(text, file, mcpFileSchema, compile);
}

function compile(data: McpFile, file: string, problems: McpConfigProblem[]): McpConfig {
  const problem = (path: PropertyKey[], message: string) =>
    problems.push({ file, path: formatPath(path), message });
  const checkName = uniqueUpstreamNames(problem);
  const upstreams = data.upstreams.map((entry, i): McpUpstream => {
    const at = ["upstreams", i];
    checkName(entry.name, i);

    if (entry.environment !== undefined && entry.environments !== undefined) {
      problem([...at, "environments"], "expected environment or environments, not both");
    }
    const environments = entry.environments ?? (entry.environment ? [entry.environment] : []);
    if (environments.length === 0) {
      problem(
        [...at],
        "expected environment: <name> (or environments: [...]): the environment whose task tokens may use it",
      );
    }
    if (entry.url !== undefined && entry.command !== undefined) {
      problem(
        [...at, "command"],
        "expected url (Streamable HTTP) or command (spawned stdio server), not both",
      );
    }
    const transport: UpstreamTransport = entry.url
      ? { kind: "http", url: new URL(entry.url) }
      : entry.command
        ? { kind: "stdio", command: entry.command[0]!, args: entry.command.slice(1) }
        : { kind: "none" };
    if (entry.credential_env !== undefined && transport.kind === "http") {
      problem(
        [...at, "credential_env"],
        "credential_env is for spawned servers; an HTTP upstream gets the credential in a header",
      );
    }
    const source = entry.credential;
    if (transport.kind === "stdio" && (source.header !== undefined || source.scheme !== undefined)) {
      problem(
        [...at, "credential"],
        "a spawned server gets its credential in an environment variable (credential_env), not a header",
      );
    }
    const header = source.header ?? "authorization";
    const scheme = source.scheme ?? (header === "authorization" ? "Bearer" : "");
    const credentialEnv = entry.credential_env ?? ("env" in source ? source.env : "MCP_UPSTREAM_TOKEN");

    const denyUnmapped = entry.deny_unmapped ?? data.deny_unmapped;
    const single = environments.length === 1;
    const compileMapping = (mapping: z.infer<typeof toolMapping>, path: PropertyKey[]) => {
      let template: ResourceTemplate;
      try {
        template = compileTemplate(mapping.resource, { kind: "graphql" });
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        problem(
          [...path, "resource"],
          `${error.message.replaceAll("GraphQL rules", "tools")}, in ${JSON.stringify(mapping.resource)}`,
        );
        return undefined;
      }
      if (!single && template.parts.some((part) => part.kind === "env")) {
        // With several environments {env} would be the caller's own: a staging token would name its own environment
        // while the upstream's credential acts wherever the arguments point.
        problem(
          [...path, "resource"],
          `{env} is ambiguous for an upstream serving ${environments.join(", ")}: name the environment from the call's arguments (e.g. {args.environment})`,
        );
        return undefined;
      }
      return { action: mapping.action, resource: template };
    };
    const tools = new Map<string, ToolMapping>();
    for (const [name, mapping] of Object.entries(entry.tools)) {
      const compiled = compileMapping(mapping, [...at, "tools", name]);
      if (compiled) tools.set(name, compiled);
    }
    let unmapped: ToolMapping | undefined;
    if (entry.unmapped) {
      if (denyUnmapped) problem([...at, "unmapped"], "unmapped is used only with deny_unmapped: false");
      else unmapped = compileMapping(entry.unmapped, [...at, "unmapped"]);
    } else if (!denyUnmapped) {
      problem(
        [...at, "unmapped"],
        "with deny_unmapped: false, say which action and resource other tools are authorized as (unmapped: {action, resource})",
      );
    }
    if (tools.size === 0 && !unmapped) {
      problem(
        [...at, "tools"],
        "expected at least one tool mapping (an upstream without any refuses every call)",
      );
    }
    const holdTimeoutMs = entry.hold_timeout ?? data.hold_timeout ?? DEFAULT_HOLD_TIMEOUT_MS;
    if (holdTimeoutMs > MAX_HOLD_TIMEOUT_MS) {
      problem(
        [...at, "hold_timeout"],
        `expected at most ${MAX_HOLD_TIMEOUT_MS / 60_000}m, got ${holdTimeoutMs / 1000}s`,
      );
    }
    return {
      name: entry.name,
      environments,
      transport,
      credential: { source, header, scheme, env: credentialEnv },
      hold: entry.hold ?? data.hold,
      holdTimeoutMs,
      denyUnmapped,
      tools,
      ...(unmapped ? { unmapped } : {}),
    };
  });
  return { file, host: data.host, port: data.port, maxBodyBytes: data.max_body_bytes, upstreams };
}

/** The path an upstream is served at on the gateway. */
export const endpointPath = (upstream: Pick<McpUpstream, "name">) => `/mcp/${upstream.name}`;
