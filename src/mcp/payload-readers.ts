// Where the guard reads tool-call arguments: worker threads, shared fairly between agents. Reading one call's arguments
// is synchronous and may take its whole deadline; on the gateway's event loop that would stall every session's calls
// (and a batch of a hundred calls, a hundred deadlines). In a worker the loop stays free, the deadline is the same
// (arguments not read by then still count as destructive), and each agent has at most one reading under way: an agent
// whose arguments are slow to read (from however many tasks) waits for its own readings, never makes another agent's
// wait behind them.
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { PAYLOAD_READ_MS, type PayloadJudgment } from "./payload-judgment.ts";
import type { PayloadJob, PayloadWorkerMessage } from "./payload-worker.ts";

/**
 * A worker that has not answered this long after its deadline is stuck outside the guard's own time limit: it is
 * ended and the arguments count as unreadable.
 */
const STUCK_AFTER_MS = PAYLOAD_READ_MS + 3_000;

/** Unreadable arguments: authorized as destructive, as the guard's deadline decides in the worker. */
const UNREADABLE: PayloadJudgment = { ok: true, destructive: true };

interface Pending {
  job: PayloadJob;
  resolve: (judgment: PayloadJudgment) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

interface Reader {
  worker: Worker;
  ready: boolean;
  /** Whose call it is reading, and the call. */
  busy?: { party: string; pending: Pending; stuck: NodeJS.Timeout };
}

export class PayloadReaders {
  readonly #size: number;
  readonly #readers = new Set<Reader>();
  /** Calls waiting for a reader, by whose they are; the Map's order is the round in which they take turns. */
  readonly #waiting = new Map<string, Pending[]>();
  #nextId = 0;

  constructor(size = Math.min(4, Math.max(2, availableParallelism()))) {
    this.#size = size;
  }

  /** Starts the workers now rather than on the first call, so that call does not wait for them. */
  start(): void {
    while (this.#readers.size < this.#size) this.#spawn();
  }

  /**
   * The guard's verdict on one call's arguments, read in a worker when its party's turn comes. The party is whoever
   * must not delay the others (the gateway names the agent): its calls are read one at a time, parties in turn.
   */
  judge(
    party: string,
    call: { upstream: string; tool: string; args: Record<string, unknown> },
    signal?: AbortSignal,
  ): Promise<PayloadJudgment> {
    signal?.throwIfAborted();
    this.start();
    return new Promise<PayloadJudgment>((resolve, reject) => {
      const pending: Pending = {
        job: { id: this.#nextId++, ...call },
        resolve,
        reject,
        signal,
        onAbort: () => {
          // Cancelled while it waited its turn: never read.
          const queue = this.#waiting.get(party);
          const at = queue?.indexOf(pending) ?? -1;
          if (queue && at >= 0) {
            queue.splice(at, 1);
            if (queue.length === 0) this.#waiting.delete(party);
            reject(signal?.reason instanceof Error ? signal.reason : new Error("cancelled"));
            this.#keepAlive();
          }
        },
      };
      signal?.addEventListener("abort", pending.onAbort, { once: true });
      const queue = this.#waiting.get(party);
      if (queue) queue.push(pending);
      else this.#waiting.set(party, [pending]);
      this.#pump();
    });
  }

  /** Ends every worker; calls still waiting are refused. */
  async close(): Promise<void> {
    const readers = [...this.#readers];
    this.#readers.clear();
    for (const queue of this.#waiting.values()) {
      for (const pending of queue)
        this.#settle(pending, () => pending.reject(new Error("the gateway closed")));
    }
    this.#waiting.clear();
    await Promise.all(
      readers.map(async (reader) => {
        this.#finish(reader, (pending) => pending.reject(new Error("the gateway closed")));
        await reader.worker.terminate();
      }),
    );
  }

  #spawn(): void {
    const source = fileURLToPath(import.meta.url);
    const typescript = source.endsWith(".ts");
    const entry = new URL(`./payload-worker.${typescript ? "ts" : "js"}`, import.meta.url).href;
    const worker = new Worker(new URL("./payload-worker-boot.mjs", import.meta.url), {
      workerData: { entry, typescript },
    });
    const reader: Reader = { worker, ready: false };
    this.#readers.add(reader);
    worker.on("message", (message: PayloadWorkerMessage) => {
      if ("ready" in message) {
        reader.ready = true;
        this.#pump();
        return;
      }
      const busy = reader.busy;
      if (!busy || busy.pending.job.id !== message.id) return;
      this.#finish(reader, (pending) =>
        "judgment" in message
          ? pending.resolve(message.judgment)
          : // The guard failed on these arguments: a bug in a rule does not let a call through unexamined.
            pending.resolve(UNREADABLE),
      );
    });
    worker.on("error", (error) => this.#lost(reader, error));
    worker.on("exit", () => this.#lost(reader, new Error("the guard's worker exited")));
    // An idle worker does not keep the process alive (a listener added after unref() would ref it again).
    worker.unref();
  }

  /** A worker that died or was ended: its call counts as unreadable, and another takes its place. */
  #lost(reader: Reader, error: Error): void {
    if (!this.#readers.delete(reader)) return;
    this.#finish(reader, (pending) => pending.resolve(UNREADABLE));
    if (!reader.ready) {
      // It never started. While another worker lives, the calls wait for that one; with none, the guard cannot run at
      // all and nothing can be judged: refuse rather than guess (the next call tries to start the workers again).
      if (this.#readers.size > 0) return;
      for (const queue of this.#waiting.values())
        for (const pending of queue)
          this.#settle(pending, () =>
            pending.reject(new Error(`the guard could not start: ${error.message}`)),
          );
      this.#waiting.clear();
      return;
    }
    this.#spawn();
  }

  /** Answers the call a worker was reading (if any) and gives the worker, if it is still one, its next. */
  #finish(reader: Reader, answer: (pending: Pending) => void): void {
    const busy = reader.busy;
    if (!busy) return;
    clearTimeout(busy.stuck);
    reader.busy = undefined;
    this.#settle(busy.pending, () => answer(busy.pending));
    this.#pump();
  }

  #settle(pending: Pending, answer: () => void): void {
    pending.signal?.removeEventListener("abort", pending.onAbort);
    answer();
  }

  /** Gives each idle worker the next call of the next party in the round that has none under way. */
  #pump(): void {
    this.#assign();
    this.#keepAlive();
  }

  #assign(): void {
    for (const reader of this.#readers) {
      if (!reader.ready || reader.busy) continue;
      const reading = new Set([...this.#readers].flatMap((r) => (r.busy ? [r.busy.party] : [])));
      const party = [...this.#waiting.keys()].find((p) => !reading.has(p));
      if (party === undefined) return;
      const queue = this.#waiting.get(party)!;
      const pending = queue.shift()!;
      // Its next call, if any, waits for the others' turns.
      this.#waiting.delete(party);
      if (queue.length > 0) this.#waiting.set(party, queue);
      const stuck = setTimeout(() => {
        void reader.worker.terminate();
      }, STUCK_AFTER_MS);
      reader.busy = { party, pending, stuck };
      reader.worker.postMessage(pending.job);
    }
  }

  /** Workers keep the process alive while a call waits for one or is being read, and only then. */
  #keepAlive(): void {
    const working = this.#waiting.size > 0 || [...this.#readers].some((r) => r.busy);
    for (const reader of this.#readers) {
      if (working) reader.worker.ref();
      else reader.worker.unref();
    }
  }
}

/** The gateway's readers, shared by its sessions (and by the stdio gateway's one). */
export const payloadReaders = new PayloadReaders();
