// Decides how a Vault lease ends so that credentials never outlive the task token they were issued with.

/**
 * Vault's `database/creds/<role>` read takes no ttl: the role's default_ttl decides the lease length. So leash
 * reads the credentials first and then, knowing both ends, picks one of:
 * - `revoke_at`: Vault would keep the lease after the token expires, so leash revokes it at the token's `exp`
 *   (the lease "must end by" the token expiry);
 * - `renew`: the lease ends before the token and can be renewed: renewing it now (before `before`) by
 *   `incrementMs` (whole seconds, counted from `now`) keeps it at most until the token expiry. Vault counts the
 *   increment from the moment it renews, so plan again at the moment of renewal, and again after it (Vault may
 *   grant less than asked, up to the role's max_ttl);
 * - `expire`: the lease ends no later than the token on its own; nothing to do.
 * Renewing with a shorter increment is not used to shorten a lease: whether the database role's own
 * `VALID UNTIL` follows depends on the role's renew statements, while revocation always drops it.
 */
export type LeaseEndPlan =
  | { action: "revoke_at"; at: number }
  | { action: "renew"; before: number; incrementMs: number }
  | { action: "expire"; at: number };

export interface LeaseTiming {
  /** When Vault ends the lease by itself, in ms since the epoch. */
  expiresAt: number;
  renewable: boolean;
}

/** What to do with a lease so it ends by `tokenExpiresAt` (ms since the epoch), judged at `now`. */
export function planLeaseEnd(lease: LeaseTiming, tokenExpiresAt: number, now: number): LeaseEndPlan {
  if (lease.expiresAt > tokenExpiresAt) return { action: "revoke_at", at: tokenExpiresAt };
  // Vault counts increments in whole seconds from the renewal: round down so the renewed lease ends by the token.
  const incrementMs = Math.floor((tokenExpiresAt - now) / 1000) * 1000;
  if (lease.renewable && lease.expiresAt < tokenExpiresAt && incrementMs >= 1000 && lease.expiresAt > now) {
    return { action: "renew", before: lease.expiresAt, incrementMs };
  }
  return { action: "expire", at: lease.expiresAt };
}
