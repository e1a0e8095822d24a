/**
 * The suites `npm run test:slow` runs and `npm test` leaves out, so that `npm test` stays a few minutes. Each takes
 * 7 s or more on two shared cores: it starts real processes (the CLI, hook calls, brokers) dozens of times, drives
 * the browser, or sweeps thousands of generated inputs through the guard.
 */
export const SLOW_SUITES = [
  "test/approvals/totp-at-rest.test.ts",
  "test/approvals/totp-lockout.test.ts",
  "test/attacks/unauthenticated-audit.test.ts",
  "test/audit/api.test.ts",
  "test/audit/trail.test.ts",
  "test/audit/verify-cli.test.ts",
  "test/cli/conventions.test.ts",
  "test/cli/hook-events.test.ts",
  "test/cli/output-convention.test.ts",
  "test/cli/token-exchange.test.ts",
  "test/console/**/*.test.ts",
  "test/enforce/locks.test.ts",
  "test/enforce/multi-process.test.ts",
  "test/fuzz/scope-loader.test.ts",
  "test/guard/cli.test.ts",
  "test/guard/hook-approval.test.ts",
  "test/guard/property.test.ts",
  "test/guard/sql-postgres-openings.test.ts",
  "test/guard/task-context.test.ts",
  "test/guard/throughput.test.ts",
  "test/mcp/stdio.test.ts",
  "test/ops/metrics.test.ts",
  "test/proxy/env.test.ts",
  "test/proxy/hold.test.ts",
];
