// What the bench and its load-generator process say to each other.

export interface LoadSpec {
  /** One or more targets (full URLs with path); connections are spread over them round-robin. */
  urls: string[];
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /**
   * A file of request bodies, one per line: every request takes the next line (across all connections), so no two
   * requests in a row carry the same body. Replaces `body`.
   */
  bodiesFile?: string;
  connections: number;
  durationSec: number;
}

export interface LoadResult {
  requests: number;
  elapsedSec: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** With bodiesFile: how many times the requests went past the file's last line and started over. */
  wraps?: number;
}

export interface WorkerRequest {
  id: number;
  spec: LoadSpec;
}

export type WorkerReply = { id: number; result: LoadResult } | { id: number; error: string };
