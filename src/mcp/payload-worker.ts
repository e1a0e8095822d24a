// The guard's reading of tool-call arguments, in a worker thread: however long one call's arguments take to read (up
// to its deadline), the gateway's event loop keeps answering every other session meanwhile.
import { parentPort } from "node:worker_threads";
import { loadSqlParser } from "../guard/sql/postgres-parser.ts";
import { judgeToolArguments, type PayloadJudgment } from "./payload-judgment.ts";

export interface PayloadJob {
  id: number;
  upstream: string;
  tool: string;
  args: Record<string, unknown>;
}

export type PayloadWorkerMessage =
  | { ready: true }
  | { id: number; judgment: PayloadJudgment }
  | { id: number; failed: string };

const port = parentPort;
if (!port) throw new Error("payload-worker runs only as a worker thread");
// Loaded before the first job, so no call's deadline pays for it.
await loadSqlParser();
port.on("message", (job: PayloadJob) => {
  judgeToolArguments(job.upstream, job.tool, job.args).then(
    (judgment) => port.postMessage({ id: job.id, judgment } satisfies PayloadWorkerMessage),
    (error: unknown) =>
      port.postMessage({
        id: job.id,
        failed: error instanceof Error ? error.message : String(error),
      } satisfies PayloadWorkerMessage),
  );
});
port.postMessage({ ready: true } satisfies PayloadWorkerMessage);
