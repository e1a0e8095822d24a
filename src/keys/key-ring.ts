// Each environment's own set of signing keys: the active one signs, retired ones stay in the JWKS until their tokens expire.
import { createPublicKey, type KeyObject } from "node:crypto";
import type { JSONWebKeySet } from "jose";
import type { SigningKey } from "./signing-key.ts";

/** A key's public half as node:crypto verifies with it, made once when the ring is loaded. */
interface PublicKey {
  key: SigningKey;
  verification: { alg: string; key: KeyObject };
}

export class EnvironmentKeyRing {
  /** The newest key not retired: what every mint signs with. A ring never changes; a rotation loads a new one. */
  readonly active: SigningKey;
  private readonly byKid = new Map<string, PublicKey>();

  constructor(
    readonly env: string,
    private readonly keys: SigningKey[],
    /** How long a retired key's public half stays published: the longest token ttl. */
    private readonly publishRetiredForMs: number,
  ) {
    const active = this.keys.filter((key) => key.retiredAt === undefined);
    if (active.length === 0) throw new Error(`environment ${env} has no active signing key`);
    this.active = active.reduce((newest, key) => (key.createdAt > newest.createdAt ? key : newest));
    for (const key of this.keys) {
      this.byKid.set(key.kid, {
        key,
        verification: { alg: key.alg, key: createPublicKey(key.privateKeyObject) },
      });
    }
  }

  private published(key: SigningKey, nowMs: number): boolean {
    return key.retiredAt === undefined || key.retiredAt + this.publishRetiredForMs > nowMs;
  }

  jwks(nowMs: number): JSONWebKeySet {
    return { keys: this.keys.filter((key) => this.published(key, nowMs)).map((key) => key.publicJwk) };
  }

  /** The published key with this kid, for verifying (the same keys as jwks(nowMs), without building a JWKS). */
  verificationKeys(kid: string, nowMs: number): { alg: string; key: KeyObject }[] {
    const found = this.byKid.get(kid);
    return found && this.published(found.key, nowMs) ? [found.verification] : [];
  }
}

/** Every environment's key ring, looked up by environment name. */
export class KeyRings {
  constructor(private readonly rings: Map<string, EnvironmentKeyRing>) {}

  get(env: string): EnvironmentKeyRing | undefined {
    return this.rings.get(env);
  }

  environments(): string[] {
    return [...this.rings.keys()];
  }
}
