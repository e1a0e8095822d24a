// Keeps leash's own Vault token alive: looked up at start, renewed at about two thirds of its ttl, replaced by a
// fresh login when it cannot be renewed further or Vault refuses it, and never let lapse while leases it created
// are alive (Vault revokes a token's leases with it, so a lapsed token would end tasks' credentials early).
import type { Logger } from "pino";
import { z } from "zod";
import { type Clock, systemClock } from "../clock/clock.ts";
import { LeashError } from "../errors/leash-error.ts";
import { VaultTransport } from "./vault-connection.ts";
import { vaultErrorToLeashError } from "./vault-error.ts";
import { loginToVault, type VaultAuth } from "./vault-login.ts";

/** Counts for /metrics; the broker wires its Prometheus counters in. */
export interface VaultTokenObserver {
  login(result: "ok" | "failed"): void;
  /** `capped`: Vault granted less than asked (the token's max ttl is near); `refused`: the token is gone. */
  renewal(result: "ok" | "capped" | "failed" | "refused"): void;
}

export interface VaultTokenKeeperOptions {
  clock?: Clock;
  logger?: Logger;
  /** /readyz fails when the token has less than this left. Default 60 s. */
  minTtlMs?: number;
  /** How often the keeper looks whether a renewal or login is due (on the clock it was given). Default 1 s. */
  checkIntervalMs?: number;
  /** After a failed renewal or login, try again this much later. Default 5 s. */
  retryMs?: number;
  /** Source of the renewal jitter, [0, 1). */
  random?: () => number;
}

/** What /readyz reports about the token. */
export type VaultTokenStatus =
  | { valid: true; method: VaultAuth["method"]; expiresAt: number | null; problem?: string }
  | { valid: false; method: VaultAuth["method"]; problem: string };

interface HeldToken {
  token: string;
  /** null: a token that does not expire (root, or not looked up yet). */
  expiresAt: number | null;
  renewable: boolean;
  /** What a periodic renewal asks for: the ttl the token was created with. */
  ttlMs: number;
  /** Set once Vault grants less than asked or the token is not renewable: it cannot live past this. */
  hardEnd: number | null;
  /** When the next renewal (or, for a token that cannot be renewed, the next login) is due. */
  renewAt: number | null;
  /** The latest end of any lease this token created. */
  leasesUntil: number;
}

/** A renewal of the token fails this close to its end: renew and cover with this much to spare. */
const COVER_MARGIN_MS = 10_000;
/** Renew at two thirds of the ttl, up to a tenth of that earlier (so brokers sharing an identity spread out). */
const RENEW_FRACTION = 2 / 3;
const RENEW_JITTER = 0.1;

const lookupAnswer = z.object({
  data: z.object({
    ttl: z.number().int().nonnegative().default(0),
    creation_ttl: z.number().int().nonnegative().optional(),
    renewable: z.boolean().default(false),
    explicit_max_ttl: z.number().int().nonnegative().default(0),
    creation_time: z.number().int().nonnegative().optional(),
  }),
});

const renewAnswer = z.object({
  auth: z.object({ lease_duration: z.number().int().nonnegative(), renewable: z.boolean().default(false) }),
});

export class VaultTokenKeeper {
  readonly #auth: VaultAuth;
  readonly #transport: VaultTransport;
  readonly #login: VaultTransport;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #minTtlMs: number;
  readonly #checkIntervalMs: number;
  readonly #retryMs: number;
  readonly #random: () => number;
  #current: HeldToken | null = null;
  /** Earlier tokens kept alive (renewed) until the leases they created end. */
  #retired: HeldToken[] = [];
  #problem = "leash has not obtained a Vault token yet";
  #nextLoginAt = 0;
  /** Why the last login failed; answered without asking Vault again until #nextLoginAt. */
  #loginFailure: LeashError | null = null;
  #lock: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #observer: VaultTokenObserver | null = null;

