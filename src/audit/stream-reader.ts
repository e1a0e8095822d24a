// Reads a Redis stream (audit records or seals) in order, a batch at a time, with one entry of lookahead.
const BATCH = 1000;

/** Reads in order with one entry of lookahead; can resume after reaching the end, for entries appended since. */
export class StreamReader<T extends { id: string }> {
  private buffer: T[] = [];
  private index = 0;
  private done = false;

  /** `fetch` reads up to `count` entries from `start` ("-" or an exclusive "(id"); reading starts after `after`. */
  constructor(
    private readonly fetch: (start: string, count: number) => Promise<T[]>,
    private after: string | null = null,
  ) {}

  async peek(): Promise<T | undefined> {
    if (this.index >= this.buffer.length && !this.done) {
      this.buffer = await this.fetch(this.after ? `(${this.after}` : "-", BATCH);
      this.index = 0;
      this.done = this.buffer.length < BATCH;
    }
    return this.buffer[this.index];
  }

  async next(): Promise<T | undefined> {
    const item = await this.peek();
    if (item) {
      this.index++;
      this.after = item.id;
    }
    return item;
  }

  /** Reads again past the end (entries appended since). */
  resume(): void {
    this.done = false;
  }
}
