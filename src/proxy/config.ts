// proxy.yaml: read the file, check it against its schema, compile it; every problem is reported, not just the first.
import { type ConfigFileResult, parseConfigText, readConfigFile } from "../scopes/config-file.ts";
import { formatProblem } from "../scopes/load.ts";
import type { ScopeProblem } from "../scopes/schema.ts";
import { compileProxyConfig, type ProxyConfig } from "./compile-config.ts";
import { proxyFileSchema } from "./config-schema.ts";

/** One problem in a proxy config file, printed as `file: path: message` like the scope loader's. */
export type ProxyConfigProblem = ScopeProblem;
export { formatProblem };

export type LoadProxyConfigResult = ConfigFileResult<ProxyConfig>;

export async function loadProxyConfig(file: string): Promise<LoadProxyConfigResult> {
  return readConfigFile(file, "a proxy config file", parseProxyConfig);
}

/** Validates a proxy config's text; every problem is reported, not just the first. */
export function parseProxyConfig(text: string, file: string): LoadProxyConfigResult {
  return parseConfigText(text, file, proxyFileSchema, compileProxyConfig);
}
