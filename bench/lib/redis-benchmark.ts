// The Redis reference: EVALSHA round trips measured by redis-benchmark (a C client, its own process).
import { spawn } from "node:child_process";
import type { LoadResult } from "./load-protocol.ts";

export interface EvalshaRun {
  port: number;
  connections: number;
  requests: number;
  /** EVALSHA arguments after the sha: numkeys, keys, args. */
  sha: string;
  args: string[];
}

/** One redis-benchmark run, in the load generator's result shape (latencies from redis-benchmark's CSV). */
export function runEvalsha(run: EvalshaRun): Promise<LoadResult> {
  const binary = process.env.REDIS_BENCHMARK_BIN ?? "redis-benchmark";
  const args = ["-h", "127.0.0.1", "-p", String(run.port), "-c", String(run.connections)];
  args.push("-n", String(run.requests), "--csv", "EVALSHA", run.sha, ...run.args);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out
        .trim()
        .split("\n")
        .find((l) => l.startsWith('"EVALSHA'));
      if (code !== 0 || !line) return reject(new Error(`redis-benchmark failed (${code}): ${err}${out}`));
      // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      // The test name holds the arguments (JSON with quotes and commas included): the figures are the last seven.
      const fields = line.split('","').map((f) => f.replaceAll('"', ""));
      const [rps, , , p50, , p99, max] = fields.slice(-7).map(Number);
      if (out.includes("ERR") || err.includes("ERR"))
        return reject(new Error(`EVALSHA failed: ${err}${out}`));
      resolve({
        requests: run.requests,
        elapsedSec: (performance.now() - started) / 1000,
        rps: rps!,
        p50Ms: p50!,
        p99Ms: p99!,
        maxMs: max!,
        statusCodes: { "200": run.requests },
        errors: 0,
        timeouts: 0,
      });
    });
  });
}
