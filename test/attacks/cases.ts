// The JWT attack table: every known class of token forgery and confusion, each case named, with the refusal it must get.
//
// The victim is a resource server (and the broker) for `staging`. Most cases are made without any leash key (what an
// attacker holding a leaked token, the public JWKS and their own keys can do). Cases marked `keyHolder` are signed with
// the environment's real key: they stand for a bug in minting or a rotated-in key misused, and show that what the key
// cannot vouch for (generation, live scope, type, crit, lifetime) is still checked.
import type { JWK } from "jose";
import type { SigningKey } from "../../src/keys/signing-key.ts";
import type { TaskTokenClaims } from "../../src/tokens/claims.ts";
import type { TokenErrorCode } from "../../src/tokens/verify-task-token.ts";
import {
  attackerKey,
  b64,
  b64json,
  hmacToken,
  publicKeySecrets,
  type Signer,
  segmentJson,
  signJson,
  signSegments,
  splitToken,
} from "./forge.ts";

/** What the client verifier or the broker's own verification says: a refusal code, or "genuine" (it verifies). */
export type VerifierOutcome = TokenErrorCode | "genuine";

export interface AttackCase {
  /** `family/name`, unique. */
  id: string;
  family: string;
  token: string;
  /** verifyTaskToken pinned to staging. */
  verifier: VerifierOutcome;
  /** The broker's verification (any environment it has keys for); defaults to `verifier`. */
  broker?: VerifierOutcome;
  /** POST /v1/authorize `reason`; defaults to the reason the broker's verification code maps to. */
  reason?: string;
  /** Introspection `active`; false unless the token is genuine and only the call it was used for is wrong. */
  introspectActive?: boolean;
  /** The action and resource the case asks for (defaults: volume:read on a staging volume). */
  action?: string;
  resource?: string;
  /** The time (ms) the broker's and the verifier's clocks show for this case; default one second after minting. */
  atMs?: number;
  /** JSON endpoints refuse the request itself (schema or size) before any token work. */
  request?: { status: number; code: string };
  /** Sent as `Authorization: Bearer`: refused before verification (status), or cannot be sent at all. */
  header?: { status: number; code?: string } | "undeliverable";
  /** Signed with the environment's real key (a minting bug or key misuse, not an outside attacker). */
  keyHolder?: boolean;
  /** The token verifies by the RFC's rules (e.g. lexically last duplicate member); every parser must agree on it. */
  consistent?: { env: string; scope: string };
  /** A control: a genuine call that must be allowed, proving the harness does not refuse everything. */
  control?: boolean;
}

export interface AttackFixture {
  issuer: string;
  /** The broker clock at minting. */
  mintedAtMs: number;
  staging: { token: string; claims: TaskTokenClaims; eddsa: SigningKey; es256: SigningKey };
  production: { token: string; claims: TaskTokenClaims; key: SigningKey };
  /** Token exchange: children of the staging and production tokens, and a staging tree whose root was revoked. */
  delegation: {
    child: { token: string; claims: TaskTokenClaims };
    productionChild: { token: string; claims: TaskTokenClaims };
    revoked: { rootJti: string; child: string; grandchild: string };
  };
}

const STAGING_VOLUME = "railway:prj_demo/env/staging/volume/v1";
const PRODUCTION_VOLUME = "railway:prj_demo/env/production/volume/v1";

