// Reading the audit log: every chain (or one environment's) merged by time, filtered, a page at a time.
//
// Records are ordered by (stream id, chain): a stream id is the record's time in ms then a per-stream counter, so
// the merged order is time order, ties broken by chain name. A cursor names the last position a page covered.
import { LeashError } from "../errors/leash-error.ts";
import { type AuditLog, compareStreamIds, type StoredAuditEntry } from "../store/audit.ts";
import { chainOf, storedRecordFields } from "../store/audit-record.ts";

export interface AuditFilters {
  task?: string;
  /** The agent a record is about. */
  agent?: string;
  environment?: string;
  decision?: string;
  /** An event name, or its subject (`approval` matches every `approval.*`). */
  event?: string;
  fromMs?: number;
  toMs?: number;
}

export type AuditOrder = "asc" | "desc";

/** A record as the API shows it: its chain and stream id, then its stored fields (seq included). */
export type AuditRecordView = { chain: string; id: string } & Record<string, string>;

export interface AuditPage {
  records: AuditRecordView[];
  next_cursor: string | null;
}

interface Position {
  id: string;
  chain: string;
}

/** Most records examined per chain for one page, so a rare filter cannot make one request scan a whole log. */
const SCAN_BUDGET = 5_000;
const BATCH = 500;
const MAX_SEQ = "18446744073709551615";

export function encodeCursor(position: Position, order: AuditOrder): string {
  return Buffer.from(JSON.stringify({ ...position, order })).toString("base64url");
}

export function decodeCursor(cursor: string, order: AuditOrder): Position {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    if (
      typeof value.id === "string" &&
      /^\d{1,20}-\d{1,20}$/.test(value.id) &&
      typeof value.chain === "string" &&
      value.order === order
    ) {
      return { id: value.id, chain: value.chain };
    }
  } catch {
    // reported below
  }
  throw new LeashError("invalid_cursor", "the cursor is not one this endpoint gave out for this order");
}

const comparePositions = (a: Position, b: Position): number =>
  compareStreamIds(a.id, b.id) || (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0);

export const recordView = (entry: StoredAuditEntry): AuditRecordView => ({
  chain: entry.chain,
  id: entry.id,
  ...storedRecordFields(entry.fields),
});

function matches(view: AuditRecordView, filters: AuditFilters): boolean {
  const ms = Number(view.id.split("-")[0]);
  if (filters.fromMs !== undefined && ms < filters.fromMs) return false;
  if (filters.toMs !== undefined && ms > filters.toMs) return false;
  if (filters.task !== undefined && view.task !== filters.task) return false;
  if (filters.agent !== undefined && view.agent !== filters.agent) return false;
  if (filters.decision !== undefined && view.decision !== filters.decision) return false;
  if (
    filters.event !== undefined &&
    view.event !== filters.event &&
    !view.event?.startsWith(`${filters.event}.`)
  )
    return false;
  return true;
}

interface ChainScan {
  matches: AuditRecordView[];
  /** Where the scan stopped, when the chain may hold more (budget spent or enough matches). */
  stoppedAt: Position | null;
}

async function scanChain(
  log: AuditLog,
  chain: string,
  filters: AuditFilters,
  order: AuditOrder,
  cursor: Position | null,
  limit: number,
): Promise<ChainScan> {
  const lower = filters.fromMs === undefined ? "-" : `${Math.max(0, Math.floor(filters.fromMs))}-0`;
  const upper = filters.toMs === undefined ? "+" : `${Math.max(0, Math.floor(filters.toMs))}-${MAX_SEQ}`;
  // The first position after the cursor in this chain: the cursor's id itself only for chains that sort after it.
  const fromCursor = (inclusive: boolean) => (cursor ? (inclusive ? cursor.id : `(${cursor.id}`) : null);
  let bound =
    order === "asc"
      ? (fromCursor(cursor !== null && chain > cursor.chain) ?? lower)
      : (fromCursor(cursor !== null && chain < cursor.chain) ?? upper);
  const found: AuditRecordView[] = [];
  let scanned = 0;
  for (;;) {
    const batch = await log.range(chain, {
      count: BATCH,
      ...(order === "asc" ? { start: bound, end: upper } : { start: lower, end: bound, reverse: true }),
    });
    for (const entry of batch) {
      scanned++;
      const view = recordView(entry);
      if (matches(view, filters)) found.push(view);
      if (found.length >= limit || scanned >= SCAN_BUDGET)
        return { matches: found, stoppedAt: { id: entry.id, chain } };
    }
    if (batch.length < BATCH) return { matches: found, stoppedAt: null };
    bound = `(${batch[batch.length - 1]!.id}`;
  }
}

/** One page of records matching `filters`, oldest first (`asc`) or newest first (`desc`). */
export async function queryAudit(
  log: AuditLog,
  filters: AuditFilters,
  options: { limit: number; order: AuditOrder; cursor?: string },
): Promise<AuditPage> {
  const { limit, order } = options;
  const cursor = options.cursor ? decodeCursor(options.cursor, order) : null;
  const chains = filters.environment ? [chainOf(filters.environment)] : await log.chains();
  const scans = await Promise.all(
    chains.map((chain) => scanChain(log, chain, filters, order, cursor, limit)),
  );
  const direction = order === "asc" ? 1 : -1;
  const compare = (a: Position, b: Position) => direction * comparePositions(a, b);
  // Past the earliest point where some chain stopped early, that chain's records are unknown: stop there too.
  const horizon = scans
    .map((scan) => scan.stoppedAt)
    .reduce<Position | null>((min, at) => (at && (!min || compare(at, min) < 0) ? at : min), null);
  const merged = scans
    .flatMap((scan) => scan.matches)
    .filter((view) => !horizon || compare(view, horizon) <= 0)
    .sort(compare);
  const records = merged.slice(0, limit);
  const last = records[records.length - 1];
  let next: Position | null = null;
  if (records.length === limit && (merged.length > limit || horizon)) next = last!;
  else if (horizon) next = horizon;
  return {
    records,
    next_cursor: next ? encodeCursor({ id: next.id, chain: next.chain }, order) : null,
  };
}
