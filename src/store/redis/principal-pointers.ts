// Key-hash → principal id pointers this broker has seen lead to a matching record: lets a known key's lookup skip
// the index read. Never a principal or its state: the record is read on every lookup.

/** Pointers kept; past it the oldest leaves first. One per API key in use, so this bounds memory, not correctness. */
export const PRINCIPAL_POINTERS = 10_000;

export class PrincipalPointers {
  private readonly ids = new Map<string, string>();

  get(keyHash: string): string | undefined {
    return this.ids.get(keyHash);
  }

  /** Only for a key that just matched its record: the caller has proven the key, so no one can fill this at will. */
  remember(keyHash: string, id: string): void {
    if (this.ids.size >= PRINCIPAL_POINTERS && !this.ids.has(keyHash)) {
      const oldest = this.ids.keys().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    this.ids.set(keyHash, id);
  }

  delete(keyHash: string): void {
    this.ids.delete(keyHash);
  }
}
