// Configuration from environment variables, validated once at start into one typed object.
import { z } from "zod";
import { parseDuration } from "../scopes/duration.ts";
import { ConfigError } from "./env-error.ts";
import { SIGNING_ALGORITHMS } from "./signing-algorithms.ts";

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
  /**
   * How leash gets its own Vault token (docs/vault.md): `token` (VAULT_TOKEN, the default), `approle`
   * (VAULT_ROLE_ID + VAULT_SECRET_ID or VAULT_SECRET_ID_FILE), `kubernetes` (VAULT_AUTH_ROLE + the service-account
   * token file) or `jwt` (VAULT_AUTH_ROLE + VAULT_AUTH_JWT_FILE). A login method logs in again whenever the token
   * cannot be renewed further.
   */
  VAULT_AUTH_METHOD: z.enum(["token", "approle", "kubernetes", "jwt"]).default("token"),
  VAULT_TOKEN: z.string().min(1).optional(),
  /** Where the auth method is mounted; default `approle`, `kubernetes` or `jwt`. */
  VAULT_AUTH_MOUNT: z
    .string()
    .regex(/^(?!(?:.*\/)?\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/, {
      error: "expected a mount path like approle or k8s/prod",
    })
    .optional(),
  VAULT_ROLE_ID: z.string().min(1).optional(),
  VAULT_SECRET_ID: z.string().min(1).optional(),
  /** A file holding the AppRole secret id, read at each login (so it can be rotated without a restart). */
  VAULT_SECRET_ID_FILE: z.string().min(1).optional(),
  /** The Kubernetes or JWT auth role leash logs in as. */
  VAULT_AUTH_ROLE: z.string().min(1).optional(),
  /**
   * The JWT presented at each login: for `kubernetes` the service-account token (default
   * /var/run/secrets/kubernetes.io/serviceaccount/token), for `jwt` required. Read again at every login.
   */
  VAULT_AUTH_JWT_FILE: z.string().min(1).optional(),
  /** /readyz fails when leash's Vault token has less than this left (a token that does not expire passes). */
  VAULT_TOKEN_MIN_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** Vault Enterprise namespace, sent as X-Vault-Namespace on every call. */
  VAULT_NAMESPACE: z.string().min(1).optional(),
  /** PEM file of the CA(s) that sign Vault's certificate, instead of the system CAs. */
  VAULT_CACERT: z.string().min(1).optional(),
  /** A directory of PEM CA files, instead of the system CAs (with VAULT_CACERT: both). */
  VAULT_CAPATH: z.string().min(1).optional(),
  /** Client certificate and key (PEM files) for Vault listeners that require TLS client authentication. */
  VAULT_CLIENT_CERT: z.string().min(1).optional(),
  VAULT_CLIENT_KEY: z.string().min(1).optional(),
  /** The name Vault's certificate must carry (and SNI), when it differs from VAULT_ADDR's host. */
  VAULT_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** Skip verifying Vault's certificate: parsed as a boolean (1/t/true/0/f/false, as Vault's CLI does). */
  VAULT_SKIP_VERIFY: z
    .string()
    .transform((value, ctx) => {
      const parsed = parseBoolean(value);
      if (parsed === null) {
        ctx.addIssue({ code: "custom", message: `expected true or false, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return parsed;
    })
    .default(false),
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
  /** The passkey relying party id (a host name the console is served under); default: LEASH_ISSUER's host name. */
  LEASH_WEBAUTHN_RP_ID: z.string().min(1).max(253).optional(),
  /** Comma-separated console origins passkey assertions may come from; default: LEASH_ISSUER's origin. */
  LEASH_WEBAUTHN_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ error: "expected origins like https://leash.example.com" })).min(1))
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
  /**
   * Refusals before the caller is identified (a garbage, forged or expired token) are tallied per source (IPv4
   * address or IPv6 /64) and reason; each tally is one audit record, with its count, once this window closes.
   */
  LEASH_REFUSAL_AUDIT_WINDOW: z
    .string()
    .default("10s")
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null || ms < 1_000 || ms > 3_600_000) {
        ctx.addIssue({
          code: "custom",
          message: `expected a duration from 1s to 1h, got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return ms;
    }),
  /**
   * Approvals that may wait for a human at once, per task and per agent; past either, asking for another is
   * `429 too_many_pending_approvals` (with Retry-After) until one is decided or expires.
   */
  LEASH_MAX_PENDING_APPROVALS_PER_TASK: z.coerce.number().int().min(1).max(10_000).default(20),
  LEASH_MAX_PENDING_APPROVALS_PER_AGENT: z.coerce.number().int().min(1).max(100_000).default(50),
  /** How many token exchanges deep a sub-agent chain may go (a child of a child of a child is 3). */
  LEASH_MAX_DELEGATION_DEPTH: z.coerce.number().int().min(1).max(16).default(3),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type LeashConfig = z.infer<typeof configSchema>;

export { ConfigError } from "./env-error.ts";

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
  checkVaultIdentity(parsed.data);
  return parsed.data as LeashConfig;
}

/** Go's strconv.ParseBool, which Vault's own tools use for VAULT_SKIP_VERIFY; null for anything else. */
function parseBoolean(value: string): boolean | null {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False", ""].includes(value)) return false;
  return null;
}

/** With VAULT_ADDR, the auth method has what it needs, and only what it uses (a stray setting is a mistake). */
function checkVaultIdentity(config: Partial<LeashConfig>): void {
  if (!config.VAULT_ADDR) return;
  const method = config.VAULT_AUTH_METHOD ?? "token";
  const need = (name: keyof LeashConfig, why: string) => {
    if (config[name] === undefined) throw new ConfigError(`${name}: required with ${why}`);
  };
  if (method === "token") need("VAULT_TOKEN", "VAULT_AUTH_METHOD=token (the default) and VAULT_ADDR");
  if (method === "approle") {
    need("VAULT_ROLE_ID", "VAULT_AUTH_METHOD=approle");
    if ((config.VAULT_SECRET_ID === undefined) === (config.VAULT_SECRET_ID_FILE === undefined)) {
      throw new ConfigError(
        "VAULT_SECRET_ID, VAULT_SECRET_ID_FILE: set exactly one with VAULT_AUTH_METHOD=approle",
      );
    }
  }
  if (method === "kubernetes" || method === "jwt") need("VAULT_AUTH_ROLE", `VAULT_AUTH_METHOD=${method}`);
  if (method === "jwt") need("VAULT_AUTH_JWT_FILE", "VAULT_AUTH_METHOD=jwt");
  if (method !== "token" && config.VAULT_TOKEN !== undefined) {
    throw new ConfigError(
      `VAULT_TOKEN: not used with VAULT_AUTH_METHOD=${method} (leash logs in for its own token); unset it`,
    );
  }
  if ((config.VAULT_CLIENT_CERT === undefined) !== (config.VAULT_CLIENT_KEY === undefined)) {
    throw new ConfigError("VAULT_CLIENT_CERT, VAULT_CLIENT_KEY: set both or neither");
  }
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