  constructor(auth: VaultAuth, transport: VaultTransport, options: VaultTokenKeeperOptions = {}) {
    this.#auth = auth;
    this.#transport = transport;
    // Logins go through a client of their own: node-vault keeps a login's token on the client it used.
    this.#login = new VaultTransport(transport.connection);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#minTtlMs = options.minTtlMs ?? 60_000;
    this.#checkIntervalMs = options.checkIntervalMs ?? 1_000;
    this.#retryMs = options.retryMs ?? 5_000;
    this.#random = options.random ?? Math.random;
    if (auth.method === "token") {
      // Until it is looked up, a given token is taken as valid and not expiring.
      this.#current = held(auth.token, null, false, 0);
    }
  }

  get method(): VaultAuth["method"] {
    return this.#auth.method;
  }

  observe(observer: VaultTokenObserver): void {
    this.#observer = observer;
  }

  /** Logs in (or looks the given token up) and starts the renewal checks. A failure is reported, not thrown. */
  async start(): Promise<void> {
    await this.#exclusive(() => this.#establish()).catch((error: unknown) => {
      this.#logger?.error({ err: (error as Error).message }, "no Vault token yet; retrying");
    });
    if (this.#timer === null) {
      this.#timer = setInterval(() => {
        this.maintain().catch(() => {});
      }, this.#checkIntervalMs);
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#login.close();
  }

  /** The current token, for calls that create nothing lasting (reads of KV, lease revocations, lookups). */
  async token(): Promise<string> {
    const current = this.#usable();
    if (current) return current.token;
    return this.#exclusive(async () => (await this.#ensureCurrent()).token);
  }

  /**
   * A token that lives at least until `untilMs`, for reading credentials whose lease must last that long: the
   * current one, renewed further if needed, or a fresh login when the current one cannot live that long.
   */
  async tokenCovering(untilMs: number): Promise<string> {
    const current = this.#usable();
    if (current && covers(current, untilMs)) return current.token;
    return this.#exclusive(() => this.#cover(untilMs));
  }

  /** A lease created with `token` lives until `untilMs`: the token is kept alive at least that long. */
  noteLease(token: string, untilMs: number): void {
    const entry = [this.#current, ...this.#retired].find((candidate) => candidate?.token === token);
    if (entry) entry.leasesUntil = Math.max(entry.leasesUntil, untilMs);
  }

  /**
   * Vault answered 401/403 to a call made with `token`: is the token itself gone (revoked, expired) or does a
   * policy deny the path? Asks lookup-self; a gone token is dropped (and a login method logs in again).
   */
  async refused(token: string): Promise<LeashError | null> {
    const gone = await this.#lookup(token).then(
      () => false,
      (error: unknown) => error instanceof LeashError && isRefusal(error),
    );
    if (!gone) return null;
    this.#drop(token, "Vault refused leash's token (revoked or expired)");
    return this.#invalidError();
  }

  /** For /readyz: looks the current token up (so one revoked from outside is noticed) and judges its ttl. */
  async check(): Promise<VaultTokenStatus> {
    const current = this.#usable();
    if (current) {
      try {
        const looked = await this.#lookup(current.token);
        if (current.expiresAt !== null && looked.expiresAt !== null) current.expiresAt = looked.expiresAt;
      } catch (error) {
        if (error instanceof LeashError && isRefusal(error)) {
          this.#drop(current.token, "Vault refused leash's token (revoked or expired)");
        }
        // Vault unreachable or sealed: the health check reports that; the token is judged on what is known.
      }
    }
    const now = this.#clock.now();
    const still = this.#usable();
    if (!still) {
      if (this.#auth.method !== "token") this.#recoverSoon();
      return { valid: false, method: this.#auth.method, problem: this.#problemText() };
    }
    if (still.expiresAt !== null && still.expiresAt - now < this.#minTtlMs) {
      return {
        valid: true,
        method: this.#auth.method,
        expiresAt: still.expiresAt,
        problem: `leash's Vault token has ${Math.max(0, Math.floor((still.expiresAt - now) / 1000))} s left, below VAULT_TOKEN_MIN_TTL_MS (${Math.floor(this.#minTtlMs / 1000)} s)`,
      };
    }
    return { valid: true, method: this.#auth.method, expiresAt: still.expiresAt };
  }

  /** Seconds the current token has left; null without a token, Infinity for one that does not expire. */
  ttlSeconds(): number | null {
    const current = this.#usable();
    if (!current) return null;
    if (current.expiresAt === null) return Number.POSITIVE_INFINITY;
    return Math.max(0, (current.expiresAt - this.#clock.now()) / 1000);
  }

  /** One round of upkeep: renew what is due, log in again when needed, forget tokens whose leases ended. */
  maintain(): Promise<void> {
    return this.#exclusive(async () => {
      const now = this.#clock.now();
      if (!this.#usable()) {
        if (this.#auth.method !== "token" && now >= this.#nextLoginAt) {
          await this.#loginAsCurrent().catch(() => {});
        }
      }
      for (const entry of [this.#current, ...this.#retired]) {
        if (!entry || entry.renewAt === null || now < entry.renewAt) continue;
        if (entry.expiresAt !== null && entry.expiresAt <= now) {
          this.#drop(entry.token, "leash's Vault token expired");
          continue;
        }
        await this.#renewOrReplace(entry).catch(() => {});
      }
      this.#retired = this.#retired.filter(
        (entry) => entry.leasesUntil > now && (entry.expiresAt === null || entry.expiresAt > now),
      );
    });
  }

  #usable(): HeldToken | null {
    const current = this.#current;
    if (!current) return null;
    if (current.expiresAt !== null && current.expiresAt <= this.#clock.now()) {
      this.#drop(current.token, "leash's Vault token expired");
      return null;
    }
    return current;
  }

  async #establish(): Promise<void> {
    const auth = this.#auth;
    if (auth.method === "token") {
      const looked = await this.#lookup(auth.token).catch((error: unknown) => {
        if (error instanceof LeashError && isRefusal(error)) {
          this.#drop(auth.token, "Vault refused VAULT_TOKEN (revoked, expired or wrong)");
        }
        throw error;
      });
      this.#current = this.#scheduled(looked);
      return;
    }
    await this.#loginAsCurrent();
  }

  async #ensureCurrent(): Promise<HeldToken> {
    const current = this.#usable();
    if (current) return current;
    if (this.#auth.method === "token") throw this.#invalidError();
    // A login that just failed is not retried for every request: callers get its error until the retry is due.
    if (this.#loginFailure && this.#clock.now() < this.#nextLoginAt) throw this.#loginFailure;
    return this.#loginAsCurrent();
  }

  async #cover(untilMs: number): Promise<string> {
    let current = await this.#ensureCurrent();
    if (covers(current, untilMs)) return current.token;
    if (current.renewable && (current.hardEnd === null || current.hardEnd >= untilMs + COVER_MARGIN_MS)) {
      await this.#renew(current, untilMs);
      if (covers(current, untilMs)) return current.token;
    }
    if (this.#auth.method !== "token") {
      current = await this.#loginAsCurrent();
      if (!covers(current, untilMs) && current.renewable) await this.#renew(current, untilMs);
      if (covers(current, untilMs)) return current.token;
    }
    const end = current.hardEnd ?? current.expiresAt ?? 0;
    throw new LeashError(
      "vault_token_too_short",
      `leash's Vault token ends at ${new Date(end).toISOString()}, before these credentials would (${new Date(untilMs).toISOString()}), and Vault revokes a token's leases with it; ${
        this.#auth.method === "token"
          ? "give leash a token with a longer max ttl, or let it log in (VAULT_AUTH_METHOD)"
          : "raise the auth role's token_max_ttl above the longest task"
      }`,
    );
  }

  async #renewOrReplace(entry: HeldToken): Promise<void> {
    if (entry.renewable && (await this.#renew(entry))) return;
    // It cannot be extended: new leases need a fresh token; this one serves its own leases until it ends.
    if (entry === this.#current && this.#auth.method !== "token") {
      await this.#loginAsCurrent();
    } else {
      entry.renewAt = null;
    }
  }

  /** renew-self; true when Vault granted what was asked, false when it capped the ttl (max ttl near). */
  async #renew(entry: HeldToken, untilMs?: number): Promise<boolean> {
    const now = this.#clock.now();
    const wantedMs = Math.max(
      entry.ttlMs,
      entry.leasesUntil - now + COVER_MARGIN_MS,
      // Covering a new lease: ask for its life plus one ttl, so the next few mints need no renewal of their own.
      untilMs === undefined ? 0 : untilMs - now + COVER_MARGIN_MS + entry.ttlMs,
    );
    const increment = Math.ceil(wantedMs / 1000);
    let body: unknown;
    try {
      body = await this.#transport.client.tokenRenewSelf({
        increment,
        requestOptions: this.#transport.options(entry.token),
      });
    } catch (error) {
      const failure = vaultErrorToLeashError(error, { action: "renewing", path: "auth/token/renew-self" }, [
        entry.token,
      ]);
      if (isRefusal(failure)) {
        this.#observer?.renewal("refused");
        this.#drop(entry.token, "Vault refused to renew leash's token (revoked or expired)");
        throw this.#invalidError();
      } else {
        this.#observer?.renewal("failed");
        entry.renewAt = now + this.#retryMs;
        this.#logger?.warn({ err: failure.message }, "Vault token renewal failed; retrying");
      }
      throw failure;
    } finally {
      // renew-self is a token source in node-vault: do not let it keep the token on the shared client.
      this.#transport.client.token = "";
    }
    const parsed = renewAnswer.safeParse(body);
    if (!parsed.success) {
      this.#observer?.renewal("failed");
      entry.renewAt = now + this.#retryMs;
      throw new LeashError("vault_bad_response", "Vault's answer to renew-self has no lease duration");
    }
    const received = this.#clock.now();
    const grantedMs = parsed.data.auth.lease_duration * 1000;
    entry.expiresAt = received + grantedMs;
    entry.renewable = parsed.data.auth.renewable;
    const capped = grantedMs + 1_000 < increment * 1000;
    if (capped || !entry.renewable) {
      entry.hardEnd = entry.expiresAt;
      this.#observer?.renewal("capped");
      this.#logger?.info(
        { expires_at: new Date(entry.expiresAt).toISOString() },
        "Vault token reached its max ttl",
      );
      // The current token is replaced by a fresh login at about two thirds of what is left; a retired one is
      // renewed no further.
      entry.renewAt = entry === this.#current ? this.#renewalTime(received, grantedMs) : null;
      return false;
    }
    this.#observer?.renewal("ok");
    entry.renewAt = this.#renewalTime(received, grantedMs);
    return true;
  }

  async #loginAsCurrent(): Promise<HeldToken> {
    const auth = this.#auth;
    if (auth.method === "token") throw this.#invalidError();
    let fresh: HeldToken;
    try {
      const login = await loginToVault(auth, this.#login);
      const looked = await this.#lookup(login.token);
      fresh = this.#scheduled(looked);
      this.#observer?.login("ok");
    } catch (error) {
      this.#observer?.login("failed");
      this.#nextLoginAt = this.#clock.now() + this.#retryMs;
      this.#loginFailure =
        error instanceof LeashError
          ? error
          : new LeashError("vault_login_failed", "leash cannot log in to Vault");
      this.#problem = `leash cannot log in to Vault (${auth.method} at auth/${auth.mount}): ${(error as Error).message}`;
      this.#logger?.error({ err: (error as Error).message, method: auth.method }, "Vault login failed");
      throw error;
    }
    this.#loginFailure = null;
    const previous = this.#current;
    if (previous && previous.leasesUntil > this.#clock.now()) this.#retired.push(previous);
    this.#current = fresh;
    this.#logger?.info(
      {
        method: auth.method,
        expires_at: fresh.expiresAt === null ? null : new Date(fresh.expiresAt).toISOString(),
      },
      "logged in to Vault",
    );
    return fresh;
  }

  /** A looked-up token with its first renewal (or, if it cannot be renewed, its replacement) scheduled. */
  #scheduled(looked: HeldToken): HeldToken {
    if (looked.expiresAt !== null) {
      const now = this.#clock.now();
      looked.renewAt = this.#renewalTime(now, looked.expiresAt - now);
    }
    return looked;
  }

  #renewalTime(from: number, ttlMs: number): number {
    return from + Math.floor(ttlMs * RENEW_FRACTION * (1 - RENEW_JITTER * this.#random()));
  }

  async #lookup(token: string): Promise<HeldToken> {
    let body: unknown;
    try {
      body = await this.#transport.client.tokenLookupSelf({ requestOptions: this.#transport.options(token) });
    } catch (error) {
      throw vaultErrorToLeashError(error, { action: "looking up", path: "auth/token/lookup-self" }, [token]);
    }
    const parsed = lookupAnswer.safeParse(body);
    if (!parsed.success) {
      throw new LeashError("vault_bad_response", "Vault's answer to lookup-self is not a token");
    }
    const { ttl, creation_ttl, renewable, explicit_max_ttl, creation_time } = parsed.data.data;
    const now = this.#clock.now();
    const entry = held(token, ttl === 0 ? null : now + ttl * 1000, renewable, (creation_ttl ?? ttl) * 1000);
    if (entry.expiresAt !== null && !renewable) entry.hardEnd = entry.expiresAt;
    if (explicit_max_ttl > 0 && creation_time !== undefined) {
      entry.hardEnd = Math.min(
        entry.hardEnd ?? Number.POSITIVE_INFINITY,
        (creation_time + explicit_max_ttl) * 1000,
      );
    }
    const known = [this.#current, ...this.#retired].find((candidate) => candidate?.token === token);
    if (known) entry.leasesUntil = known.leasesUntil;
    return entry;
  }

  #drop(token: string, reason: string): void {
    this.#retired = this.#retired.filter((entry) => entry.token !== token);
    if (this.#current?.token !== token) return;
    this.#current = null;
    this.#problem = reason;
    this.#nextLoginAt = 0;
    this.#logger?.error({ method: this.#auth.method }, reason);
    if (this.#auth.method !== "token") this.#recoverSoon();
  }

  /** Starts a login in the background (one at a time), so the next caller finds a token. */
  #recoverSoon(): void {
    if (this.#clock.now() < this.#nextLoginAt) return;
    void this.#exclusive(async () => {
      if (!this.#usable()) await this.#loginAsCurrent();
    }).catch(() => {});
  }

  #problemText(): string {
    return `leash has no valid Vault token: ${this.#problem}`;
  }

  #invalidError(): LeashError {
    const next =
      this.#auth.method === "token"
        ? "give leash a valid VAULT_TOKEN and restart it, or let it log in (VAULT_AUTH_METHOD)"
        : "leash is logging in again; retry shortly";
    return new LeashError("vault_token_invalid", `${this.#problemText()}; ${next}`, {
      vault_auth_method: this.#auth.method,
    });
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work, work);
    this.#lock = run.catch(() => {});
    return run;
  }
}

function held(token: string, expiresAt: number | null, renewable: boolean, ttlMs: number): HeldToken {
  return { token, expiresAt, renewable, ttlMs, hardEnd: null, renewAt: null, leasesUntil: 0 };
}

function covers(entry: HeldToken, untilMs: number): boolean {
  return entry.expiresAt === null || entry.expiresAt >= untilMs + COVER_MARGIN_MS;
}

function isRefusal(error: LeashError): boolean {
  const status = error.extra.vault_status;
  return status === 401 || status === 403;
}
