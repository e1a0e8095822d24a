// RFC 6749 §5.2 / RFC 8693 §2.2.2 errors, carried as LeashErrors: one problem+json body with both `error` and `code`.
import { LeashError } from "../errors/leash-error.ts";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_grant"
  | "invalid_scope"
  | "invalid_target"
  | "unsupported_grant_type";

/**
 * A refused token request: HTTP 400 (RFC 6749 §5.2), the OAuth `error` and `error_description` OAuth clients read,
 * and leash's stable `code` naming the exact reason.
 */
export function oauthError(
  error: OAuthErrorCode,
  code: string,
  description: string,
  extra: Record<string, unknown> = {},
): LeashError {
  return new LeashError(code, 400, description, { error, error_description: description, ...extra });
}
