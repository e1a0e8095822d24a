// `leash token`: what an agent's bootstrap script runs to get a task token.
import type { Command } from "commander";
import { cliEnv } from "../../config/cli-env.ts";
import { terminalSafeJson, visibleText } from "../../text/visible-text.ts";
import { type ApiClientOptions, apiClientFromEnv, callApi } from "../api-client.ts";
import { parseList } from "../options.ts";
import { tokenFormat } from "../output.ts";
import { readSecret } from "../secret-input.ts";
import { OIDC_PROVIDERS, type OidcProvider, requestGithubActionsToken } from "../workload-token.ts";
import { registerTokenExchangeCommand } from "./token-exchange.ts";

interface TokenOptions {
  scope: string;
  intent: string;
  task?: string;
  ttl?: string;
  actions?: string[];
  resources?: string[];
  format: string;
  json?: boolean;
  oidcTokenFile?: string;
  oidc?: string;
  oidcAudience?: string;
}

/**
 * The client for the mint: the agent key (LEASH_AGENT_KEY), or a workload's OIDC token that proves where the
 * bootstrap runs, so that no long-lived secret lives beside the agent.
 */
async function mintClient(options: TokenOptions): Promise<ApiClientOptions> {
  if (options.oidcTokenFile && options.oidc) throw new Error("--oidc-token-file and --oidc: give one");
  if (!options.oidcTokenFile && !options.oidc) return apiClientFromEnv("LEASH_AGENT_KEY");
  const env = cliEnv();
  const url = env.LEASH_URL;
  if (!url) throw new Error("LEASH_URL: required, not set (the broker's URL)");
  if (options.oidcTokenFile) {
    const key = await readSecret({
      what: "OIDC token",
      flag: "--oidc-token-file",
      file: options.oidcTokenFile,
    });
    return { url, key };
  }
  if (!OIDC_PROVIDERS.includes(options.oidc as OidcProvider)) {
    throw new Error(`--oidc: expected ${OIDC_PROVIDERS.join(" or ")}, got ${JSON.stringify(options.oidc)}`);
  }
  const audience = options.oidcAudience ?? new URL(url).origin;
  return { url, key: await requestGithubActionsToken(audience, env) };
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

export function registerTokenCommand(program: Command): void {
  const token = program
    .command("token")
    .description("mint a task token (uses LEASH_URL and LEASH_AGENT_KEY, or a workload's OIDC token)")
    // Checked in the action, not by commander: a required option here would also be required by `token exchange`.
    .option("--scope <scope>", "scope id, e.g. staging-fix (required)")
    .option("--intent <text>", "what the task is for, in a sentence (required)")
    .option("--task <id>", "task id (default: a new one)")
    .option("--ttl <duration>", "token lifetime, e.g. 10m (default: the scope's)")
    .option("--actions <list>", "comma-separated subset of the scope's actions", parseList)
    .option("--resources <list>", "comma-separated subset of the scope's resources", parseList)
    .option("--format <format>", "raw (token only), json, or env (export lines for eval)", "raw")
    .option("--json", "print the answer as one JSON document (the same as --format json)")
    .option(
      "--oidc-token-file <file>",
      "authenticate with the workload OIDC token in this file (e.g. Kubernetes'; - for stdin) instead of LEASH_AGENT_KEY",
    )
    .option(
      "--oidc <provider>",
      "authenticate with the CI's OIDC token instead of LEASH_AGENT_KEY: github-actions",
    )
    .option("--oidc-audience <aud>", "the audience to request with --oidc (default: LEASH_URL's origin)")
    .action(async (options: TokenOptions) => {
      if (!options.scope) throw new Error("--scope: required (the scope id, e.g. staging-fix)");
      if (!options.intent) throw new Error("--intent: required (what the task is for)");
      const format = tokenFormat(options);
      const client = await mintClient(options);
      const { status, body } = await callApi<Record<string, unknown>>(client, "POST", "/v1/tokens", {
        scope: options.scope,
        task: { intent: options.intent, ...(options.task ? { id: options.task } : {}) },
        ...(options.ttl ? { ttl: options.ttl } : {}),
        ...(options.actions ? { actions: options.actions } : {}),
        ...(options.resources ? { resources: options.resources } : {}),
      });
      if (status === 202) {
        const requestId = visibleText(String(body.request_id));
        process.stderr.write(`issuance needs approval: request ${requestId} is pending\n`);
        process.stdout.write(format === "json" ? `${terminalSafeJson(body)}\n` : `${requestId}\n`);
        process.exitCode = 3;
        return;
      }
      const task = body.task as { id: string };
      const granted = body.granted as { environment: string; jti: string };
      if (format === "json") process.stdout.write(`${terminalSafeJson(body)}\n`);
      else if (format === "env") {
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
      } else process.stdout.write(`${visibleText(String(body.token))}\n`);
    });
  // `leash token exchange --intent …`: options after the subcommand are the subcommand's, not `leash token`'s.
  token.enablePositionalOptions();
  registerTokenExchangeCommand(token);
}
