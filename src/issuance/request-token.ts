// POST /v1/tokens: decide, then either mint now or park the request until a human approves its issuance.
import { recordMintPending } from "../audit/audit-trail.ts";
import type { AuditOrigin } from "../audit/record.ts";
import type { BrokerContext } from "../broker/context.ts";
import type { Principal } from "../store/store.ts";
import { requestIssueApproval } from "./issuance-approval.ts";
import {
  decideGrantRecorded,
  grantAbout,
  type IssuedToken,
  mintGranted,
  type PendingIssuance,
} from "./issue-task-token.ts";
import type { MintRequest } from "./mint-request.ts";

export async function issueTaskToken(
  context: BrokerContext,
  agent: Principal,
  request: MintRequest,
  origin: AuditOrigin = {},
): Promise<IssuedToken | PendingIssuance> {
  const grant = await decideGrantRecorded(context, agent, request, origin);
  if (!grant.scope.approval.issue) return mintGranted(context, grant, origin);
  const requestId = await requestIssueApproval(
    context,
    agent,
    { ...request, task: grant.task },
    grant,
    origin,
  );
  await recordMintPending(context, grantAbout(grant), requestId, origin);
  return { status: "pending", requestId, task: grant.task };
}
