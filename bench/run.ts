// `npm run bench`: leash next to its baselines (Fastify hello-world, node-oidc-provider, Redis EVALSHA), all started
// here on loopback and measured in the same run, with the load generator in its own process. Prints a table and
// the target verdicts, writes bench/results.json, then profiles the authorize and mint paths. Each row shows what a
// request cost in CPU (server, Redis, load generator) and the CPU ceiling that implies for this machine; the verdicts
// add what Little's law makes of the latency targets; at concurrency 50 Redis's time by command is shown per scenario.
//
// Settings (environment): BENCH_QUICK=1 (the targets only: concurrency 50, 3 short rounds, no scaling or profile;
// under 3 minutes), BENCH_FRESH_TOKENS (tokens the new-token scenarios cycle through), BENCH_ROUNDS, BENCH_ROUND_SEC, BENCH_WARMUP_SEC,
// BENCH_LEVELS (e.g. "1,50"), BENCH_SCALE_LEVELS, BENCH_SCENARIOS (ids to keep, profiles too), BENCH_PHASES
// (main,redis,guard,scaling,profile; cluster), BENCH_CLUSTER=1 (adds the cluster phase: authorize on a Redis Cluster
// of 1 vs 3 primaries, at BENCH_SCALE_LEVELS), BENCH_PROFILE_SEC, BENCH_PROFILE_LEVEL (connections while profiling, default 50), BENCH_LOG_LEVEL (leash LOG_LEVEL, default info as
// shipped), BENCH_KEEP=1 (keep the work directory with every process's log).
// BENCH_COMPARE_TREE=<another checkout> adds a broker run from that tree (same Redis, keys, scopes, tokens) and
// measures every chosen leash scenario on it too, interleaved round by round: an A/B of a change in one run, so
// other load on the machine hits both sides alike. BENCH_COMPARE_LOG_LEVEL sets that broker's LOG_LEVEL and
// BENCH_COMPARE_NODE_OPTIONS its NODE_OPTIONS (a Node or V8 flag A/B'd on one tree: BENCH_COMPARE_TREE=. ).
import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { VERIFY_CACHE_ENTRIES } from "../src/tokens/verify-cache.ts";
import { measureClusterPrimaries } from "./lib/cluster.ts";
import { formatProfileSummary } from "./lib/cpuprofile.ts";
import {
  corpusLines,
  GUARD_CORPUS,
  type GuardMeasurement,
  guardAvailability,
  measureGuard,
} from "./lib/guard.ts";
import { LEASH_BIN } from "./lib/leash.ts";
import { LoadGenerator } from "./lib/load-generator.ts";
import { machineInfo } from "./lib/machine.ts";
import { measureHttp, measureRedis, measureScaling } from "./lib/measure.ts";
import { type ProfileResult, profileScenario } from "./lib/profile.ts";
import { redisFootprint } from "./lib/redis-server.ts";
import {
  cpuCeilingRps,
  formatRedisCommands,
  formatTable,
  formatVerdicts,
  judgeTargets,
  type ResultRow,
  setRatios,
} from "./lib/report.ts";
import { buildFixture, compareScenarios, type Fixture, scenarioOrder } from "./lib/scenarios.ts";
import { readSettings, TARGET_CONCURRENCY } from "./lib/settings.ts";
import { startStack, stopStack } from "./lib/stack.ts";

const RESULTS_FILE = fileURLToPath(new URL("./results.json", import.meta.url));
const log = (message: string) => process.stderr.write(`${message}\n`);
const rounded = (values: number[]) => values.map((v) => Math.round(v * 100) / 100);

const settings = readSettings(process.env);
const phase = (name: string) => settings.phases.includes(name);
const started = Date.now();
const machine = machineInfo();
log(
  `leash bench (${settings.quick ? "quick" : "full"}): ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, load average ${machine.loadAverage.join(" ")}`,
);
log(
  `  ${settings.rounds} rounds × ${settings.roundSec}s after ${settings.warmupSec}s warm-up; concurrency ${settings.levels.join(", ")}; leash LOG_LEVEL=${settings.logLevel}`,
);