export async function buildAttackCases(f: AttackFixture): Promise<AttackCase[]> {
  const cases: AttackCase[] = [];
  const add = (family: string, name: string, spec: Omit<AttackCase, "id" | "family">) =>
    cases.push({ id: `${family}/${name}`, family, ...spec });

  const claims = f.staging.claims;
  const kid = f.staging.eddsa.kid;
  const esKid = f.staging.es256.kid;
  const header = { alg: "EdDSA", typ: "at+jwt", kid };
  const real: Signer = { alg: "EdDSA", privateKey: f.staging.eddsa.privateKey };
  const realEs: Signer = { alg: "ES256", privateKey: f.staging.es256.privateKey };
  const productionKey: Signer = { alg: "EdDSA", privateKey: f.production.key.privateKey };
  const edAttacker = await attackerKey("EdDSA");
  const esAttacker = await attackerKey("ES256");
  const [genuineHeader, genuinePayload, genuineSignature] = splitToken(f.staging.token);
  const nowS = Math.floor(f.mintedAtMs / 1000);
  /** Claims signed with the real staging key, header overridable. */
  const signedByKey = (
    claimsOverride: Record<string, unknown>,
    headerOverride: Record<string, unknown> = {},
  ) => signJson({ ...header, ...headerOverride }, { ...claims, ...claimsOverride }, real);
  /** The genuine header and signature with another payload. */
  const tampered = (payload: Record<string, unknown>) =>
    `${genuineHeader}.${b64json({ ...claims, ...payload })}.${genuineSignature}`;

  // --- controls ---------------------------------------------------------------------------------------------------
  add("control", "genuine staging token", { token: f.staging.token, verifier: "genuine", control: true });
  add("control", "genuine token 1 ms before exp", {
    token: f.staging.token,
    verifier: "genuine",
    control: true,
    atMs: claims.exp * 1000 - 1,
  });
  add("control", "token signed by the environment's published ES256 key", {
    token: await signJson({ alg: "ES256", typ: "at+jwt", kid: esKid }, claims, realEs),
    verifier: "genuine",
    control: true,
  });

  // --- alg: none ----------------------------------------------------------------------------------------------------
  for (const alg of ["none", "None", "NONE", "nOnE", "NoNe"]) {
    add("alg none", `alg "${alg}", empty signature`, {
      token: `${b64json({ ...header, alg })}.${genuinePayload}.`,
      verifier: "token_algorithm_not_allowed",
    });
  }
  add("alg none", "alg none keeping the genuine signature", {
    token: `${b64json({ ...header, alg: "none" })}.${genuinePayload}.${genuineSignature}`,
    verifier: "token_algorithm_not_allowed",
  });
  add("alg none", "alg none with no signature segment at all", {
    token: `${b64json({ ...header, alg: "none" })}.${genuinePayload}`,
    verifier: "token_malformed",
  });
  add("alg none", "no alg member", {
    token: `${b64json({ typ: "at+jwt", kid })}.${genuinePayload}.${genuineSignature}`,
    verifier: "token_algorithm_not_allowed",
  });
  for (const [label, alg] of [
    ["empty string", ""],
    ["null", null],
    ["array", ["EdDSA"]],
    ["object", { name: "EdDSA" }],
    ['"EdDSA " (trailing space)', "EdDSA "],
    ['"eddsa" (lower case)', "eddsa"],
  ] as const) {
    add("alg none", `alg ${label}`, {
      token: `${b64json({ ...header, alg })}.${genuinePayload}.${genuineSignature}`,
      verifier: "token_algorithm_not_allowed",
    });
  }

  // --- HMAC with the public key -------------------------------------------------------------------------------------
  const secrets = await publicKeySecrets(f.staging.eddsa.publicJwk);
  for (const alg of ["HS256", "HS384", "HS512"] as const) {
    for (const [label, secret] of Object.entries(secrets)) {
      add("hmac with public key", `${alg} keyed with the ${label}`, {
        token: hmacToken(alg, secret, header, claims),
        verifier: "token_algorithm_not_allowed",
      });
    }
  }
  add("hmac with public key", "HS256 keyed with the ES256 key's JWK", {
    token: hmacToken("HS256", JSON.stringify(f.staging.es256.publicJwk), { ...header, kid: esKid }, claims),
    verifier: "token_algorithm_not_allowed",
  });
  add("hmac with public key", "HS256 without kid", {
    token: hmacToken("HS256", secrets["JWK JSON"]!, { typ: "at+jwt" }, claims),
    verifier: "token_algorithm_not_allowed",
  });

  // --- algorithm confusion (ES256 / EdDSA and algorithms never accepted) -------------------------------------------
  add("alg confusion", "ES256 signature (attacker key) with the EdDSA kid", {
    token: await signJson({ ...header, alg: "ES256" }, claims, esAttacker),
    verifier: "token_unknown_kid",
  });
  add("alg confusion", "EdDSA signature (attacker key) with the ES256 kid", {
    token: await signJson({ ...header, kid: esKid }, claims, edAttacker),
    verifier: "token_unknown_kid",
  });
  add("alg confusion", "ES256 signature by the real ES256 key, header says EdDSA and the EdDSA kid", {
    token: await signJson(header, claims, realEs),
    verifier: "token_signature_invalid",
    keyHolder: true,
  });
  add("alg confusion", "EdDSA signature by the real EdDSA key, header says ES256 and the ES256 kid", {
    token: await signJson({ ...header, alg: "ES256", kid: esKid }, claims, real),
    verifier: "token_signature_invalid",
    keyHolder: true,
  });
  add("alg confusion", "the genuine EdDSA signature relabelled ES256", {
    token: `${b64json({ ...header, alg: "ES256", kid: esKid })}.${genuinePayload}.${genuineSignature}`,
    verifier: "token_signature_invalid",
  });
  add("alg confusion", "ES256 signature (attacker key) with the ES256 kid", {
    token: await signJson({ alg: "ES256", typ: "at+jwt", kid: esKid }, claims, esAttacker),
    verifier: "token_signature_invalid",
  });
  for (const alg of ["RS256", "PS256", "ES384", "ES512", "ES256K", "Ed25519", "Ed448", "HS256", "dir"]) {
    add("alg confusion", `alg ${alg} with the EdDSA kid and the genuine signature`, {
      token: `${b64json({ ...header, alg })}.${genuinePayload}.${genuineSignature}`,
      verifier: "token_algorithm_not_allowed",
    });
  }

  // --- kid ----------------------------------------------------------------------------------------------------------
  const kids: [string, unknown][] = [
    ["unknown", "nope"],
    ["path traversal to the key file", `../../keys/staging/${kid}.json`],
    ["path traversal to /etc/passwd", "../../../../../../../etc/passwd"],
    ["/dev/null", "/dev/null"],
    ["SQL-ish", "' OR '1'='1"],
    ["SQL union", "x' UNION SELECT kid FROM keys --"],
    ["glob", "*"],
    ["4000 characters", "k".repeat(4000)],
    ["real kid plus NUL", `${kid}\u0000`],
    ["real kid plus a space", `${kid} `],
    ["real kid with a Cyrillic homoglyph", kid.replace("a", "\u0430").replace("e", "\u0435")],
    ["production's kid", f.production.key.kid],
  ];
  for (const [label, value] of kids) {
    add("kid", `${label} (attacker signature)`, {
      token: await signJson({ ...header, kid: value }, claims, edAttacker),
      verifier: "token_unknown_kid",
    });
  }
  for (const [label, value] of [
    ["number", 1],
    ["null", null],
    ["object", { kid }],
    ["array", [kid]],
  ] as const) {
    add("kid", `kid as ${label}`, {
      token: await signJson({ ...header, kid: value }, claims, edAttacker),
      verifier: "token_unknown_kid",
    });
  }
  add("kid", "no kid", {
    token: await signJson({ alg: "EdDSA", typ: "at+jwt" }, claims, edAttacker),
    verifier: "token_unknown_kid",
  });
  add("kid", "kid longer than any token may be (9000 characters)", {
    token: await signJson({ ...header, kid: "k".repeat(9000) }, claims, edAttacker),
    verifier: "token_malformed",
    request: { status: 400, code: "invalid_request" },
  });
  add("kid", "the real kid with an attacker's signature", {
    token: await signJson(header, claims, edAttacker),
    verifier: "token_signature_invalid",
  });
  add("kid", "production's kid and key, claims for staging", {
    token: await signJson({ ...header, kid: f.production.key.kid }, claims, productionKey),
    verifier: "token_unknown_kid",
    keyHolder: true,
  });

  // --- embedded keys and key URLs -----------------------------------------------------------------------------------
  const embedded: [string, Record<string, unknown>][] = [
    ["jwk (attacker's key)", { jwk: edAttacker.publicJwk }],
    ["jwk (attacker's key, no kid)", { jwk: edAttacker.publicJwk, kid: undefined }],
    ["jwk (the environment's own public key)", { jwk: f.staging.eddsa.publicJwk }],
    ["jku (attacker's JWKS)", { jku: "https://evil.example/jwks.json" }],
    ["jku (leash's own JWKS URL)", { jku: `${f.issuer}/v1/envs/staging/jwks.json` }],
    ["x5u", { x5u: "https://evil.example/cert.pem" }],
    ["x5c", { x5c: [b64("not really a certificate")] }],
  ];
  for (const [label, extra] of embedded) {
    add("embedded key", label, {
      token: await signJson({ ...header, ...extra }, claims, edAttacker),
      verifier: "token_header_forbidden",
    });
  }
  add("embedded key", "jwk header on a token signed with the real key", {
    token: await signedByKey({}, { jwk: f.staging.eddsa.publicJwk as JWK }),
    verifier: "token_header_forbidden",
    keyHolder: true,
  });
  add("embedded key", "x5t#S256 pointing at the attacker's key", {
    token: await signJson({ ...header, "x5t#S256": b64("thumbprint") }, claims, edAttacker),
    verifier: "token_signature_invalid",
  });
  add("embedded key", '"JWK" in upper case (not a JOSE parameter)', {
    token: await signJson({ ...header, JWK: edAttacker.publicJwk }, claims, edAttacker),
    verifier: "token_signature_invalid",
  });

  // --- crit -----------------------------------------------------------------------------------------------------------
  const crits: [string, Record<string, unknown>][] = [
    ["unknown extension", { crit: ["x-leash"], "x-leash": 1 }],
    ["unknown extension not present", { crit: ["x-leash"] }],
    ["b64: false (unencoded payload)", { crit: ["b64"], b64: false }],
    ["a claim name", { crit: ["exp"], exp: 1 }],
    ["a standard header name", { crit: ["alg"] }],
    ["empty list", { crit: [] }],
    ["a string, not a list", { crit: "x-leash", "x-leash": 1 }],
  ];
  for (const [label, extra] of crits) {
    add("crit", `${label} (real key)`, {
      token: await signedByKey({}, extra),
      verifier: "token_malformed",
      keyHolder: true,
    });
  }

  // --- typ ------------------------------------------------------------------------------------------------------------
  const typs: [string, unknown][] = [
    ["JWT", "JWT"],
    ["none", "none"],
    ["application/jwt", "application/jwt"],
    ["jwt", "jwt"],
    ["at+jwt with a trailing space", "at+jwt "],
    ["at+jwt with a parameter", "application/at+jwt; charset=utf-8"],
    ["dpop+jwt", "dpop+jwt"],
    ["secevent+jwt", "secevent+jwt"],
    ["a number", 1],
    ["missing", undefined],
  ];
  for (const [label, typ] of typs) {
    add("typ", `${label} (real key)`, {
      token: await signedByKey({}, { typ }),
      verifier: "token_wrong_type",
      keyHolder: true,
    });
  }

  // --- another environment --------------------------------------------------------------------------------------------
  add("other environment", "a genuine production token at staging", {
    token: f.production.token,
    verifier: "wrong_environment",
    broker: "genuine",
    reason: "wrong_environment",
    introspectActive: true,
  });
  add("other environment", "a genuine production token asking for a production volume through staging", {
    token: f.production.token,
    verifier: "wrong_environment",
    broker: "genuine",
    control: true,
    resource: PRODUCTION_VOLUME,
    introspectActive: true,
  });
  add("other environment", "staging claims signed by production's key with staging's kid", {
    token: await signJson(header, claims, productionKey),
    verifier: "token_signature_invalid",
    keyHolder: true,
  });
  add("other environment", "production claims (iss, aud, env) signed by staging's key", {
    token: await signedByKey({
      iss: `${f.issuer}/envs/production`,
      aud: ["urn:leash:env:production"],
      env: "production",
    }),
    verifier: "wrong_environment",
    broker: "token_unknown_kid",
    keyHolder: true,
  });
  for (const [label, override] of [
    ["issuer of production", { iss: `${f.issuer}/envs/production` }],
    ["issuer with a trailing slash", { iss: `${f.issuer}/envs/staging/` }],
    ["issuer of another broker", { iss: "https://evil.example/envs/staging" }],
    ["audience of production", { aud: ["urn:leash:env:production"] }],
    ["audience with a trailing space", { aud: "urn:leash:env:staging " }],
    ["no audience", { aud: [] }],
  ] as const) {
    add("other environment", `${label} (real key)`, {
      token: await signedByKey(override),
      // An issuer that is not this environment's is its own refusal, not an environment mix-up.
      verifier: "iss" in override ? "invalid_issuer" : "wrong_environment",
      keyHolder: true,
    });
  }
  for (const [label, env] of [
    ["no env claim", undefined],
    ["env __proto__", "__proto__"],
    ["env constructor", "constructor"],
    ["env as a list", ["staging"]],
  ] as const) {
    add("other environment", `${label} (real key)`, {
      token: await signedByKey({ env }),
      verifier: "wrong_environment",
      broker: typeof env === "string" ? "wrong_environment" : "token_malformed",
      keyHolder: true,
    });
  }
  const stranger = await attackerKey("EdDSA");
  add("other environment", "a token from another leash deployment (its own staging key)", {
    token: await signJson({ ...header, kid: `staging-20260101-${"0".repeat(8)}` }, claims, stranger),
    verifier: "token_unknown_kid",
  });

  // --- time -------------------------------------------------------------------------------------------------------------
  const expMs = claims.exp * 1000;
  add("time", "genuine token exactly at exp", {
    token: f.staging.token,
    verifier: "token_expired",
    atMs: expMs,
  });
  add("time", "genuine token 1 s after exp", {
    token: f.staging.token,
    verifier: "token_expired",
    atMs: expMs + 1000,
  });
  add("time", "genuine token a day after exp", {
    token: f.staging.token,
    verifier: "token_expired",
    atMs: expMs + 86_400_000,
  });
  add("time", "expired one second ago (real key)", {
    token: await signedByKey({ iat: nowS - 61, nbf: nowS - 61, exp: nowS }),
    verifier: "token_expired",
    keyHolder: true,
  });
  add("time", "exp 0 (real key)", {
    token: await signedByKey({ iat: 0, nbf: 0, exp: 0 }),
    verifier: "token_expired",
    keyHolder: true,
  });
  const nbf = nowS + 60;
  const early = await signedByKey({ iat: nbf, nbf, exp: nbf + 600 });
  add("time", "1 s before nbf (real key)", {
    token: early,
    verifier: "token_not_yet_valid",
    atMs: nbf * 1000 - 1000,
    keyHolder: true,
  });
  add("time", "1 ms before nbf (real key)", {
    token: early,
    verifier: "token_not_yet_valid",
    atMs: nbf * 1000 - 1,
    keyHolder: true,
  });
  add("time", "issued in the future, nbf now (real key): would escape agent/scope revocations", {
    token: await signedByKey({ iat: nowS + 3600, nbf: nowS, exp: nowS + 900 }),
    verifier: "token_not_yet_valid",
    keyHolder: true,
  });
  for (const [label, override] of [
    ["exp as a string", { exp: String(claims.exp) }],
    ["exp infinite (1e400 in JSON)", "1e400"],
    ["exp missing", { exp: undefined }],
    ["nbf missing", { nbf: undefined }],
    ["iat a fraction", { iat: nowS + 0.5 }],
  ] as const) {
    const token =
      override === "1e400"
        ? await signSegments(
            b64json(header),
            b64(JSON.stringify(claims).replace(`"exp":${claims.exp}`, '"exp":1e400')),
            real,
          )
        : await signedByKey(override);
    add("time", `${label} (real key)`, { token, verifier: "token_claims_invalid", keyHolder: true });
  }

  // --- tampered payload under a valid header and the genuine signature ------------------------------------------------
  for (const [label, override] of [
    ["scope broadened", { scope: `${claims.scope} volume:delete backup:delete` }],
    ["resources broadened", { resources: ["**"] }],
    ["exp extended by a year", { exp: claims.exp + 31_536_000 }],
    ["gen changed", { gen: "gen_forged" }],
    ["task changed", { task: "t_someone_else" }],
    ["jti changed (to dodge a jti revocation)", { jti: "tok_fresh" }],
    ["sub and client_id changed", { sub: "agent:admin", client_id: "admin" }],
    ["scope_id changed to production-ops", { scope_id: "production-ops" }],
    ["an extra claim", { admin: true }],
  ] as const) {
    add("tampered payload", label, { token: tampered(override), verifier: "token_signature_invalid" });
  }
  add("tampered payload", "env changed to production", {
    token: tampered({ env: "production" }),
    verifier: "wrong_environment",
    broker: "token_unknown_kid",
  });
  add("tampered payload", "typ removed from the genuine header", {
    token: `${b64json({ alg: "EdDSA", kid })}.${genuinePayload}.${genuineSignature}`,
    verifier: "token_signature_invalid",
  });

  // --- what the key cannot vouch for: checked by the broker on every call ------------------------------------------
  add("key holder", "gen of a store that lost its data (real key)", {
    token: await signedByKey({ gen: "gen_before_redis_lost_data" }),
    verifier: "genuine",
    reason: "stale_generation",
    keyHolder: true,
  });
  add("key holder", "scope broadened to an action the scope file lacks (real key)", {
    token: await signedByKey({ scope: `${claims.scope} service:delete` }),
    verifier: "genuine",
    action: "service:delete",
    reason: "action_not_granted",
    introspectActive: true,
    keyHolder: true,
  });
  add("key holder", "scope broadened to backup:delete, never grantable (real key)", {
    token: await signedByKey({ scope: `${claims.scope} backup:delete` }),
    verifier: "genuine",
    action: "backup:delete",
    reason: "action_not_granted",
    introspectActive: true,
    keyHolder: true,
  });
  add("key holder", "resources broadened to ** used on production (real key)", {
    token: await signedByKey({ resources: ["**"] }),
    verifier: "genuine",
    resource: PRODUCTION_VOLUME,
    reason: "wrong_environment",
    introspectActive: true,
    keyHolder: true,
  });
  add("key holder", "scope_id of a production scope on a staging token (real key)", {
    token: await signedByKey({ scope_id: "production-ops" }),
    verifier: "genuine",
    reason: "wrong_environment",
    introspectActive: true,
    keyHolder: true,
  });
  add("key holder", "scope_id of no scope (real key)", {
    token: await signedByKey({ scope_id: "deleted-scope" }),
    verifier: "genuine",
    reason: "scope_removed",
    keyHolder: true,
  });
  add("key holder", "lifetime ten years, beyond the environment's max_ttl (real key)", {
    token: await signedByKey({ exp: nowS + 315_360_000 }),
    verifier: "genuine",
    broker: "token_claims_invalid",
    keyHolder: true,
  });
  add("key holder", "claims of the wrong types: scope a number, resources a string (real key)", {
    token: await signedByKey({ scope: 1, resources: "**" }),
    verifier: "token_claims_invalid",
    keyHolder: true,
  });

  // --- truncated and malformed compact serialisations -----------------------------------------------------------------
  const truncations: [string, string, TokenErrorCode][] = [
    ["signature segment dropped", `${genuineHeader}.${genuinePayload}`, "token_malformed"],
    ["signature empty", `${genuineHeader}.${genuinePayload}.`, "token_signature_invalid"],
    ["signature cut by 10 characters", f.staging.token.slice(0, -10), "token_signature_invalid"],
    ["payload empty", `${genuineHeader}..${genuineSignature}`, "token_malformed"],
    ["header empty", `.${genuinePayload}.${genuineSignature}`, "token_malformed"],
    ["header only", genuineHeader, "token_malformed"],
    ["first half of the token", f.staging.token.slice(0, f.staging.token.length / 2), "token_malformed"],
    ["four segments", `${f.staging.token}.${genuineSignature}`, "token_malformed"],
    [
      "five segments (JWE shape)",
      `${genuineHeader}..${b64("iv")}.${genuinePayload}.${b64("tag")}`,
      "token_malformed",
    ],
    ["trailing dot", `${f.staging.token}.`, "token_malformed"],
    ["dots only", "..", "token_malformed"],
    ["one dot", ".", "token_malformed"],
  ];
  for (const [label, token, code] of truncations) add("truncated", label, { token, verifier: code });
  add("truncated", "empty token", {
    token: "",
    verifier: "token_malformed",
    request: { status: 400, code: "invalid_request" },
    header: { status: 401, code: "missing_credentials" },
  });

  // --- oversized ------------------------------------------------------------------------------------------------------
  add("oversized", "genuine token plus 9000 characters", {
    token: `${f.staging.token}${"A".repeat(9000)}`,
    verifier: "token_malformed",
    request: { status: 400, code: "invalid_request" },
  });
  add("oversized", "validly signed 9 KB token (a padding claim)", {
    token: await signedByKey({ pad: "p".repeat(9000) }),
    verifier: "token_malformed",
    request: { status: 400, code: "invalid_request" },
    keyHolder: true,
  });
  add("oversized", "100 KB token (body over the 64 KB limit)", {
    token: `${f.staging.token}${"A".repeat(100_000)}`,
    verifier: "token_malformed",
    request: { status: 413, code: "body_too_large" },
    header: { status: 431 },
  });
  add("oversized", "1 MB token", {
    token: `${f.staging.token}${"A".repeat(1_048_576)}`,
    verifier: "token_malformed",
    request: { status: 413, code: "body_too_large" },
    header: { status: 431 },
  });

  // --- duplicate JSON members -----------------------------------------------------------------------------------------
  const headerJson = (first: string, last: string) =>
    `{"alg":${first},"typ":"at+jwt","kid":${JSON.stringify(kid)},"alg":${last}}`;
  add("duplicate keys", 'header alg EdDSA then "none", no signature', {
    token: `${b64(headerJson('"EdDSA"', '"none"'))}.${genuinePayload}.`,
    verifier: "token_algorithm_not_allowed",
  });
  add("duplicate keys", 'header alg "none" then EdDSA, no signature', {
    token: `${b64(headerJson('"none"', '"EdDSA"'))}.${genuinePayload}.`,
    verifier: "token_signature_invalid",
  });
  add("duplicate keys", 'header alg EdDSA then "HS256", HMAC with the public key', {
    token: (() => {
      const input = `${b64(headerJson('"EdDSA"', '"HS256"'))}.${genuinePayload}`;
      return hmacToken("HS256", secrets["JWK JSON"]!, {}, {}).replace(/^.*\./, `${input}.`);
    })(),
    verifier: "token_algorithm_not_allowed",
  });
  const claimsJson = JSON.stringify(claims).slice(1, -1);
  add("duplicate keys", "payload env production then staging, genuine signature", {
    token: `${genuineHeader}.${b64(`{"env":"production",${claimsJson}}`)}.${genuineSignature}`,
    verifier: "token_signature_invalid",
  });
  add("duplicate keys", "payload env staging then production, genuine signature", {
    token: `${genuineHeader}.${b64(`{${claimsJson},"env":"production"}`)}.${genuineSignature}`,
    verifier: "wrong_environment",
    broker: "token_unknown_kid",
  });
  add("duplicate keys", "header alg none then EdDSA, real signature: lexically last wins everywhere", {
    token: await signSegments(b64(headerJson('"none"', '"EdDSA"')), genuinePayload, real),
    verifier: "genuine",
    control: true,
    keyHolder: true,
    consistent: { env: "staging", scope: claims.scope },
  });
  add("duplicate keys", "payload env production then staging, real signature: staging everywhere", {
    token: await signSegments(genuineHeader, b64(`{"env":"production",${claimsJson}}`), real),
    verifier: "genuine",
    control: true,
    keyHolder: true,
    consistent: { env: "staging", scope: claims.scope },
  });
  add("duplicate keys", "payload scope broad then narrow, real signature: the narrow one everywhere", {
    token: await signSegments(
      genuineHeader,
      b64(`{"scope":"volume:read volume:delete backup:delete",${claimsJson}}`),
      real,
    ),
    verifier: "genuine",
    action: "backup:delete",
    reason: "action_not_granted",
    introspectActive: true,
    keyHolder: true,
    consistent: { env: "staging", scope: claims.scope },
  });
  add("duplicate keys", "payload with a __proto__ member, real signature: no pollution, claims unchanged", {
    token: await signSegments(
      genuineHeader,
      b64(`{"__proto__":{"env":"production","scope":"backup:delete"},${claimsJson}}`),
      real,
    ),
    verifier: "genuine",
    control: true,
    keyHolder: true,
    consistent: { env: "staging", scope: claims.scope },
  });

  // --- segments that are not JSON objects ---------------------------------------------------------------------------
  const badHeaders: [string, string][] = [
    ["header not JSON", b64("not json")],
    ["header a JSON array", b64json([header])],
    ["header a JSON string", b64json("EdDSA")],
    ["header null", b64("null")],
    ["header with trailing garbage", b64(`${JSON.stringify(header)}x`)],
    ["header not base64url", "$$$$"],
  ];
  for (const [label, segment] of badHeaders) {
    add("not JSON", label, {
      token: `${segment}.${genuinePayload}.${genuineSignature}`,
      verifier: "token_malformed",
    });
  }
  // TextDecoder drops a leading byte-order mark, so this header parses; the genuine signature no longer matches it.
  add("not JSON", "header with a byte-order mark", {
    token: `${b64(`\ufeff${JSON.stringify(header)}`)}.${genuinePayload}.${genuineSignature}`,
    verifier: "token_signature_invalid",
  });
  const badPayloads: [string, string][] = [
    ["payload not JSON", b64("not json")],
    ["payload a JSON array", b64json([claims])],
    ["payload a number", b64("42")],
    ["payload null", b64("null")],
    ["payload invalid UTF-8", b64(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))],
    ["payload 3000 nested arrays", b64(`${"[".repeat(3000)}${"]".repeat(3000)}`)],
  ];
  for (const [label, segment] of badPayloads) {
    add("not JSON", `${label} (real key)`, {
      token: await signSegments(genuineHeader, segment, real),
      verifier: "token_malformed",
      keyHolder: true,
    });
  }

  // --- base64url variants of a genuine token: one token, one spelling --------------------------------------------------
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const lastChar = genuineSignature.at(-1)!;
  const sibling = alphabet[alphabet.indexOf(lastChar) ^ 1]!;
  const spellings: [string, string, Partial<AttackCase>?][] = [
    ["signature padded with ==", `${f.staging.token}==`],
    ["signature padded with =", `${f.staging.token}=`],
    ["signature with a space inside", `${f.staging.token.slice(0, -20)} ${f.staging.token.slice(-20)}`],
    [
      "signature with a newline inside",
      `${f.staging.token.slice(0, -20)}\n${f.staging.token.slice(-20)}`,
      { header: "undeliverable" },
    ],
    // HTTP trims header values, so these two arrive genuine when sent as a header: only the body endpoints see them.
    ["trailing space", `${f.staging.token} `, { header: "undeliverable" }],
    ["leading space", ` ${f.staging.token}`, { header: "undeliverable" }],
    ["signature's last character non-canonical", `${f.staging.token.slice(0, -1)}${sibling}`],
    [
      "signature in standard base64 (+ and /)",
      `${genuineHeader}.${genuinePayload}.${genuineSignature.replaceAll("-", "+").replaceAll("_", "/")}+/`,
    ],
    ["header padded", `${genuineHeader}==.${genuinePayload}.${genuineSignature}`],
    ["payload padded", `${genuineHeader}.${genuinePayload}==.${genuineSignature}`],
    [
      "payload with a tab inside",
      `${genuineHeader}.${genuinePayload.slice(0, 10)}\t${genuinePayload.slice(10)}.${genuineSignature}`,
      { header: "undeliverable" },
    ],
    ["token in quotes", `"${f.staging.token}"`],
    ["token with its Bearer prefix", `Bearer ${f.staging.token}`],
  ];
  for (const [label, token, extra] of spellings) {
    add("base64 variants", label, { token, verifier: "token_malformed", ...extra });
  }

  await addDelegationCases(f, add, { real, productionKey, edAttacker, esAttacker, stranger, secrets });
  return cases;
}

