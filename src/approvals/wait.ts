// Long-poll: wait until an approval leaves `pending` or the caller's wait runs out. Polls the store, which every
// broker process shares, so a decision made on any process ends the wait.
import { holdFor, pause } from "../clock/hold.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { type Approval, effectiveStatus } from "../store/approval-record.ts";
import { loadApproval } from "./records.ts";

const POLL_INTERVAL_MS = 200;
export const MAX_WAIT_SECONDS = 60;

export async function waitForDecision(
  context: BrokerContext,
  id: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<Approval> {
  const timeUp = holdFor(Math.min(waitMs, MAX_WAIT_SECONDS * 1000));
  for (;;) {
    const approval = await loadApproval(context, id);
    if (effectiveStatus(approval, context.clock.now()) !== "pending") return approval;
    if (timeUp.aborted || signal?.aborted) return approval;
    await pause(POLL_INTERVAL_MS, timeUp, signal);
  }
}
