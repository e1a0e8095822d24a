// An environment's public keys for a resource server: fetched from the broker, cached, refetched for an unknown kid.
import { createPublicKey, type KeyObject } from "node:crypto";
import type { JSONWebKeySet, JWK } from "jose";

const REFRESH_AFTER_MS = 5 * 60_000;
/** An unknown kid may mean a rotation; look again, but not more often than this. */
const MIN_REFETCH_INTERVAL_MS = 10_000;

export class EnvironmentJwks {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly brokerUrl: string,
    private readonly environment: string,
  ) {}

  /** The public key for `kid`, or null when the environment has none by that id. */
  async key(kid: string): Promise<KeyObject | null> {
    const age = Date.now() - this.fetchedAt;
    if (age > REFRESH_AFTER_MS || (!this.keys.has(kid) && age > MIN_REFETCH_INTERVAL_MS))
      await this.refresh();
    return this.keys.get(kid) ?? null;
  }

  async jwks(): Promise<JSONWebKeySet> {
    const response = await fetch(
      new URL(`/v1/envs/${encodeURIComponent(this.environment)}/jwks.json`, this.brokerUrl),
    );
    if (!response.ok) throw new Error(`JWKS for ${this.environment}: HTTP ${response.status}`);
    return (await response.json()) as JSONWebKeySet;
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.jwks()
      .then((set) => {
        this.keys = new Map(
          set.keys
            .filter((jwk): jwk is JWK & { kid: string } => typeof jwk.kid === "string")
            .map((jwk) => [
              jwk.kid,
              createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" }),
            ]),
        );
        this.fetchedAt = Date.now();
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}
