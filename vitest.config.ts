import { defineConfig } from "vitest/config";
import { SLOW_SUITES } from "./test/slow-suites.ts";

// Two projects: `npm test` runs "quick", `npm run test:slow` runs "slow"; a file named on the command line
// (`npx vitest run test/guard/cli.test.ts`) runs in whichever project holds it. `npm test` runs two quick files at a
// time (--maxWorkers=2) even on two cores: most of their time is spent waiting on the Redis, HTTP and processes they
// drive. The slow suites, which start processes dozens of times and time them, run one at a time.
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "quick",
          include: ["test/**/*.test.ts"],
          // Fault injection and the real Redis Cluster / Sentinel tests run in `npm run test:faults`.
          exclude: ["test/faults/**", "test/cluster/**", "test/package/**", ...SLOW_SUITES],
        },
      },
      { extends: true, test: { name: "slow", include: SLOW_SUITES } },
    ],
  },
});
