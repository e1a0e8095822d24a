// Coalesces calls that share a key into batches, the way Nagle's algorithm coalesces writes: when nothing is in
// flight for the key, a call leaves on the next tick; while a batch is in flight, later calls wait for it and leave
// together when it returns. One call on an idle broker pays nothing; under load each round trip carries many.

interface Pending<I, O> {
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
  /** performance.now() past which the call fails. */
  deadline: number;
  settled: boolean;
}

export class BatchTimeoutError extends Error {}

/** Sends one batch; resolves with one output per item, in order. A rejection fails every item of the batch. */
export type SendBatch<I, O> = (key: string, items: I[]) => Promise<O[]>;

export class Batcher<I, O> {
  private readonly waiting = new Map<string, Pending<I, O>[]>();
  private readonly inFlight = new Set<string>();
  /**
   * Every call not yet answered, in submission order, which is deadline order (one timeout for all): one timer, set
   * for the first of them, stands for every call's deadline, instead of a timer set and cleared for each call.
   */
  private byDeadline: Pending<I, O>[] = [];
  private firstUnsettled = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: SendBatch<I, O>,
    /** Largest batch; a longer queue leaves as several batches at once. */
    private readonly maxBatch: number,
    /** Longest a call may wait for its answer, from submission. */
    private readonly timeoutMs: number,
  ) {}

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const pending: Pending<I, O> = {
        item,
        resolve,
        reject,
        deadline: performance.now() + this.timeoutMs,
        settled: false,
      };
      this.byDeadline.push(pending);
      this.timer ??= setTimeout(() => this.expire(), this.timeoutMs);
      const queue = this.waiting.get(key);
      if (queue) queue.push(pending);
      else {
        this.waiting.set(key, [pending]);
        if (!this.inFlight.has(key)) process.nextTick(() => this.flush(key));
      }
    });
  }

  /** Fails every call whose deadline has passed, then sets the timer for the next one still waiting. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (let i = this.firstUnsettled; i < this.byDeadline.length; i++) {
      const pending = this.byDeadline[i]!;
      if (pending.settled) continue;
      if (pending.deadline > now) break;
      this.settle(pending, undefined, new BatchTimeoutError(`no answer within ${this.timeoutMs} ms`));
    }
    this.dropSettled();
    const next = this.byDeadline[this.firstUnsettled];
    if (next) this.timer = setTimeout(() => this.expire(), Math.max(0, next.deadline - now));
  }

  private settle(pending: Pending<I, O>, output: O | undefined, error?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    if (error === undefined) pending.resolve(output as O);
    else pending.reject(error);
  }

  /** Forgets answered calls at the front; when none is left waiting, the timer goes too. */
  private dropSettled(): void {
    const calls = this.byDeadline;
    let first = this.firstUnsettled;
    while (first < calls.length && calls[first]!.settled) first++;
    if (first === calls.length) {
      this.byDeadline = [];
      this.firstUnsettled = 0;
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      return;
    }
    if (first > 1024 && first * 2 > calls.length) {
      this.byDeadline = calls.slice(first);
      first = 0;
    }
    this.firstUnsettled = first;
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
      for (let i = 0; i < batch.length; i++) this.settle(batch[i]!, outputs[i]);
    } catch (error) {
      for (const pending of batch) this.settle(pending, undefined, error ?? new Error("batch failed"));
    }
    this.dropSettled();
  }
}
