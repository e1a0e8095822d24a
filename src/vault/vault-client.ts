// The Vault client leash uses for dynamic credentials, leases and KV v2 reads: a thin layer over node-vault.
import type { Logger } from "pino";
import { z } from "zod";
import { type Clock, systemClock } from "../clock/clock.ts";
import { LeashError } from "../errors/leash-error.ts";
import { planLeaseEnd } from "./lease-plan.ts";
import { type VaultConnection, VaultTransport } from "./vault-connection.ts";
import { type VaultOperation, vaultErrorToLeashError } from "./vault-error.ts";
import type { VaultAuth } from "./vault-login.ts";
import { VaultTokenKeeper, type VaultTokenKeeperOptions } from "./vault-token.ts";

export interface VaultClientOptions extends VaultConnection {
  /** A given Vault token (VAULT_TOKEN); sent as `X-Vault-Token`, never put in an error message. */
  token?: string;
  /** How leash obtains its token, instead of `token`: a login method (docs/vault.md). */
  auth?: VaultAuth;
  clock?: Clock;
  logger?: Logger;
  /** Token upkeep: readiness threshold, check interval, retry delay. */
  tokenOptions?: Omit<VaultTokenKeeperOptions, "clock" | "logger">;
}

export interface DynamicCredentials {
  username: string;
  password: string;
  leaseId: string;
  /** The lease length Vault granted. */
  leaseDurationMs: number;
  renewable: boolean;
  /** When Vault itself ends the lease (ms since the epoch). */
  vaultExpiresAt: number;
  /** When the credentials stop working at the latest: Vault's end, or `revokeAt` when that comes first. */
  expiresAt: number;
  /** Set when Vault would keep the lease past the requested ttl: leash must revoke it at this time. */
  revokeAt: number | null;
  /** Vault's `data` object as returned (username, password and anything else the engine adds). */
  data: Record<string, unknown>;
}

export interface RenewedLease {
  leaseId: string;
  leaseDurationMs: number;
  renewable: boolean;
  expiresAt: number;
}

export interface VaultHealth {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string | null;
}

export interface VaultTokenInfo {
  policies: string[];
  /** ms since the epoch, or null for a token that does not expire (a root token). */
  expiresAt: number | null;
  renewable: boolean;
}

export interface KvSecret {
  data: Record<string, unknown>;
  version: number | null;
}

const secretEnvelope = z.object({
  lease_id: z.string().default(""),
  renewable: z.boolean().default(false),
  lease_duration: z.number().int().nonnegative().default(0),
  data: z.record(z.string(), z.unknown()).nullable().default(null),
});

const credentialsData = z.object({ username: z.string().min(1), password: z.string().min(1) });

const renewal = z.object({
  lease_id: z.string().min(1),
  renewable: z.boolean().default(false),
  lease_duration: z.number().int().nonnegative(),
});

const health = z.object({
  initialized: z.boolean(),
  sealed: z.boolean(),
  standby: z.boolean().default(false),
  version: z.string().nullable().default(null),
});

const tokenSelf = z.object({
  data: z.object({
    policies: z.array(z.string()).default([]),
    ttl: z.number().int().nonnegative().default(0),
    renewable: z.boolean().default(false),
  }),
});

const kvRead = z.object({
  data: z.object({
    data: z.record(z.string(), z.unknown()).nullable(),
    metadata: z.object({ version: z.number().int().optional() }).partial().nullable().default(null),
  }),
});

/** A Vault path as leash sends it: segments of safe characters, no `..`, no query string. */
const VAULT_PATH = /^[A-Za-z0-9_.@-]+(?:\/[A-Za-z0-9_.@-]+)*$/;

export class VaultCredentialsClient {
  readonly #transport: VaultTransport;
  readonly #clock: Clock;
  /** leash's own Vault token: looked up, renewed, replaced by a new login; see VaultTokenKeeper. */
  readonly tokens: VaultTokenKeeper;

