// Verified-signature cache: a token string → its claims, kept until the token expires. Never caches revocation state.
import type { TaskTokenClaims } from "./claims.ts";

/** Entries kept; past it the oldest entry leaves first. */
export const VERIFY_CACHE_ENTRIES = 50_000;

export class VerifiedTokenCache {
  private readonly entries = new Map<string, TaskTokenClaims>();

  get(token: string, nowMs: number): TaskTokenClaims | undefined {
    const claims = this.entries.get(token);
    if (!claims) return undefined;
    if (claims.exp * 1000 <= nowMs || claims.nbf * 1000 > nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return claims;
  }

  set(token: string, claims: TaskTokenClaims): void {
    if (this.entries.size >= VERIFY_CACHE_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, claims);
  }

  clear(): void {
    this.entries.clear();
  }
}
