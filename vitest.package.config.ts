import { defineConfig } from "vitest/config";

// The installed-package test: packs the tarball and installs it into an empty project (slow: a build and an npm
// install). `npm run test:package`; .ci/run runs it after the other suites.
export default defineConfig({
  test: {
    include: ["test/package/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    pool: "forks",
  },
});
