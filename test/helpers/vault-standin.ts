// A stand-in Vault server for tests: the API subset in vault-api.md, with the database engine run for real on PostgreSQL.
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { type JWTVerifyGetKey, jwtVerify } from "jose";
import pg from "pg";
import { adminConnectionUrl, PG_ADMIN_USER } from "./postgres.ts";

/** Vault's system default (and maximum) lease ttl: 768h. */
const MOUNT_MAX_TTL_S = 768 * 3600;

export interface VaultStandinOptions {
  /** The root token every test client uses; any other token is refused (403). */
  rootToken?: string;
  /** How often expired leases are looked for and revoked. */
  expiryCheckMs?: number;
  /** Listen on this port (0 picks a free one). */
  port?: number;
  /** The stand-in's clock (ms since the epoch): token and lease expiry follow it, so a test can move time. */
  now?: () => number;
  /** Serve HTTPS with this key and certificate chain (PEM); with `clientCa`, require a client certificate it signed. */
  tls?: { key: string; cert: string; clientCa?: string };
}

/** What a token issued by a login or `addToken` looks like: Vault's token_ttl, token_max_ttl and policies. */
export interface StandinTokenSettings {
  /** token_ttl in seconds; 0 = a token that never expires (like root). */
  ttlSeconds?: number;
  /** token_max_ttl in seconds; 0 = the mount's (768h). Renewals never go past it. */
  maxTtlSeconds?: number;
  policies?: string[];
  renewable?: boolean;
}

export type StandinLogin =
  | ({ method: "approle"; mount?: string; roleId: string; secretId: string } & StandinTokenSettings)
  | ({ method: "kubernetes"; mount?: string; role: string; serviceAccountJwt: string } & StandinTokenSettings)
  | ({
      method: "jwt";
      mount?: string;
      role: string;
      /** The keys that sign the JWTs this role accepts. */
      keys: JWTVerifyGetKey;
      boundAudience: string;
    } & StandinTokenSettings);

/** One request as the stand-in received it: for tests of what leash sends. */
export interface StandinRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface StandinLease {
  id: string;
  role: string;
  username: string;
  issueTime: number;
  expireTime: number;
  lastRenewal: number | null;
  /** Set while a revocation keeps failing (Vault retries it too). */
  revokeError: string | null;
  /** The token that read the credentials: the lease is revoked with it. */
  token: string;
}

interface DatabaseConnection {
  name: string;
  pluginName: string;
  connectionUrl: string;
  username: string;
  password: string;
  allowedRoles: string[];
}

interface DatabaseRole {
  name: string;
  dbName: string;
  creationStatements: string[];
  revocationStatements: string[];
  renewStatements: string[];
  /** Seconds; 0 means the mount default. */
  defaultTtl: number;
  maxTtl: number;
}

interface Lease extends StandinLease {
  dbName: string;
  connectionUrl: string;
  revoking: Promise<void> | null;
  retryAfter: number;
}

interface TokenEntry {
  policies: string[];
  expireTime: number | null;
  creationTime: number;
  /** The ttl a renewal without an increment grants (seconds). */
  ttlSeconds: number;
  /** No renewal goes past this; null for a token that never expires. */
  maxExpireTime: number | null;
  renewable: boolean;
  accessor: string;
  path: string;
}

interface KvVersion {
  data: Record<string, unknown>;
  createdTime: string;
  version: number;
}

class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
  ) {
    super(errors.join("; "));
  }
}

const badRequest = (message: string) => new VaultHttpError(400, [message]);

type Reply = { status: number; body?: unknown };

interface RouteCall {
  method: string;
  params: (string | undefined)[];
  body: Record<string, unknown>;
  token: string;
  entry: TokenEntry;
}

interface Route {
  path: RegExp;
  methods: string[];
  handle: (call: RouteCall) => Reply | Promise<Reply>;
}

const DEFAULT_MOUNT = { approle: "approle", kubernetes: "kubernetes", jwt: "jwt" } as const;

/** Vault treats POST and PUT alike for writes. */
const WRITE = ["POST", "PUT"];

export class VaultStandin {
  readonly rootToken: string;
  #server: http.Server;
  #port = 0;
  #down = false;
  #sealed = false;
  #stalled = false;
  #standby = false;
  #stopped = false;
  readonly #now: () => number;
  readonly #tls: VaultStandinOptions["tls"];
  readonly #logins: StandinLogin[] = [];
  /** Every request received, oldest first. */
  readonly requests: StandinRequest[] = [];
  #expiryTimer: NodeJS.Timeout | null = null;
  readonly #expiryCheckMs: number;
  readonly #tokens = new Map<string, TokenEntry>();
  readonly #connections = new Map<string, DatabaseConnection>();
  readonly #roles = new Map<string, DatabaseRole>();
  readonly #leases = new Map<string, Lease>();
  readonly #kv = new Map<string, KvVersion[]>();
  readonly #held = new Set<http.ServerResponse>();
  /**
   * The engine's SQL runs one piece of work at a time: PostgreSQL fails concurrent GRANT/REVOKE on the same
   * database ("tuple concurrently updated"), which would make tests flaky rather than test anything.
   */
  #databaseWork: Promise<unknown> = Promise.resolve();

