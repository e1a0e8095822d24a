// `leash approvals`, `leash approve ID --code`, `leash deny ID --reason`: deciding from a terminal (LEASH_HUMAN_KEY).
import { createInterface } from "node:readline/promises";
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
  /** An HTTP request the proxy holds: the parts its request hash covers, exactly as they are forwarded if approved. */
  http_request?: {
    method: string;
    path: string;
    headers: [string, string | null][];
    body?: string;
    body_base64?: string;
  };
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
  const shownRequest = approval.http_request;
  const notShown =
    approval.kind === "call" && !tool && !shownRequest && approval.action !== "command:run"
      ? [`    ${REQUEST_NOT_SHOWN}`]
      : [];
  return [
    `${show(approval.id)}  [${show(approval.environment)}] ${what}`,
    ...(tool
      ? [`    tool ${show(tool.upstream)}/${show(tool.tool)} with arguments ${show(tool.arguments)}`]
      : []),
    ...(shownRequest ? httpRequestLines(shownRequest, show) : []),
    ...notShown,
    `    agent ${show(approval.agent)}, intent: ${show(approval.intent)}`,
    `    requested ${show(approval.requested_at)}, approvals ${approval.approved_by.length}/${approval.quorum}`,
  ].join("\n");
}

const REQUEST_NOT_SHOWN = "request not shown: leash was sent only the action and resource";

/** A held HTTP request, line by line, every part through `show`: the hashed headers and the body as forwarded. */
function httpRequestLines(
  request: NonNullable<ApprovalLine["http_request"]>,
  show: (text: string | undefined) => string,
): string[] {
  const bytes =
    request.body !== undefined
      ? Buffer.byteLength(request.body)
      : Buffer.from(request.body_base64 ?? "", "base64").length;
  const body =
    request.body !== undefined
      ? `body (${bytes} bytes): ${show(request.body)}`
      : request.body_base64 !== undefined
        ? `body (${bytes} bytes, not UTF-8, as base64): ${show(request.body_base64)}`
        : "body not shown: not part of the request hash (a body, if sent, streams to the upstream unread)";
  return [
    `    request ${show(request.method)} ${show(request.path)}`,
    ...(Array.isArray(request.headers) ? request.headers : []).map(
      ([name, value]) => `      ${show(name)}: ${value === null ? "(not sent)" : show(value)}`,
    ),
    `      ${body}`,
  ];
}

/** Asks the person at the terminal to confirm what was just shown; only `y` or `yes` confirms. */
async function confirmed(): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question("approve exactly this? [y/N] ");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
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
      .description(
        "approve with the current code from your authenticator app; shows what the id stands for first and, at a terminal, asks you to confirm it",
      )
      .requiredOption("--code <totp>", "six-digit TOTP code (- reads it from stdin)")
      .option("--yes", "do not ask at a terminal (what is approved is still shown)"),
  ).action(async (id: string, options: { code: string; yes?: boolean; json?: boolean }) => {
    const code = await readSecret({ what: "code", flag: "--code", value: options.code });
    const client = apiClientFromEnv("LEASH_HUMAN_KEY");
    const approvalPath = `/v1/approvals/${encodeURIComponent(id)}`;
    // An id alone says nothing: whoever hands an approver a ready `leash approve` line (an agent asking in its chat,
    // say) chooses what it approves. The approver sees what it is before the code is sent.
    const { body: shown } = await callApi<ApprovalLine>(client, "GET", approvalPath);
    process.stderr.write(`leash: approving\n${describe(shown)}\n`);
    if (!options.yes && process.stdin.isTTY && process.stderr.isTTY && !(await confirmed())) {
      throw new Error(`not approved: ${visibleText(id)} was not confirmed`);
    }
    const { body } = await callApi<DecidedApproval>(client, "POST", `${approvalPath}/approve`, {
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
