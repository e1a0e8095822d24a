// Reading one chain's seals a page at a time, to keep copies outside Redis (a seal whose hash later changes for the
// same `to_seq` means the chain was rewritten; docs/audit.md).
import type { AuditLog } from "../store/audit.ts";

/** A seal as the API shows it: its chain and stream id (its run's last record id), then its stored fields. */
export type AuditSealView = { chain: string; id: string } & Record<string, string>;

export interface AuditSealPage {
  seals: AuditSealView[];
  /** Pass as `after` for the next page; null when this page reached the end. */
  next_after: string | null;
}

export async function querySeals(
  log: AuditLog,
  query: { chain: string; after?: string; order: "asc" | "desc"; limit: number },
): Promise<AuditSealPage> {
  const bound = query.after ? `(${query.after}` : undefined;
  const stored = await log.seals(query.chain, {
    count: query.limit,
    ...(query.order === "asc" ? { start: bound } : { end: bound, reverse: true }),
  });
  const seals = stored.map((seal) => ({
    chain: seal.chain,
    id: seal.id,
    ...Object.fromEntries(seal.fields),
  }));
  return {
    seals,
    next_after: seals.length === query.limit ? seals[seals.length - 1]!.id : null,
  };
}
