// Verified-signature cache: a token string → its claims, kept until the token expires. Never caches revocation state.
import { OldestFirstMap } from "../memo/oldest-first-map.ts";
import type { TaskTokenClaims } from "./claims.ts";

/** Entries kept; past it the oldest entry leaves first. */
export const VERIFY_CACHE_ENTRIES = 50_000;

/**
 * Entries are found by the token's signature (its last part) and match only the whole token, compared in full: a
 * token of a kilobyte or more arrives as a new string on every request, and hashing all of it for the lookup cost
 * more than the rest of a cached verify; its signature is a few dozen characters and differs between tokens.
 */
export class VerifiedTokenCache {
  private readonly entries = new OldestFirstMap<string, { token: string; claims: TaskTokenClaims }>(
    VERIFY_CACHE_ENTRIES,
  );

  get(token: string, nowMs: number): TaskTokenClaims | undefined {
    const signature = signatureOf(token);
    const entry = this.entries.get(signature);
    if (!entry || entry.token !== token) return undefined;
    const { claims } = entry;
    if (claims.exp * 1000 <= nowMs || claims.nbf * 1000 > nowMs) {
      this.entries.delete(signature);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: TaskTokenClaims): void {
    this.entries.set(signatureOf(token), { token, claims });
  }

  clear(): void {
    this.entries.clear();
  }
}

const signatureOf = (token: string): string => token.slice(token.lastIndexOf(".") + 1);
