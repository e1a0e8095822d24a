// `leash proxy --config proxy.yaml`: the credential-injecting proxy, a separate process that asks the broker over HTTP.
import type { Command } from "commander";
import { proxyEnv } from "../../config/proxy-env.ts";
import { LeashError } from "../../errors/leash-error.ts";
import { createLogger } from "../../log/logger.ts";
import { formatProblem, loadProxyConfig } from "../../proxy/config.ts";
import { resolveCredentials } from "../../proxy/credentials.ts";
import { startProxy } from "../../proxy/server.ts";
import { terminalSafeJson } from "../../text/visible-text.ts";

interface ProxyOptions {
  config: string;
  json?: boolean;
  logLevel: string;
}

export function registerProxyCommand(program: Command): void {
  program
    .command("proxy")
    .description(
      "run the credential-injecting proxy agents call instead of the upstream API (LEASH_URL; upstream credentials from this process's environment or Vault)",
    )
    .requiredOption("--config <file>", "proxy config (see examples/proxy.yaml)")
    .option(
      "--json",
      "print exactly one JSON line with the listening URLs on stdout, then only logs on stderr",
    )
    .option("--log-level <level>", "pino log level", "info")
    .action(async (options: ProxyOptions) => {
      const { brokerUrl } = proxyEnv();
      const loaded = await loadProxyConfig(options.config);
      if (!loaded.ok) {
        for (const problem of loaded.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        throw new LeashError(
          "proxy_config_invalid",
          `${options.config}: ${loaded.problems.length} problem(s), the proxy did not start`,
        );
      }
      const { config } = loaded;
      const credentials = await resolveCredentials(config.upstreams, process.env);
      const logger = createLogger(options.logLevel);
      const proxy = await startProxy(config, { brokerUrl, credentials, logger });
      if (options.json) {
        process.stdout.write(`${terminalSafeJson({ leash: brokerUrl, listening: proxy.listeners })}\n`);
      } else {
        const lines = proxy.listeners.map((listener) => {
          const upstream = config.upstreams.find((u) => u.name === listener.upstream)!;
          return `  ${listener.url}  ->  ${upstream.target.href}  (${upstream.environment})`;
        });
        process.stdout.write(`leash proxy: asking ${brokerUrl}\n${lines.join("\n")}\n`);
      }
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await proxy.close();
    });
}
