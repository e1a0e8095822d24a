// Configuration from environment variables, validated once at start into one typed object.
import { z } from "zod";
import { SIGNING_ALGORITHMS } from "../keys/signing-key.ts";

const configSchema = z.object({
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: "expected a redis:// or rediss:// URL" })
    .default("redis://127.0.0.1:6379"),
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(500),
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
  return parsed.data as LeashConfig;
}
