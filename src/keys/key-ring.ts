// Each environment's own set of signing keys: the active one signs, retired ones stay in the JWKS until their tokens expire.
import type { JSONWebKeySet } from "jose";
import type { SigningKey } from "./signing-key.ts";

export class EnvironmentKeyRing {
  /** The newest key not retired: what every mint signs with. A ring never changes; a rotation loads a new one. */
  readonly active: SigningKey;

  constructor(
    readonly env: string,
    private readonly keys: SigningKey[],
    /** How long a retired key's public half stays published: the longest token ttl. */
    private readonly publishRetiredForMs: number,
  ) {
    const active = this.keys.filter((key) => key.retiredAt === undefined);
    if (active.length === 0) throw new Error(`environment ${env} has no active signing key`);
    this.active = active.reduce((newest, key) => (key.createdAt > newest.createdAt ? key : newest));
  }

  jwks(nowMs: number): JSONWebKeySet {
    return {
      keys: this.keys
        .filter((key) => key.retiredAt === undefined || key.retiredAt + this.publishRetiredForMs > nowMs)
        .map((key) => key.publicJwk),
    };
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