  constructor(options: VaultClientOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#transport = new VaultTransport(options);
    const auth = options.auth ?? (options.token ? { method: "token" as const, token: options.token } : null);
    if (!auth) throw new LeashError("vault_not_configured", "a Vault client needs a token or a login method");
    this.tokens = new VaultTokenKeeper(auth, this.#transport, {
      ...options.tokenOptions,
      clock: this.#clock,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** Obtains the token (login or lookup) and starts keeping it alive; a failure is logged, not thrown. */
  start(): Promise<void> {
    return this.tokens.start();
  }

  stop(): void {
    this.tokens.stop();
    this.#transport.close();
  }

  /**
   * Reads dynamic credentials (`database/creds/<role>` or any engine returning username/password).
   * With `ttlMs` (what is left of the task token), a lease Vault would keep longer gets `revokeAt` set to the
   * token's end: see planLeaseEnd. With `leaseNeededUntil`, the read uses a token that lives at least that
   * long, since Vault revokes a token's leases with it.
   */
  async readDynamicCredentials(
    path: string,
    ttlMs?: number,
    options: { leaseNeededUntil?: number } = {},
  ): Promise<DynamicCredentials> {
    const mustEndBy = ttlMs === undefined ? null : this.#clock.now() + requirePositive(ttlMs, "ttlMs");
    const operation = { action: "reading", path: checkPath(path) };
    const neededUntil = options.leaseNeededUntil ?? mustEndBy;
    const token =
      neededUntil === null ? await this.tokens.token() : await this.tokens.tokenCovering(neededUntil);
    const body = await this.#call(operation, token, () =>
      this.#transport.client.read(operation.path, this.#transport.options(token)),
    );
    if (neededUntil !== null) this.tokens.noteLease(token, neededUntil);
    const received = this.#clock.now();
    const envelope = parse(secretEnvelope, body, operation);
    const data = envelope.data ?? {};
    const credentials = credentialsData.safeParse(data);
    if (!credentials.success || envelope.lease_id === "") {
      throw new LeashError(
        "vault_bad_response",
        `Vault's answer for ${operation.path} has no username, password and lease; is it a dynamic credentials path?`,
      );
    }
    const leaseDurationMs = envelope.lease_duration * 1000;
    const vaultExpiresAt = received + leaseDurationMs;
    const plan =
      mustEndBy === null
        ? null
        : planLeaseEnd({ expiresAt: vaultExpiresAt, renewable: envelope.renewable }, mustEndBy, received);
    const revokeAt = plan?.action === "revoke_at" ? plan.at : null;
    return {
      username: credentials.data.username,
      password: credentials.data.password,
      leaseId: envelope.lease_id,
      leaseDurationMs,
      renewable: envelope.renewable,
      vaultExpiresAt,
      expiresAt: revokeAt ?? vaultExpiresAt,
      revokeAt,
      data,
    };
  }

  /** Revokes a lease; Vault runs the engine's revocation (for a database: the role is dropped). */
  async revokeLease(leaseId: string): Promise<void> {
    const operation = { action: "revoking lease", path: requireLeaseId(leaseId) };
    const token = await this.tokens.token();
    await this.#call(operation, token, () =>
      this.#transport.client.revoke({ lease_id: leaseId, requestOptions: this.#transport.options(token) }),
    );
  }

