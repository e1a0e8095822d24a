// Each trusted issuer's public keys: a remote JWKS (cached, fetched again for an unknown kid) or a file's static set.
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { TrustedIssuer } from "../scopes/identities.ts";

export interface IssuerKeysOptions {
  /** Least time between two fetches of one JWKS, also for an unknown kid (jose's cooldown; default 30 s). */
  cooldownMs?: number;
  /** Keys older than this are fetched again before use (default 10 minutes). */
  maxAgeMs?: number;
  /** A JWKS fetch that takes longer fails (default 5 s). */
  timeoutMs?: number;
}

/**
 * Kept across scope reloads, keyed by issuer and JWKS address, so a reload does not refetch every issuer's keys;
 * a static set is rebuilt whenever the loaded set changes (the file may have been edited).
 */
export class IssuerKeys {
  private readonly remote = new Map<string, JWTVerifyGetKey>();
  private readonly local = new WeakMap<object, JWTVerifyGetKey>();

  constructor(private readonly options: IssuerKeysOptions = {}) {}

  for(issuer: TrustedIssuer): JWTVerifyGetKey {
    if (issuer.jwks) {
      let keys = this.local.get(issuer.jwks);
      if (!keys) {
        keys = createLocalJWKSet(issuer.jwks as unknown as JSONWebKeySet);
        this.local.set(issuer.jwks, keys);
      }
      return keys;
    }
    const uri = issuer.jwks_uri!;
    const id = `${issuer.issuer}\n${uri}`;
    let keys = this.remote.get(id);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: this.options.cooldownMs ?? 30_000,
        cacheMaxAge: this.options.maxAgeMs ?? 600_000,
        timeoutDuration: this.options.timeoutMs ?? 5_000,
      });
      this.remote.set(id, keys);
    }
    return keys;
  }
}
