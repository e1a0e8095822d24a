// `leash verify --env E [TOKEN]`: what a resource server in environment E does with a token, from the command line.
// The token may come from stdin or a file instead of argv, where other users of the machine can read it (`ps`).
import type { Command } from "commander";
import { cliEnv } from "../../config/cli-env.ts";
import { verifyTaskToken } from "../../tokens/verify-task-token.ts";
import { fieldLines, jsonOption, printResult } from "../output.ts";
import { readSecret } from "../secret-input.ts";

export function registerVerifyCommand(program: Command): void {
  const command = program
    .command("verify [token]")
    .description(
      "verify a task token as a resource server of one environment would (fetches that environment's JWKS)",
    )
    .requiredOption("--env <env>", "the environment the checking resource server belongs to")
    .option("--url <url>", "the broker's URL (default LEASH_URL)")
    .option("--issuer <url>", "the broker's issuer (default: the URL)")
    .option("--token-file <path>", "read the token from this file (- for stdin) instead of the argument")
    .addHelpText(
      "after",
      "\nWithout a token argument or --token-file (or with -), the token is read from stdin.",
    );
  jsonOption(command, "print the verified claims as one JSON document").action(
    async (
      argument: string | undefined,
      options: { env: string; url?: string; issuer?: string; tokenFile?: string; json?: boolean },
    ) => {
      options.url ??= cliEnv().LEASH_URL;
      if (!options.url) throw new Error("--url or LEASH_URL: required");
      const token = await readSecret({
        what: "token",
        flag: "the token argument",
        fileFlag: "--token-file",
        value: argument,
        file: options.tokenFile,
        stdinByDefault: true,
      });
      const response = await fetch(
        new URL(`/v1/envs/${encodeURIComponent(options.env)}/jwks.json`, options.url),
      );
      if (!response.ok) throw new Error(`no JWKS for environment ${options.env} at ${options.url}`);
      const claims = await verifyTaskToken(token, {
        environment: options.env,
        jwks: await response.json(),
        issuer: options.issuer ?? options.url,
      });
      printResult(options, claims, (c) =>
        [
          `valid in ${options.env}`,
          fieldLines([
            ["task", c.sub_task ? `${c.task} (sub-task ${c.sub_task})` : c.task],
            ["intent", c.intent],
            ["agent", c.client_id],
            ["scope", c.scope_id],
            ["actions", c.scope.split(" ").join(", ")],
            ["resources", c.resources.join(", ")],
            ["expires", new Date(c.exp * 1000).toISOString()],
            ["token id", c.jti],
          ]),
        ].join("\n"),
      );
    },
  );
}
