// Long-poll for consoles: wait until the set of approvals a human can decide changes (one arrives, is decided
// anywhere, gains an approver, or expires), so a decision made elsewhere leaves every open console at once.
// Reads the store every broker process shares, so a change made on any process ends the wait.
import { createHash } from "node:crypto";
import { holdFor, pause } from "../clock/hold.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { effectiveStatus } from "../store/approval-record.ts";
import type { Principal } from "../store/store.ts";
import { listPendingFor } from "./decide.ts";

const POLL_INTERVAL_MS = 250;
export const MAX_CHANGES_WAIT_SECONDS = 30;

/** A short digest of what this human's pending list holds: ids, versions and statuses, nothing readable. */
export async function pendingFingerprint(context: BrokerContext, human: Principal): Promise<string> {
  const nowMs = context.clock.now();
  const entries = (await listPendingFor(context, human))
    .map((approval) => `${approval.id}:${approval.version}:${effectiveStatus(approval, nowMs)}`)
    .sort();
  return createHash("sha256").update(entries.join("\n")).digest("base64url").slice(0, 22);
}

/** Returns the fingerprint as soon as it differs from `after` (at once when it already does), or when the wait ends. */
export async function waitForPendingChange(
  context: BrokerContext,
  human: Principal,
  after: string | undefined,
  waitMs: number,
  signal?: AbortSignal,
): Promise<{ fingerprint: string; changed: boolean }> {
  const timeUp = holdFor(Math.min(waitMs, MAX_CHANGES_WAIT_SECONDS * 1000));
  for (;;) {
    const fingerprint = await pendingFingerprint(context, human);
    if (after === undefined || fingerprint !== after) return { fingerprint, changed: after !== undefined };
    if (timeUp.aborted || signal?.aborted) return { fingerprint, changed: false };
    await pause(POLL_INTERVAL_MS, timeUp, signal);
  }
}
