// How long a long-poll may keep its caller waiting. That is a span of real time a connection stays open, so it is
// measured by a real timer, never by reading a clock: the clock says what time it is for the decisions (an approval's
// expiry), and a test that stops its clock still sees every wait end.

import { setTimeout as delay } from "node:timers/promises";

/** A signal that fires once `ms` of real time have passed (at once for zero or less). */
export function holdFor(ms: number): AbortSignal {
  return ms > 0 ? AbortSignal.timeout(ms) : AbortSignal.abort();
}

/** Sleeps `ms`, or less if any of `until` fires first. */
export async function pause(ms: number, ...until: (AbortSignal | undefined)[]): Promise<void> {
  const signals = until.filter((signal): signal is AbortSignal => signal !== undefined);
  try {
    await delay(ms, undefined, { signal: AbortSignal.any(signals) });
  } catch (error) {
    if ((error as Error).name !== "AbortError") throw error;
  }
}
