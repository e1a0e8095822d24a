import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Fault injection and the real Redis Cluster / Sentinel tests run in `npm run test:faults`.
    exclude: ["test/faults/**", "test/cluster/**", "test/package/**"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