  private constructor(options: VaultStandinOptions) {
    this.rootToken = options.rootToken ?? `hvs.standin-${randomBytes(12).toString("hex")}`;
    this.#expiryCheckMs = options.expiryCheckMs ?? 200;
    this.#now = options.now ?? Date.now;
    this.#tls = options.tls;
    this.#issueToken({ ttlSeconds: 0, policies: ["root"] }, "auth/token/root", this.rootToken);
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.#handle(req, res).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) send(res, { status: 500, body: { errors: [message] } });
      });
    };
    this.#server = options.tls
      ? https.createServer(
          {
            key: options.tls.key,
            cert: options.tls.cert,
            ...(options.tls.clientCa
              ? { ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true }
              : {}),
          },
          listener,
        )
      : http.createServer(listener);
  }

  static async start(options: VaultStandinOptions = {}): Promise<VaultStandin> {
    const standin = new VaultStandin(options);
    await standin.#listen(options.port ?? 0);
    standin.#port = (standin.#server.address() as AddressInfo).port;
    standin.#expiryTimer = setInterval(() => {
      standin.#revokeExpiredTokens();
      standin.#revokeExpired();
    }, standin.#expiryCheckMs);
    standin.#expiryTimer.unref();
    return standin;
  }

  /** VAULT_ADDR for a client. */
  get addr(): string {
    return `${this.#tls ? "https" : "http"}://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** Down: the listening socket is closed (clients get ECONNREFUSED); up again: it reopens on the same port. */
  async setDown(down: boolean): Promise<void> {
    if (down === this.#down || this.#stopped) return;
    this.#down = down;
    if (down) await this.#close();
    else await this.#listen(this.#port);
  }

  /** Sealed: every call but sys/health answers 503 `Vault is sealed`, as a sealed Vault does. */
  setSealed(sealed: boolean): void {
    this.#sealed = sealed;
  }

  /** Stalled: requests are accepted and never answered, to exercise client timeouts. */
  setStalled(stalled: boolean): void {
    this.#stalled = stalled;
    if (!stalled) {
      for (const res of this.#held) res.destroy();
      this.#held.clear();
    }
  }

  /**
   * Standby with no active node: every call but sys/health answers 503 `no active Vault instance found`, and
   * sys/health answers 429 with `standby: true`, as a Vault standby does while no node holds the lock.
   */
  setStandby(standby: boolean): void {
    this.#standby = standby;
  }

  /** An extra token with its own ttl (seconds), max ttl and policies; it is refused once expired. */
  addToken(token: string, options: StandinTokenSettings = {}): void {
    this.#issueToken({ policies: ["default"], ...options }, "auth/token/create", token);
  }

  /** Enables a login: an AppRole role id and secret id, a Kubernetes role and service-account JWT, or a JWT role. */
  enableLogin(login: StandinLogin): void {
    this.#logins.push(login);
  }

  /** Revokes a token from outside (`vault token revoke`): it is refused from now on and its leases are revoked. */
  async revokeToken(token: string): Promise<void> {
    await this.#revokeToken(token);
  }

  /** The tokens that are valid now (not expired, not revoked), with their expiry (null: never). */
  liveTokens(): Array<{ token: string; expireTime: number | null; maxExpireTime: number | null }> {
    const now = this.#now();
    return [...this.#tokens.entries()]
      .filter(([, entry]) => entry.expireTime === null || entry.expireTime > now)
      .map(([token, entry]) => ({
        token,
        expireTime: entry.expireTime,
        maxExpireTime: entry.maxExpireTime,
      }));
  }

  /** Writes a new version of a KV v2 secret under `secret/`. */
  seedKv(path: string, data: Record<string, unknown>): number {
    return this.#writeKv(path.replace(/^\/+/, ""), data).version;
  }

  /** Leases that are still live (not yet revoked), oldest first. */
  leases(): StandinLease[] {
    return [...this.#leases.values()]
      .sort((a, b) => a.issueTime - b.issueTime)
      .map(({ id, role, username, issueTime, expireTime, lastRenewal, revokeError, token }) => ({
        id,
        role,
        username,
        issueTime,
        expireTime,
        lastRenewal,
        revokeError,
        token,
      }));
  }

  /** Stops the server; by default revokes every live lease first so no generated role is left in PostgreSQL. */
  async stop(options: { revokeLeases?: boolean } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#expiryTimer) clearInterval(this.#expiryTimer);
    if (options.revokeLeases ?? true) {
      await Promise.allSettled([...this.#leases.values()].map((lease) => this.#revoke(lease)));
    }
    for (const res of this.#held) res.destroy();
    this.#held.clear();
    if (!this.#down) await this.#close();
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
  }

  #close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      // Keep-alive sockets would otherwise keep serving: drop them so the next call is refused.
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.#stalled) {
      this.#held.add(res);
      res.on("close", () => this.#held.delete(res));
      return;
    }
    const url = new URL(req.url ?? "/", "http://standin");
    const method = (req.method ?? "GET").toUpperCase();
    this.requests.push({ method, path: url.pathname, headers: req.headers });
    const body = await readBody(req);
    let reply: Reply;
    try {
      reply = await this.#route(method, url, req.headers, body);
    } catch (error) {
      if (!(error instanceof VaultHttpError)) throw error;
      reply = { status: error.status, body: { errors: error.errors } };
    }
    send(res, reply);
  }

  async #route(method: string, url: URL, headers: http.IncomingHttpHeaders, rawBody: string): Promise<Reply> {
    if (!url.pathname.startsWith("/v1/")) return { status: 404, body: { errors: [] } };
    const path = decodeURIComponent(url.pathname.slice("/v1/".length)).replace(/\/+$/, "");
    if (path === "sys/health") {
      allow(method, ["GET", "HEAD"]);
      return this.#health(url);
    }
    if (this.#sealed) throw new VaultHttpError(503, ["Vault is sealed"]);
    if (this.#standby) throw new VaultHttpError(503, ["no active Vault instance found"]);
    const login = /^auth\/(.+)\/login$/.exec(path);
    if (login) {
      // Login paths need no token; one sent along is ignored.
      allow(method, WRITE);
      return ok({ auth: await this.#login(login[1]!, parseJson(rawBody)) });
    }
    const token = headers["x-vault-token"];
    const entry = typeof token === "string" ? this.#tokens.get(token) : undefined;
    if (!entry || (entry.expireTime !== null && entry.expireTime <= this.#now())) {
      throw new VaultHttpError(403, ["permission denied"]);
    }
    const body = parseJson(rawBody);
    for (const route of this.#routes) {
      const match = route.path.exec(path);
      if (!match) continue;
      allow(method, route.methods);
      return route.handle({ method, params: match.slice(1), body, token: token as string, entry });
    }
    return { status: 404, body: { errors: [] } };
  }

  readonly #routes: Route[] = [
    {
      path: /^auth\/token\/lookup-self$/,
      methods: ["GET", ...WRITE],
      handle: ({ token, entry }) => ok(this.#lookupSelf(token, entry)),
    },
    {
      path: /^auth\/token\/renew-self$/,
      methods: WRITE,
      handle: ({ token, entry, body }) => this.#renewSelf(token, entry, body.increment),
    },
    {
      path: /^auth\/token\/revoke-self$/,
      methods: WRITE,
      handle: async ({ token }) => {
        await this.#revokeToken(token);
        return { status: 204 };
      },
    },
    {
      path: /^database\/config\/([^/]+)$/,
      methods: WRITE,
      handle: async ({ params, body }) => {
        await this.#configureConnection(params[0]!, body);
        return { status: 204 };
      },
    },
    {
      path: /^database\/roles\/([^/]+)$/,
      methods: WRITE,
      handle: ({ params, body }) => {
        this.#writeRole(params[0]!, body);
        return { status: 204 };
      },
    },
    {
      path: /^database\/creds\/([^/]+)$/,
      methods: ["GET"],
      handle: async ({ params, token }) => ok(await this.#issueCredentials(params[0]!, token)),
    },
    {
      path: /^sys\/leases\/lookup$/,
      methods: WRITE,
      handle: ({ body }) => ok({ data: this.#lookupLease(stringField(body, "lease_id")) }),
    },
    {
      path: /^sys\/leases\/renew(?:\/(.+))?$/,
      methods: WRITE,
      handle: async ({ params, body }) =>
        ok(await this.#renew(params[0] ?? stringField(body, "lease_id"), body.increment)),
    },
    {
      // `sys/revoke-prefix` is the legacy path node-vault's revokePrefix still calls; Vault keeps both.
      path: /^sys\/(?:leases\/)?revoke-prefix\/(.+)$/,
      methods: WRITE,
      handle: async ({ params }) => {
        const prefix = params[0]!;
        // One after the other, as Vault's revoke-prefix does.
        for (const lease of [...this.#leases.values()].filter((entry) => entry.id.startsWith(prefix))) {
          await this.#revokeAnswering400(lease);
        }
        return { status: 204 };
      },
    },
    {
      path: /^sys\/leases\/revoke(?:\/(.+))?$/,
      methods: WRITE,
      handle: async ({ params, body }) => {
        // Revoking a lease that does not exist (any more) succeeds, as with Vault.
        const lease = this.#leases.get(params[0] ?? stringField(body, "lease_id"));
        if (lease) await this.#revokeAnswering400(lease);
        return { status: 204 };
      },
    },
    {
      path: /^secret\/data\/(.+)$/,
      methods: ["GET", ...WRITE],
      handle: ({ method, params, body }) => {
        if (method === "GET") return ok({ data: this.#readKv(params[0]!) });
        const data = body.data;
        if (typeof data !== "object" || data === null || Array.isArray(data))
          throw badRequest("no data provided");
        return ok({ data: kvMetadata(this.#writeKv(params[0]!, data as Record<string, unknown>)) });
      },
    },
  ];

  #health(url: URL): Reply {
    const code = (name: string, fallback: number) => {
      const value = url.searchParams.get(name);
      return value !== null && /^\d+$/.test(value) ? Number(value) : fallback;
    };
    return {
      status: this.#sealed
        ? code("sealedcode", 503)
        : this.#standby
          ? code("standbycode", 429)
          : code("activecode", 200),
      body: {
        initialized: true,
        sealed: this.#sealed,
        standby: this.#standby,
        performance_standby: false,
        replication_performance_mode: "disabled",
        replication_dr_mode: "disabled",
        server_time_utc: Math.floor(this.#now() / 1000),
        version: "1.17.0+standin",
        cluster_name: "vault-standin",
        cluster_id: "00000000-0000-0000-0000-000000000000",
      },
    };
  }

  #lookupSelf(token: string, entry: TokenEntry): Record<string, unknown> {
    const ttl =
      entry.expireTime === null ? 0 : Math.max(0, Math.floor((entry.expireTime - this.#now()) / 1000));
    return {
      data: {
        accessor: entry.accessor,
        creation_time: Math.floor(entry.creationTime / 1000),
        creation_ttl:
          entry.expireTime === null ? 0 : Math.round((entry.expireTime - entry.creationTime) / 1000),
        display_name: entry.policies.includes("root") ? "root" : "token",
        entity_id: "",
        expire_time: entry.expireTime === null ? null : new Date(entry.expireTime).toISOString(),
        explicit_max_ttl: 0,
        id: token,
        meta: null,
        num_uses: 0,
        orphan: true,
        path: entry.path,
        policies: entry.policies,
        renewable: entry.renewable,
        ttl,
        type: "service",
      },
    };
  }

  #issueToken(settings: StandinTokenSettings, path: string, id?: string): string {
    const token = id ?? `hvs.${randomToken(24)}`;
    const now = this.#now();
    const ttlSeconds = settings.ttlSeconds ?? 0;
    const maxTtlSeconds = Math.min(settings.maxTtlSeconds || MOUNT_MAX_TTL_S, MOUNT_MAX_TTL_S);
    const maxExpireTime = ttlSeconds === 0 ? null : now + maxTtlSeconds * 1000;
    this.#tokens.set(token, {
      policies: settings.policies ?? ["default"],
      expireTime: ttlSeconds === 0 ? null : Math.min(now + ttlSeconds * 1000, maxExpireTime!),
      creationTime: now,
      ttlSeconds,
      maxExpireTime,
      renewable: ttlSeconds !== 0 && (settings.renewable ?? true),
      accessor: randomToken(24),
      path,
    });
    return token;
  }

  /** The `auth` block of a login or a token renewal. */
  #authBlock(
    token: string,
    entry: TokenEntry,
    metadata: Record<string, string> | null,
  ): Record<string, unknown> {
    return {
      client_token: token,
      accessor: entry.accessor,
      policies: entry.policies,
      token_policies: entry.policies,
      metadata,
      lease_duration:
        entry.expireTime === null ? 0 : Math.max(0, Math.floor((entry.expireTime - this.#now()) / 1000)),
      renewable: entry.renewable,
      entity_id: "",
      token_type: "service",
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  async #login(mount: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const methods = this.#logins.filter((login) => (login.mount ?? DEFAULT_MOUNT[login.method]) === mount);
    if (methods.length === 0) throw new VaultHttpError(404, [`no handler for route "auth/${mount}/login"`]);
    const kind = methods[0]!.method;
    if (kind === "approle") {
      const roleId = stringField(body, "role_id");
      const login = methods.find((entry) => entry.method === "approle" && entry.roleId === roleId);
      if (login?.method !== "approle" || body.secret_id !== login.secretId) {
        throw badRequest("invalid role or secret ID");
      }
      const token = this.#issueToken(login, `auth/${mount}/login`);
      return this.#authBlock(token, this.#tokens.get(token)!, { role_name: "leash" });
    }
    const role = stringField(body, "role");
    const jwt = stringField(body, "jwt");
    const login = methods.find((entry) => "role" in entry && entry.role === role);
    if (!login) throw badRequest(`invalid role name "${role}"`);
    if (login.method === "kubernetes") {
      // Vault asks the Kubernetes TokenReview API; the stand-in knows the one service-account token it accepts.
      if (jwt !== login.serviceAccountJwt) throw new VaultHttpError(403, ["permission denied"]);
    } else if (login.method === "jwt") {
      try {
        await jwtVerify(jwt, login.keys, {
          audience: login.boundAudience,
          currentDate: new Date(this.#now()),
        });
      } catch (error) {
        throw badRequest(`error validating token: ${describe(error)}`);
      }
    }
    const token = this.#issueToken(login, `auth/${mount}/login`);
    return this.#authBlock(token, this.#tokens.get(token)!, { role });
  }

  /** renew-self: a new ttl of `increment` (or the token's ttl) from now, never past the token's max ttl. */
  #renewSelf(token: string, entry: TokenEntry, rawIncrement: unknown): Reply {
    if (entry.expireTime === null) {
      return ok({ auth: this.#authBlock(token, entry, null) });
    }
    if (!entry.renewable) throw badRequest("lease is not renewable");
    const now = this.#now();
    const requested = rawIncrement === undefined ? 0 : parseDurationSeconds(rawIncrement, "increment");
    const wanted = requested || entry.ttlSeconds;
    const capped = now + wanted * 1000 > entry.maxExpireTime!;
    entry.expireTime = Math.min(now + wanted * 1000, entry.maxExpireTime!);
    const auth = this.#authBlock(token, entry, null);
    return ok({
      auth,
      warnings: capped
        ? [
            `TTL of "${wanted}s" exceeded the effective max_ttl of "${auth.lease_duration}s"; TTL value is capped accordingly`,
          ]
        : null,
    });
  }

  /** A token ends (revoked, or expired): it is refused from now on and every lease it created is revoked. */
  async #revokeToken(token: string): Promise<void> {
    this.#tokens.delete(token);
    const leases = [...this.#leases.values()].filter((lease) => lease.token === token);
    await Promise.allSettled(leases.map((lease) => this.#revoke(lease)));
  }

  #revokeExpiredTokens(): void {
    const now = this.#now();
    for (const [token, entry] of this.#tokens) {
      if (entry.expireTime !== null && entry.expireTime <= now) {
        this.#revokeToken(token).catch(() => {
          // A lease that fails to revoke keeps its revokeError and is retried by the lease expiry check.
        });
      }
    }
  }

  /** The revocation API answers a failed revocation with 400 and Vault's message, as Vault does. */
  async #revokeAnswering400(lease: Lease): Promise<void> {
    try {
      await this.#revoke(lease);
    } catch (error) {
      throw new VaultHttpError(400, [`failed to revoke lease: ${describe(error)}`]);
    }
  }

  async #configureConnection(name: string, body: Record<string, unknown>): Promise<void> {
    const pluginName = stringField(body, "plugin_name");
    if (pluginName !== "postgresql-database-plugin") {
      throw badRequest(`the stand-in only runs postgresql-database-plugin, not ${pluginName}`);
    }
    const connection: DatabaseConnection = {
      name,
      pluginName,
      connectionUrl: stringField(body, "connection_url"),
      username: optionalString(body, "username"),
      password: optionalString(body, "password"),
      allowedRoles: nameList(body.allowed_roles),
    };
    if (body.verify_connection !== false) {
      try {
        await withClient(resolveConnectionUrl(connection), async () => {});
      } catch (error) {
        throw badRequest(`error creating database object: error verifying connection: ${describe(error)}`);
      }
    }
    this.#connections.set(name, connection);
  }

  #writeRole(name: string, body: Record<string, unknown>): void {
    const creationStatements = statementList(body.creation_statements);
    if (creationStatements.length === 0) throw badRequest("empty creation statements");
    const defaultTtl = durationField(body, "default_ttl");
    const maxTtl = durationField(body, "max_ttl");
    if (maxTtl > 0 && defaultTtl > maxTtl) throw badRequest("ttl cannot be greater than max_ttl");
    this.#roles.set(name, {
      name,
      dbName: stringField(body, "db_name"),
      creationStatements,
      revocationStatements: statementList(body.revocation_statements),
      renewStatements: statementList(body.renew_statements),
      defaultTtl,
      maxTtl,
    });
  }

  async #issueCredentials(roleName: string, token: string): Promise<Record<string, unknown>> {
    const role = this.#roles.get(roleName);
    if (!role) throw badRequest(`unknown role: ${roleName}`);
    const connection = this.#connections.get(role.dbName);
    if (!connection) throw new VaultHttpError(500, [`could not find database connection "${role.dbName}"`]);
    // Vault's database engine returns a plain error here, which the HTTP layer answers with 500.
    if (!connection.allowedRoles.some((allowed) => allowed === "*" || allowed === roleName)) {
      throw new VaultHttpError(500, [`"${roleName}" is not an allowed role`]);
    }
    const ttl = Math.min(role.defaultTtl || MOUNT_MAX_TTL_S, role.maxTtl || MOUNT_MAX_TTL_S);
    const now = this.#now();
    const expireTime = now + ttl * 1000;
    const username = generateUsername(roleName, now);
    const password = generatePassword();
    const values = { name: username, username, password, expiration: formatExpiration(expireTime) };
    const connectionUrl = resolveConnectionUrl(connection);
    try {
      await this.#serially(() => runInTransaction(connectionUrl, role.creationStatements, values));
    } catch (error) {
      throw new VaultHttpError(500, [`1 error occurred:\n\t* ${describe(error)}\n\n`]);
    }
    const lease: Lease = {
      id: `database/creds/${roleName}/${randomToken(24)}`,
      role: roleName,
      username,
      issueTime: now,
      expireTime,
      lastRenewal: null,
      revokeError: null,
      token,
      dbName: role.dbName,
      connectionUrl,
      revoking: null,
      retryAfter: 0,
    };
    this.#leases.set(lease.id, lease);
    return { lease_id: lease.id, renewable: true, lease_duration: ttl, data: { username, password } };
  }

  #lookupLease(leaseId: string): Record<string, unknown> {
    const lease = this.#leases.get(leaseId);
    if (!lease) throw badRequest("invalid lease");
    return {
      id: lease.id,
      issue_time: new Date(lease.issueTime).toISOString(),
      expire_time: new Date(lease.expireTime).toISOString(),
      last_renewal: lease.lastRenewal === null ? null : new Date(lease.lastRenewal).toISOString(),
      renewable: true,
      ttl: Math.max(0, Math.floor((lease.expireTime - this.#now()) / 1000)),
    };
  }

  async #renew(leaseId: string, rawIncrement: unknown): Promise<Record<string, unknown>> {
    const lease = this.#leases.get(leaseId);
    if (!lease || lease.revoking) throw badRequest("lease not found");
    const role = this.#roles.get(lease.role);
    const requested = rawIncrement === undefined ? 0 : parseDurationSeconds(rawIncrement, "increment");
    const now = this.#now();
    const maxTtl = role?.maxTtl || MOUNT_MAX_TTL_S;
    const wanted = requested || role?.defaultTtl || MOUNT_MAX_TTL_S;
    const maxExpire = lease.issueTime + maxTtl * 1000;
    const expireTime = Math.min(now + wanted * 1000, maxExpire);
    const granted = Math.max(0, Math.floor((expireTime - now) / 1000));
    const warnings =
      now + wanted * 1000 > maxExpire
        ? [
            `TTL of "${wanted}s" exceeded the effective max_ttl of "${granted}s"; TTL value is capped accordingly`,
          ]
        : null;
    const statements =
      role && role.renewStatements.length > 0
        ? role.renewStatements
        : [`ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}'`];
    await this.#serially(() =>
      runInTransaction(lease.connectionUrl, statements, {
        name: lease.username,
        username: lease.username,
        expiration: formatExpiration(expireTime),
      }),
    );
    lease.expireTime = expireTime;
    lease.lastRenewal = now;
    return { lease_id: lease.id, renewable: true, lease_duration: granted, warnings };
  }

  #revokeExpired(): void {
    const now = this.#now();
    for (const lease of this.#leases.values()) {
      if (lease.expireTime <= now && !lease.revoking && lease.retryAfter <= now) {
        this.#revoke(lease).catch(() => {
          // Recorded on the lease (revokeError); retried on a later tick, as Vault retries failed revocations.
        });
      }
    }
  }

  /** Runs the role's revocation statements (or the default drop) once; concurrent callers share the attempt. */
  #revoke(lease: Lease): Promise<void> {
    if (!lease.revoking) {
      lease.revoking = this.#serially(() => this.#runRevocation(lease)).then(
        () => {
          this.#leases.delete(lease.id);
        },
        (error: unknown) => {
          lease.revoking = null;
          lease.revokeError = describe(error);
          lease.retryAfter = this.#now() + 1_000;
          throw new VaultHttpError(500, [`failed to revoke lease: ${lease.revokeError}`]);
        },
      );
    }
    return lease.revoking;
  }

  async #runRevocation(lease: Lease): Promise<void> {
    const role = this.#roles.get(lease.role);
    if (role && role.revocationStatements.length > 0) {
      await runInTransaction(lease.connectionUrl, role.revocationStatements, {
        name: lease.username,
        username: lease.username,
      });
      return;
    }
    await dropRole(lease.connectionUrl, lease.username);
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#databaseWork.then(work, work);
    this.#databaseWork = run.catch(() => {});
    return run;
  }

  #readKv(path: string): Record<string, unknown> {
    const latest = this.#kv.get(path)?.at(-1);
    if (!latest) throw new VaultHttpError(404, []);
    return { data: latest.data, metadata: kvMetadata(latest) };
  }

  #writeKv(path: string, data: Record<string, unknown>): KvVersion {
    const versions = this.#kv.get(path) ?? [];
    const written = {
      data: structuredClone(data),
      createdTime: new Date().toISOString(),
      version: versions.length + 1,
    };
    versions.push(written);
    this.#kv.set(path, versions);
    return written;
  }
}

