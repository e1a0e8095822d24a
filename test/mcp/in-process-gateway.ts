// The MCP gateway in the test's own process, started from a config file's text, as `leash mcp serve` starts it.
import pino from "pino";
import { formatProblem, parseMcpConfig } from "../../src/mcp/config.ts";
import { type RunningGateway, startGateway } from "../../src/mcp/gateway.ts";

/** Starts a gateway on `yaml` (named `file` in its problems) against the broker at `brokerUrl`, logging nothing. */
export async function startGatewayFromYaml(
  yaml: string,
  file: string,
  brokerUrl: string,
  credentials: Map<string, string>,
): Promise<RunningGateway> {
  const loaded = parseMcpConfig(yaml, file);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
  return startGateway(loaded.config, { brokerUrl, credentials, logger: pino({ level: "silent" }) });
}
