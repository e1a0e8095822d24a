// The one error type of leash: a stable machine code, an HTTP status and a message a person can act on.

export class LeashError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "LeashError";
  }
}

export const badRequest = (code: string, message: string, extra?: Record<string, unknown>) =>
  new LeashError(code, 400, message, extra);
export const unauthorized = (code: string, message: string) => new LeashError(code, 401, message);
export const forbidden = (code: string, message: string, extra?: Record<string, unknown>) =>
  new LeashError(code, 403, message, extra);
export const notFound = (code: string, message: string) => new LeashError(code, 404, message);
export const conflict = (code: string, message: string) => new LeashError(code, 409, message);
/** 429; the HTTP layer sends `retry_after` (whole seconds) as the Retry-After header too. */
export const tooManyRequests = (code: string, message: string, retryAfterMs: number) =>
  new LeashError(code, 429, message, { retry_after: Math.max(1, Math.ceil(retryAfterMs / 1000)) });

/** The shared state (Redis) cannot be reached or answered too slowly: leash refuses rather than guesses. */
export class StoreUnavailableError extends LeashError {
  constructor(
    cause?: unknown,
    message = "the state store (Redis) is unavailable; leash refuses until it is back",
  ) {
    super("store_unavailable", 503, message, {});
    this.cause = cause;
  }
}
