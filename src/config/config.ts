// Configuration from environment variables, validated once at start into one typed object.
import { z } from "zod";
import { SIGNING_ALGORITHMS } from "../keys/signing-key.ts";
import { parseDuration } from "../scopes/duration.ts";

/** `host:port,host:port` (IPv6 hosts in brackets) → addresses; every bad entry is named. */
const hostPortList = z.string().transform((value, ctx) => {
  const nodes: Array<{ host: string; port: number }> = [];
  for (const entry of value.split(",").map((part) => part.trim())) {
    const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535) {
      ctx.addIssue({
        code: "custom",
        message: `expected host:port entries separated by commas, got ${JSON.stringify(entry)}`,
      });
      return z.NEVER;
    }
    nodes.push({ host: (match[1] ?? match[2])!, port });
  }
  return nodes;
});

const configSchema = z.object({
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: "expected a redis:// or rediss:// URL" })
    .default("redis://127.0.0.1:6379"),
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(500),
  /** Redis Cluster seed nodes (`host:port,…`); the client learns the rest. Instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  /** Sentinels (`host:port,…`) that name the primary of REDIS_SENTINEL_NAME. Instead of REDIS_URL. */
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  /**
   * Strict durability: after every change that must survive a primary failover (revocations, approval decisions,
   * principal changes, Vault lease bookkeeping, the generation) leash sends `WAIT <n> <timeout>` and answers 503
   * unless n replicas acknowledged the write. 0 (default) = do not wait: one replication lag of such changes can
   * be lost when a primary dies. See docs/scale-out.md.
   */
  LEASH_REDIS_WAIT_REPLICAS: z.coerce.number().int().min(0).max(16).default(0),
  /** Bound on each WAIT; must be below REDIS_COMMAND_TIMEOUT_MS. */
  LEASH_REDIS_WAIT_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(250),
  LEASH_ISSUER: z.url({ error: "expected the broker's public base URL, like https://leash.example.com" }),
  LEASH_KEYS_DIR: z
    .string()
    .min(1, { error: "expected the directory holding the signing keys (leash keys init --dir …)" }),
  LEASH_SCOPES_DIR: z.string().min(1).default("scopes"),
  LEASH_SIGNING_ALG: z.enum(SIGNING_ALGORITHMS).default("EdDSA"),
  VAULT_ADDR: z.url({ error: "expected Vault's URL, like http://127.0.0.1:8200" }).optional(),
  VAULT_TOKEN: z.string().min(1).optional(),
  /** Bound on each Vault call, so a hung Vault fails a mint quickly (503 vault_unavailable). */
  VAULT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_500),
  /**
   * Without VAULT_ADDR, a scope with `credentials.vault` is refused at mint (503 vault_not_configured: `refuse`,
   * the default), or minted without credentials and with a warning (`omit`, what `leash dev` does).
   */
  LEASH_CREDENTIALS_WITHOUT_VAULT: z.enum(["refuse", "omit"]).default("refuse"),
  LEASH_WEBHOOK_SECRET: z
    .string()
    .min(16, { error: "expected at least 16 characters (it signs approval webhooks)" })
    .optional(),
  /**
   * How often every broker seals the audit chains (± 20% jitter): the window in which a changed or removed audit
   * record is not yet evident to `leash audit verify`. docs/audit.md.
   */
  LEASH_AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(1_000),
  /**
   * Trim audit records and seals older than this, whole sealed runs only (a duration as in scope files: `90d`,
   * `12h`); read as milliseconds. Unset (default): keep everything. Export first (`leash audit export --jsonl`).
   */
  LEASH_AUDIT_RETENTION: z
    .string()
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null) {
        ctx.addIssue({
          code: "custom",
          message: `expected a duration like 90d, 12h or 30m, got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
  /** Wrong TOTP codes a human may send per LEASH_TOTP_WINDOW before every code is refused until it passes. */
  LEASH_TOTP_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** The TOTP failure window and lock (a duration: `5m`, `1h`); read as milliseconds. */
  LEASH_TOTP_WINDOW: z
    .string()
    .default("5m")
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null || ms < 1_000) {
        ctx.addIssue({
          code: "custom",
          message: `expected a duration of 1s or more, got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return ms;
    }),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type LeashConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads only the variables listed; a missing or bad one is a one-line error naming it. */
export function loadConfig(env: NodeJS.ProcessEnv, required: (keyof LeashConfig)[] = []): LeashConfig {
  const relaxed = configSchema.partial({ LEASH_ISSUER: true, LEASH_KEYS_DIR: true });
  const parsed = relaxed.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join(".")}: ${issue.message}`);
  }
  for (const name of required) {
    if (parsed.data[name] === undefined) throw new ConfigError(`${name}: required, not set`);
  }
  checkRedisTopology(env, parsed.data);
  return parsed.data as LeashConfig;
}

/** One way to reach Redis: a URL, a Cluster or Sentinels; and a WAIT that ends before the command times out. */
function checkRedisTopology(env: NodeJS.ProcessEnv, config: Partial<LeashConfig>): void {
  const chosen = (["REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINELS"] as const).filter(
    (name) => env[name],
  );
  if (chosen.length > 1) {
    throw new ConfigError(
      `${chosen.join(", ")}: set only one of them (they are different ways to reach Redis)`,
    );
  }
  if (config.REDIS_SENTINELS && !config.REDIS_SENTINEL_NAME) {
    throw new ConfigError(
      "REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored primary's name)",
    );
  }
  const waitMs = config.LEASH_REDIS_WAIT_TIMEOUT_MS ?? 0;
  const commandMs = config.REDIS_COMMAND_TIMEOUT_MS ?? 0;
  if ((config.LEASH_REDIS_WAIT_REPLICAS ?? 0) > 0 && waitMs >= commandMs) {
    throw new ConfigError(
      `LEASH_REDIS_WAIT_TIMEOUT_MS: must be below REDIS_COMMAND_TIMEOUT_MS (${waitMs} ≥ ${commandMs}), or every WAIT times out as a command first`,
    );
  }
}