/** Starts a stand-in Vault on a free port of 127.0.0.1. */
export function startVaultStandin(options: VaultStandinOptions = {}): Promise<VaultStandin> {
  return VaultStandin.start(options);
}

const DEPLOY_SQL = new URL("../../deploy/vault/sql/", import.meta.url);

/**
 * Configures the database engine of a Vault (the stand-in, or a real one) over HTTP the way deploy/vault/init.sh
 * does, from the same SQL files: per environment a connection named after it and a role `<env>-readwrite`,
 * pointed at the given local database instead of compose's `staging`/`production`.
 */
export async function configureReadwriteRoles(
  vault: { addr: string; token: string },
  databases: Record<string, string>,
  ttl: { defaultTtl?: string | number; maxTtl?: string | number } = {},
): Promise<void> {
  const creation = await readFile(new URL("readwrite-creation.sql", DEPLOY_SQL), "utf8");
  const revocation = await readFile(new URL("revocation.sql", DEPLOY_SQL), "utf8");
  for (const [environment, database] of Object.entries(databases)) {
    await vaultWrite(vault, `database/config/${environment}`, {
      plugin_name: "postgresql-database-plugin",
      connection_url: `${adminConnectionUrl(database, { vaultTemplate: true })}?sslmode=disable`,
      username: PG_ADMIN_USER,
      password: "",
      allowed_roles: `${environment}-readwrite`,
    });
    await vaultWrite(vault, `database/roles/${environment}-readwrite`, {
      db_name: environment,
      creation_statements: creation.replaceAll("@DATABASE@", database),
      revocation_statements: revocation,
      default_ttl: ttl.defaultTtl ?? "15m",
      max_ttl: ttl.maxTtl ?? "1h",
    });
  }
}

