// Verifies a task token for one environment: the core the resource-server library (client/) and the broker share.
// Signatures are checked with node:crypto on public KeyObjects made once per key (not a JWKS imported on every
// call); the checks and their order are jose's jwtVerify's, plus what leash adds (one spelling, no key-bearing
// headers, its claims).
import { createPublicKey, type KeyObject, verify as verifySignature } from "node:crypto";
import type { JSONWebKeySet, JWK } from "jose";
import { OldestFirstMap } from "../memo/oldest-first-map.ts";
import {
  delegationProblem,
  environmentAudience,
  environmentIssuer,
  parseTaskTokenClaims,
  type TaskTokenClaims,
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

/** A public key that may verify tokens whose header names its kid and alg. */
export interface VerificationKey {
  alg: string;
  key: KeyObject;
}

/** The keys that may have signed a token with this kid (none: unknown kid). */
export type VerificationKeys = (kid: string) => readonly VerificationKey[];

export interface VerifyTaskTokenOptions {
  /** The environment this resource server belongs to; tokens for any other environment are refused. */
  environment: string;
  /** The environment's JWKS (from `GET /v1/envs/:env/jwks.json`), or its keys by kid (the broker's own rings). */
  jwks: JSONWebKeySet | VerificationKeys;
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
  const segments = compactSegments(token);
  return typeof segments === "string" ? segments : null;
}

/** A token's three segments, or why it is not a compact JWS in its one spelling. */
function compactSegments(token: unknown): [string, string, string] | string {
  if (typeof token !== "string" || token.length === 0) return "no token";
  if (token.length > MAX_TOKEN_LENGTH) return "token is too long";
  const segments = token.split(".");
  if (segments.length !== 3) return "not a compact JWS (three base64url segments)";
  const [header, payload, signature] = segments as [string, string, string];
  if (header === "" || payload === "" || ![header, payload, signature].every(canonicalBase64url)) {
    return "token segments must be unpadded base64url, without whitespace";
  }
  return [header, payload, signature];
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A base64url segment's JSON object, or null (not UTF-8, not JSON, not an object). */
function decodeObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(segment, "base64url")));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Headers already decoded, by segment: every token a key signs has the same header, so a new token's header is
 * usually one seen before. Frozen, as they are shared; bounded, as headers come from callers.
 */
const decodedHeaders = new OldestFirstMap<string, Readonly<Record<string, unknown>> | null>(64);

function decodeHeader(segment: string): Readonly<Record<string, unknown>> | null {
  let header = decodedHeaders.get(segment);
  if (header === undefined) {
    const decoded = decodeObject(segment);
    header = decoded && Object.freeze(decoded);
    decodedHeaders.set(segment, header);
  }
  return header;
}

const JWS_ALGORITHM_CURVES: Record<string, (key: JWK) => boolean> = {
  EdDSA: (key) => key.kty === "OKP" && (key.crv === "Ed25519" || key.crv === "Ed448"),
  ES256: (key) => key.kty === "EC" && key.crv === "P-256",
};

/**
 * The keys of a JWKS by kid, each made into a KeyObject once per JWKS object. Selection is jose's local JWKS's: same
 * kid, a key type that fits the algorithm, `alg` and `use` when the key states them, `verify` among its key_ops.
 */
const jwksKeys = new WeakMap<JSONWebKeySet, Map<string, VerificationKey[]>>();
function keysOfJwks(jwks: JSONWebKeySet): VerificationKeys {
  let byKid = jwksKeys.get(jwks);
  if (!byKid) {
    byKid = new Map();
    for (const jwk of jwks.keys ?? []) {
      if (typeof jwk.kid !== "string") continue;
      if (typeof jwk.use === "string" && jwk.use !== "sig") continue;
      if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes("verify")) continue;
      for (const alg of TOKEN_ALGORITHMS) {
        if (!JWS_ALGORITHM_CURVES[alg]!(jwk) || (typeof jwk.alg === "string" && jwk.alg !== alg)) continue;
        let key: KeyObject;
        try {
          key = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
        } catch {
          continue;
        }
        if (key.type !== "public") continue;
        byKid.set(jwk.kid, [...(byKid.get(jwk.kid) ?? []), { alg, key }]);
      }
    }
    jwksKeys.set(jwks, byKid);
  }
  const keys = byKid;
  return (kid) => keys.get(kid) ?? [];
}

/** One JWS signature check: Ed25519 over the input itself, ES256 over its SHA-256 with JWS's raw r‖s signature. */
function signatureVerifies(alg: string, signingInput: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    if (alg === "EdDSA") {
      const type = key.asymmetricKeyType;
      return (type === "ed25519" || type === "ed448") && verifySignature(null, signingInput, key, signature);
    }
    return (
      key.asymmetricKeyType === "ec" &&
      key.asymmetricKeyDetails?.namedCurve === "prime256v1" &&
      verifySignature("sha256", signingInput, { key, dsaEncoding: "ieee-p1363" }, signature)
    );
  } catch {
    return false;
  }
}

/** jose's media-type comparison for `typ`: case-insensitive, `application/` implied. */
const normalizeTyp = (value: string) => {
  const lower = value.toLowerCase();
  return lower.includes("/") ? lower : `application/${lower}`;
};
const EXPECTED_TYP = normalizeTyp("at+jwt");

