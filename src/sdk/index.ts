// `leash/sdk`: the client agents' bootstrap code and tools use to mint, authorize, wait for approvals and end tasks.
export { LeashClient, type LeashClientOptions } from "./client.ts";
export { LeashConnectionError, type LeashProblem, LeashProblemError } from "./problem.ts";
export type {
  ApprovalStatus,
  ApprovalView,
  AuthorizeDecision,
  AuthorizeRequest,
  ExchangedTaskToken,
  ExchangeRequest,
  IssuedTaskToken,
  MintTaskTokenRequest,
  PendingIssuance,
  RefusedIssuance,
  RevocationResult,
  RevocationTarget,
} from "./types.ts";
