// `leash token exchange`: a sub-agent's child token from the task token in LEASH_TOKEN (RFC 8693 token exchange).
import type { Command } from "commander";
import { cliEnv } from "../../config/cli-env.ts";
import { terminalSafeJson } from "../../text/visible-text.ts";
import { callApi } from "../api-client.ts";
import { parseList } from "../options.ts";
import { tokenFormat } from "../output.ts";

export interface ExchangeOptions {
  intent: string;
  ttl?: string;
  actions?: string[];
  resources?: string[];
}

export interface ExchangeAnswer {
  access_token: string;
  expires_at: string;
  task: { id: string; intent: string; sub_task: string };
  granted: { environment: string; jti: string };
  delegation: { parent: string; chain: string[]; depth: number; act_chain: string[] };
}

/** The parent token and broker from the environment (what `leash token --format env` and `leash exec` set). */
export function parentFromEnv(): { url: string; token: string } {
  const { LEASH_URL: url, LEASH_TOKEN: token } = cliEnv();
  if (!url) throw new Error("LEASH_URL: required, not set (the broker's URL)");
  if (!token) throw new Error("LEASH_TOKEN: required, not set (the parent's task token)");
  return { url, token };
}

/** Exchanges `parent` for a child narrowed to the options; refusals come back as the broker's problem. */
export async function exchangeTaskToken(
  parent: { url: string; token: string },
  options: ExchangeOptions,
): Promise<ExchangeAnswer> {
  const { body } = await callApi<ExchangeAnswer>({ url: parent.url }, "POST", "/v1/token-exchange", {
    subject_token: parent.token,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    intent: options.intent,
    ...(options.actions ? { scope: options.actions.join(" ") } : {}),
    ...(options.resources ? { resource: options.resources } : {}),
    ...(options.ttl ? { ttl: options.ttl } : {}),
  });
  return body;
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

export function registerTokenExchangeCommand(token: Command): void {
  token
    .command("exchange")
    .description(
      "exchange LEASH_TOKEN for a narrower child token for a sub-agent (same task, same environment)",
    )
    .option("--intent <text>", "what the sub-task is for (required)")
    .option("--actions <list>", "comma-separated subset of the parent's actions", parseList)
    .option("--resources <list>", "comma-separated globs inside the parent's resources", parseList)
    .option("--ttl <duration>", "lifetime, e.g. 5m, never past the parent's expiry")
    .option("--format <format>", "raw (token only), json, or env (export lines for eval)", "raw")
    .option("--json", "print the answer as one JSON document (the same as --format json)")
    // `leash token` has options of the same names, which commander hands to it: read both levels together.
    .action(async (_own: unknown, command: Command) => {
      const options = command.optsWithGlobals() as ExchangeOptions & { format: string; json?: boolean };
      if (!options.intent) throw new Error("--intent: say what the sub-task is for");
      const format = tokenFormat(options);
      const body = await exchangeTaskToken(parentFromEnv(), options);
      if (format === "json") process.stdout.write(`${terminalSafeJson(body)}\n`);
      else if (format === "env") {
        process.stdout.write(
          [
            `export LEASH_TOKEN=${shellQuote(body.access_token)}`,
            `export LEASH_TASK=${shellQuote(body.task.id)}`,
            `export LEASH_SUB_TASK=${shellQuote(body.task.sub_task)}`,
            `export LEASH_ENV=${shellQuote(body.granted.environment)}`,
            `export LEASH_INTENT=${shellQuote(options.intent)}`,
            `export LEASH_TOKEN_EXPIRES_AT=${shellQuote(body.expires_at)}`,
            "",
          ].join("\n"),
        );
      } else process.stdout.write(`${body.access_token}\n`);
    });
}
