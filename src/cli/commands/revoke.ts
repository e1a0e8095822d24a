// `leash revoke --task T` (or --jti/--agent/--scope/--environment): security's stop button, over the API.
import type { Command } from "commander";
import { apiClientFromEnv, callApi } from "../api-client.ts";

const TARGETS = ["jti", "task", "agent", "scope", "environment"] as const;

export function registerRevokeCommand(program: Command): void {
  const command = program
    .command("revoke")
    .description(
      "revoke a token, task, agent, scope or environment at once (LEASH_URL, LEASH_HUMAN_KEY: security or admin)",
    )
    .requiredOption("--reason <text>", "why; recorded with the revocation");
  for (const target of TARGETS) command.option(`--${target} <value>`, `revoke by ${target}`);
  command.action(async (options: Record<string, string | undefined>) => {
    const named = TARGETS.filter((target) => options[target] !== undefined);
    if (named.length !== 1) throw new Error(`name exactly one of ${TARGETS.map((t) => `--${t}`).join(", ")}`);
    const target = named[0]!;
    const { body } = await callApi(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", "/v1/revocations", {
      [target]: options[target],
      reason: options.reason,
    });
    process.stdout.write(`${JSON.stringify(body)}\n`);
  });
}
