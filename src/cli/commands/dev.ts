// `leash dev`: run a self-contained broker for trying leash out.
import type { Command } from "commander";
import { startDevBroker } from "../../broker/dev.ts";
import { humanLogDestination } from "../../log/human-log.ts";
import { terminalSafeJson } from "../../text/visible-text.ts";
import { parsePort } from "../options.ts";

export function registerDevCommand(program: Command): void {
  program
    .command("dev")
    .description("run an in-memory broker with ephemeral keys, the shipped scopes and ready-made identities")
    .option("--port <n>", "port to listen on (0 picks a free one)", parsePort, 8080)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--scopes-dir <dir>", "scope files to load (default: the shipped scopes/)")
    .option("--json", "print exactly one JSON line with the URL and keys on stdout, then only logs on stderr")
    .option("--log-level <level>", "pino log level", "warn")
    .action(
      async (options: {
        port: number;
        host: string;
        scopesDir?: string;
        json?: boolean;
        logLevel: string;
      }) => {
        // In human mode, say what is happening (start-up takes a moment) and keep log lines as text.
        if (!options.json)
          process.stderr.write(
            `leash dev: starting an in-memory broker (${options.scopesDir ? `scopes from ${options.scopesDir}` : "the example scopes"}, ephemeral signing keys, dev identities)…\n`,
          );
        const dev = await startDevBroker({
          ...options,
          ...(options.json ? {} : { logDestination: humanLogDestination("leash dev") }),
        });
        const summary = { url: dev.url, ...dev.identities };
        if (options.json) {
          process.stdout.write(`${terminalSafeJson(summary)}\n`);
        } else {
          process.stdout.write(
            [
              `leash dev is listening on ${dev.url} (in-memory: everything is lost when it stops)`,
              "",
              `  agent key    (dev-agent)     ${summary.agent_key}`,
              `  admin key    (dev-admin)     ${summary.admin_key}`,
              `  security key (dev-security)  ${summary.security_key}`,
              `  approver key (dev-approver, group sre)  ${summary.approver_key}`,
              `  approver TOTP secret         ${summary.approver_totp_secret}`,
              "",
              "Try:",
              `  export LEASH_URL=${dev.url} LEASH_AGENT_KEY=${summary.agent_key}`,
              `  npx leash token --scope staging-fix --intent "fix the staging deploy" --format json`,
              "",
            ].join("\n"),
          );
        }
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await dev.broker.close();
      },
    );
}
