// `leash audit tail [-f]`, `leash audit export --jsonl`, `leash audit seals` (over the API: LEASH_URL, LEASH_HUMAN_KEY
// with the security or admin role) and `leash audit verify` (straight from Redis, REDIS_URL: it checks what is
// stored, not what a broker says is stored).
import type { Command } from "commander";
import { type AuditRecordView, encodeCursor } from "../../audit/query.ts";
import type { AuditSealPage, AuditSealView } from "../../audit/query-seals.ts";
import { type ChainVerification, verifyAuditChain } from "../../audit/verify-chain.ts";
import { loadConfig } from "../../config/config.ts";
import { parseDuration } from "../../scopes/duration.ts";
import { connectConfiguredStore } from "../../store/redis/redis-store.ts";
import { terminalSafeJson, visibleText } from "../../text/visible-text.ts";
import { type ApiClientOptions, apiClientFromEnv, callApi } from "../api-client.ts";
import { parseInteger } from "../options.ts";

interface FilterOptions {
  task?: string;
  agent?: string;
  environment?: string;
  decision?: string;
  event?: string;
  from?: string;
  to?: string;
}

const FILTERS = ["task", "agent", "environment", "decision", "event", "from", "to"] as const;

function withFilters(command: Command): Command {
  return command
    .option("--task <id>", "only this task")
    .option("--agent <id>", "only records about this agent")
    .option("--environment <env>", "only this environment's chain")
    .option("--decision <decision>", "allow, deny, pending, …")
    .option("--event <event>", "an event (authorize, token.mint…) or a subject (approval)")
    .option("--from <time>", "ISO 8601 time or epoch ms")
    .option("--to <time>", "ISO 8601 time or epoch ms");
}

interface AuditPage {
  records: AuditRecordView[];
  next_cursor: string | null;
}

function auditPath(filters: FilterOptions, extra: Record<string, string>): string {
  const query = new URLSearchParams(extra);
  for (const name of FILTERS) if (filters[name] !== undefined) query.set(name, filters[name]!);
  return `/v1/audit?${query}`;
}

const fetchPage = async (client: ApiClientOptions, filters: FilterOptions, extra: Record<string, string>) =>
  (await callApi<AuditPage>(client, "GET", auditPath(filters, extra))).body;

/** One line a person can read: when, where, what, who, outcome, then the ids. */
export function describeRecord(record: AuditRecordView): string {
  const what = [record.event, record.action, record.resource].filter(Boolean).join(" ");
  const outcome = [record.decision, record.reason].filter(Boolean).join(" ");
  const ids = [
    record.task && `task=${record.task}`,
    record.jti && `jti=${record.jti}`,
    record.approval && `approval=${record.approval}`,
  ].filter(Boolean);
  // Resources, reasons and task ids can come from anyone (even unauthenticated authorize calls): shown, never obeyed.
  return [record.time, record.chain, what, record.actor || "-", outcome || "-", ...ids]
    .map((field) => visibleText(String(field)))
    .join("  ");
}

