// The load generator process: runs autocannon on request from the bench over IPC, so it never shares a process
// (or an event loop) with a server under test. Latency is recorded per response in microseconds, not whole ms.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import type { LoadResult, LoadSpec, WorkerReply, WorkerRequest } from "./load-protocol.ts";

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Bodies files, read once; the position carries over from one run to the next, so a later round sends new bodies. */
const bodySequences = new Map<string, { bodies: string[]; next: number }>();

function bodySequence(file: string) {
  let sequence = bodySequences.get(file);
  if (!sequence) {
    sequence = { bodies: readFileSync(file, "utf8").split("\n").filter(Boolean), next: 0 };
    bodySequences.set(file, sequence);
  }
  return sequence;
}

function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const sequence = spec.bodiesFile ? bodySequence(spec.bodiesFile) : undefined;
    let wraps = 0;
    const nextBody = (): string => {
      const bodies = sequence!.bodies;
      if (sequence!.next >= bodies.length) {
        sequence!.next = 0;
        wraps++;
      }
      return bodies[sequence!.next++]!;
    };
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    const statusCodes: Record<string, number> = {};
    const started = performance.now();
    const instance = autocannon(
      {
        url: spec.urls,
        connections: spec.connections,
        duration: spec.durationSec,
        pipelining: 1,
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        timeout: 10,
        ...(sequence
          ? {
              requests: [
                {
                  setupRequest: (request: { body?: string }) => {
                    request.body = nextBody();
                    return request;
                  },
                },
              ],
            }
          : {}),
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsedSec = (performance.now() - started) / 1000;
        const sorted = latencies.subarray(0, count).sort();
        resolve({
          requests: count,
          elapsedSec,
          rps: count / elapsedSec,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          maxMs: count > 0 ? sorted[count - 1]! : Number.NaN,
          statusCodes,
          errors: result.errors,
          timeouts: result.timeouts,
          ...(sequence ? { wraps } : {}),
        });
      },
    );
    instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
      const key = String(statusCode);
      statusCodes[key] = (statusCodes[key] ?? 0) + 1;
    });
  });
}

process.on("message", (message: WorkerRequest) => {
  runLoad(message.spec).then(
    (result) => process.send!({ id: message.id, result } satisfies WorkerReply),
    (error: Error) => process.send!({ id: message.id, error: error.message } satisfies WorkerReply),
  );
});
process.on("disconnect", () => process.exit(0));
