// `leash mcp`: the MCP gateway (Streamable HTTP), `leash mcp stdio -- <command>` and `leash mcp lint`.
import type { Command } from "commander";
import { cliEnv } from "../../config/cli-env.ts";
import { proxyEnv } from "../../config/proxy-env.ts";
import { LeashError } from "../../errors/leash-error.ts";
import { createLogger } from "../../log/logger.ts";
import { formatProblem, loadMcpConfig, type McpConfig } from "../../mcp/config.ts";
import { startGateway } from "../../mcp/gateway.ts";
import { lintMcpConfig } from "../../mcp/lint.ts";
import { runStdioGateway } from "../../mcp/stdio.ts";
import { resolveCredentials } from "../../proxy/credentials.ts";
import { loadScopeSet } from "../../scopes/load.ts";
import { terminalSafeJson, visibleText } from "../../text/visible-text.ts";
import { jsonOption, printResult } from "../output.ts";

export function registerMcpCommands(program: Command): void {
  // `leash mcp --config` and `leash mcp lint --config` are different options: the parent's stop at its subcommand.
  // The program has no options of its own, so this changes nothing for other commands.
  program.enablePositionalOptions();
  const mcp = program
    .command("mcp")
    .description(
      "run the MCP gateway agents connect to instead of the upstream MCP servers (LEASH_URL; upstream credentials from this process's environment or Vault)",
    )
    .option("--config <file>", "gateway config (see examples/mcp.yaml)")
    .option(
      "--json",
      "print exactly one JSON line with the endpoint URLs on stdout, then only logs on stderr",
    )
    .option("--log-level <level>", "pino log level", "info")
    .enablePositionalOptions()
    .action(async (options: { config?: string; json?: boolean; logLevel: string }) => {
      if (!options.config) throw new LeashError("config_invalid", "--config <file> is required");
      const { brokerUrl } = proxyEnv();
      const config = await loadConfig(options.config);
      const credentials = await resolveCredentials(config.upstreams, process.env);
      const logger = createLogger(options.logLevel);
      const gateway = await startGateway(config, { brokerUrl, credentials, logger });
      if (options.json) {
        process.stdout.write(
          `${terminalSafeJson({ leash: brokerUrl, url: gateway.url, endpoints: gateway.endpoints })}\n`,
        );
      } else {
        const lines = gateway.endpoints.map((e) => {
          const upstream = config.upstreams.find((u) => u.name === e.upstream)!;
          return `  ${e.url}  (${upstream.environments.join(", ")})`;
        });
        process.stdout.write(`leash mcp: asking ${brokerUrl}\n${lines.join("\n")}\n`);
      }
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await gateway.close();
    });

  mcp
    .command("stdio")
    .description(
      "serve one upstream over stdio to an MCP client that spawns this command (LEASH_TOKEN, LEASH_URL)",
    )
    .requiredOption("--config <file>", "gateway config with the upstream's tool mapping and credential")
    .option("--upstream <name>", "which upstream of the config (default: the only one)")
    .option("--log-level <level>", "pino log level (logs go to stderr)", "info")
    .argument(
      "[command...]",
      "the stdio MCP server to spawn, after --; default: the upstream's url or command",
    )
    .action(async (command: string[], options: { config: string; upstream?: string; logLevel: string }) => {
      const { brokerUrl, token } = proxyEnv();
      const config = await loadConfig(options.config);
      const upstream = options.upstream
        ? config.upstreams.find((u) => u.name === options.upstream)
        : config.upstreams.length === 1
          ? config.upstreams[0]
          : undefined;
      if (!upstream) {
        throw new LeashError(
          "config_invalid",
          options.upstream
            ? `no upstream named ${options.upstream} in ${options.config}`
            : `${options.config} has several upstreams: name one with --upstream`,
        );
      }
      if (command.length === 0 && upstream.transport.kind === "none") {
        throw new LeashError(
          "config_invalid",
          `name the server to spawn after --, e.g. leash mcp stdio --config ${options.config} -- node server.js`,
        );
      }
      // The token is checked before the credential is read or anything is spawned.
      await runStdioGateway({
        upstream,
        brokerUrl,
        token,
        credential: async () => (await resolveCredentials([upstream], process.env)).get(upstream.name)!,
        ...(command.length > 0 ? { command: { command: command[0]!, args: command.slice(1) } } : {}),
        logger: createLogger(options.logLevel),
      });
    });

  jsonOption(
    mcp
      .command("lint")
      .description(
        "check a gateway config against the scopes (environments, action catalogue, resources); exit 1 on any problem",
      )
      .requiredOption("--config <file>", "gateway config")
      .option("--scopes <dir>", "scopes directory (default: $LEASH_SCOPES_DIR or ./scopes)"),
    "print the result as one JSON object: ok, counts and notes, or every problem",
  ).action(async (options: { config: string; scopes?: string; json?: boolean }) => {
    const dir = options.scopes ?? cliEnv().LEASH_SCOPES_DIR ?? "./scopes";
    const result = await lintMcpCommand(options.config, dir);
    process.exitCode = result.ok ? 0 : 1;
    if (options.json) {
      printResult(options, { dir, config: options.config, ...result }, () => "");
      return;
    }
    for (const note of result.notes) process.stdout.write(`note: ${visibleText(note)}\n`);
    for (const problem of result.problems) process.stderr.write(`${visibleText(formatProblem(problem))}\n`);
    if (result.stage === "lint" && !result.ok)
      process.stderr.write(`${result.problems.length} problem(s) in ${options.config}\n`);
    if (result.ok)
      process.stdout.write(
        `OK ${result.upstreams} upstream(s), ${result.tools} mapped tool(s), checked against ${dir}\n`,
      );
  });
}

/** Loads the config and the scopes, then lints one against the other; the first stage with problems ends it. */
async function lintMcpCommand(file: string, dir: string) {
  const loaded = await loadMcpConfig(file);
  if (!loaded.ok) return { ok: false, stage: "config", problems: loaded.problems, notes: [] as string[] };
  const scopes = await loadScopeSet(dir);
  if (!scopes.ok) return { ok: false, stage: "scopes", problems: scopes.problems, notes: [] as string[] };
  const { problems, notes } = lintMcpConfig(loaded.config, scopes.set);
  const tools = loaded.config.upstreams.reduce((n, u) => n + u.tools.size, 0);
  return {
    ok: problems.length === 0,
    stage: "lint",
    upstreams: loaded.config.upstreams.length,
    tools,
    problems,
    notes,
  };
}

async function loadConfig(file: string): Promise<McpConfig> {
  const loaded = await loadMcpConfig(file);
  if (!loaded.ok) {
    for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
    throw new LeashError(
      "mcp_config_invalid",
      `${file}: ${loaded.problems.length} problem(s), the gateway did not start`,
    );
  }
  return loaded.config;
}