/** jose's order: claims the options make required, last first (so iss, aud, then the listed ones backwards). */
const REQUIRED_CLAIMS = ["iss", "aud", "sub", "nbf", "iat", "exp", "jti"] as const;
/** Which refusal a missing or wrong claim is, as the broker and resource servers report it. */
const claimFailure = (claim: string): TokenErrorCode =>
  claim === "iss" ? "invalid_issuer" : claim === "aud" ? "wrong_environment" : "token_claims_invalid";

function numericDate(claims: Record<string, unknown>, claim: string): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== "number") fail("token_claims_invalid", `"${claim}" claim must be a number`);
  return value;
}

/** Verifies signature, type, issuer, audience and lifetime; returns the claims or throws TokenVerificationError. */
export async function verifyTaskToken(
  token: string,
  options: VerifyTaskTokenOptions,
): Promise<TaskTokenClaims> {
  return verifyTaskTokenSync(token, options);
}

/**
 * A token taken apart once, unverified: its segments and the JSON objects of its header and payload (null when a
 * segment is not one). Its spelling is checked (compactSerializationProblem) before anything is decoded.
 */
export interface DecodedToken {
  token: string;
  segments: [string, string, string];
  header: Readonly<Record<string, unknown>> | null;
  payload: Record<string, unknown> | null;
}

export function decodeTaskToken(token: string): DecodedToken {
  const segments = compactSegments(token);
  if (typeof segments === "string") fail("token_malformed", segments);
  return { token, segments, header: decodeHeader(segments[0]), payload: decodeObject(segments[1]) };
}

/** verifyTaskToken without the promise: there is no I/O in it. */
export function verifyTaskTokenSync(token: string, options: VerifyTaskTokenOptions): TaskTokenClaims {
  return verifyDecodedTaskToken(decodeTaskToken(token), options);
}

/** verifyTaskTokenSync for a token already decoded (the broker reads the payload's environment first). */
export function verifyDecodedTaskToken(
  decoded: DecodedToken,
  options: VerifyTaskTokenOptions,
): TaskTokenClaims {
  // What jose would leave to the caller, before any signature work: size, spelling, header parameters, environment.
  const { token, header, payload } = decoded;
  const [headerSegment, payloadSegment, signatureSegment] = decoded.segments;
  if (!header || !payload) fail("token_malformed", "not a compact JWS");
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) fail("token_header_forbidden", `header parameter "${name}" is not accepted`);
  }
  const alg = header.alg;
  if (typeof alg !== "string" || !TOKEN_ALGORITHMS.includes(alg)) {
    fail("token_algorithm_not_allowed", `algorithm ${JSON.stringify(alg)} is not accepted`);
  }
  const kid = header.kid;
  if (typeof kid !== "string") fail("token_unknown_kid", "token has no kid");
  const { environment } = options;
  if (payload.env !== environment) {
    fail("wrong_environment", `token is for environment ${JSON.stringify(payload.env)}, not ${environment}`);
  }
  // No extension is understood, so a token that marks one critical is refused (RFC 7515 §4.1.11).
  if (header.crit !== undefined) fail("token_malformed", '"crit" header parameter is not supported');

  const keys = (typeof options.jwks === "function" ? options.jwks : keysOfJwks(options.jwks))(kid).filter(
    (candidate) => candidate.alg === alg,
  );
  if (keys.length === 0)
    fail("token_unknown_kid", "no key in this environment's set matches the token's kid");
  const signingInput = Buffer.from(
    token.slice(0, headerSegment.length + 1 + payloadSegment.length),
    "latin1",
  );
  const signature = Buffer.from(signatureSegment, "base64url");
  if (!keys.some(({ key }) => signatureVerifies(alg, signingInput, signature, key))) {
    fail("token_signature_invalid", "signature does not verify");
  }

  if (typeof header.typ !== "string" || normalizeTyp(header.typ) !== EXPECTED_TYP)
    fail("token_wrong_type", 'token type must be "at+jwt"');
  for (const claim of REQUIRED_CLAIMS) {
    if (!Object.hasOwn(payload, claim)) fail(claimFailure(claim), `missing required "${claim}" claim`);
  }
  if (payload.iss !== environmentIssuer(options.issuer, environment))
    fail("invalid_issuer", "token issuer does not match");
  const audience = environmentAudience(environment);
  const aud = payload.aud;
  if (!(aud === audience || (Array.isArray(aud) && aud.includes(audience))))
    fail("wrong_environment", "token aud does not match");
  const tolerance = options.clockToleranceSec ?? 0;
  const nowSec = Math.floor((options.now?.getTime() ?? Date.now()) / 1000);
  numericDate(payload, "iat");
  const nbf = numericDate(payload, "nbf");
  if (nbf !== undefined && nbf > nowSec + tolerance) fail("token_not_yet_valid", "token is not valid yet");
  const exp = numericDate(payload, "exp");
  if (exp !== undefined && exp <= nowSec - tolerance) fail("token_expired", "token has expired");

  const claims = parseTaskTokenClaims(payload);
  if (!claims) return fail("token_claims_invalid", "token claims are not a leash task token");
  const delegation = delegationProblem(claims);
  if (delegation) fail("token_claims_invalid", delegation);
  // A token "issued" later than now would escape revocations of its agent, scope or environment, which cover
  // tokens issued up to the revocation.
  if (claims.iat > nowSec + tolerance) fail("token_not_yet_valid", "token claims to be issued in the future");
  return claims;
}
