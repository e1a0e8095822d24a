// Tallies of refusals leash gives before it knows who is asking (a garbage, forged or expired token): counted per
// source and reason in a window, and written to the audit log as one record per tally once its window closes, so
// an unauthenticated caller cannot grow the log one record per request. Redis in production (redis/redis-refusals.ts),
// memory in dev mode; both pass test/store/contract.ts.

/** One refusal, as counted. Free-text fields are already cut short by the caller. */
export interface RefusalSample {
  /** The audit event the refusal belongs to (`authorize`). */
  event: string;
  /** Who sent it, as far as leash can tell (an IPv4 address, an IPv6 /64, or `*` for the overflow tally). */
  source: string;
  reason: string;
  /** The first refusal's request fields in the tally, for the record (bounded by the caller). */
  about: { action?: string; resource?: string; detail?: string };
}

export interface RefusalWindow {
  windowMs: number;
  nowMs: number;
  /**
   * Tallies open at once, at most: past it, refusals from a new source are counted in one overflow tally (source
   * `*`), so spreading requests over many addresses cannot multiply the records either.
   */
  maxOpen: number;
}

/** A closed tally: what its one audit record says. */
export interface RefusalTally extends RefusalSample {
  count: number;
  firstAt: number;
  lastAt: number;
}

export interface RefusalStore {
  /** Counts one refusal in its (event, source, reason) tally, opening the tally (and its window) on the first. */
  count(sample: RefusalSample, window: RefusalWindow): Promise<void>;
  /**
   * Takes tallies whose window has closed by `nowMs` (at most `max`), removing them; each is taken by exactly one
   * caller however many brokers ask at once.
   */
  takeClosed(nowMs: number, max: number): Promise<RefusalTally[]>;
}

/** The tally of (event, source, reason): one per window. */
export const refusalGroup = (sample: Pick<RefusalSample, "event" | "source" | "reason">): string =>
  JSON.stringify([sample.event, sample.source, sample.reason]);

/** The tally that takes refusals from new sources while `maxOpen` tallies are open. */
export const OVERFLOW_SOURCE = "*";
