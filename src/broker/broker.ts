// Assembles a running broker: scopes, keys, store, HTTP app. `leash dev` and `leash serve` differ only in their parts.
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { expireOverdueApprovals } from "../approvals/call-approval.ts";
import { AuditSealer, type AuditSealerOptions } from "../audit/audit-sealer.ts";
import { flushRefusalTallies } from "../audit/unauthenticated-refusals.ts";
import type { Clock } from "../clock/clock.ts";
import { type ApprovalEvents, ignoreApprovalEvents } from "../context/approval-events.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeaseRevoker, type LeaseRevokerOptions } from "../credentials/lease-revoker.ts";
import { buildApp } from "../http/app.ts";
import { IssuerKeys, type IssuerKeysOptions } from "../keys/issuer-keys.ts";
import type { KeyRings } from "../keys/key-ring.ts";
import { TotpSecretKeys } from "../keys/totp-secret-keys.ts";
import { BrokerMetrics } from "../metrics/broker-metrics.ts";
import type { LoadScopeSetResult } from "../scopes/load.ts";
import type { Store } from "../store/store.ts";
import { VerifiedTokenCache } from "../tokens/verify-cache.ts";
import type { VaultCredentialsClient } from "../vault/vault-client.ts";
import type { ScopeRegistry } from "./scope-registry.ts";

export interface Broker {
  context: BrokerContext;
  app: FastifyInstance;
  scopes: ScopeRegistry;
  /** Reloads the scope files; logs the new set's hash, or every problem and keeps the running set. */
  reloadScopes(): Promise<LoadScopeSetResult>;
  /** Ends Vault leases from the durable queue; running while the broker has a Vault, else null. */
  leaseRevoker: LeaseRevoker | null;
  /** Seals the audit chains (and trims them past the retention); always running. */
  auditSealer: AuditSealer;
  close(): Promise<void>;
}

export interface BrokerParts {
  store: Store;
  clock: Clock;
  scopes: ScopeRegistry;
  keys: KeyRings;
  /** Default: a key that lives as long as the process (dev mode, tests). */
  totpKeys?: TotpSecretKeys;
  issuer: string;
  logger: Logger;
  approvalEvents?: ApprovalEvents;
  vault?: VaultCredentialsClient;
  credentialsWithoutVault?: BrokerContext["credentialsWithoutVault"];
  totpLimit?: BrokerContext["totpLimit"];
  pendingApprovalLimit?: BrokerContext["pendingApprovalLimit"];
  refusalAuditWindowMs?: BrokerContext["refusalAuditWindowMs"];
  maxDelegationDepth?: number;
  webauthn?: BrokerContext["webauthn"];
  leaseRevokerOptions?: LeaseRevokerOptions;
  /** LEASH_AUDIT_SEAL_INTERVAL_MS and LEASH_AUDIT_RETENTION (leash serve); defaults otherwise. */
  auditSealerOptions?: AuditSealerOptions;
  /** How the trusted OIDC issuers' JWKS are fetched and cached (defaults otherwise). */
  workloadKeys?: IssuerKeysOptions;
  /** Made before the store when the store's error hook should count into it (leash serve); else made here. */
  metrics?: BrokerMetrics;
}

/** How often each process looks for approvals whose time ran out (to mark them expired and announce it). */
const APPROVAL_SWEEP_INTERVAL_MS = 5_000;

/** How often each process writes the records of refusal tallies whose window has closed. */
const REFUSAL_FLUSH_INTERVAL_MS = 1_000;

export const newGeneration = () => `gen_${randomBytes(12).toString("base64url")}`;

export async function assembleBroker(parts: BrokerParts): Promise<Broker> {
  const metrics = parts.metrics ?? new BrokerMetrics();
  metrics.readFrom({
    approvalsPending: async () => (await parts.store.approvals.pendingIds()).length,
    vaultRevocationBacklog: () => parts.store.leases.backlog(),
    vaultTokenTtlSeconds: () => parts.vault?.tokens.ttlSeconds() ?? null,
  });
  if (parts.vault) {
    parts.vault.tokens.observe({
      login: (result) => metrics.vaultLogins.inc({ result }),
      renewal: (result) => metrics.vaultTokenRenewals.inc({ result }),
    });
    // Not fatal: Vault may still be starting; the keeper retries, mints answer 503 and /readyz says why.
    await parts.vault.start();
  }
  const context: BrokerContext = {
    ...parts,
    totpKeys: parts.totpKeys ?? TotpSecretKeys.ephemeral(),
    approvalEvents: parts.approvalEvents ?? ignoreApprovalEvents,
    verifiedTokens: new VerifiedTokenCache(),
    workloadKeys: new IssuerKeys(parts.workloadKeys),
    metrics,
  };
  // Readers of the audit log find each environment's chain through this list, even before its first record.
  const registerAuditChains = () =>
    parts.store.audit
      .registerChains([...parts.scopes.current().environments.keys()])
      .catch((error: Error) => parts.logger.warn({ err: error.message }, "could not register audit chains"));
  await registerAuditChains();
  const reloadScopes = async (): Promise<LoadScopeSetResult> => {
    const result = await parts.scopes.reload();
    if (result.ok) {
      parts.logger.info({ scope_set: result.set.hash }, "scope set reloaded");
      await registerAuditChains();
    } else parts.logger.error({ problems: result.problems }, "scope reload refused; keeping the running set");
    return result;
  };
  const app = await buildApp(context, { reloadScopes });
  const sweeper = setInterval(() => {
    expireOverdueApprovals(context).catch((error) =>
      parts.logger.warn({ err: error.message }, "approval sweep failed"),
    );
  }, APPROVAL_SWEEP_INTERVAL_MS).unref();
  const flushRefusals = () =>
    flushRefusalTallies(context).catch((error: Error) =>
      parts.logger.warn({ err: error.message }, "writing refusal tallies failed"),
    );
  const refusalFlusher = setInterval(flushRefusals, REFUSAL_FLUSH_INTERVAL_MS).unref();
  parts.logger.info({ scope_set: parts.scopes.current().hash }, "scope set loaded");
  const leaseRevoker = parts.vault
    ? new LeaseRevoker(
        { leases: parts.store.leases, vault: parts.vault, clock: parts.clock, logger: parts.logger },
        parts.leaseRevokerOptions,
      )
    : null;
  leaseRevoker?.start();
  const auditSealer = new AuditSealer(
    { audit: parts.store.audit, clock: parts.clock, logger: parts.logger },
    parts.auditSealerOptions,
  );
  auditSealer.start();
  return {
    context,
    app,
    scopes: parts.scopes,
    reloadScopes,
    leaseRevoker,
    auditSealer,
    async close() {
      clearInterval(sweeper);
      clearInterval(refusalFlusher);
      await flushRefusals();
      await leaseRevoker?.stop();
      parts.vault?.stop();
      await auditSealer.stop();
      await app.close();
      await parts.store.close();
    },
  };
}
