// Coalesces calls that share a key into batches, the way Nagle's algorithm coalesces writes: when nothing is in
// flight for the key, a call leaves on the next tick; while a batch is in flight, later calls wait for it and leave
// together when it returns. One call on an idle broker pays nothing; under load each round trip carries many.

interface Pending<I, O> {
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

export class BatchTimeoutError extends Error {}

/** Sends one batch; resolves with one output per item, in order. A rejection fails every item of the batch. */
export type SendBatch<I, O> = (key: string, items: I[]) => Promise<O[]>;

export class Batcher<I, O> {
  private readonly waiting = new Map<string, Pending<I, O>[]>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly send: SendBatch<I, O>,
    /** Largest batch; a longer queue leaves as several batches at once. */
    private readonly maxBatch: number,
    /** Longest a call may wait for its answer, from submission. */
    private readonly timeoutMs: number,
  ) {}

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BatchTimeoutError(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      const pending: Pending<I, O> = {
        item,
        resolve: (output) => {
          clearTimeout(timer);
          resolve(output);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const queue = this.waiting.get(key);
      if (queue) queue.push(pending);
      else {
        this.waiting.set(key, [pending]);
        if (!this.inFlight.has(key)) process.nextTick(() => this.flush(key));
      }
    });
  }

  private flush(key: string): void {
    const queue = this.waiting.get(key);
    if (!queue || this.inFlight.has(key)) return;
    this.waiting.delete(key);
    this.inFlight.add(key);
    const sent: Promise<void>[] = [];
    for (let start = 0; start < queue.length; start += this.maxBatch) {
      sent.push(this.sendBatch(key, queue.slice(start, start + this.maxBatch)));
    }
    void Promise.all(sent).then(() => {
      this.inFlight.delete(key);
      this.flush(key);
    });
  }

  private async sendBatch(key: string, batch: Pending<I, O>[]): Promise<void> {
    try {
      const outputs = await this.send(
        key,
        batch.map((pending) => pending.item),
      );
      if (outputs.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} returned ${outputs.length} results`);
      }
      batch.forEach((pending, index) => {
        pending.resolve(outputs[index]!);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
