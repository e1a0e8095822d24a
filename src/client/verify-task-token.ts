// Verifies a task token for one environment: the library resource servers use, and the broker itself.
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  jwtVerify,
} from "jose";
import {
  delegationProblem,
  environmentAudience,
  environmentIssuer,
  type TaskTokenClaims,
  taskTokenClaimsSchema,
} from "../tokens/claims.ts";

export const TOKEN_ALGORITHMS = ["EdDSA", "ES256"];
const FORBIDDEN_HEADERS = ["jwk", "jku", "x5u", "x5c"] as const;
export const MAX_TOKEN_LENGTH = 8192;
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export type TokenErrorCode =
  | "token_malformed"
  | "token_expired"
  | "token_not_yet_valid"
  | "wrong_environment"
  | "invalid_issuer"
  | "token_signature_invalid"
  | "token_header_forbidden"
  | "token_unknown_kid"
  | "token_wrong_type"
  | "token_algorithm_not_allowed"
  | "token_claims_invalid";

export class TokenVerificationError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TokenVerificationError";
  }
}

export interface VerifyTaskTokenOptions {
  /** The environment this resource server belongs to; tokens for any other environment are refused. */
  environment: string;
  /** The environment's JWKS (from `GET /v1/envs/:env/jwks.json`). */
  jwks: JSONWebKeySet;
  /** The broker's issuer URL (`LEASH_ISSUER`); the token's `iss` must be `<issuer>/envs/<environment>`. */
  issuer: string;
  /** Seconds of clock skew tolerated on exp/nbf. */
  clockToleranceSec?: number;
  /** The current time, for tests. */
  now?: Date;
}

function fail(code: TokenErrorCode, message: string): never {
  throw new TokenVerificationError(code, message);
}

/** Unpadded base64url whose unused trailing bits are zero: the one spelling of its bytes. */
function canonicalBase64url(segment: string): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return false;
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const last = BASE64URL_ALPHABET.indexOf(segment.at(-1)!);
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Why a string is not a task token in compact serialisation, or null. jose decodes leniently (padding, whitespace,
 * non-zero trailing bits), which would let one token be spelled many ways; leash accepts exactly one spelling.
 */
export function compactSerializationProblem(token: unknown): string | null {
  if (typeof token !== "string" || token.length === 0) return "no token";
  if (token.length > MAX_TOKEN_LENGTH) return "token is too long";
  const segments = token.split(".");
  if (segments.length !== 3) return "not a compact JWS (three base64url segments)";
  const [header, payload, signature] = segments as [string, string, string];
  if (header === "" || payload === "" || ![header, payload, signature].every(canonicalBase64url)) {
    return "token segments must be unpadded base64url, without whitespace";
  }
  return null;
}

/** Checks what jose leaves to the caller, before any signature work: size, spelling, header parameters, environment. */
function precheck(token: string, environment: string): void {
  const problem = compactSerializationProblem(token);
  if (problem) fail("token_malformed", problem);
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
    payload = decodeJwt(token) as Record<string, unknown>;
  } catch {
    fail("token_malformed", "not a compact JWS");
  }
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) fail("token_header_forbidden", `header parameter "${name}" is not accepted`);
  }
  if (typeof header.alg !== "string" || !TOKEN_ALGORITHMS.includes(header.alg)) {
    fail("token_algorithm_not_allowed", `algorithm ${JSON.stringify(header.alg)} is not accepted`);
  }
  if (typeof header.kid !== "string") fail("token_unknown_kid", "token has no kid");
  if (payload.env !== environment) {
    fail("wrong_environment", `token is for environment ${JSON.stringify(payload.env)}, not ${environment}`);
  }
}

function translate(error: unknown): never {
  if (error instanceof TokenVerificationError) throw error;
  if (error instanceof errors.JWTExpired) fail("token_expired", "token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf" && error.reason === "check_failed")
      fail("token_not_yet_valid", "token is not valid yet");
    // An issuer that is not this environment's: another leash, or a forged token; not a mere environment mix-up.
    if (error.claim === "iss") fail("invalid_issuer", "token issuer does not match");
    if (error.claim === "aud") fail("wrong_environment", "token aud does not match");
    if (error.claim === "typ") fail("token_wrong_type", 'token type must be "at+jwt"');
    fail("token_claims_invalid", error.message);
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    fail("token_unknown_kid", "no key in this environment's set matches the token's kid");
  if (error instanceof errors.JOSEAlgNotAllowed)
    fail("token_algorithm_not_allowed", "algorithm is not accepted");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    fail("token_signature_invalid", "signature does not verify");
  if (
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid
  ) {
    fail("token_malformed", error.message);
  }
  fail("token_malformed", "token could not be verified");
}

/** Verifies signature, type, issuer, audience and lifetime; returns the claims or throws TokenVerificationError. */
export async function verifyTaskToken(
  token: string,
  options: VerifyTaskTokenOptions,
): Promise<TaskTokenClaims> {
  precheck(token, options.environment);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(options.jwks), {
      algorithms: TOKEN_ALGORITHMS,
      typ: "at+jwt",
      issuer: environmentIssuer(options.issuer, options.environment),
      audience: environmentAudience(options.environment),
      clockTolerance: options.clockToleranceSec ?? 0,
      currentDate: options.now,
      requiredClaims: ["jti", "exp", "iat", "nbf", "sub"],
    }));
  } catch (error) {
    translate(error);
  }
  const claims = taskTokenClaimsSchema.safeParse(payload);
  if (!claims.success) return fail("token_claims_invalid", "token claims are not a leash task token");
  const delegation = delegationProblem(claims.data);
  if (delegation) fail("token_claims_invalid", delegation);
  // jose checks iat only against a maximum age. A token "issued" later than now would escape revocations of its
  // agent, scope or environment, which cover tokens issued up to the revocation.
  const nowSec = Math.floor((options.now?.getTime() ?? Date.now()) / 1000);
  if (claims.data.iat > nowSec + (options.clockToleranceSec ?? 0))
    fail("token_not_yet_valid", "token claims to be issued in the future");
  return claims.data;
}
