// The one error type of leash: a code from the catalogue, the HTTP status it is answered with and a message a
// person can act on.
import { type ErrorCode, type ErrorCodeWithStatus, errorCatalogue } from "./catalogue.ts";

export class LeashError extends Error {
  /** A catalogue code; a PassedOnError carries whatever code the process that decided it answered. */
  readonly code: string;
  readonly status: number;

  constructor(
    code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "LeashError";
    this.code = code;
    this.status = errorCatalogue[code].status;
  }
}

/**
 * A refusal another leash process decided (a broker's problem code, an authorize answer's reason), passed on with
 * the status this hop answers it with: a proxy answers any refused token lookup 403, say. The code is kept as it
 * came; the process that made it checked it against the catalogue.
 */
export class PassedOnError extends LeashError {
  override readonly code: string;
  override readonly status: number;

  constructor(code: string, status: number, message: string, extra: Record<string, unknown> = {}) {
    super("request_failed", message, extra);
    this.code = code;
    this.status = status;
  }
}

/** 429; the HTTP layer sends `retry_after` (whole seconds) as the Retry-After header too. */
export const tooManyRequests = (code: ErrorCodeWithStatus<429>, message: string, retryAfterMs: number) =>
  new LeashError(code, message, { retry_after: Math.max(1, Math.ceil(retryAfterMs / 1000)) });

/** The shared state (Redis) cannot be reached or answered too slowly: leash refuses rather than guesses. */
export class StoreUnavailableError extends LeashError {
  constructor(
    cause?: unknown,
    message = "the state store (Redis) is unavailable; leash refuses until it is back",
  ) {
    super("store_unavailable", message);
    this.cause = cause;
  }
}
