import { defineConfig } from "vitest/config";
import { SLOW_SUITES } from "./test/slow-suites.ts";

// Two projects: `npm test` runs "quick", `npm run test:slow` runs "slow"; a file named on the command line
// (`npx vitest run test/guard/cli.test.ts`) runs in whichever project holds it. Files run one at a time on a two-core
// machine (vitest's default there): the suites share one PostgreSQL and time what they wait for, and with two files
// at once a Vault lease's expiry, which drops a PostgreSQL role, once missed its 10 s.
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
