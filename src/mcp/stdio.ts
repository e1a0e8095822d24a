// `leash mcp stdio -- <command>`: the agent's MCP client spawns the gateway, which spawns the real server behind it.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Logger } from "pino";
import { alarmAt } from "../clock/alarm.ts";
import { LeashError } from "../errors/leash-error.ts";
import { BrokerClient } from "../proxy/broker-client.ts";
import { CredentialScrubber } from "../scrub/credential-scrubber.ts";
import type { McpUpstream } from "./config.ts";
import { GatewayMetrics } from "./metrics.ts";
import { payloadReaders } from "./payload-readers.ts";
import { type AgentSession, createSessionServer } from "./session.ts";
import { agentOf } from "./token-agent.ts";
import { UpstreamConnection } from "./upstream-client.ts";

export interface StdioGatewayOptions {
  upstream: McpUpstream;
  brokerUrl: string;
  /** LEASH_TOKEN. */
  token: string | undefined;
  /** Read only once the token is known to be good. */
  credential: () => Promise<string>;
  /** The server to spawn; without it, the upstream's own url or command. */
  command?: { command: string; args: string[] };
  logger: Logger;
}

/**
 * Refuses to start (a LeashError, before the upstream is spawned) without a live token of the upstream's
 * environment; otherwise serves until the agent closes stdin or leash ends the session. Resolves when it is over.
 */
export async function runStdioGateway(options: StdioGatewayOptions): Promise<void> {
  const { upstream, logger } = options;
  if (!options.token) {
    throw new LeashError(
      "missing_token",
      "set LEASH_TOKEN to the task token from `leash token`; the gateway did not start",
    );
  }
  const broker = new BrokerClient({ url: options.brokerUrl });
  const grants = await broker.grants(options.token, AbortSignal.timeout(30_000));
  if (!upstream.environments.includes(grants.env)) {
    throw new LeashError(
      "wrong_environment",
      `upstream ${upstream.name} serves ${upstream.environments.join(", ")} task tokens; LEASH_TOKEN is for ${grants.env}`,
    );
  }
  payloadReaders.start();
  const credential = await options.credential();
  const scrubber = new CredentialScrubber([credential]);
  const connection = new UpstreamConnection(upstream, {
    credential,
    ...(options.command ? { command: options.command } : {}),
    onStderr: (line) =>
      logger.info({ upstream: upstream.name, stderr: scrubber.scrubText(line) }, "upstream stderr"),
  });
  await connection.connect();

  const agent: AgentSession = {
    token: options.token,
    task: grants.task,
    agent: agentOf(options.token),
    expiresAtMs: grants.exp * 1000,
  };
  const server = createSessionServer(
    { upstream, connection, broker, scrubber, logger, metrics: new GatewayMetrics() },
    agent,
  );
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // After the answer that ended it has been written, the session is over: the agent's client sees the server go.
  agent.onEnded = () => setImmediate(() => void server.close());
  const expiry = alarmAt(agent.expiresAtMs, () => void server.close());
  const transport = new StdioServerTransport();
  process.stdin.once("end", () => void server.close());
  await server.connect(transport);
  logger.info(
    { upstream: upstream.name, task: grants.task, environment: grants.env },
    "mcp stdio session open",
  );
  await closed;
  expiry.cancel();
  await connection.close().catch(() => undefined);
}
