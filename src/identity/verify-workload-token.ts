// Verifies a workload's OIDC token (GitHub Actions, Kubernetes, any OIDC issuer) against the trusted issuers.
import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from "jose";
import type { ErrorCodeWithStatus } from "../errors/catalogue.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { IssuerKeys } from "../keys/issuer-keys.ts";
import type { IdentityTrust, TrustedIssuer } from "../scopes/identities.ts";

/** The clock skew allowed between leash and an issuer for `exp`, `nbf` and `iat`, in seconds. */
export const WORKLOAD_CLOCK_TOLERANCE_S = 30;
/** Longer than any issuer's token; bounds what an unauthenticated caller makes leash parse. */
const MAX_TOKEN_LENGTH = 16_384;
/** Headers that would let a token bring or point at its own key; trusted issuers never need them. */
const KEY_CARRYING_HEADERS = ["jwk", "jku", "x5u", "x5c"];

export interface VerifiedWorkload {
  issuer: TrustedIssuer;
  claims: JWTPayload & { iss: string; sub: string; exp: number; iat: number };
}

/** True for a compact JWS (three base64url parts): what the mint route takes for a workload token, not an API key. */
export const looksLikeJwt = (credential: string): boolean =>
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);

const invalid = (code: ErrorCodeWithStatus<401>, message: string) => new LeashError(code, message);

export async function verifyWorkloadToken(
  trust: IdentityTrust,
  keys: IssuerKeys,
  token: string,
  nowMs: number,
): Promise<VerifiedWorkload> {
  if (trust.issuers.length === 0) {
    throw invalid(
      "workload_identity_not_configured",
      "this broker trusts no OIDC issuer (no identities.yaml)",
    );
  }
  if (token.length > MAX_TOKEN_LENGTH || !looksLikeJwt(token)) {
    throw invalid("workload_token_invalid", "the workload token is not a compact JWT");
  }
  let iss: unknown;
  let header: Record<string, unknown>;
  try {
    iss = decodeJwt(token).iss;
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    throw invalid("workload_token_invalid", "the workload token is not a readable JWT");
  }
  const issuer = typeof iss === "string" ? trust.issuers.find((entry) => entry.issuer === iss) : undefined;
  if (!issuer) throw invalid("workload_issuer_untrusted", "the workload token's issuer is not trusted");
  if (KEY_CARRYING_HEADERS.some((name) => name in header)) {
    throw invalid(
      "workload_token_invalid",
      "the workload token carries its own key; only the issuer's keys count",
    );
  }

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, keys.for(issuer), {
      issuer: issuer.issuer,
      audience: issuer.audiences,
      algorithms: issuer.algorithms,
      clockTolerance: WORKLOAD_CLOCK_TOLERANCE_S,
      currentDate: new Date(nowMs),
      requiredClaims: ["exp", "iat", "sub"],
    }));
  } catch (error) {
    throw verificationError(error);
  }
  if (typeof claims.sub !== "string" || claims.sub.length === 0) {
    throw invalid("workload_token_invalid", "the workload token has no subject");
  }
  if (claims.iat! * 1000 > nowMs + WORKLOAD_CLOCK_TOLERANCE_S * 1000) {
    throw invalid("workload_token_not_yet_valid", "the workload token was issued in the future");
  }
  return { issuer, claims: claims as VerifiedWorkload["claims"] };
}

/** jose's failures as leash codes; a JWKS that cannot be fetched is leash's trouble (503), not the caller's. */
function verificationError(error: unknown): LeashError {
  if (error instanceof errors.JWTExpired)
    return invalid("workload_token_expired", "the workload token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud")
      return invalid("workload_audience_invalid", "the workload token is not meant for this broker (aud)");
    if (error.claim === "nbf")
      return invalid("workload_token_not_yet_valid", "the workload token is not valid yet");
    if (error.claim === "iss")
      return invalid("workload_issuer_untrusted", "the workload token's issuer is not trusted");
    return invalid(
      "workload_token_invalid",
      `the workload token's ${error.claim} claim is invalid or missing`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return invalid(
      "workload_algorithm_refused",
      "the workload token's algorithm is not allowed for its issuer",
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return invalid(
      "workload_key_unknown",
      "the workload token was signed by a key its issuer does not publish",
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return invalid("workload_signature_invalid", "the workload token's signature does not verify");
  }
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    !(error instanceof errors.JOSEError)
  ) {
    return new LeashError(
      "workload_jwks_unavailable",
      "the issuer's signing keys cannot be fetched right now; leash refuses until they can",
    );
  }
  return invalid("workload_token_invalid", "the workload token is malformed");
}