  /** Revokes every lease under a prefix (`database/creds/<role>`); the token needs a sudo policy. */
  async revokeLeasePrefix(prefix: string): Promise<void> {
    const path = checkPath(prefix);
    const operation = { action: "revoking leases under", path };
    // node-vault's revokePrefix still uses the pre-0.9 `sys/revoke-prefix` path; use the documented one.
    const token = await this.tokens.token();
    await this.#call(operation, token, () =>
      this.#transport.client.request({
        path: `/sys/leases/revoke-prefix/${path}`,
        method: "PUT",
        ...this.#transport.options(token),
      }),
    );
  }

  /** Renews a lease by `incrementMs` counted from now (whole seconds, rounded down, at least one). */
  async renewLease(leaseId: string, incrementMs: number): Promise<RenewedLease> {
    const operation = { action: "renewing lease", path: requireLeaseId(leaseId) };
    const increment = Math.max(1, Math.floor(requirePositive(incrementMs, "incrementMs") / 1000));
    const token = await this.tokens.token();
    const body = await this.#call(operation, token, () =>
      this.#transport.client.renew({
        lease_id: leaseId,
        increment,
        requestOptions: this.#transport.options(token),
      }),
    );
    const received = this.#clock.now();
    const renewed = parse(renewal, body, operation);
    return {
      leaseId: renewed.lease_id,
      leaseDurationMs: renewed.lease_duration * 1000,
      renewable: renewed.renewable,
      expiresAt: received + renewed.lease_duration * 1000,
    };
  }

  /** Vault's health; a sealed or standby Vault is reported, not thrown. Unreachable is a `vault_unavailable`. */
  async health(): Promise<VaultHealth> {
    const operation = { action: "checking", path: "sys/health" };
    // node-vault resolves with the body for every sys/health status (429, 501, 503 included).
    const body = await this.#call(operation, null, () =>
      this.#transport.client.health({ requestOptions: this.#transport.options() }),
    );
    return parse(health, body, operation);
  }

  /** The token leash runs with: its policies and when it expires. */
  async lookupSelf(): Promise<VaultTokenInfo> {
    const operation = { action: "looking up", path: "auth/token/lookup-self" };
    const token = await this.tokens.token();
    const body = await this.#call(operation, token, () =>
      this.#transport.client.tokenLookupSelf({ requestOptions: this.#transport.options(token) }),
    );
    const received = this.#clock.now();
    const { data } = parse(tokenSelf, body, operation);
    return {
      policies: data.policies,
      expiresAt: data.ttl === 0 ? null : received + data.ttl * 1000,
      renewable: data.renewable,
    };
  }

  /** Reads the current version of a KV v2 secret: `readKv("upstreams/railway")` reads `secret/data/upstreams/railway`. */
  async readKv(path: string, mount = "secret"): Promise<KvSecret> {
    const operation = { action: "reading", path: `${checkPath(mount)}/data/${checkPath(path)}` };
    const token = await this.tokens.token();
    const body = await this.#call(operation, token, () =>
      this.#transport.client.read(operation.path, this.#transport.options(token)),
    );
    const read = parse(kvRead, body, operation);
    if (read.data.data === null) {
      // A deleted (soft-deleted) version answers with data: null.
      throw new LeashError("vault_bad_path", `Vault has no current data at ${operation.path}`);
    }
    return { data: read.data.data, version: read.data.metadata?.version ?? null };
  }

  /** One Vault call; a 401/403 is checked against the token itself (gone, or a policy that denies the path). */
  async #call(
    operation: VaultOperation,
    token: string | null,
    request: () => Promise<unknown>,
  ): Promise<unknown> {
    try {
      return await request();
    } catch (error) {
      const failure = vaultErrorToLeashError(error, operation, token ? [token] : []);
      const status = failure.extra.vault_status;
      if (token && (status === 401 || status === 403)) {
        throw (await this.tokens.refused(token)) ?? failure;
      }
      throw failure;
    }
  }
}

function checkPath(path: string): string {
  const trimmed = path.replace(/^\/+|\/+$/g, "");
  if (
    !VAULT_PATH.test(trimmed) ||
    trimmed.split("/").some((segment) => segment === "." || segment === "..")
  ) {
    throw new LeashError(
      "vault_bad_path",
      `"${path}" is not a Vault path leash will call (segments of letters, digits, _ . @ -)`,
    );
  }
  return trimmed;
}

function requireLeaseId(leaseId: string): string {
  if (leaseId.trim() === "") throw new LeashError("vault_bad_path", "a Vault lease id is required");
  return leaseId;
}

function requirePositive(ms: number, name: string): number {
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new LeashError("invalid_ttl", `${name} must be a positive number of milliseconds, got ${ms}`);
  }
  return ms;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, operation: VaultOperation): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new LeashError(
      "vault_bad_response",
      `Vault's answer while ${operation.action} ${operation.path} is not what the Vault API documents`,
    );
  }
  return parsed.data;
}
