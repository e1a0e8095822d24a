// The broker's background worker that seals audit chains (and, with a retention, trims their oldest sealed runs).
//
// Every broker process runs one. Seals are written with a compare-and-set (seal-chain.ts), so two sealers on one
// chain write one seal per run between them; to spare the others from reading and hashing the same records only to
// lose that race, a sealer first claims the chain for a few intervals and renews the claim on every pass. When it
// stops it lets go; when its broker dies the claim runs out and another broker's sealer takes over. A failure (Redis
// away) is logged and the next pass tries again; nothing is lost, the records just stay unsealed a little longer.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.ts";
import type { AuditLog } from "../store/audit.ts";
import { sealChain } from "./seal-chain.ts";
import { trimChain } from "./trim-chain.ts";

export interface AuditSealerOptions {
  /** Pause between passes (± 20% jitter, so brokers spread out). Default 1000 ms (LEASH_AUDIT_SEAL_INTERVAL_MS). */
  intervalMs?: number;
  /** Trim sealed runs older than this (LEASH_AUDIT_RETENTION). Default: keep everything. */
  retentionMs?: number;
  /** Records per seal. Default 1000. */
  batchSize?: number;
}

export interface AuditSealerParts {
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
}

export interface SealerPass {
  seals: number;
  records: number;
  trimmed: number;
}

export const DEFAULT_SEAL_INTERVAL_MS = 1000;
/** A claim outlives a few missed passes (a long GC pause, a slow Redis) before another broker takes the chain. */
const CLAIM_INTERVALS = 3;
/** Chains are listed from the registered set every pass, and by a keyspace SCAN every this many passes. */
const FULL_CHAIN_LISTING_EVERY = 60;

export class AuditSealer {
  readonly #parts: AuditSealerParts;
  readonly #intervalMs: number;
  readonly #retentionMs: number | undefined;
  readonly #batchSize: number | undefined;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SealerPass> | null = null;
  #stopped = true;
  /** Set by stop(): a pass in progress ends after the chain it is on. */
  #closing = false;
  #passes = 0;
  readonly #owner = randomUUID();
  /** Chains this sealer has claimed, to let go of when it stops. */
  readonly #claimed = new Set<string>();

  constructor(parts: AuditSealerParts, options: AuditSealerOptions = {}) {
    this.#parts = parts;
    this.#intervalMs = options.intervalMs ?? DEFAULT_SEAL_INTERVAL_MS;
    this.#retentionMs = options.retentionMs;
    this.#batchSize = options.batchSize;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#closing = false;
    this.#schedule();
  }

  /** Stops the loop and waits for a pass in progress to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#closing = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
    for (const chain of this.#claimed) {
      // Unreleased, a claim runs out on its own: the chain waits a few intervals longer for its next seal.
      await this.#parts.audit.releaseSealing(chain, this.#owner).catch(() => {});
    }
    this.#claimed.clear();
  }

  /** One pass over every chain; what the loop runs, exposed for tests and operators. */
  runOnce(): Promise<SealerPass> {
    if (!this.#running) {
      this.#running = this.#pass().finally(() => {
        this.#running = null;
      });
    }
    return this.#running;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const delay = Math.max(1, Math.round(this.#intervalMs * (0.8 + 0.4 * Math.random())));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.runOnce()
        .catch((error: unknown) => {
          this.#parts.logger.warn({ err: describe(error) }, "audit sealer could not reach the store");
        })
        .finally(() => this.#schedule());
    }, delay);
    this.#timer.unref();
  }

  async #pass(): Promise<SealerPass> {
    const { audit, clock, logger } = this.#parts;
    const registeredOnly = this.#passes++ % FULL_CHAIN_LISTING_EVERY !== 0;
    const total: SealerPass = { seals: 0, records: 0, trimmed: 0 };
    for (const chain of await audit.chains({ registeredOnly })) {
      if (this.#closing) break;
      try {
        if (!(await audit.claimSealing(chain, this.#owner, CLAIM_INTERVALS * this.#intervalMs))) continue;
        this.#claimed.add(chain);
        const sealed = await sealChain(audit, chain, { nowMs: clock.now(), batchSize: this.#batchSize });
        total.seals += sealed.seals;
        total.records += sealed.records;
        if (sealed.gaps.length > 0)
          logger.error(
            { chain, missing_seq: sealed.gaps },
            "audit records were removed before they were sealed (sealed as found; leash audit verify reports it)",
          );
        if (this.#retentionMs !== undefined) {
          const trimmedTo = await trimChain(audit, chain, clock.now() - this.#retentionMs);
          if (trimmedTo > 0) {
            total.trimmed++;
            logger.info({ chain, through_seq: trimmedTo }, "audit records past retention trimmed");
          }
        }
      } catch (error) {
        logger.warn({ chain, err: describe(error) }, "audit sealing failed; retrying next pass");
      }
    }
    return total;
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
