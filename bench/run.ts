// `npm run bench`: leash next to its baselines (Fastify hello-world, node-oidc-provider, Redis EVALSHA), all started
// here on loopback and measured in the same run, with the load generator in its own process. Prints a table and
// target verdicts, writes bench/results.json, then profiles the authorize and mint paths.
//
// Settings (environment): BENCH_QUICK=1 (short smoke run), BENCH_ROUNDS, BENCH_ROUND_SEC, BENCH_WARMUP_SEC,
// BENCH_LEVELS (e.g. "1,50"), BENCH_SCENARIOS (ids to keep), BENCH_PHASES (main,redis,guard,scaling,profile),
// BENCH_LOG_LEVEL (leash LOG_LEVEL, default info as shipped), BENCH_KEEP=1 (keep the work directory).
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { ENFORCE_LUA } from "../src/store/redis/scripts.ts";
import { tokenRequest } from "./baselines/oidc-client.ts";
import {
  type CpuProfile,
  formatProfileSummary,
  type ProfileSummary,
  summariseProfile,
} from "./lib/cpuprofile.ts";
import {
  corpusLines,
  GUARD_CORPUS,
  type GuardMeasurement,
  guardAvailability,
  measureGuard,
} from "./lib/guard.ts";
import {
  callApi,
  expectApi,
  installLeash,
  type LeashServer,
  mintToken,
  STAGING_VOLUME,
  startLeashServe,
} from "./lib/leash.ts";
import { LoadGenerator } from "./lib/load-generator.ts";
import type { LoadResult, LoadSpec } from "./lib/load-protocol.ts";
import { machineInfo } from "./lib/machine.ts";
import { freePort } from "./lib/ports.ts";
import { runEvalsha } from "./lib/redis-benchmark.ts";
import { startBenchRedis } from "./lib/redis-server.ts";
import {
  formatTable,
  formatVerdicts,
  type ResultRow,
  type RowKind,
  type TargetVerdict,
} from "./lib/report.ts";
import { type Service, startService, waitForHttp } from "./lib/service.ts";
import { summarise } from "./lib/stats.ts";

const env = process.env;
const quick = env.BENCH_QUICK === "1";
const numbers = (value: string | undefined, fallback: number[]) =>
  value ? value.split(",").map((v) => Number(v.trim())) : fallback;
const settings = {
  quick,
  rounds: Number(env.BENCH_ROUNDS ?? (quick ? 1 : 3)),
  roundSec: Number(env.BENCH_ROUND_SEC ?? (quick ? 1 : 4)),
  warmupSec: Number(env.BENCH_WARMUP_SEC ?? (quick ? 1 : 2)),
  levels: numbers(env.BENCH_LEVELS, [1, 10, 50, 200]),
  scaleProcesses: [1, 2, 4],
  scaleLevels: numbers(env.BENCH_SCALE_LEVELS, quick ? [50] : [50, 200]),
  evalshaRequests: quick ? 20_000 : 100_000,
  guardLines: 10_000,
  profileSec: Number(env.BENCH_PROFILE_SEC ?? (quick ? 3 : 10)),
  logLevel: env.BENCH_LOG_LEVEL ?? "info",
  scenarios: env.BENCH_SCENARIOS ? new Set(env.BENCH_SCENARIOS.split(",")) : null,
  phases: new Set((env.BENCH_PHASES ?? "main,redis,guard,scaling,profile").split(",")),
};
const TARGET_CONCURRENCY = 50;
const RESULTS_FILE = fileURLToPath(new URL("./results.json", import.meta.url));
const PROFILES_DIR = fileURLToPath(new URL("./profiles", import.meta.url));

const log = (message: string) => process.stderr.write(`${message}\n`);

/** One HTTP scenario: what to send, where, and a check (run once before measuring) that it does what it claims. */
interface HttpScenario {
  id: string;
  label: string;
  kind: RowKind;
  baseline?: string;
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  probe(baseUrl: string): Promise<void>;
}