/** One seal a line: the chain, the run of records it covers, when, and the hash to keep. */
const describeSeal = (seal: AuditSealView) =>
  [seal.chain, `seq ${seal.from_seq}..${seal.to_seq}`, `${seal.count} records`, seal.sealed_at, seal.hash]
    .map((field) => visibleText(String(field ?? "-")))
    .join("  ");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function describeVerification(result: ChainVerification): string {
  const started =
    result.trimmed > 0 ? `  started at seq ${result.trimmed + 1} (${result.trimmed} trimmed)` : "";
  if (result.ok) {
    const seal = result.lastSeal
      ? `last seal seq ${result.lastSeal.from_seq}..${result.lastSeal.to_seq} ${result.lastSeal.hash} at ${result.lastSeal.sealed_at}`
      : "no seal yet";
    const unsealed =
      result.unsealed > 0 && result.oldestUnsealedMs !== null
        ? `${result.unsealed} unsealed (oldest ${new Date(result.oldestUnsealedMs).toISOString()})`
        : "0 unsealed";
    if (result.records === 0 && result.seals === 0 && !result.head) return `ok      ${result.chain}  empty`;
    return `ok      ${result.chain}  ${result.records} records  ${result.sealed} sealed in ${result.seals} seals  ${unsealed}  ${seal}  head seq ${result.head?.seq ?? 0}${started}`;
  }
  const problem = result.problem!;
  const at = problem.id
    ? ` at ${problem.seal === problem.id ? "seal" : "record"} ${problem.id}${problem.seq ? ` (seq ${problem.seq})` : ""}`
    : "";
  return `BROKEN  ${result.chain}${at}: ${problem.kind}: ${problem.message}${started}`;
}

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command("audit")
    .description("read, export and verify the audit log (records chained by seals)");

  withFilters(
    audit
      .command("tail")
      .description("print the latest records; -f keeps printing new ones (LEASH_URL, LEASH_HUMAN_KEY)")
      .option("-f, --follow", "keep polling for new records")
      .option(
        "-n, --lines <n>",
        "how many of the latest records to print first (1-1000)",
        parseInteger(1, 1000),
        20,
      )
      .option("--interval <ms>", "polling interval with -f (100-3600000)", parseInteger(100, 3_600_000), 1000)
      .option("--json", "print each record as one JSON line"),
  ).action(
    async (
      options: FilterOptions & { follow?: boolean; lines: number; interval: number; json?: boolean },
    ) => {
      const client = apiClientFromEnv("LEASH_HUMAN_KEY");
      const print = (record: AuditRecordView) =>
        process.stdout.write(`${options.json ? terminalSafeJson(record) : describeRecord(record)}\n`);
      const lines = options.lines;
      const latest = await fetchPage(client, options, { order: "desc", limit: String(lines) });
      const shown = latest.records.reverse();
      shown.forEach(print);
      if (!options.follow) return;
      const newest = shown[shown.length - 1];
      let cursor = newest ? encodeCursor({ id: newest.id, chain: newest.chain }, "asc") : undefined;
      let stopped = false;
      const stop = () => {
        stopped = true;
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const intervalMs = options.interval;
      while (!stopped) {
        const page = await fetchPage(client, options, {
          order: "asc",
          limit: "1000",
          ...(cursor ? { cursor } : {}),
        });
        page.records.forEach(print);
        if (page.next_cursor) cursor = page.next_cursor;
        const last = page.records[page.records.length - 1];
        if (!page.next_cursor && last) cursor = encodeCursor({ id: last.id, chain: last.chain }, "asc");
        if (!page.next_cursor) await sleep(intervalMs);
      }
    },
  );

  withFilters(
    audit
      .command("export")
      .description("every record (filtered), all chains merged by time, one JSON object per line, for a SIEM")
      .option("--json", "JSON Lines, one record a line: the only format, with or without the flag")
      .option("--jsonl", "the same as --json"),
  ).action(async (options: FilterOptions) => {
    const client = apiClientFromEnv("LEASH_HUMAN_KEY");
    let cursor: string | undefined;
    do {
      const page = await fetchPage(client, options, {
        order: "asc",
        limit: "1000",
        ...(cursor ? { cursor } : {}),
      });
      if (page.records.length > 0)
        process.stdout.write(`${page.records.map((record) => terminalSafeJson(record)).join("\n")}\n`);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  });

  audit
    .command("seals")
    .description("one chain's seals, oldest first: copies to keep outside Redis (LEASH_URL, LEASH_HUMAN_KEY)")
    .option("--chain <chain>", "global or env:<name>", "global")
    .option("--latest", "only the newest seal")
    .option("--json", "print JSON Lines, one seal a line")
    .action(async (options: { chain: string; latest?: boolean; json?: boolean }) => {
      const client = apiClientFromEnv("LEASH_HUMAN_KEY");
      let after: string | null = null;
      do {
        const query: URLSearchParams = new URLSearchParams({
          chain: options.chain,
          order: options.latest ? "desc" : "asc",
          limit: options.latest ? "1" : "1000",
          ...(after ? { after } : {}),
        });
        const page: AuditSealPage = (await callApi<AuditSealPage>(client, "GET", `/v1/audit/seals?${query}`))
          .body;
        const line = (seal: AuditSealView) => (options.json ? terminalSafeJson(seal) : describeSeal(seal));
        if (page.seals.length > 0) process.stdout.write(`${page.seals.map(line).join("\n")}\n`);
        after = options.latest ? null : page.next_after;
      } while (after);
    });

  audit
    .command("verify")
    .description(
      "recompute every seal of every chain in Redis (REDIS_URL) from its records; exits 1 naming the first problem",
    )
    .option("--chain <chain>", "only this chain (global, env:<name>)")
    .option(
      "--max-unsealed-age <duration>",
      "also fail when a record has been waiting for its seal longer than this (30s, 5m…); default: only count them",
    )
    .option("--json", "print the result as JSON")
    .action(async (options: { chain?: string; json?: boolean; maxUnsealedAge?: string }) => {
      // LEASH_AUDIT_RETENTION: the brokers' retention; unset, a chain that does not start at seq 1 is broken.
      const config = loadConfig(process.env);
      const maxUnsealedAgeMs =
        options.maxUnsealedAge === undefined ? undefined : parseDuration(options.maxUnsealedAge);
      if (maxUnsealedAgeMs === null) {
        process.stderr.write(`leash: --max-unsealed-age: expected a duration like 30s or 5m\n`);
        process.exitCode = 2;
        return;
      }
      const store = await connectConfiguredStore(config, { commandTimeoutMs: 5_000 });
      try {
        const chains = options.chain ? [options.chain] : await store.audit.chains();
        const results: ChainVerification[] = [];
        for (const chain of chains)
          results.push(
            await verifyAuditChain(store.audit, chain, {
              retentionMs: config.LEASH_AUDIT_RETENTION,
              maxUnsealedAgeMs,
            }),
          );
        if (options.json) process.stdout.write(`${terminalSafeJson({ chains: results })}\n`);
        else process.stdout.write(`${results.map(describeVerification).join("\n")}\n`);
        const broken = results.filter((result) => !result.ok);
        if (broken.length > 0) {
          process.stderr.write(`leash: audit chain broken: ${broken.map((r) => r.chain).join(", ")}\n`);
          process.exitCode = 1;
        }
      } finally {
        await store.close();
      }
    });
}
