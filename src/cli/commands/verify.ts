// `leash verify --env E TOKEN`: what a resource server in environment E does with a token, from the command line.
import type { Command } from "commander";
import { verifyTaskToken } from "../../client/verify-task-token.ts";

export function registerVerifyCommand(program: Command): void {
  program
    .command("verify <token>")
    .description(
      "verify a task token as a resource server of one environment would (fetches that environment's JWKS)",
    )
    .requiredOption("--env <env>", "the environment the checking resource server belongs to")
    .option("--url <url>", "the broker's URL (default LEASH_URL)", process.env.LEASH_URL)
    .option("--issuer <url>", "the broker's issuer (default: the URL)")
    .action(async (token: string, options: { env: string; url?: string; issuer?: string }) => {
      if (!options.url) throw new Error("--url or LEASH_URL: required");
      const response = await fetch(
        new URL(`/v1/envs/${encodeURIComponent(options.env)}/jwks.json`, options.url),
      );
      if (!response.ok) throw new Error(`no JWKS for environment ${options.env} at ${options.url}`);
      const claims = await verifyTaskToken(token, {
        environment: options.env,
        jwks: await response.json(),
        issuer: options.issuer ?? options.url,
      });
      process.stdout.write(`${JSON.stringify(claims)}\n`);
    });
}
