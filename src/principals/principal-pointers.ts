// API keys this broker has seen match a principal: key hash → principal id. Lets a known key's lookup read the
// principal's record straight away, skipping the key-hash index. Never a principal or its state: the record is read
// on every lookup and decides, so a rotated, disabled or re-keyed principal shows at once.

import { OldestFirstMap } from "../memo/oldest-first-map.ts";

/** Pointers kept; past it the oldest leaves first. One per API key in use, so this bounds memory, not correctness. */
export const PRINCIPAL_POINTERS = 10_000;

export class PrincipalPointers {
  private readonly ids = new OldestFirstMap<string, string>(PRINCIPAL_POINTERS);

  get(keyHash: string): string | undefined {
    return this.ids.get(keyHash);
  }

  /** Only for a key that just matched its record: the caller proved the key, so no one fills this at will. */
  remember(keyHash: string, id: string): void {
    this.ids.set(keyHash, id);
  }

  forget(keyHash: string): void {
    this.ids.delete(keyHash);
  }
}
