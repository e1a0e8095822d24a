// `leash verify --env E [TOKEN]`: what a resource server in environment E does with a token, from the command line.
// The token may come from stdin or a file instead of argv, where other users of the machine can read it (`ps`).
import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import type { Command } from "commander";
import { terminalSafeJson } from "../../text/visible-text.ts";
import { verifyTaskToken } from "../../tokens/verify-task-token.ts";

export function registerVerifyCommand(program: Command): void {
  program
    .command("verify [token]")
    .description(
      "verify a task token as a resource server of one environment would (fetches that environment's JWKS)",
    )
    .requiredOption("--env <env>", "the environment the checking resource server belongs to")
    .option("--url <url>", "the broker's URL (default LEASH_URL)", process.env.LEASH_URL)
    .option("--issuer <url>", "the broker's issuer (default: the URL)")
    .option("--token-file <path>", "read the token from this file instead of the argument")
    .addHelpText(
      "after",
      "\nWithout a token argument or --token-file (or with -), the token is read from stdin.",
    )
    .action(
      async (
        argument: string | undefined,
        options: { env: string; url?: string; issuer?: string; tokenFile?: string },
      ) => {
        if (!options.url) throw new Error("--url or LEASH_URL: required");
        if (argument !== undefined && argument !== "-" && options.tokenFile)
          throw new Error("give the token as an argument or with --token-file, not both");
        const token = (
          argument !== undefined && argument !== "-"
            ? argument
            : options.tokenFile
              ? await readFile(options.tokenFile, "utf8")
              : await text(process.stdin)
        ).trim();
        if (!token) throw new Error("no token: give it as an argument, with --token-file, or on stdin");
        const response = await fetch(
          new URL(`/v1/envs/${encodeURIComponent(options.env)}/jwks.json`, options.url),
        );
        if (!response.ok) throw new Error(`no JWKS for environment ${options.env} at ${options.url}`);
        const claims = await verifyTaskToken(token, {
          environment: options.env,
          jwks: await response.json(),
          issuer: options.issuer ?? options.url,
        });
        process.stdout.write(`${terminalSafeJson(claims)}\n`);
      },
    );
}
