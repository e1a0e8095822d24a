// What every broker operation needs, built once at start: store, clock, scopes in force, key rings, issuer, logger.
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.ts";
import type { IssuerKeys } from "../keys/issuer-keys.ts";
import type { KeyRings } from "../keys/key-ring.ts";
import type { TotpSecretKeys } from "../keys/totp-secret-keys.ts";
import type { BrokerMetrics } from "../metrics/broker-metrics.ts";
import type { ScopeSet } from "../scopes/scope-set.ts";
import type { TotpAttemptLimit } from "../store/approvals.ts";
import type { Store } from "../store/store.ts";
import type { VerifiedTokenCache } from "../tokens/verify-cache.ts";
import type { VaultCredentialsClient } from "../vault/vault-client.ts";
import type { ApprovalEvents } from "./approval-events.ts";

/** The scope set a process currently runs; replaced whole on a successful reload, never edited in place. */
export interface ScopeSetHolder {
  current(): ScopeSet;
}

export interface BrokerContext {
  store: Store;
  clock: Clock;
  scopes: ScopeSetHolder;
  keys: KeyRings;
  /** The keys TOTP secrets are sealed with in the store (LEASH_KEYS_DIR/totp; ephemeral in dev mode). */
  totpKeys: TotpSecretKeys;
  /** Base issuer URL; each environment's tokens use `<issuer>/envs/<env>`. */
  issuer: string;
  logger: Logger;
  /** Where approval lifecycle events go (webhooks); emitting never blocks. */
  approvalEvents: ApprovalEvents;
  /** The trusted OIDC issuers' public keys, for mints authenticated by a workload token (identities.yaml). */
  workloadKeys: IssuerKeys;
  /** Signature verification results; the only thing about a token a process may remember. */
  verifiedTokens: VerifiedTokenCache;
  /** This broker's Prometheus metrics (its own registry). */
  metrics: BrokerMetrics;
  /** Vault, for scopes with `credentials.vault`; absent when VAULT_ADDR is not set and in dev mode. */
  vault?: VaultCredentialsClient;
  /**
   * Without `vault`, a scope that asks for credentials is refused with 503 `vault_not_configured` (`refuse`, the
   * default) or minted without them and with a warning (`omit`: dev mode and LEASH_CREDENTIALS_WITHOUT_VAULT=omit).
   */
  credentialsWithoutVault?: "refuse" | "omit";
  /** Wrong TOTP codes allowed per human per window before every code is refused (default 5 per 5 minutes). */
  totpLimit?: TotpAttemptLimit;
  /** How long refusals of unidentified callers are tallied per source before one record is written (default 10 s). */
  refusalAuditWindowMs?: number;
  /** Approvals that may wait for a human at once per task and per agent (default 20 and 50). */
  pendingApprovalLimit?: { perTask: number; perAgent: number };
  /** How many token exchanges deep a delegation chain may go (LEASH_MAX_DELEGATION_DEPTH); default 3. */
  maxDelegationDepth?: number;
  /**
   * Where passkeys are used (LEASH_WEBAUTHN_RP_ID, LEASH_WEBAUTHN_ORIGINS): the relying party id and the console
   * origins an assertion may come from. Absent: the issuer's host name and origin.
   */
  webauthn?: WebauthnSettings;
}

export interface WebauthnSettings {
  rpId: string;
  origins: string[];
}
