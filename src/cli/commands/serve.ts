// `leash serve`, `leash init` and `leash keys …`: running leash for real.
import { hostname, userInfo } from "node:os";
import type { Command } from "commander";
import { principalChangeEntry, recordKeyEvent, SYSTEM_ACTOR } from "../../audit/audit-trail.ts";
import { newGeneration } from "../../broker/broker.ts";
import { ScopeRegistry } from "../../broker/scope-registry.ts";
import { startServeBroker } from "../../broker/serve.ts";
import { systemClock } from "../../clock/clock.ts";
import { loadConfig } from "../../config/config.ts";
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from "../../config/signing-algorithms.ts";
import { initKeyDirectory, rotateEnvironmentKey } from "../../keys/key-directory.ts";
import { loadTotpSecretKeys, rotateTotpSecretKey } from "../../keys/totp-secret-keys.ts";
import { createPrincipal } from "../../principals/principals.ts";
import { resealTotpSecrets } from "../../principals/reseal-totp.ts";
import { connectConfiguredStore } from "../../store/redis/redis-store.ts";
import { jsonOption, printResult } from "../output.ts";

const FIRST_ADMIN_ID = "admin";

function signingAlgorithm(value: string): SigningAlgorithm {
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(value)) {
    throw new Error(`--alg: expected one of ${SIGNING_ALGORITHMS.join(", ")}`);
  }
  return value as SigningAlgorithm;
}

async function environmentsIn(scopesDir: string): Promise<string[]> {
  return [...(await ScopeRegistry.open(scopesDir)).current().environments.keys()];
}

/**
 * Records a rotation in the environment's audit chain when Redis is configured (REDIS_URL, REDIS_CLUSTER_NODES or
 * REDIS_SENTINELS). The key is rotated on disk either way;
 * when Redis cannot be reached the command says so and exits non-zero. Brokers record `key.activate` on reload.
 */
async function auditKeyRotation(env: string, result: { created: string; retired: string[] }): Promise<void> {
  if (!process.env.REDIS_URL && !process.env.REDIS_CLUSTER_NODES && !process.env.REDIS_SENTINELS) {
    process.stderr.write(
      "Not in the audit log (no REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS); brokers record key.activate when they load it.\n",
    );
    return;
  }
  const config = loadConfig(process.env);
  const detail = `created=${result.created}; retired=${result.retired.join(",")}; host=${hostname()}; user=${userInfo().username}`;
  try {
    const store = await connectConfiguredStore(config);
    try {
      await recordKeyEvent(store.audit, "key.rotate", env, detail, "operator", systemClock.now());
    } finally {
      await store.close();
    }
  } catch (error) {
    process.stderr.write(
      `leash: the rotation is NOT in the audit log (${(error as Error).message}); brokers record key.activate on reload\n`,
    );
    process.exitCode = 1;
  }
}

