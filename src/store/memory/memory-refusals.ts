// Refusal tallies in memory for dev mode and tests; the same semantics as the Redis implementation.
import {
  OVERFLOW_SOURCE,
  type RefusalSample,
  type RefusalStore,
  type RefusalTally,
  type RefusalWindow,
  refusalGroup,
} from "../refusals.ts";

export class MemoryRefusals implements RefusalStore {
  /** Open tallies by group, in the order they opened; `closesAt` is the end of each one's window. */
  private readonly open = new Map<string, RefusalTally & { closesAt: number }>();

  async count(sample: RefusalSample, window: RefusalWindow): Promise<void> {
    let group = refusalGroup(sample);
    let counted = sample;
    if (!this.open.has(group) && this.open.size >= window.maxOpen) {
      counted = { ...sample, source: OVERFLOW_SOURCE };
      group = refusalGroup(counted);
    }
    const tally = this.open.get(group);
    if (tally) {
      tally.count++;
      tally.lastAt = window.nowMs;
      return;
    }
    this.open.set(group, {
      ...counted,
      count: 1,
      firstAt: window.nowMs,
      lastAt: window.nowMs,
      closesAt: window.nowMs + window.windowMs,
    });
  }

  async takeClosed(nowMs: number, max: number): Promise<RefusalTally[]> {
    const closed: RefusalTally[] = [];
    for (const [group, { closesAt, ...tally }] of this.open) {
      if (closed.length >= max) break;
      if (closesAt > nowMs) continue;
      this.open.delete(group);
      closed.push(tally);
    }
    return closed;
  }
}
