// `leash serve`: the production broker on Redis, with keys from LEASH_KEYS_DIR and scopes from LEASH_SCOPES_DIR.
import { systemClock } from "../clock/clock.ts";
import type { LeashConfig } from "../config/config.ts";
import { revocationTtlMs } from "../enforce/revoke.ts";
import { loadKeyRings } from "../keys/key-directory.ts";
import { createLogger } from "../log/logger.ts";
import { RedisStore } from "../store/redis/redis-store.ts";
import { assembleBroker, type Broker } from "./broker.ts";
import { ScopeRegistry } from "./scope-registry.ts";

export async function startServeBroker(config: LeashConfig): Promise<{ broker: Broker; url: string }> {
  const logger = createLogger(config.LOG_LEVEL);
  const scopes = await ScopeRegistry.open(config.LEASH_SCOPES_DIR);
  const environments = [...scopes.current().environments.keys()];
  const maxTtl = Math.max(...[...scopes.current().environments.values()].map((env) => env.max_ttl));
  const keys = await loadKeyRings(config.LEASH_KEYS_DIR, environments, maxTtl);
  const store = await RedisStore.connect(config.REDIS_URL, {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    onError: (error) => logger.warn({ err: error.message }, "redis error"),
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
    issuer: config.LEASH_ISSUER,
    logger,
  });
  const url = await broker.app.listen({ port: config.PORT, host: config.HOST });
  process.on("SIGHUP", () => void reloadOnHangup(broker, config, maxTtl));
  logger.info({ url, revocation_marker_ttl_ms: revocationTtlMs(broker.context) }, "leash serving");
  return { broker, url };
}

/** SIGHUP: re-read scope files and signing keys (after `leash keys rotate`); a failure keeps what is running. */
async function reloadOnHangup(broker: Broker, config: LeashConfig, maxTtlMs: number): Promise<void> {
  await broker.reloadScopes();
  const environments = [...broker.scopes.current().environments.keys()];
  try {
    broker.context.keys = await loadKeyRings(config.LEASH_KEYS_DIR, environments, maxTtlMs);
    broker.context.logger.info("signing keys reloaded");
  } catch (error) {
    broker.context.logger.error(
      { err: (error as Error).message },
      "key reload refused; keeping the loaded keys",
    );
  }
}
