// The broker's own token check: picks the environment the token names, verifies with that environment's keys only.

import type { BrokerContext } from "../context/broker-context.ts";
import { DEFAULT_MAX_DELEGATION_DEPTH, type TaskTokenClaims } from "../tokens/claims.ts";
import {
  type DecodedToken,
  decodeTaskToken,
  TokenVerificationError,
  verifyDecodedTaskToken,
} from "../tokens/verify-task-token.ts";

function claimedEnvironment(decoded: DecodedToken): string {
  const env = decoded.payload?.env;
  if (typeof env === "string") return env;
  throw new TokenVerificationError("token_malformed", "not a leash task token");
}

/**
 * What the signature cannot vouch for, checked against the settings in force on every call, never cached. Revocation
 * markers live as long as the longest environment max_ttl (plus slack): a token that lives longer (minted before a
 * reload lowered max_ttl, or by a minting bug) could outlive its revocation. A delegated token deeper than this broker
 * delegates (a minting bug, or a depth lowered since) is refused like one that lives too long.
 */
function checkAgainstSettings(context: BrokerContext, claims: TaskTokenClaims): TaskTokenClaims {
  const environment = context.scopes.current().environments.get(claims.env);
  if (environment && (claims.exp - claims.iat) * 1000 > environment.max_ttl) {
    throw new TokenVerificationError(
      "token_claims_invalid",
      `token lives longer than environment ${claims.env}'s max_ttl`,
    );
  }
  const maxDepth = context.maxDelegationDepth ?? DEFAULT_MAX_DELEGATION_DEPTH;
  if (claims.depth !== undefined && claims.depth > maxDepth) {
    throw new TokenVerificationError(
      "token_claims_invalid",
      `token is delegated ${claims.depth} levels deep; this broker delegates at most ${maxDepth}`,
    );
  }
  return claims;
}

/** Verified claims, or TokenVerificationError. Signature results are cached; everything revocable is checked later. */
export async function verifyBrokerToken(context: BrokerContext, token: string): Promise<TaskTokenClaims> {
  const nowMs = context.clock.now();
  const cached = context.verifiedTokens.get(token, nowMs);
  if (cached) return checkAgainstSettings(context, cached);
  // Taken apart once: the payload names the environment whose keys verify it.
  const decoded = decodeTaskToken(token);
  const env = claimedEnvironment(decoded);
  const ring = context.keys.get(env);
  if (!ring)
    throw new TokenVerificationError("wrong_environment", `no environment named ${JSON.stringify(env)}`);
  const claims = verifyDecodedTaskToken(decoded, {
    environment: env,
    jwks: (kid) => ring.verificationKeys(kid, nowMs),
    issuer: context.issuer,
    now: new Date(nowMs),
  });
  context.verifiedTokens.set(token, claims);
  return checkAgainstSettings(context, claims);
}