const json = (body: unknown) => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function probeJson(
  url: string,
  scenario: Pick<HttpScenario, "method" | "headers" | "body" | "path" | "id">,
  check: (status: number, body: Record<string, unknown>) => boolean,
): Promise<void> {
  const response = await fetch(`${url}${scenario.path}`, {
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // checked below
  }
  if (!check(response.status, body)) {
    throw new Error(`${scenario.id}: unexpected answer ${response.status} ${text.slice(0, 300)}`);
  }
}

function startNodeService(name: string, script: string, logDir: string, port: number): Service {
  const file = fileURLToPath(new URL(script, import.meta.url));
  return startService(name, process.execPath, ["--import", "tsx", file], {
    env: { PORT: String(port), NODE_ENV: "production" },
    logFile: join(logDir, `${name}.log`),
  });
}

async function startBaseline(name: string, script: string, logDir: string, probePath: string) {
  const port = await freePort();
  const service = startNodeService(name, script, logDir, port);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(service, `${url}${probePath}`);
  return { url, service };
}

interface Stack {
  workDir: string;
  logDir: string;
  redis: Awaited<ReturnType<typeof startBenchRedis>>;
  fastify: { url: string; service: Service };
  oidc: { url: string; service: Service };
  install: Awaited<ReturnType<typeof installLeash>>;
  brokers: LeashServer[];
}

async function startStack(): Promise<Stack> {
  const workDir = await mkdtemp(join(tmpdir(), "leash-bench-"));
  const logDir = join(workDir, "logs");
  await mkdir(logDir, { recursive: true });
  const redis = await startBenchRedis(logDir);
  const [fastify, oidc, install] = await Promise.all([
    startBaseline("fastify-hello", "./baselines/fastify-hello.ts", logDir, "/"),
    startBaseline(
      "oidc-provider",
      "./baselines/oidc-provider.ts",
      logDir,
      "/.well-known/openid-configuration",
    ),
    installLeash(workDir, redis.url, settings.logLevel),
  ]);
  const count = settings.phases.has("scaling") ? Math.max(...settings.scaleProcesses) : 1;
  const brokers = await Promise.all(
    Array.from({ length: count }, (_, i) => startLeashServe(install, `leash-${i + 1}`)),
  );
  return { workDir, logDir, redis, fastify, oidc, install, brokers };
}

interface Fixture {
  agentKey: string;
  resourceServerKey: string;
  mintScope: string;
  notes: string[];
  scenarios: HttpScenario[];
}

const authorizeBody = (token: string) => ({ token, action: "volume:read", resource: STAGING_VOLUME });

/** Agents, humans and tokens through the admin API, and the scenarios built on them. */
async function buildFixture(stack: Stack): Promise<Fixture> {
  const leash = stack.brokers[0]!.url;
  const admin = stack.install.adminKey;
  const notes: string[] = [];
  const agent = await expectApi(
    leash,
    "/v1/agents",
    { key: admin, body: { id: "bench-agent", scopes: ["*"] } },
    201,
  );
  const agentKey = String(agent.api_key);
  const human = await expectApi(
    leash,
    "/v1/humans",
    { key: admin, body: { id: "bench-resource-server", roles: ["resource-server"] } },
    201,
  );
  const resourceServerKey = String(human.api_key);

  const counted = await mintToken(leash, agentKey, "bench-counted");
  const open = await mintToken(leash, agentKey, "bench-open");
  const revoked = await mintToken(leash, agentKey, "bench-open");
  const revocation = await callApi(leash, "/v1/revocations", {
    key: admin,
    body: { jti: revoked.jti, reason: "bench: revoked-token scenario" },
  });
  if (revocation.status >= 300) throw new Error(`revocation failed: ${JSON.stringify(revocation.body)}`);
  const tight = await mintToken(leash, agentKey, "bench-tight");
  const first = await expectApi(leash, "/v1/authorize", { body: authorizeBody(tight.token) }, 200);
  if (first.allow !== true)
    throw new Error(`first call on bench-tight was refused: ${JSON.stringify(first)}`);

  // staging-fix names Vault credentials; without a Vault the bench mints a copy without them.
  let mintScope = "staging-fix";
  const trial = await callApi(leash, "/v1/tokens", {
    key: agentKey,
    body: { scope: mintScope, task: { intent: "bench: can staging-fix be minted here?" } },
  });
  if (trial.status !== 201) {
    notes.push(
      `mint uses bench-staging-fix (staging-fix without credentials.vault): staging-fix answered ${trial.status} ${String(trial.body.code ?? "")} without a Vault`,
    );
    mintScope = "bench-staging-fix";
  }

  const oidcRequest = tokenRequest();
  const allowed = (status: number, body: Record<string, unknown>) => status === 200 && body.allow === true;
  const scenarios: HttpScenario[] = [
    {
      id: "fastify-hello",
      label: "Fastify hello-world GET",
      kind: "baseline",
      method: "GET",
      path: "/",
      probe: (url) =>
        probeJson(url, scenarios[0]!, (status, body) => status === 200 && body.hello === "world"),
    },
    {
      id: "fastify-echo",
      label: "Fastify POST, authorize-sized JSON",
      kind: "reference",
      baseline: "fastify-hello",
      method: "POST",
      path: "/echo",
      ...json(authorizeBody(counted.token)),
      probe: (url) => probeJson(url, scenarios[1]!, (status) => status === 200),
    },
    {
      id: "oidc-token",
      label: "oidc-provider client_credentials",
      kind: "baseline",
      method: "POST",
      path: "/token",
      ...oidcRequest,
      probe: (url) =>
        probeJson(
          url,
          scenarios[2]!,
          (status, body) => status === 200 && typeof body.access_token === "string",
        ),
    },
    {
      id: "leash-mint",
      label: `leash mint (${mintScope})`,
      kind: "leash",
      baseline: "oidc-token",
      method: "POST",
      path: "/v1/tokens",
      headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
      body: JSON.stringify({ scope: mintScope, task: { intent: "bench: fix staging" } }),
      probe: (url) =>
        probeJson(url, scenarios[3]!, (status, body) => status === 201 && typeof body.token === "string"),
    },
    {
      id: "authorize-allow",
      label: "leash authorize allow (counted)",
      kind: "leash",
      baseline: "fastify-hello",
      method: "POST",
      path: "/v1/authorize",
      ...json(authorizeBody(counted.token)),
      probe: (url) => probeJson(url, scenarios[4]!, allowed),
    },
    {
      id: "authorize-allow-uncounted",
      label: "leash authorize allow (no limit)",
      kind: "leash",
      baseline: "fastify-hello",
      method: "POST",
      path: "/v1/authorize",
      ...json(authorizeBody(open.token)),
      probe: (url) => probeJson(url, scenarios[5]!, allowed),
    },
    {
      id: "authorize-revoked",
      label: "leash authorize deny: revoked",
      kind: "leash",
      baseline: "fastify-hello",
      method: "POST",
      path: "/v1/authorize",
      ...json(authorizeBody(revoked.token)),
      probe: (url) =>
        probeJson(url, scenarios[6]!, (status, body) => status === 200 && body.reason === "revoked"),
    },
    {
      id: "authorize-rate-limited",
      label: "leash authorize deny: rate_limited",
      kind: "leash",
      baseline: "fastify-hello",
      method: "POST",
      path: "/v1/authorize",
      ...json(authorizeBody(tight.token)),
      probe: (url) =>
        probeJson(url, scenarios[7]!, (status, body) => status === 200 && body.reason === "rate_limited"),
    },
    {
      id: "introspect",
      label: "leash introspect (active)",
      kind: "leash",
      baseline: "fastify-hello",
      method: "POST",
      path: "/v1/introspect",
      headers: { authorization: `Bearer ${resourceServerKey}`, "content-type": "application/json" },
      body: JSON.stringify({ token: counted.token }),
      probe: (url) => probeJson(url, scenarios[8]!, (status, body) => status === 200 && body.active === true),
    },
  ];
  return { agentKey, resourceServerKey, mintScope, notes, scenarios };
}

function baseUrlOf(stack: Stack, scenario: HttpScenario): string {
  if (scenario.id.startsWith("fastify")) return stack.fastify.url;
  if (scenario.id.startsWith("oidc")) return stack.oidc.url;
  return stack.brokers[0]!.url;
}

const loadSpec = (
  scenario: HttpScenario,
  urls: string[],
  connections: number,
  durationSec: number,
): LoadSpec => ({
  urls: urls.map((url) => `${url}${scenario.path}`),
  method: scenario.method,
  headers: scenario.headers,
  body: scenario.body,
  connections,
  durationSec,
});

/** Each level: every scenario warmed up, then the rounds interleaved across scenarios so drift hits all alike. */
async function measureHttp(
  stack: Stack,
  load: LoadGenerator,
  scenarios: HttpScenario[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const scenario of scenarios) await scenario.probe(baseUrlOf(stack, scenario));
  for (const connections of settings.levels) {
    const rounds = new Map<string, LoadResult[]>(scenarios.map((s) => [s.id, []]));
    for (const scenario of scenarios) {
      await load.run(loadSpec(scenario, [baseUrlOf(stack, scenario)], connections, settings.warmupSec));
    }
    for (let round = 1; round <= settings.rounds; round++) {
      for (const scenario of scenarios) {
        const result = await load.run(
          loadSpec(scenario, [baseUrlOf(stack, scenario)], connections, settings.roundSec),
        );
        rounds.get(scenario.id)!.push(result);
        log(
          `  c=${connections} round ${round} ${scenario.id}: ${result.rps.toFixed(0)} req/s p99 ${result.p99Ms.toFixed(2)} ms`,
        );
      }
    }
    for (const scenario of scenarios) {
      rows.push({
        id: scenario.id,
        label: scenario.label,
        kind: scenario.kind,
        concurrency: connections,
        processes: 1,
        summary: summarise(rounds.get(scenario.id)!),
      });
    }
  }
  return rows;
}

/** Redis alone: a one-key Lua script, and leash's own enforce script on the allow path (no counters). */
async function measureRedis(stack: Stack): Promise<ResultRow[]> {
  const client = new Redis(stack.redis.url);
  const tiny = (await client.script("LOAD", "return redis.call('GET', KEYS[1])")) as string;
  const enforce = (await client.script("LOAD", ENFORCE_LUA)) as string;
  const generation = (await client.get("leash:{env:staging}:gen")) ?? "";
  await client.quit();
  const now = String(Date.now());
  const enforceArgs = [
    "6",
    "leash:{env:staging}:gen",
    "leash:{env:staging}:rev:jti:tok_bench",
    "leash:{env:staging}:rev:task:task_bench",
    "leash:{env:staging}:rev:agent:bench-agent",
    "leash:{env:staging}:rev:scope:bench-open",
    "leash:{env:staging}:rev:env",
    generation,
    now,
    now,
    "",
    "",
    "3600000",
    "evt_bench",
  ];
  const variants = [
    { id: "redis-evalsha", label: "Redis EVALSHA, 1-key GET script", sha: tiny, args: ["1", "bench:key"] },
    { id: "redis-enforce", label: "Redis EVALSHA, leash enforce script", sha: enforce, args: enforceArgs },
  ];
  const rows: ResultRow[] = [];
  for (const connections of settings.levels) {
    for (const variant of variants) {
      const run = (requests: number) =>
        runEvalsha({ port: stack.redis.port, connections, requests, sha: variant.sha, args: variant.args });
      await run(Math.min(10_000, settings.evalshaRequests));
      const rounds: LoadResult[] = [];
      for (let round = 0; round < settings.rounds; round++) rounds.push(await run(settings.evalshaRequests));
      rows.push({
        id: variant.id,
        label: variant.label,
        kind: "reference",
        concurrency: connections,
        processes: 1,
        summary: summarise(rounds),
      });
    }
  }
  return rows;
}

/** 1, 2 and 4 broker processes on one Redis; connections spread round-robin over them by the load generator. */
async function measureScaling(
  stack: Stack,
  load: LoadGenerator,
  scenarios: HttpScenario[],
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const picked = scenarios.filter((s) => s.id === "authorize-allow" || s.id === "leash-mint");
  for (const connections of settings.scaleLevels) {
    for (const scenario of picked) {
      let single: number | undefined;
      for (const processes of settings.scaleProcesses) {
        const urls = stack.brokers.slice(0, processes).map((b) => b.url);
        await load.run(loadSpec(scenario, urls, connections, settings.warmupSec));
        const rounds: LoadResult[] = [];
        for (let round = 0; round < settings.rounds; round++) {
          rounds.push(await load.run(loadSpec(scenario, urls, connections, settings.roundSec)));
        }
        const summary = summarise(rounds);
        single ??= summary.rps;
        log(`  scaling ${scenario.id} c=${connections} x${processes}: ${summary.rps.toFixed(0)} req/s`);
        rows.push({
          id: `scaling-${scenario.id}`,
          label: scenario.label,
          kind: "leash",
          concurrency: connections,
          processes,
          summary,
          baseline: { id: scenario.id, label: "1 process", rps: single },
          ratio: summary.rps / single,
        });
      }
    }
  }
  return rows;
}

interface ProfileResult {
  scenario: string;
  file: string;
  rps: number;
  p99Ms: number;
  summary: ProfileSummary;
}

/** A fresh `leash serve` under node --cpu-prof, loaded with one scenario; the profile is written when it exits. */
async function profileScenario(
  stack: Stack,
  load: LoadGenerator,
  scenario: HttpScenario,
  name: string,
): Promise<ProfileResult> {
  const dir = join(stack.workDir, "profiles", name);
  await mkdir(dir, { recursive: true });
  const server = await startLeashServe(stack.install, `leash-profile-${name}`, [
    "--cpu-prof",
    "--cpu-prof-dir",
    dir,
  ]);
  await load.run(loadSpec(scenario, [server.url], TARGET_CONCURRENCY, settings.warmupSec));
  // The profile covers the whole process; only the samples taken under load (same monotonic clock) are summarised.
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const result = await load.run(loadSpec(scenario, [server.url], TARGET_CONCURRENCY, settings.profileSec));
  const toUs = Number(process.hrtime.bigint() / 1000n);
  await server.service.stop(20_000);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"));
  if (files.length === 0) throw new Error(`no .cpuprofile written for ${name}:\n${server.service.logTail()}`);
  const profile = JSON.parse(await readFile(join(dir, files[0]!), "utf8")) as CpuProfile;
  await mkdir(PROFILES_DIR, { recursive: true });
  const kept = join(PROFILES_DIR, `${name}.cpuprofile`);
  await copyFile(join(dir, files[0]!), kept);
  await writeFile(kept.replace(/\.cpuprofile$/, ".window.json"), JSON.stringify({ fromUs, toUs }));
  return {
    scenario: scenario.id,
    file: kept,
    rps: result.rps,
    p99Ms: result.p99Ms,
    summary: summariseProfile(profile, 25, { fromUs, toUs }),
  };
}

/** Sets each row's ratio to its baseline scenario's req/s at the same concurrency. */
function ratioRows(rows: ResultRow[], baselines: Map<string, string>): void {
  for (const row of rows) {
    const scenarioBaseline = baselines.get(row.id);
    if (!scenarioBaseline) continue;
    const base = rows.find(
      (r) => r.id === scenarioBaseline && r.concurrency === row.concurrency && r.processes === 1,
    );
    if (!base) continue;
    row.baseline = { id: base.id, label: base.label, rps: base.summary.rps };
    row.ratio = row.summary.rps / base.summary.rps;
  }
}

function verdicts(rows: ResultRow[], guard: GuardMeasurement | null, guardNote: string): TargetVerdict[] {
  const at = (id: string) =>
    rows.find((r) => r.id === id && r.concurrency === TARGET_CONCURRENCY && r.processes === 1);
  const out: TargetVerdict[] = [];
  const authorize = at("authorize-allow");
  out.push(
    authorize?.ratio !== undefined
      ? {
          name: `authorize allow @${TARGET_CONCURRENCY}`,
          requirement: "≥ 60% of Fastify hello-world req/s and p99 < 2 ms",
          measured: `${(authorize.ratio * 100).toFixed(1)}% (${authorize.summary.rps.toFixed(0)} vs ${authorize.baseline!.rps.toFixed(0)} req/s), p99 ${authorize.summary.p99Ms.toFixed(2)} ms`,
          pass: authorize.ratio >= 0.6 && authorize.summary.p99Ms < 2,
        }
      : {
          name: "authorize allow",
          requirement: "≥ 60% of Fastify hello-world",
          measured: "-",
          pass: null,
          note: "not measured at 50",
        },
  );
  const mint = at("leash-mint");
  out.push(
    mint?.ratio !== undefined
      ? {
          name: `mint @${TARGET_CONCURRENCY}`,
          requirement: "≥ 3× oidc-provider client_credentials req/s and p99 < 5 ms",
          measured: `${mint.ratio.toFixed(2)}× (${mint.summary.rps.toFixed(0)} vs ${mint.baseline!.rps.toFixed(0)} req/s), p99 ${mint.summary.p99Ms.toFixed(2)} ms`,
          pass: mint.ratio >= 3 && mint.summary.p99Ms < 5,
        }
      : {
          name: "mint",
          requirement: "≥ 3× oidc-provider",
          measured: "-",
          pass: null,
          note: "not measured at 50",
        },
  );
  out.push(
    guard
      ? {
          name: "guard --jsonl",
          requirement: "≥ 20,000 commands/s",
          measured: `${guard.steadyPerSec.toFixed(0)} commands/s once started (${guard.wallPerSec.toFixed(0)}/s wall incl. ${guard.startupMs.toFixed(0)} ms start-up)`,
          pass: guard.steadyPerSec >= 20_000,
        }
      : {
          name: "guard --jsonl",
          requirement: "≥ 20,000 commands/s",
          measured: "-",
          pass: null,
          note: guardNote,
        },
  );
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = machineInfo();
  log(
    `leash bench (${quick ? "quick" : "full"}): ${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}`,
  );
  log(
    `  rounds ${settings.rounds} × ${settings.roundSec}s after ${settings.warmupSec}s warm-up; concurrency ${settings.levels.join(", ")}; leash LOG_LEVEL=${settings.logLevel}`,
  );
  const stack = await startStack();
  const load = LoadGenerator.start();
  const rows: ResultRow[] = [];
  let guard: GuardMeasurement | null = null;
  let guardNote = "";
  const profiles: ProfileResult[] = [];
  let fixture: Fixture | undefined;
  try {
    fixture = await buildFixture(stack);
    const chosen = fixture.scenarios.filter((s) => !settings.scenarios || settings.scenarios.has(s.id));
    if (settings.phases.has("main")) {
      log("HTTP scenarios");
      rows.push(...(await measureHttp(stack, load, chosen)));
    }
    if (settings.phases.has("redis")) {
      log("Redis EVALSHA reference (redis-benchmark)");
      rows.push(...(await measureRedis(stack)));
    }
    ratioRows(rows, new Map(fixture.scenarios.filter((s) => s.baseline).map((s) => [s.id, s.baseline!])));
    if (settings.phases.has("guard")) {
      log("guard --jsonl");
      const availability = await guardAvailability();
      if (availability.available)
        guard = await measureGuard(await corpusLines(settings.guardLines), settings.rounds);
      else guardNote = availability.note;
    }
    if (settings.phases.has("scaling")) {
      log("scaling: 1, 2, 4 broker processes on one Redis");
      rows.push(...(await measureScaling(stack, load, fixture.scenarios)));
    }
    if (settings.phases.has("profile")) {
      for (const broker of stack.brokers) await broker.service.stop();
      for (const [id, name] of [
        ["authorize-allow", "authorize"],
        ["leash-mint", "mint"],
      ] as const) {
        log(`profiling ${id}`);
        profiles.push(await profileScenario(stack, load, fixture.scenarios.find((s) => s.id === id)!, name));
      }
    }
  } finally {
    load.stop();
    await Promise.all([
      ...stack.brokers.map((b) => b.service.stop()),
      stack.fastify.service.stop(),
      stack.oidc.service.stop(),
    ]);
    await stack.redis.stop();
    if (env.BENCH_KEEP === "1") log(`work directory kept: ${stack.workDir}`);
    else await rm(stack.workDir, { recursive: true, force: true });
  }

  const main = rows.filter((r) => r.processes === 1 && !r.id.startsWith("scaling-"));
  const scaling = rows.filter((r) => r.id.startsWith("scaling-"));
  const targetVerdicts = verdicts(main, guard, guardNote);
  const coreNote = `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), shared by the load generator, the servers under test and Redis; no pinning. With ${machine.cpus} cores, more broker processes than cores only add contention: scaling here shows what one Redis and this box allow, not what more cores would give.`;
  const out: string[] = [];
  const byLevel = [...main].sort((a, b) => a.concurrency - b.concurrency || order(a.id) - order(b.id));
  out.push(
    formatTable(byLevel, `leash bench — ${machine.date} — node ${machine.node}, ${machine.cpus} CPUs`),
  );
  if (scaling.length > 0)
    out.push("", formatTable(scaling, "Scaling: broker processes on one Redis (round-robin)"));
  out.push("", coreNote);
  if (guard) {
    out.push(
      "",
      `guard check --jsonl, ${settings.guardLines} commands from ${GUARD_CORPUS}: ${guard.steadyPerSec.toFixed(0)} commands/s once started, ${guard.wallPerSec.toFixed(0)}/s including ${guard.startupMs.toFixed(0)} ms start-up`,
    );
  } else if (settings.phases.has("guard")) out.push("", `guard: skipped — ${guardNote}`);
  for (const note of fixture?.notes ?? []) out.push(`note: ${note}`);
  out.push("", "Targets", formatVerdicts(targetVerdicts));
  for (const profile of profiles) {
    out.push(
      "",
      formatProfileSummary(
        `profile ${profile.scenario} @${TARGET_CONCURRENCY} (${profile.rps.toFixed(0)} req/s under --cpu-prof, ${profile.file})`,
        profile.summary,
      ),
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);

  await writeFile(
    RESULTS_FILE,
    `${JSON.stringify(
      {
        machine,
        settings: {
          ...settings,
          scenarios: settings.scenarios ? [...settings.scenarios] : null,
          phases: [...settings.phases],
        },
        notes: [coreNote, ...(fixture?.notes ?? [])],
        durationSec: Math.round((Date.now() - started) / 1000),
        loadAverageAtEnd: loadavg().map((v) => Math.round(v * 100) / 100),
        results: main.map(({ summary, ...row }) => ({ ...row, ...summary })),
        scaling: scaling.map(({ summary, ...row }) => ({ ...row, ...summary })),
        guard: guard ?? { skipped: guardNote },
        targets: targetVerdicts,
        profiles: profiles.map(({ file, ...p }) => ({ ...p, file: file.replace(/^.*\/bench\//, "bench/") })),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${RESULTS_FILE} (${Math.round((Date.now() - started) / 1000)} s)`);
}

const ORDER = [
  "fastify-hello",
  "fastify-echo",
  "authorize-allow",
  "authorize-allow-uncounted",
  "authorize-revoked",
  "authorize-rate-limited",
  "introspect",
  "oidc-token",
  "leash-mint",
  "redis-evalsha",
  "redis-enforce",
];
const order = (id: string) => ORDER.indexOf(id);

await main();
