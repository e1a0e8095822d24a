// The broker's background worker that ends Vault leases: it works through the durable revocation queue in the store.
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { ClaimedRevocation, LeaseRevocationBacklog, LeaseStore } from "../store/leases.ts";
import type { VaultCredentialsClient } from "../vault/vault-client.ts";

export interface LeaseRevokerOptions {
  /** Pause between passes over the queue. Default 500 ms. */
  intervalMs?: number;
  /** Leases claimed per environment per pass. Default 25. */
  batchSize?: number;
  /**
   * A claimed lease is handed out again after this long if its worker neither acked nor rescheduled it (the process
   * died mid-call). Must exceed a Vault call's timeout. Default 30 s.
   */
  visibilityMs?: number;
  /** First retry delay after a failed revocation; doubled per attempt up to `maxBackoffMs`. Default 500 ms. */
  baseBackoffMs?: number;
  /** Longest delay between attempts for one lease. Default 30 s. */
  maxBackoffMs?: number;
}

export interface LeaseRevokerParts {
  leases: LeaseStore;
  vault: VaultCredentialsClient;
  clock: Clock;
  logger: Logger;
}

export interface RevokerPass {
  revoked: number;
  failed: number;
}

const DEFAULTS = {
  intervalMs: 500,
  batchSize: 25,
  visibilityMs: 30_000,
  baseBackoffMs: 500,
  maxBackoffMs: 30_000,
} satisfies Required<LeaseRevokerOptions>;

/** Delay before attempt `attempts + 1`: exponential from `base`, capped, with ±20% jitter so workers spread out. */
export function revocationBackoffMs(
  attempts: number,
  base: number,
  max: number,
  random = Math.random,
): number {
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.max(1, Math.round(exponential * (0.8 + 0.4 * random())));
}

/**
 * Claims due leases (revocations asked for, and "revoke at token expiry" entries that came due), asks Vault to
 * revoke each, acks on success and reschedules with backoff on failure. Every broker process runs one; they share
 * the queue safely because a claim hides a lease from the others until it is acked or rescheduled.
 */
export class LeaseRevoker {
  readonly #parts: LeaseRevokerParts;
  readonly #options: Required<LeaseRevokerOptions>;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<RevokerPass> | null = null;
  #stopped = true;

  constructor(parts: LeaseRevokerParts, options: LeaseRevokerOptions = {}) {
    this.#parts = parts;
    this.#options = { ...DEFAULTS, ...definedOnly(options) };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops the loop and waits for a pass in progress to finish (its claims are acked or rescheduled). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** One pass over every environment's queue; what the loop runs, exposed for tests and operators. */
  runOnce(): Promise<RevokerPass> {
    if (!this.#running) {
      this.#running = this.#pass().finally(() => {
        this.#running = null;
      });
    }
    return this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.runOnce()
        .catch((error: unknown) => {
          // The store is unreachable: nothing was claimed, nothing is lost; try again next tick.
          this.#parts.logger.warn({ err: describe(error) }, "lease revoker could not reach the store");
        })
        .finally(() => this.#schedule(this.#options.intervalMs));
    }, delayMs);
    this.#timer.unref();
  }

  async #pass(): Promise<RevokerPass> {
    const { leases, clock } = this.#parts;
    const total: RevokerPass = { revoked: 0, failed: 0 };
    for (const env of await leases.environments()) {
      const claimed = await leases.claim(env, {
        nowMs: clock.now(),
        limit: this.#options.batchSize,
        visibilityMs: this.#options.visibilityMs,
      });
      const results = await Promise.all(claimed.map((item) => this.#revoke(env, item)));
      for (const ok of results) total[ok ? "revoked" : "failed"]++;
    }
    return total;
  }

  async #revoke(env: string, item: ClaimedRevocation): Promise<boolean> {
    const { leases, vault, clock, logger } = this.#parts;
    try {
      await vault.revokeLease(item.leaseId);
    } catch (error) {
      const delay = revocationBackoffMs(
        item.attempts,
        this.#options.baseBackoffMs,
        this.#options.maxBackoffMs,
      );
      logger.warn(
        {
          lease_id: item.leaseId,
          env,
          attempts: item.attempts,
          retry_in_ms: delay,
          code: error instanceof LeashError ? error.code : undefined,
          err: describe(error),
        },
        "Vault lease revocation failed; will retry",
      );
      // If this fails too, the claim's visibility timeout hands the lease out again: nothing is lost.
      await leases.retry(env, item.leaseId, clock.now() + delay).catch(() => {});
      return false;
    }
    try {
      await leases.ack(env, item.leaseId);
    } catch (error) {
      // Revoked in Vault but still queued: it is revoked again (harmlessly) after the visibility timeout.
      logger.warn({ lease_id: item.leaseId, err: describe(error) }, "could not ack a revoked Vault lease");
    }
    logger.info({ lease_id: item.leaseId, env, attempts: item.attempts }, "Vault lease revoked");
    return true;
  }
}

/** The revocation backlog: leases waiting to be revoked in Vault, and those scheduled for their token's expiry. */
export function vaultRevocationBacklog(context: BrokerContext): Promise<LeaseRevocationBacklog> {
  return context.store.leases.backlog();
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
