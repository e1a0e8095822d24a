// `leash token`: what an agent's bootstrap script runs to get a task token.
import type { Command } from "commander";
import { apiClientFromEnv, callApi } from "../api-client.ts";
import { parseList } from "../options.ts";

interface TokenOptions {
  scope: string;
  intent: string;
  task?: string;
  ttl?: string;
  actions?: string[];
  resources?: string[];
  format: "raw" | "json" | "env";
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

export function registerTokenCommand(program: Command): void {
  program
    .command("token")
    .description("mint a task token (uses LEASH_URL and LEASH_AGENT_KEY)")
    .requiredOption("--scope <scope>", "scope id, e.g. staging-fix")
    .requiredOption("--intent <text>", "what the task is for, in a sentence")
    .option("--task <id>", "task id (default: a new one)")
    .option("--ttl <duration>", "token lifetime, e.g. 10m (default: the scope's)")
    .option("--actions <list>", "comma-separated subset of the scope's actions", parseList)
    .option("--resources <list>", "comma-separated subset of the scope's resources", parseList)
    .option("--format <format>", "raw (token only), json, or env (export lines for eval)", "raw")
    .action(async (options: TokenOptions) => {
      if (!["raw", "json", "env"].includes(options.format))
        throw new Error("--format: expected raw, json or env");
      const client = apiClientFromEnv("LEASH_AGENT_KEY");
      const { status, body } = await callApi<Record<string, unknown>>(client, "POST", "/v1/tokens", {
        scope: options.scope,
        task: { intent: options.intent, ...(options.task ? { id: options.task } : {}) },
        ...(options.ttl ? { ttl: options.ttl } : {}),
        ...(options.actions ? { actions: options.actions } : {}),
        ...(options.resources ? { resources: options.resources } : {}),
      });
      if (status === 202) {
        process.stderr.write(`issuance needs approval: request ${body.request_id} is pending\n`);
        process.stdout.write(
          options.format === "json" ? `${JSON.stringify(body)}\n` : `${body.request_id}\n`,
        );
        process.exitCode = 3;
        return;
      }
      const task = body.task as { id: string };
      const granted = body.granted as { environment: string; jti: string };
      if (options.format === "json") process.stdout.write(`${JSON.stringify(body)}\n`);
      else if (options.format === "env") {
        process.stdout.write(
          [
            `export LEASH_TOKEN=${shellQuote(String(body.token))}`,
            `export LEASH_TASK=${shellQuote(task.id)}`,
            `export LEASH_ENV=${shellQuote(granted.environment)}`,
            `export LEASH_INTENT=${shellQuote(options.intent)}`,
            `export LEASH_TOKEN_EXPIRES_AT=${shellQuote(String(body.expires_at))}`,
            "",
          ].join("\n"),
        );
      } else process.stdout.write(`${body.token}\n`);
    });
}
