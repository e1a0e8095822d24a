// A Map bounded to a number of entries: past it, the entry set longest ago leaves first. For memos kept per token or
// per key, which must not grow with what callers send.

export class OldestFirstMap<K, V> {
  private readonly entries = new Map<K, V>();
  /**
   * Where eviction stands in insertion order, kept between evictions. A new iterator from the front would step over
   * every slot deleted since V8 last compacted the table: tens of µs per eviction on a full map of 10,000 entries
   * or more. Every entry it has passed was evicted, and a key set again is appended after it, so every live entry
   * is still ahead of it.
   */
  private oldest: Iterator<K> | undefined;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.entries.size >= this.capacity && !this.entries.has(key)) this.evictOldest();
    this.entries.set(key, value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.oldest = undefined;
  }

  private evictOldest(): void {
    let next = this.oldest?.next();
    if (!next || next.done) {
      this.oldest = this.entries.keys();
      next = this.oldest.next();
    }
    if (!next.done) this.entries.delete(next.value);
  }
}