export function registerServeCommands(program: Command): void {
  program
    .command("serve")
    .description(
      "run the broker on Redis (config: REDIS_URL or REDIS_CLUSTER_NODES or REDIS_SENTINELS, LEASH_ISSUER, LEASH_KEYS_DIR, LEASH_SCOPES_DIR, PORT…)",
    )
    .action(async () => {
      const config = loadConfig(process.env, ["LEASH_ISSUER", "LEASH_KEYS_DIR"]);
      const { broker } = await startServeBroker(config).catch((error: unknown) => {
        // Exit non-zero even if a connection or timer outlives the failed start (a supervisor must see it fail).
        setTimeout(() => process.exit(1), 2_000).unref();
        throw error;
      });
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await broker.close();
    });

  jsonOption(
    program
      .command("init")
      .description(
        "initialise Redis (generation) and keys, and print the first admin key once; safe to run again",
      ),
    "print one JSON document: admin_key (null when already initialised), created_keys, generation",
  ).action(async (options: { json?: boolean }) => {
    const config = loadConfig(process.env, ["LEASH_KEYS_DIR"]);
    const environments = await environmentsIn(config.LEASH_SCOPES_DIR);
    const created = await initKeyDirectory(
      config.LEASH_KEYS_DIR,
      environments,
      config.LEASH_SIGNING_ALG,
      systemClock.now(),
    );
    for (const kid of created) process.stderr.write(`created signing key ${kid}\n`);
    const totpKeys = await loadTotpSecretKeys(config.LEASH_KEYS_DIR, systemClock.now());
    process.stderr.write(`TOTP secret key ${totpKeys.activeKid}\n`);
    const store = await connectConfiguredStore(config);
    try {
      const generation = await store.ensureGeneration(newGeneration(), environments);
      process.stderr.write(`store generation ${generation}\n`);
      if (await store.getPrincipal(FIRST_ADMIN_ID)) {
        process.stderr.write(
          "already initialised: the first admin exists (rotate its key with leash humans rotate-key)\n",
        );
        if (options.json)
          printResult(options, { admin_key: null, created_keys: created, generation }, () => "");
        return;
      }
      const { apiKey, principal } = await createPrincipal(
        store,
        { id: FIRST_ADMIN_ID, kind: "human", roles: ["admin"] },
        systemClock.now(),
      );
      await store.audit.registerChains(environments);
      await store.audit.append({
        entry: principalChangeEntry("create", principal, SYSTEM_ACTOR, systemClock.now()),
      });
      // In text, the key alone on stdout: `KEY=$(leash init)` is how a script keeps it.
      printResult(options, { admin_key: apiKey, created_keys: created, generation }, (r) => r.admin_key);
      process.stderr.write(
        "This is the first admin's key (human id admin). It is shown once: store it now.\n",
      );
    } finally {
      await store.close();
    }
  });

  const keys = program
    .command("keys")
    .description("per-environment signing keys, and the keys that seal TOTP secrets in Redis");
  jsonOption(
    keys
      .command("init")
      .description("create a signing key for every environment that has none")
      .requiredOption("--dir <dir>", "key directory (LEASH_KEYS_DIR)")
      .option(
        "--scopes-dir <dir>",
        "scope files naming the environments",
        process.env.LEASH_SCOPES_DIR ?? "scopes",
      )
      .option("--alg <alg>", "EdDSA or ES256", "EdDSA"),
  ).action(async (options: { dir: string; scopesDir: string; alg: string; json?: boolean }) => {
    const environments = await environmentsIn(options.scopesDir);
    const created = await initKeyDirectory(
      options.dir,
      environments,
      signingAlgorithm(options.alg),
      systemClock.now(),
    );
    await loadTotpSecretKeys(options.dir, systemClock.now());
    printResult(options, { created }, (r) =>
      r.created.length > 0 ? `created ${r.created.join(", ")}` : "every environment already has a key",
    );
  });
  jsonOption(
    keys
      .command("rotate")
      .description(
        "make a new active key for one environment; old public keys stay published until their tokens expire",
      )
      .requiredOption("--env <env>", "environment")
      .option("--dir <dir>", "key directory", process.env.LEASH_KEYS_DIR)
      .option("--alg <alg>", "EdDSA or ES256", "EdDSA"),
  ).action(async (options: { env: string; dir?: string; alg: string; json?: boolean }) => {
    if (!options.dir) throw new Error("--dir: required (or set LEASH_KEYS_DIR)");
    const result = await rotateEnvironmentKey(
      options.dir,
      options.env,
      signingAlgorithm(options.alg),
      systemClock.now(),
    );
    printResult(options, result, (r) => `created ${r.created}; retired ${r.retired.join(", ") || "nothing"}`);
    process.stderr.write("Running brokers pick up the new key on SIGHUP or restart.\n");
    await auditKeyRotation(options.env, result);
  });
  jsonOption(
    keys
      .command("rotate-totp")
      .description(
        "add a newer key for sealing TOTP secrets in Redis; the older keys keep opening what they sealed",
      )
      .option("--dir <dir>", "key directory", process.env.LEASH_KEYS_DIR),
  ).action(async (options: { dir?: string; json?: boolean }) => {
    if (!options.dir) throw new Error("--dir: required (or set LEASH_KEYS_DIR)");
    const created = await rotateTotpSecretKey(options.dir, systemClock.now());
    printResult(options, { created }, (r) => `created ${r.created}`);
    process.stderr.write(
      "Running brokers seal with it after SIGHUP or restart; each secret is sealed again on its next use, or all at once with leash keys reseal-totp. Keep the older key files until then.\n",
    );
  });
  jsonOption(
    keys
      .command("reseal-totp")
      .description(
        "seal every human's TOTP secret in Redis under the newest TOTP key (after rotate-totp, or for secrets stored in clear)",
      ),
  ).action(async (options: { json?: boolean }) => {
    const config = loadConfig(process.env, ["LEASH_KEYS_DIR"]);
    const totpKeys = await loadTotpSecretKeys(config.LEASH_KEYS_DIR, systemClock.now());
    const store = await connectConfiguredStore(config);
    try {
      const result = await resealTotpSecrets(store, totpKeys);
      printResult(
        options,
        { key: totpKeys.activeKid, ...result },
        (r) =>
          `sealed again under ${r.key}: ${r.resealed.length}; already current: ${r.current}; cannot open: ${r.unopenable.length}`,
      );
      if (result.unopenable.length > 0) {
        process.stderr.write(
          `leash: these humans' TOTP secrets open with no key in ${config.LEASH_KEYS_DIR}/totp: ${result.unopenable.join(", ")}\n`,
        );
        process.exitCode = 1;
      }
    } finally {
      await store.close();
    }
  });
}