async function vaultWrite(
  vault: { addr: string; token: string },
  path: string,
  body: unknown,
): Promise<void> {
  const response = await fetch(`${vault.addr}/v1/${path}`, {
    method: "POST",
    headers: { "X-Vault-Token": vault.token, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
}

function kvMetadata(version: KvVersion): Record<string, unknown> {
  return {
    created_time: version.createdTime,
    custom_metadata: null,
    deletion_time: "",
    destroyed: false,
    version: version.version,
  };
}

function ok(fields: Record<string, unknown>): Reply {
  return {
    status: 200,
    body: {
      request_id: randomUUID(),
      lease_id: "",
      renewable: false,
      lease_duration: 0,
      data: null,
      wrap_info: null,
      warnings: null,
      auth: null,
      ...fields,
    },
  };
}

function send(res: http.ServerResponse, reply: Reply): void {
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, { "Cache-Control": "no-store" }).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res
    .writeHead(reply.status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
    })
    .end(text);
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) throw new VaultHttpError(405, []);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`failed to parse JSON input: ${describe(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("failed to parse JSON input: expected an object");
  }
  return parsed as Record<string, unknown>;
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== "string" || value === "") throw badRequest(`missing ${name}`);
  return value;
}

function optionalString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === "string" ? value : "";
}

/** SQL statements: one string (run as given, split on `;` later) or a list of strings. */
function statementList(value: unknown): string[] {
  if (Array.isArray(value))
    return value.filter((item): item is string => typeof item === "string" && item.trim() !== "");
  return typeof value === "string" && value.trim() !== "" ? [value] : [];
}

/** Names: a JSON array or a comma-separated string, as Vault takes `allowed_roles`. */
function nameList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? value.split(",") : [];
  return items
    .filter((item): item is string => typeof item === "string")
    .map((item) => item.trim())
    .filter(Boolean);
}

function durationField(body: Record<string, unknown>, name: string): number {
  return body[name] === undefined ? 0 : parseDurationSeconds(body[name], name);
}

const GO_UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
};

/** Seconds from a number, a numeric string, or a Go duration ("1h30m", "90s", "1.5h"), as Vault accepts them. */
export function parseDurationSeconds(value: unknown, name = "duration"): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Math.floor(value);
  if (typeof value === "string") {
    const text = value.trim();
    if (/^\d+$/.test(text)) return Number(text);
    const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;
    let seconds = 0;
    let consumed = 0;
    for (let match = part.exec(text); match; match = part.exec(text)) {
      seconds += Number(match[1]) * GO_UNIT_SECONDS[match[2]!]!;
      consumed = part.lastIndex;
    }
    if (consumed === text.length && consumed > 0) return Math.floor(seconds);
  }
  throw badRequest(`invalid ${name}: ${JSON.stringify(value)}`);
}

function resolveConnectionUrl(connection: DatabaseConnection): string {
  return connection.connectionUrl
    .replaceAll("{{username}}", encodeURIComponent(connection.username))
    .replaceAll("{{password}}", encodeURIComponent(connection.password));
}

/** Substitutes `{{name}}`-style placeholders, as Vault's database plugins do. */
function render(statement: string, values: Record<string, string>): string {
  return statement.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Splits on `;` like Vault's PostgreSQL plugin, except a statement containing `$$` runs whole. */
function splitStatements(statements: string[], values: Record<string, string>): string[] {
  return statements.flatMap((statement) => {
    const rendered = render(statement, values);
    if (rendered.includes("$$")) return [rendered];
    return rendered
      .split(";")
      .map((part) => part.trim())
      .filter((part) => part !== "");
  });
}

async function withClient<T>(connectionUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: connectionUrl, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {
    // A terminated or dropped connection surfaces through the query that uses it.
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function runInTransaction(
  connectionUrl: string,
  statements: string[],
  values: Record<string, string>,
): Promise<void> {
  await withClient(connectionUrl, async (client) => {
    await client.query("BEGIN");
    try {
      for (const statement of splitStatements(statements, values)) await client.query(statement);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    }
  });
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The default revocation: end the role's sessions, hand whatever it owns to the connection's user and drop its
 * privileges in every database where it has any (REASSIGN/DROP OWNED work per database), then drop the role.
 */
async function dropRole(connectionUrl: string, username: string): Promise<void> {
  const role = quoteIdent(username);
  const databases = await withClient(connectionUrl, async (client) => {
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [
      username,
    ]);
    const current = await client.query<{ datname: string }>("SELECT current_database() AS datname");
    const others = await client.query<{ datname: string }>(
      `SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
       WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
      [username],
    );
    return [...new Set([current.rows[0]!.datname, ...others.rows.map((row) => row.datname)])];
  });
  for (const database of databases) {
    const url = new URL(connectionUrl);
    url.pathname = `/${encodeURIComponent(database)}`;
    await withClient(url.toString(), async (client) => {
      const exists = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [username]);
      if (exists.rowCount === 0) return;
      await client.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`);
      await client.query(`DROP OWNED BY ${role}`);
    });
  }
  await withClient(connectionUrl, async (client) => {
    await client.query(`DROP ROLE IF EXISTS ${role}`);
  });
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomToken(length: number, alphabet = ALPHANUMERIC): string {
  let token = "";
  for (let i = 0; i < length; i++) token += alphabet[randomInt(alphabet.length)];
  return token;
}

/** Vault's default username template for PostgreSQL: v-<display>-<role>-<random>-<unix time>, at most 63 chars. */
function generateUsername(role: string, now: number): string {
  const safeRole = role.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 8);
  return `v-root-${safeRole}-${randomToken(20)}-${Math.floor(now / 1000)}`.slice(0, 63);
}

/** Vault's default password policy: 20 characters of [A-Za-z0-9-] with at least one of each kind. */
function generatePassword(): string {
  const kinds = ["ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", "0123456789", "-"];
  const chars = [...kinds.map((kind) => randomToken(1, kind)), ...randomToken(16, `${ALPHANUMERIC}-`)];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}

/** The `{{expiration}}` format of Vault's PostgreSQL plugin: `2006-01-02 15:04:05-0700`, here in UTC. */
function formatExpiration(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}+0000`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