const stack = await startStack(settings);
const load = LoadGenerator.start();
const rows: ResultRow[] = [];
const profiles: ProfileResult[] = [];
const profileFailures: string[] = [];
let guard: GuardMeasurement | null = null;
let guardNote = "";
let fixture: Fixture | undefined;
const redisFootprints: { after: string; usedMemoryBytes: number; keys: number }[] = [];
const noteRedis = async (after: string) => {
  redisFootprints.push({ after, ...(await redisFootprint(stack.redis.port)) });
};
try {
  fixture = await buildFixture(stack, settings.freshTokens);
  const all = [...fixture.scenarios, ...(stack.compare ? compareScenarios(fixture.scenarios) : [])];
  const chosen = all.filter(
    (s) => !settings.scenarios || settings.scenarios.includes(s.id.replace(/@compare$/, "")),
  );
  if (phase("main")) {
    log("HTTP scenarios");
    rows.push(...(await measureHttp(settings, stack, load, chosen)));
    await noteRedis("main");
  }
  if (phase("redis")) {
    log("Redis EVALSHA reference (redis-benchmark)");
    rows.push(...(await measureRedis(settings, stack)));
  }
  setRatios(rows, new Map(all.filter((s) => s.baseline).map((s) => [s.id, s.baseline!])));
  if (phase("guard")) {
    log(`guard --jsonl: ${LEASH_BIN}`);
    const availability = await guardAvailability();
    if (availability.available) {
      guard = await measureGuard(await corpusLines(settings.guardLines), settings.rounds);
    } else guardNote = availability.note;
  }
  const byId = (id: string) => fixture!.scenarios.find((s) => s.id === id)!;
  if (phase("scaling")) {
    log(`scaling: ${settings.scaleProcesses.join(", ")} broker processes on one Redis`);
    rows.push(
      ...(await measureScaling(settings, stack, load, [byId("authorize-allow"), byId("leash-mint")])),
    );
    await noteRedis("scaling");
  }
  if (phase("cluster")) {
    log("cluster: authorize on a Redis Cluster of 1, then 3 primaries (2 brokers, 3 environments)");
    rows.push(...(await measureClusterPrimaries(settings, load, stack.workDir)));
  }
  if (phase("profile")) {
    for (const broker of stack.brokers) await broker.service.stop();
    for (const [id, name] of [
      ["authorize-allow", "authorize"],
      ["authorize-fresh", "authorize-fresh"],
      ["leash-mint", "mint"],
      ["introspect", "introspect"],
    ] as const) {
      if (settings.scenarios && !settings.scenarios.includes(id)) continue;
      log(`profiling ${id}`);
      try {
        profiles.push(await profileScenario(settings, stack, load, byId(id), name));
      } catch (error) {
        // A failed profile is reported, not allowed to throw away the measurements above.
        profileFailures.push(`profile of ${id} failed: ${(error as Error).message.slice(0, 2000)}`);
      }
    }
  }
} finally {
  load.stop();
  await stopStack(stack, process.env.BENCH_KEEP === "1");
  if (process.env.BENCH_KEEP === "1") log(`work directory kept: ${stack.workDir}`);
}

const main = rows
  .filter((r) => !r.id.startsWith("scaling-") && !r.id.startsWith("cluster-"))
  .sort((a, b) => a.concurrency - b.concurrency || scenarioOrder(a.id) - scenarioOrder(b.id));
