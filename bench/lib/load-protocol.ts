// What the bench and its load-generator process say to each other.

export interface LoadSpec {
  /** One or more targets (full URLs with path); connections are spread over them round-robin. */
  urls: string[];
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
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
}

export interface WorkerRequest {
  id: number;
  spec: LoadSpec;
}

export type WorkerReply = { id: number; result: LoadResult } | { id: number; error: string };
