// `leash approvals`, `leash approve ID --code`, `leash deny ID --reason`: deciding from a terminal (LEASH_HUMAN_KEY).
import type { Command } from "commander";
import { terminalSafeJson, visibleText } from "../../text/visible-text.ts";
import { type ApiClientOptions, apiClientFromEnv, callApi } from "../api-client.ts";
import { jsonOption, printResult } from "../output.ts";
import { readSecret } from "../secret-input.ts";

interface ApprovalLine {
  id: string;
  kind: string;
  environment: string;
  agent: string;
  intent: string;
  action?: string;
  resource?: string;
  /** An MCP tool call: the tool and the exact arguments that run if approved. */
  tool_call?: { upstream: string; tool: string; arguments: string };
  scope: string;
  approved_by: string[];
  quorum: number;
  requested_at: string;
}

/** Agents choose intents, actions and resources: each field is shown (control characters as markers), never obeyed. */
function describe(approval: ApprovalLine): string {
  const show = (text: string | undefined) => visibleText(String(text ?? ""));
  const what =
    approval.kind === "call"
      ? `${show(approval.action)} on ${show(approval.resource)}`
      : `a token for scope ${show(approval.scope)}`;
  const tool = approval.tool_call;
  return [
    `${show(approval.id)}  [${show(approval.environment)}] ${what}`,
    ...(tool
      ? [`    tool ${show(tool.upstream)}/${show(tool.tool)} with arguments ${show(tool.arguments)}`]
      : []),
    `    agent ${show(approval.agent)}, intent: ${show(approval.intent)}`,
    `    requested ${show(approval.requested_at)}, approvals ${approval.approved_by.length}/${approval.quorum}`,
  ].join("\n");
}

/** Every page of GET /v1/approvals, oldest first. */
async function allPendingApprovals(client: ApiClientOptions): Promise<ApprovalLine[]> {
  const approvals: ApprovalLine[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "200", ...(cursor ? { cursor } : {}) });
    const { body } = await callApi<{ approvals: ApprovalLine[]; next_cursor?: string }>(
      client,
      "GET",
      `/v1/approvals?${query}`,
    );
    approvals.push(...body.approvals);
    cursor = body.next_cursor;
  } while (cursor);
  return approvals;
}

export function registerApprovalCommands(program: Command): void {
  program
    .command("approvals")
    .description("list the pending approvals you can decide (LEASH_URL, LEASH_HUMAN_KEY)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const body = { approvals: await allPendingApprovals(apiClientFromEnv("LEASH_HUMAN_KEY")) };
      if (options.json) process.stdout.write(`${terminalSafeJson(body)}\n`);
      else if (body.approvals.length === 0) process.stdout.write("nothing is waiting for you\n");
      else process.stdout.write(`${body.approvals.map(describe).join("\n")}\n`);
    });

  jsonOption(
    program
      .command("approve <id>")
      .description("approve with the current code from your authenticator app")
      .requiredOption("--code <totp>", "six-digit TOTP code (- reads it from stdin)"),
  ).action(async (id: string, options: { code: string; json?: boolean }) => {
    const code = await readSecret({ what: "code", flag: "--code", value: options.code });
    const path = `/v1/approvals/${encodeURIComponent(id)}/approve`;
    const { body } = await callApi<DecidedApproval>(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", path, {
      totp: code,
    });
    printResult(options, body, describeDecision);
  });

  jsonOption(
    program
      .command("deny <id>")
      .description("deny, saying why")
      .requiredOption("--reason <text>", "why the call or token must not happen"),
  ).action(async (id: string, options: { reason: string; json?: boolean }) => {
    const path = `/v1/approvals/${encodeURIComponent(id)}/deny`;
    const { body } = await callApi<DecidedApproval>(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", path, {
      reason: options.reason,
    });
    printResult(options, body, describeDecision);
  });
}

interface DecidedApproval extends ApprovalLine {
  status: string;
  deny_reason?: string | null;
}

/** The approval after a decision: its state now (a quorum may still wait for others), then what it was for. */
function describeDecision(approval: DecidedApproval): string {
  const reason = approval.deny_reason ? `: ${visibleText(approval.deny_reason)}` : "";
  return `${visibleText(approval.status)}${reason}\n${describe(approval)}`;
}
