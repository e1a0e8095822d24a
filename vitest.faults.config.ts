// `npm run test:faults`: fault injection (Redis slow/killed/emptied, a broker SIGKILLed, Vault down, clock jumps),
// the load + correctness soak, and leash on a real Redis Cluster and Sentinel group (test/cluster: contracts,
// exactness, primary failover). One file at a time: they start real processes and time things.
import { defineConfig } from "vitest/config";

const soakSeconds = Number(process.env.SOAK_SECONDS ?? 10);

export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts", "test/cluster/**/*.test.ts"],
    testTimeout: Math.max(120_000, (soakSeconds + 120) * 1000),
    hookTimeout: 90_000,
    pool: "forks",
    fileParallelism: false,
  },
});
