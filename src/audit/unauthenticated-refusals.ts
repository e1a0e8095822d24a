// Refusals given before leash knows who is asking (a garbage, forged or expired token) are tallied per source and
// reason, and each tally becomes one audit record when its window closes, carrying the count: whoever sends garbage
// cannot grow the audit log one record per request, and never writes more than a short bound of its own text.
import type { BrokerContext } from "../context/broker-context.ts";
import type { AuditEntry, AuditEvent } from "../store/audit-record.ts";
import { wellFormed } from "../store/audit-record.ts";
import type { RefusalTally } from "../store/refusals.ts";

/** How long a tally counts before its record is written (LEASH_REFUSAL_AUDIT_WINDOW). */
export const DEFAULT_REFUSAL_WINDOW_MS = 10_000;
/** Characters of a request's free text (action, resource, detail) a tally's record keeps. */
export const REFUSAL_TEXT_MAX = 64;
/** Tallies open at once; past it new sources share one tally (source `*`). */
export const MAX_OPEN_TALLIES = 1000;
const TAKE_BATCH = 100;

/** At most `max` characters of `text`, saying how long it was when cut. */
export function boundedText(text: string | undefined, max = REFUSAL_TEXT_MAX): string | undefined {
  if (text === undefined) return undefined;
  const characters = Array.from(text);
  if (characters.length <= max) return wellFormed(text);
  return `${wellFormed(characters.slice(0, max).join(""))}…(${characters.length} characters)`;
}

export interface UnauthenticatedRefusal {
  event: AuditEvent;
  /** refusalSource() of the request. */
  source: string;
  reason: string;
  action?: string;
  resource?: string;
  detail?: string;
}

/** Counts the refusal in its tally (and in /metrics); its record is written when the tally's window closes. */
export async function recordUnauthenticatedRefusal(
  context: BrokerContext,
  refusal: UnauthenticatedRefusal,
): Promise<void> {
  context.metrics.unauthenticatedRefusals.inc({ event: refusal.event, reason: refusal.reason });
  await context.store.refusals.count(
    {
      event: refusal.event,
      source: refusal.source,
      reason: refusal.reason,
      about: {
        action: boundedText(refusal.action),
        resource: boundedText(refusal.resource),
        detail: boundedText(refusal.detail),
      },
    },
    {
      windowMs: context.refusalAuditWindowMs ?? DEFAULT_REFUSAL_WINDOW_MS,
      nowMs: context.clock.now(),
      maxOpen: MAX_OPEN_TALLIES,
    },
  );
}

/** The one record of a closed tally: the first refusal's fields (bounded), the count and the window it covered. */
export function tallyEntry(tally: RefusalTally, nowMs: number): AuditEntry {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    time: nowMs,
    event: tally.event as AuditEvent,
    actor: "",
    action: tally.about.action,
    resource: tally.about.resource,
    detail: [
      `unauthenticated: ${tally.count} refusal${tally.count === 1 ? "" : "s"} from ${tally.source}`,
      `first=${iso(tally.firstAt)}`,
      `last=${iso(tally.lastAt)}`,
      ...(tally.about.detail ? [tally.about.detail] : []),
    ].join("; "),
    decision: "deny",
    reason: tally.reason,
  };
}

/** Writes the record of every tally whose window has closed (each is taken by one broker only); returns how many. */
export async function flushRefusalTallies(context: BrokerContext): Promise<number> {
  let written = 0;
  for (;;) {
    const nowMs = context.clock.now();
    const closed = await context.store.refusals.takeClosed(nowMs, TAKE_BATCH);
    for (const tally of closed) {
      await context.store.audit.append({ entry: tallyEntry(tally, nowMs) });
      context.metrics.unauthenticatedRefusalRecords.inc({ event: tally.event });
      written++;
    }
    if (closed.length < TAKE_BATCH) return written;
  }
}
