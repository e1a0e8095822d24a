// RFC 6749 §5.2 / RFC 8693 §2.2.2 errors, carried as LeashErrors: one problem+json body with both `error` and `code`.
import type { ErrorCode } from "../errors/catalogue.ts";
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
  code: ErrorCode,
  description: string,
  extra: Record<string, unknown> = {},
): LeashError {
  return new OAuthRefusal(code, description, { error, error_description: description, ...extra });
}

/** A token endpoint answers every refusal 400, even one whose code is a 403 elsewhere (wrong_environment, locked). */
class OAuthRefusal extends LeashError {
  override readonly status: number;

  constructor(code: ErrorCode, description: string, extra: Record<string, unknown>) {
    super(code, description, extra);
    this.status = 400;
  }
}