// Past the end of its token list, a new-token scenario sends tokens again; once the list is longer than leash's
// verify cache, a token sent again has always left the cache (it evicts the oldest entry first).
for (const row of main.filter((r) => r.kind === "leash" && r.summary.wraps > 0)) {
  fixture?.notes.push(
    settings.freshTokens > VERIFY_CACHE_ENTRIES
      ? `${row.label} @${row.concurrency}: went through its ${settings.freshTokens} tokens ${row.summary.wraps} time(s); more tokens than leash's verify cache holds (${VERIFY_CACHE_ENTRIES}), so none was a cache hit`
      : `${row.label} @${row.concurrency}: went through its ${settings.freshTokens} tokens ${row.summary.wraps} time(s), fewer than leash's verify cache holds (${VERIFY_CACHE_ENTRIES}): some calls reused a cached token (raise BENCH_FRESH_TOKENS)`,
  );
}
const scaling = rows.filter((r) => r.id.startsWith("scaling-"));
const cluster = rows.filter((r) => r.id.startsWith("cluster-"));
const targets = judgeTargets(main, TARGET_CONCURRENCY, guard, guardNote);
const machineNote = `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), shared by the load generator, the servers under test and Redis, with no pinning; load average ${machine.loadAverage.join(" ")} at the start. With ${machine.cpus} cores, more broker processes than cores only add contention: the scaling run shows what one Redis and this box allow, not what more cores would give.`;
const ceilingNote = `CPU ceiling req/s = ${machine.cpus} CPUs × 1e6 / (load + server + Redis µs/req): the req/s a row would reach if the load generator, the server(s) and Redis (leash rows only) together kept every core busy.`;

const out: string[] = [];
out.push(
  formatTable(
    main,
    `leash bench — ${machine.date} — leash ${machine.commit}, node ${machine.node}, ${machine.cpus} CPUs`,
    machine.cpus,
  ),
);
if (main.some((row) => row.redisCommands)) out.push("", formatRedisCommands(main, TARGET_CONCURRENCY));
if (scaling.length > 0)
  out.push("", formatTable(scaling, "Scaling: broker processes on one Redis (round-robin)", machine.cpus));
if (cluster.length > 0)
  out.push(
    "",
    formatTable(
      cluster,
      "Scaling: Redis Cluster, 1 vs 3 primaries (2 brokers; load over 3 environments, one slot each; Redis µs/req summed over primaries)",
      machine.cpus,
    ),
  );
out.push("", machineNote, ceilingNote);
if (guard) {
  out.push(
    "",
    `guard check --jsonl (the compiled CLI, ${LEASH_BIN}), ${settings.guardLines} commands cycling ${GUARD_CORPUS}: ${guard.steadyPerSec.toFixed(0)} commands/s once started, ${guard.warmPerSec.toFixed(0)}/s over the second half (warmed up), ${guard.wallPerSec.toFixed(0)}/s including ${guard.startupMs.toFixed(0)} ms start-up`,
  );
} else if (phase("guard")) out.push("", `guard: skipped — ${guardNote}`);
for (const note of fixture?.notes ?? []) out.push(`note: ${note}`);
for (const footprint of redisFootprints) {
  out.push(
    `Redis after ${footprint.after}: ${(footprint.usedMemoryBytes / 2 ** 20).toFixed(0)} MiB used, ${footprint.keys} keys`,
  );
}
out.push("", "Targets", formatVerdicts(targets));
for (const profile of profiles) {
  const title = `profile ${profile.scenario} @${settings.profileConcurrency} (${profile.rps.toFixed(0)} req/s under --cpu-prof; ${profile.file})`;
  out.push("", formatProfileSummary(title, profile.summary));
  if (profile.note) out.push(`  WARNING: ${profile.note}`);
}
for (const failure of profileFailures) out.push("", `WARNING: ${failure}`);
process.stdout.write(`${out.join("\n")}\n`);

const asJson = (row: ResultRow) => {
  const {
    summary: { rounds, ...figures },
    redisCommands,
    ...identity
  } = row;
  return { ...identity, ...figures, ceilingRps: cpuCeilingRps(row, machine.cpus), redisCommands, rounds };
};
const report = {
  machine,
  settings,
  notes: [machineNote, ceilingNote, ...(fixture?.notes ?? []), ...profileFailures],
  durationSec: Math.round((Date.now() - started) / 1000),
  loadAverageAtEnd: rounded(loadavg()),
  results: main.map(asJson),
  scaling: scaling.map(asJson),
  cluster: cluster.map(asJson),
  guard: guard ?? { skipped: guardNote },
  redis: redisFootprints,
  targets,
  profiles: profiles.map(({ file, ...p }) => ({ ...p, file: file.replace(/^.*\/bench\//, "bench/") })),
};
await writeFile(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
log(`wrote ${RESULTS_FILE} (${report.durationSec} s)`);
