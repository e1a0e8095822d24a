// For a hook: instead of leaving an "ask" to the agent's own UI, open a leash approval for the exact command and wait
// for a human (approvers, TOTP, console and webhooks as for any destructive call).
import type { Classification } from "../guard/types.ts";

interface ApprovalState {
  status: string;
  approved_by?: string[];
  denied_by?: string | null;
  deny_reason?: string | null;
}

/** Turns an `ask` into allow (approved) or deny (denied, expired, out of time); leaves it `ask` if leash can't help. */
export async function askThroughLeash(
  classification: Classification,
  command: string,
  options: { url?: string; token?: string; waitSeconds: number },
): Promise<Classification> {
  if (classification.decision !== "ask" || !options.url || !options.token || options.waitSeconds <= 0) {
    return classification;
  }
  // Loaded only here: most hook calls never open an approval, and the API client brings its settings schema (zod).
  const { callApi } = await import("./api-client.ts");
  const client = { url: options.url, key: options.token };
  let approvalId: string;
  try {
    const opened = await callApi<{ approval_id: string; reason: string }>(client, "POST", "/v1/approvals", {
      command,
    });
    if (opened.body.reason === "approval_denied")
      return decided(classification, "deny", "a human already denied this command");
    approvalId = opened.body.approval_id;
  } catch (error) {
    return {
      ...classification,
      reasons: [...classification.reasons, `leash approval not opened: ${(error as Error).message}`],
    };
  }
  process.stderr.write(`leash: waiting up to ${options.waitSeconds}s for a human to approve ${approvalId}\n`);
  const deadline = Date.now() + options.waitSeconds * 1000;
  while (Date.now() < deadline) {
    const wait = Math.max(1, Math.min(30, Math.floor((deadline - Date.now()) / 1000)));
    try {
      const { body } = await callApi<ApprovalState>(
        client,
        "GET",
        `/v1/approvals/${approvalId}?wait=${wait}`,
      );
      if (body.status === "approved")
        return decided(
          classification,
          "allow",
          `approved by ${body.approved_by?.join(", ")} (${approvalId})`,
        );
      if (body.status !== "pending") {
        return decided(
          classification,
          "deny",
          `${body.status}${body.deny_reason ? `: ${body.deny_reason}` : ""} (${approvalId})`,
        );
      }
    } catch (error) {
      return decided(classification, "deny", `leash could not be asked: ${(error as Error).message}`);
    }
  }
  // Nobody waits for it any more: withdraw it, so a human cannot approve a command that will not run.
  const withdrawn = await callApi(client, "POST", `/v1/approvals/${approvalId}/cancel`, {
    reason: `the hook stopped waiting after ${options.waitSeconds}s`,
  }).then(
    () => "withdrawn",
    (error: Error) => `could not be withdrawn: ${error.message}`,
  );
  return decided(
    classification,
    "deny",
    `no human decided within ${options.waitSeconds}s (${approvalId}, ${withdrawn})`,
  );
}

function decided(classification: Classification, decision: "allow" | "deny", why: string): Classification {
  return { ...classification, decision, reasons: [`leash approval: ${why}`, ...classification.reasons] };
}
