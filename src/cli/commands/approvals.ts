// `leash approvals`, `leash approve ID --code`, `leash deny ID --reason`: deciding from a terminal (LEASH_HUMAN_KEY).
import type { Command } from "commander";
import { apiClientFromEnv, callApi } from "../api-client.ts";

interface ApprovalLine {
  id: string;
  kind: string;
  environment: string;
  agent: string;
  intent: string;
  action?: string;
  resource?: string;
  scope: string;
  approved_by: string[];
  quorum: number;
  requested_at: string;
}

function describe(approval: ApprovalLine): string {
  const what =
    approval.kind === "call"
      ? `${approval.action} on ${approval.resource}`
      : `a token for scope ${approval.scope}`;
  return [
    `${approval.id}  [${approval.environment}] ${what}`,
    `    agent ${approval.agent}, intent: ${approval.intent}`,
    `    requested ${approval.requested_at}, approvals ${approval.approved_by.length}/${approval.quorum}`,
  ].join("\n");
}

export function registerApprovalCommands(program: Command): void {
  program
    .command("approvals")
    .description("list the pending approvals you can decide (LEASH_URL, LEASH_HUMAN_KEY)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const { body } = await callApi<{ approvals: ApprovalLine[] }>(
        apiClientFromEnv("LEASH_HUMAN_KEY"),
        "GET",
        "/v1/approvals",
      );
      if (options.json) process.stdout.write(`${JSON.stringify(body)}\n`);
      else if (body.approvals.length === 0) process.stdout.write("nothing is waiting for you\n");
      else process.stdout.write(`${body.approvals.map(describe).join("\n")}\n`);
    });

  program
    .command("approve <id>")
    .description("approve with the current code from your authenticator app")
    .requiredOption("--code <totp>", "six-digit TOTP code")
    .action(async (id: string, options: { code: string }) => {
      const path = `/v1/approvals/${encodeURIComponent(id)}/approve`;
      const { body } = await callApi(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", path, {
        totp: options.code,
      });
      process.stdout.write(`${JSON.stringify(body)}\n`);
    });

  program
    .command("deny <id>")
    .description("deny, saying why")
    .requiredOption("--reason <text>", "why the call or token must not happen")
    .action(async (id: string, options: { reason: string }) => {
      const path = `/v1/approvals/${encodeURIComponent(id)}/deny`;
      const { body } = await callApi(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", path, {
        reason: options.reason,
      });
      process.stdout.write(`${JSON.stringify(body)}\n`);
    });
}
