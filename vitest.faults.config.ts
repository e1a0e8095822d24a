// `npm run test:faults`: fault injection (Redis slow/killed/emptied, a broker SIGKILLed, Vault down, clock jumps) and
// the load + correctness soak. One file at a time: they start real processes and time things.
import { defineConfig } from "vitest/config";

const soakSeconds = Number(process.env.SOAK_SECONDS ?? 20);

export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: Math.max(120_000, (soakSeconds + 120) * 1000),
    hookTimeout: 90_000,
    pool: "forks",
    fileParallelism: false,
  },
});
