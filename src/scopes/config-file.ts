// Reading a YAML config file beside the scopes (proxy.yaml, mcp.yaml): the file, then its schema, then the
// cross-field compile step; every problem is reported with its file and path, not just the first.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { formatPath } from "./format-path.ts";
import { parseYaml } from "./load.ts";
import { expecting, type ScopeProblem, scopeIssueMessage } from "./schema.ts";

export type ConfigFileResult<Config> = { ok: true; config: Config } | { ok: false; problems: ScopeProblem[] };

/** An environment variable name as a shell accepts it. */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The largest request or response body a gateway reads whole to judge it, unless its file says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The fields every gateway file (proxy.yaml, mcp.yaml) has: its body limit and its list of upstreams. */
export const gatewayFileFields = <Upstream extends z.ZodType>(upstream: Upstream) => ({
  max_body_bytes: z
    .number({ error: expecting("a number of bytes") })
    .int()
    .min(1)
    .default(DEFAULT_MAX_BODY_BYTES),
  upstreams: z
    .array(upstream, { error: expecting("a list of upstreams") })
    .min(1, { error: "expected at least one upstream" }),
});

/**
 * Reports an upstream whose name an earlier one already has, at `upstreams[i].name`: credentials are held by
 * upstream name, and refusals name the upstream, so two of one name would be mixed up.
 */
export function uniqueUpstreamNames(problem: (path: PropertyKey[], message: string) => void) {
  const names = new Map<string, number>();
  return (name: string, i: number): void => {
    const first = names.get(name);
    if (first === undefined) names.set(name, i);
    else
      problem(
        ["upstreams", i, "name"],
        `expected a unique upstream name, got ${JSON.stringify(name)} again (first at upstreams[${first}])`,
      );
  };
}

/** Reads `file` and hands its text to `parse`; a missing or unreadable file is one problem naming `what` it should be. */
export async function readConfigFile<Config>(
  file: string,
  what: string,
  parse: (text: string, file: string) => ConfigFileResult<Config>,
): Promise<ConfigFileResult<Config>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const got = code === "ENOENT" ? "nothing (no such file)" : (error as Error).message;
    return { ok: false, problems: [{ file, path: "(root)", message: `expected ${what}, got ${got}` }] };
  }
  return parse(text, file);
}

/** YAML, then `schema`, then `compile` (which reports cross-field problems into the list it is given). */
export function parseConfigText<Schema extends z.ZodType, Config>(
  text: string,
  file: string,
  schema: Schema,
  compile: (data: z.output<Schema>, file: string, problems: ScopeProblem[]) => Config,
): ConfigFileResult<Config> {
  const problems: ScopeProblem[] = [];
  const data = parseYaml(text, file, problems);
  if (problems.length > 0) return { ok: false, problems };
  const parsed = schema.safeParse(data, { error: scopeIssueMessage });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ file, path: formatPath(issue.path), message: issue.message });
    }
    return { ok: false, problems };
  }
  const config = compile(parsed.data, file, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}
