// Starts src/mcp/payload-worker: the compiled .js as it is, the TypeScript source (tests, bin/leash.js) through tsx.
import { workerData } from "node:worker_threads";

if (workerData.typescript) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.entry);
