// `leash serve`: the production broker on Redis, with keys from LEASH_KEYS_DIR and scopes from LEASH_SCOPES_DIR.
import { WebhookApprovalEvents } from "../approvals/webhook.ts";
import { recordKeyEvent, SYSTEM_ACTOR } from "../audit/audit-trail.ts";
import { systemClock } from "../clock/clock.ts";
import type { LeashConfig } from "../config/config.ts";
import { revocationTtlMs } from "../enforce/revoke.ts";
import { loadKeyRings } from "../keys/key-directory.ts";
import { loadTotpSecretKeys } from "../keys/totp-secret-keys.ts";
import { createLogger } from "../log/logger.ts";
import { BrokerMetrics } from "../metrics/broker-metrics.ts";
import { redisTarget } from "../store/redis/redis-client.ts";
import { connectConfiguredStore } from "../store/redis/redis-store.ts";
import { VaultCredentialsClient } from "../vault/vault-client.ts";
import { vaultOptionsFromConfig } from "../vault/vault-settings.ts";
import { assembleBroker, type Broker } from "./broker.ts";
import { ScopeRegistry } from "./scope-registry.ts";

export async function startServeBroker(config: LeashConfig): Promise<{ broker: Broker; url: string }> {
  const logger = createLogger(config.LOG_LEVEL);
  const vaultOptions = vaultOptionsFromConfig(config);
  const vault = vaultOptions ? new VaultCredentialsClient({ ...vaultOptions, logger }) : undefined;
  const scopes = await ScopeRegistry.open(config.LEASH_SCOPES_DIR);
  const environments = [...scopes.current().environments.keys()];
  const maxTtl = Math.max(...[...scopes.current().environments.values()].map((env) => env.max_ttl));
  const keys = await loadKeyRings(config.LEASH_KEYS_DIR, environments, maxTtl);
  const totpKeys = await loadTotpSecretKeys(config.LEASH_KEYS_DIR, systemClock.now());
  const metrics = new BrokerMetrics();
  const target = redisTarget(config);
  logger.info(
    {
      redis: target.kind,
      nodes:
        target.kind === "server"
          ? undefined
          : (target.kind === "cluster" ? target.nodes : target.sentinels).length,
      wait_replicas: config.LEASH_REDIS_WAIT_REPLICAS,
    },
    "connecting to redis",
  );
  const store = await connectConfiguredStore(config, {
    onError: (error) => {
      metrics.redisErrors.inc();
      logger.warn({ err: error.message }, "redis error");
    },
  });
  // Environments added since `leash init` get the generation copied into their slot; a missing one is not invented.
  const generation = await store.getGeneration();
  if (generation) await store.ensureGeneration(generation, environments);
  else
    logger.error(
      "store has no generation: run leash init (or Redis lost its data); minting is refused until then",
    );

  const broker = await assembleBroker({
    store,
    clock: systemClock,
    scopes,
    keys,
    totpKeys,
    issuer: config.LEASH_ISSUER,
    logger,
    metrics,
    vault,
    credentialsWithoutVault: config.LEASH_CREDENTIALS_WITHOUT_VAULT,
    totpLimit: { maxFailures: config.LEASH_TOTP_MAX_FAILURES, windowMs: config.LEASH_TOTP_WINDOW },
    maxDelegationDepth: config.LEASH_MAX_DELEGATION_DEPTH,
    refusalAuditWindowMs: config.LEASH_REFUSAL_AUDIT_WINDOW,
    pendingApprovalLimit: {
      perTask: config.LEASH_MAX_PENDING_APPROVALS_PER_TASK,
      perAgent: config.LEASH_MAX_PENDING_APPROVALS_PER_AGENT,
    },
    webauthn:
      config.LEASH_WEBAUTHN_RP_ID || config.LEASH_WEBAUTHN_ORIGINS
        ? {
            rpId: config.LEASH_WEBAUTHN_RP_ID ?? new URL(config.LEASH_ISSUER).hostname,
            origins: config.LEASH_WEBAUTHN_ORIGINS ?? [new URL(config.LEASH_ISSUER).origin],
          }
        : undefined,
    auditSealerOptions: {
      intervalMs: config.LEASH_AUDIT_SEAL_INTERVAL_MS,
      retentionMs: config.LEASH_AUDIT_RETENTION,
    },
    approvalEvents: config.LEASH_WEBHOOK_SECRET
      ? new WebhookApprovalEvents(scopes, config.LEASH_WEBHOOK_SECRET, systemClock, logger)
      : undefined,
  });
  if (vault) {
    // Not fatal: Vault may still be starting. Mints that need it answer 503 until it is back; /readyz reports it.
    vault.health().then(
      (health) => logger.info({ vault: config.VAULT_ADDR, sealed: health.sealed }, "vault reachable"),
      (error: Error) =>
        logger.warn({ vault: config.VAULT_ADDR, err: error.message }, "vault not reachable yet"),
    );
  }
  let url: string;
  try {
    url = await broker.app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    // A broker that cannot listen must not stay alive looking healthy to its supervisor (port taken, no permission).
    await broker.close().catch(() => {});
    throw new Error(`cannot listen on ${config.HOST}:${config.PORT}: ${(error as Error).message}`);
  }
  process.on("SIGHUP", () => void reloadOnHangup(broker, config, maxTtl));
  logger.info({ url, revocation_marker_ttl_ms: revocationTtlMs(broker.context) }, "leash serving");
  return { broker, url };
}

/** SIGHUP: re-read scope files and signing keys (after `leash keys rotate`); a failure keeps what is running. */
async function reloadOnHangup(broker: Broker, config: LeashConfig, maxTtlMs: number): Promise<void> {
  await broker.reloadScopes();
  const environments = [...broker.scopes.current().environments.keys()];
  const activeKid = (env: string) => broker.context.keys.get(env)?.active.kid;
  const before = new Map(environments.map((env) => [env, activeKid(env)]));
  try {
    broker.context.keys = await loadKeyRings(config.LEASH_KEYS_DIR, environments, maxTtlMs);
    broker.context.totpKeys = await loadTotpSecretKeys(config.LEASH_KEYS_DIR, systemClock.now());
    broker.context.logger.info({ totp_key: broker.context.totpKeys.activeKid }, "signing keys reloaded");
    for (const env of environments) {
      const kid = activeKid(env);
      if (!kid || kid === before.get(env)) continue;
      await recordKeyEvent(
        broker.context.store.audit,
        "key.activate",
        env,
        `kid=${kid}`,
        SYSTEM_ACTOR,
        broker.context.clock.now(),
      ).catch((error: Error) =>
        broker.context.logger.error({ err: error.message, env, kid }, "key activation not audited"),
      );
    }
  } catch (error) {
    broker.context.logger.error(
      { err: (error as Error).message },
      "key reload refused; keeping the loaded keys",
    );
  }
}