type AddCase = (family: string, name: string, spec: Omit<AttackCase, "id" | "family">) => void;

/**
 * Forged `act` chains and children for another environment. A child's delegation claims (act, sub_task, parent,
 * chain, depth) are what revocation of its ancestors is checked along: editing them must break the signature, a key
 * holder's inconsistent chain must not verify, and a chain naming a revoked ancestor dies with it.
 */
async function addDelegationCases(
  f: AttackFixture,
  add: AddCase,
  keys: {
    real: Signer;
    productionKey: Signer;
    edAttacker: Signer;
    esAttacker: Signer;
    stranger: Signer;
    secrets: Record<string, string | Uint8Array>;
  },
): Promise<void> {
  const child = f.delegation.child;
  const cc = child.claims;
  const [childHeader, childPayload, childSignature] = splitToken(child.token);
  const header = segmentJson(childHeader);
  const tamperedChild = (payload: Record<string, unknown>) =>
    `${childHeader}.${b64json({ ...cc, ...payload })}.${childSignature}`;
  const childSignedBy = (signer: Signer, claims: Record<string, unknown>, headerOverride = {}) =>
    signJson({ ...header, ...headerOverride }, { ...cc, ...claims }, signer);
  const root = f.staging.claims;
  const never = "tok_never_minted_anywhere";

  add("act chain", "genuine child token (control)", {
    token: child.token,
    verifier: "genuine",
    control: true,
  });

  // --- the chain edited under the genuine signature ---------------------------------------------------------------
  for (const [label, override] of [
    ["chain emptied (to escape the parent's revocation)", { chain: [], depth: 0 }],
    ["parent swapped for a token that was never minted", { parent: never, chain: [never] }],
    ["an ancestor added", { chain: ["tok_grandparent", cc.parent], depth: 2 }],
    ["act names another agent", { act: { sub: "agent:admin" } }],
    ["act chain with the current actor removed", { act: undefined }],
    ["depth lowered", { depth: 0 }],
    [
      "delegation claims removed (the child posing as a root token)",
      { act: undefined, sub_task: undefined, parent: undefined, chain: undefined, depth: undefined },
    ],
    ["sub_task changed", { sub_task: "sub_someone_elses" }],
    ["task changed to another task (its budget)", { task: "t_fresh_budget" }],
    ["scope widened back to the parent's", { scope: root.scope, resources: root.resources }],
  ] as const) {
    add("act chain", `${label}, genuine signature`, {
      token: tamperedChild(override),
      verifier: "token_signature_invalid",
    });
  }
  add("act chain", "a genuine root token given a chain (a parent that does not exist), genuine signature", {
    token: `${splitToken(f.staging.token)[0]}.${b64json({ ...root, act: { sub: "agent:agent-1" }, sub_task: "sub_x", parent: never, chain: [never], depth: 1 })}.${splitToken(f.staging.token)[2]}`,
    verifier: "token_signature_invalid",
  });
  add("act chain", "child header with the root's payload spliced in", {
    token: `${childHeader}.${splitToken(f.staging.token)[1]}.${childSignature}`,
    verifier: "token_signature_invalid",
  });
  add("act chain", "root signature on the child's payload", {
    token: `${childHeader}.${childPayload}.${splitToken(f.staging.token)[2]}`,
    verifier: "token_signature_invalid",
  });

  // --- the chain re-signed with a wrong key -----------------------------------------------------------------------
  const forgedChain = { parent: never, chain: [never], act: { sub: "agent:attacker" } };
  add("act chain", "chain naming a parent that was never minted, attacker's key under staging's kid", {
    token: await childSignedBy(keys.edAttacker, forgedChain),
    verifier: "token_signature_invalid",
  });
  add("act chain", "chain edited, ES256 attacker key under staging's EdDSA kid", {
    token: await childSignedBy(keys.esAttacker, forgedChain, { alg: "ES256" }),
    verifier: "token_unknown_kid",
  });
  add("act chain", "chain edited, another deployment's key and its own kid", {
    token: await childSignedBy(keys.stranger, forgedChain, { kid: `staging-20260101-${"1".repeat(8)}` }),
    verifier: "token_unknown_kid",
  });
  add("act chain", "chain edited, production's key under staging's kid", {
    token: await childSignedBy(keys.productionKey, forgedChain),
    verifier: "token_signature_invalid",
    keyHolder: true,
  });
  add("act chain", "chain edited, HS256 keyed with staging's public JWK", {
    token: hmacToken("HS256", keys.secrets["JWK JSON"]!, header, { ...cc, ...forgedChain }),
    verifier: "token_algorithm_not_allowed",
  });
  add("act chain", "chain edited, alg none", {
    token: `${b64json({ ...header, alg: "none" })}.${b64json({ ...cc, ...forgedChain })}.`,
    verifier: "token_algorithm_not_allowed",
  });

  // --- chains that do not fit together, even under the real key (a minting bug) ------------------------------------
  const chainOf = (n: number) => Array.from({ length: n }, (_, i) => `tok_ancestor_${i}`);
  const actOf = (n: number): Record<string, unknown> | undefined =>
    n === 0 ? undefined : { sub: "agent:agent-1", ...(n > 1 ? { act: actOf(n - 1) } : {}) };
  for (const [label, override] of [
    ["parent not the last of chain", { chain: [never, cc.parent], parent: never, depth: 2, act: actOf(2) }],
    ["depth not the length of chain", { depth: 2 }],
    ["chain naming the token itself", { chain: [cc.jti], parent: cc.jti }],
    ["chain naming one ancestor twice", { chain: [cc.parent, cc.parent], depth: 2, act: actOf(2) }],
    ["act one level deeper than chain", { act: actOf(2) }],
    ["act naming a human", { act: { sub: "human:approver-1" } }],
    ["act a string", { act: "agent:agent-1" }],
    ["chain without parent", { parent: undefined }],
    ["parent without chain or depth", { chain: undefined, depth: undefined }],
    ["depth 0 and an empty chain", { chain: [], depth: 0, act: undefined }],
    [
      "depth 17, past any configurable maximum",
      { chain: chainOf(17), parent: "tok_ancestor_16", depth: 17, act: actOf(17) },
    ],
    ["depth a fraction", { depth: 1.5 }],
  ] as const) {
    add("act chain", `${label} (real key)`, {
      token: await childSignedBy(keys.real, override),
      verifier: "token_claims_invalid",
      keyHolder: true,
    });
  }
  add("act chain", "depth 4, one past this broker's maximum of 3 (real key)", {
    token: await childSignedBy(keys.real, {
      chain: chainOf(4),
      parent: "tok_ancestor_3",
      depth: 4,
      act: actOf(4),
    }),
    // The signature and the chain's shape are fine: only the broker knows how deep it delegates.
    verifier: "genuine",
    broker: "token_claims_invalid",
    keyHolder: true,
  });

  // --- a revoked ancestor -----------------------------------------------------------------------------------------
  const { revoked } = f.delegation;
  add("act chain", "a genuine child whose parent was revoked", {
    token: revoked.child,
    verifier: "genuine",
    reason: "revoked",
  });
  add("act chain", "a genuine grandchild whose grandparent was revoked", {
    token: revoked.grandchild,
    verifier: "genuine",
    reason: "revoked",
  });
  add("act chain", "a chain naming a revoked token as parent, in a live task (real key)", {
    token: await childSignedBy(keys.real, { parent: revoked.rootJti, chain: [revoked.rootJti] }),
    verifier: "genuine",
    reason: "revoked",
    keyHolder: true,
  });
  add("act chain", "a chain naming a revoked token as grandparent, in a live task (real key)", {
    token: await childSignedBy(keys.real, {
      chain: [revoked.rootJti, cc.parent],
      depth: 2,
      act: actOf(2),
    }),
    verifier: "genuine",
    reason: "revoked",
    keyHolder: true,
  });

  // --- children for another environment ---------------------------------------------------------------------------
  const pc = f.delegation.productionChild;
  add("act chain", "a genuine production child at staging", {
    token: pc.token,
    verifier: "wrong_environment",
    broker: "genuine",
    reason: "wrong_environment",
    introspectActive: true,
  });
  add("act chain", "a genuine production child asking for a production volume through staging", {
    token: pc.token,
    verifier: "wrong_environment",
    broker: "genuine",
    control: true,
    resource: PRODUCTION_VOLUME,
    introspectActive: true,
  });
  add("act chain", "a staging child's env changed to production, genuine signature", {
    token: tamperedChild({ env: "production" }),
    verifier: "wrong_environment",
    broker: "token_unknown_kid",
  });
  add("act chain", "a production child's claims signed by staging's key", {
    token: await signJson(header, pc.claims, keys.real),
    verifier: "wrong_environment",
    broker: "token_unknown_kid",
    keyHolder: true,
  });
  add("act chain", "a child of the staging token signed by production's key for production (real key)", {
    token: await signJson(
      { ...header, kid: f.production.key.kid },
      {
        ...cc,
        iss: f.production.claims.iss,
        aud: f.production.claims.aud,
        env: "production",
        scope_id: f.production.claims.scope_id,
      },
      keys.productionKey,
    ),
    verifier: "wrong_environment",
    broker: "genuine",
    reason: "wrong_environment",
    introspectActive: true,
    keyHolder: true,
  });
}

/** What authorize says for a token the broker could not verify. */
export function reasonFor(code: TokenErrorCode): string {
  if (code === "token_expired") return "expired";
  if (code === "wrong_environment") return "wrong_environment";
  if (code === "invalid_issuer") return "invalid_issuer";
  if (code === "token_not_yet_valid") return "not_yet_valid";
  return "invalid_token";
}

export const defaults = { action: "volume:read", resource: STAGING_VOLUME };
