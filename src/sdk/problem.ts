// The errors the agent SDK throws: every answer leash refuses with is RFC 9457 problem+json with a stable `code`.

/** An RFC 9457 problem as leash sends it. */
export interface LeashProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extra: string]: unknown;
}

/** leash answered with an error: `code` is stable (`action_not_granted`, `vault_unavailable`…), `status` the HTTP status. */
export class LeashProblemError extends Error {
  readonly code: string;
  readonly status: number;
  readonly problem: LeashProblem;

  constructor(problem: LeashProblem) {
    super(`${problem.detail} (${problem.code})`);
    this.name = "LeashProblemError";
    this.code = problem.code;
    this.status = problem.status;
    this.problem = problem;
  }
}

/** leash could not be reached, or answered something that is not leash's JSON: nothing was decided. */
export class LeashConnectionError extends Error {
  readonly code = "broker_unreachable";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LeashConnectionError";
  }
}

/** The problem in an error answer, or one made up from the status when the body is not problem+json. */
export function problemFrom(status: number, body: unknown): LeashProblem {
  const given = (body && typeof body === "object" ? body : {}) as Partial<LeashProblem>;
  return {
    ...given,
    type: typeof given.type === "string" ? given.type : "about:blank",
    title: typeof given.title === "string" ? given.title : `HTTP ${status}`,
    status,
    detail: typeof given.detail === "string" ? given.detail : `leash answered HTTP ${status}`,
    code: typeof given.code === "string" ? given.code : "request_failed",
  };
}
