// The bench's handle on its load-generator process (autocannon in a child process, driven over IPC).
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { LoadResult, LoadSpec, WorkerReply, WorkerRequest } from "./load-protocol.ts";

const WORKER = fileURLToPath(new URL("./load-worker.ts", import.meta.url));

export class LoadGenerator {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: LoadResult): void; reject(e: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if ("error" in reply) waiter.reject(new Error(`load generator: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    child.once("exit", (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`load generator exited (${code})`));
      this.pending.clear();
    });
  }

  static start(): LoadGenerator {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new LoadGenerator(child);
  }

  /** The load process, whose CPU per request the bench reports next to the server's. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, spec } satisfies WorkerRequest);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}
