// One page of the pending approvals a human can decide, oldest first; the cursor names the last approval shown, so
// a page stays correct while approvals arrive and leave between requests.
import { LeashError } from "../errors/leash-error.ts";
import type { Approval } from "../store/approval-record.ts";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

interface Position {
  createdAt: number;
  id: string;
}

const byAge = (a: Position, b: Position) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export const encodePendingCursor = (position: Position): string =>
  Buffer.from(JSON.stringify([position.createdAt, position.id])).toString("base64url");

export function decodePendingCursor(cursor: string): Position {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof createdAt === "number" && Number.isFinite(createdAt) && typeof id === "string")
      return { createdAt, id };
  } catch {
    // Falls through to the refusal below.
  }
  throw new LeashError("invalid_cursor", "cursor: pass back the next_cursor of the previous page unchanged");
}

/** The approvals after `cursor` (oldest first), at most `limit`, and the cursor of the next page if any remain. */
export function pendingPage(
  approvals: Approval[],
  options: { limit: number; cursor?: string },
): { approvals: Approval[]; nextCursor?: string } {
  const after = options.cursor === undefined ? undefined : decodePendingCursor(options.cursor);
  const rest = [...approvals].sort(byAge).filter((approval) => !after || byAge(approval, after) > 0);
  const page = rest.slice(0, options.limit);
  const last = page.at(-1);
  return rest.length > page.length && last
    ? { approvals: page, nextCursor: encodePendingCursor(last) }
    : { approvals: page };
}
