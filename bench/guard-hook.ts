// Guard bench: an agent hook's whole-process latency (spawn, stdin, exit) against a bare `node -e 0` measured in the
// same run, `guard eval` on the project's labelled cases (and LEASH_GUARD_CORPUS when set), and `guard check --jsonl`
// throughput. Runs the compiled CLI (dist/cli/bin.cjs, `npm run build`), as installed users do. Next to wall time it
// prints each child's CPU time (Linux: the children's times in /proc/self/stat), which other load on the machine
// hardly changes; `--jsonl` must do at least 20,000 commands per CPU second after start-up.
//   npx tsx bench/guard-hook.ts [--runs 15]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ephemeralKeyRings } from "../src/keys/key-directory.ts";
import { mintTaskToken } from "../src/tokens/mint-task-token.ts";
import { LEASH_BIN } from "./lib/leash.ts";

const CASES = fileURLToPath(new URL("../test/guard/cases.jsonl", import.meta.url));
const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 15;

interface Timed {
  ms: number;
  /** CPU time of the child (user + system), or NaN where /proc is not available. */
  cpuMs: number;
  code: number | null;
  stdout: string;
}

/** CPU time of this process's reaped children (cutime + cstime), in ms; NaN without /proc. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 of the stat line (cutime, cstime), counted from after the command name.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS = 100;

function run(args: string[], input: string, env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpuBefore = childrenCpuMs();
    const child = spawn(process.execPath, args, {
      stdio: ["pipe", "pipe", "inherit"],
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ ms: performance.now() - started, cpuMs: childrenCpuMs() - cpuBefore, code, stdout }),
    );
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const p90 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

const event = (command: string) =>
  JSON.stringify({ hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command } });
const mcpEvent = (tool: string, input: object) =>
  JSON.stringify({ hook_event_name: "PreToolUse", tool_name: tool, tool_input: input });

/** Hooks run in an agent's project, which has no scopes/ directory; the last row adds environments.yaml. */
const PROJECT = mkdtempSync(join(tmpdir(), "leash-bench-project-"));
const WITH_ENVIRONMENTS = { LEASH_SCOPES_DIR: fileURLToPath(new URL("../scopes", import.meta.url)) };
/** A script and a package script the agent wrote, which the hook reads where the command runs. */
writeFileSync(join(PROJECT, "cleanup.sh"), "#!/bin/sh\nset -eu\nrm -rf /srv/data/cache\necho done\n");
writeFileSync(
  join(PROJECT, "package.json"),
  JSON.stringify({ scripts: { pretest: "tsc --noEmit", test: "vitest run" } }),
);

/** Each row: its name, the hook event on stdin, and extra environment. */
const HOOK_INPUTS: [string, string, NodeJS.ProcessEnv?][] = [
  ["safe shell (git status)", event("git status")],
  ["destructive shell (rm -rf /srv/data)", event("rm -rf /srv/data")],
  [
    "destructive shell beginning with a word SQL also uses (set -euo pipefail; rm -rf /srv/data)",
    event("set -euo pipefail; rm -rf /srv/data"),
  ],
  ["SQL, plain (the fast SQL reader)", event("psql -h db.internal -c 'DELETE FROM sessions'")],
  [
    "SQL, IN (SELECT …) (the fast SQL reader)",
    event("psql -h db.internal -c 'DELETE FROM sessions WHERE user_id IN (SELECT id FROM banned)'"),
  ],
  [
    "SQL, EXISTS (SELECT …) (the fast SQL reader)",
    event(
      "psql -h db.internal -c 'DELETE FROM sessions s WHERE EXISTS (SELECT 1 FROM banned b WHERE b.id = s.user_id)'",
    ),
  ],
  [
    "SQL, data-modifying WITH (the fast SQL reader)",
    event(
      "psql -h db.internal -c 'WITH gone AS (DELETE FROM sessions RETURNING user_id) SELECT count(*) FROM gone'",
    ),
  ],
  [
    "SQL, a dollar-quoted DO block (the fast SQL reader)",
    event("psql -h db.internal -c 'DO $$ BEGIN DELETE FROM sessions; END $$'"),
  ],
  [
    "SQL the fast reader leaves to PostgreSQL's parser (CREATE PUBLICATION: loads libpg-query)",
    event("psql -h db.internal -c 'CREATE PUBLICATION orders_pub FOR TABLE orders'"),
  ],
  ["safe shell, with LEASH_SCOPES_DIR (reads environments.yaml)", event("git status"), WITH_ENVIRONMENTS],
  ["a script on disk (bash cleanup.sh: the hook reads and judges it)", event("bash cleanup.sh")],
  ["a package script on disk (npm test: reads package.json, pretest and test)", event("npm test")],
  [
    "MCP tool call, SQL in its arguments (mcp__postgres__query: DROP TABLE)",
    mcpEvent("mcp__postgres__query", { sql: "DROP TABLE sessions" }),
  ],
  [
    "MCP tool call, judged by its name (mcp__github__delete_repository)",
    mcpEvent("mcp__github__delete_repository", { owner: "acme", repo: "api" }),
  ],
];

/**
 * An agent's hook runs inside a task: LEASH_TOKEN and LEASH_URL are set, and the hook verifies the token against the
 * environment's JWKS before believing its intent. A local server answers the JWKS request as the broker would.
 */
async function insideATask(): Promise<{ env: NodeJS.ProcessEnv; close: () => void }> {
  const nowMs = Date.now();
  const ring = (await ephemeralKeyRings(["staging"], nowMs)).get("staging")!;
  const jwks = JSON.stringify(ring.jwks(nowMs));
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" }).end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { token } = mintTaskToken(ring, {
    issuer: url,
    env: "staging",
    agentId: "bench",
    scopeId: "bench",
    actions: ["db:read"],
    resources: ["db:staging/*"],
    extraAudiences: [],
    task: "bench",
    intent: "look at the build",
    generation: "1",
    ttlMs: 3_600_000,
    nowMs,
  });
  return { env: { LEASH_URL: url, LEASH_TOKEN: token }, close: () => server.close() };
}

async function hookLatency(): Promise<void> {
  console.log(
    `hook latency, ${RUNS} runs each, interleaved with node -e 0 (whole process: spawn, stdin, exit); medians`,
  );
  const bare: Timed[] = [];
  const task = await insideATask();
  HOOK_INPUTS.push([
    "destructive shell, inside a task (LEASH_TOKEN verified against LEASH_URL's JWKS)",
    event("rm -rf /srv/data"),
    task.env,
  ]);
  const hooks = HOOK_INPUTS.map(() => [] as Timed[]);
  await run([LEASH_BIN, "hook", "claude-code"], event("ls"), {}, PROJECT); // first run fills the OS file cache
  for (let i = 0; i < RUNS; i++) {
    bare.push(await run(["-e", "0"], "", {}, PROJECT));
    for (const [n, [, input, env]] of HOOK_INPUTS.entries()) {
      const r = await run([LEASH_BIN, "hook", "claude-code"], input, env, PROJECT);
      if (r.code !== 0) throw new Error(`hook exited ${r.code}: ${r.stdout}`);
      if (env === task.env && !r.stdout.includes("verified task token"))
        throw new Error(`the hook did not verify the task token: ${r.stdout}`);
      hooks[n]!.push(r);
    }
  }
  const wall = (rs: Timed[]) => median(rs.map((r) => r.ms));
  const cpu = (rs: Timed[]) => median(rs.map((r) => r.cpuMs));
  const base = wall(bare);
  const baseCpu = cpu(bare);
  console.log(
    `  node -e 0: wall ${base.toFixed(0)} ms (p90 ${p90(bare.map((r) => r.ms)).toFixed(0)} ms), CPU ${baseCpu.toFixed(0)} ms`,
  );
  for (const [n, [name]] of HOOK_INPUTS.entries()) {
    const rs = hooks[n]!;
    console.log(
      `  hook, ${name}: wall ${wall(rs).toFixed(0)} ms (p90 ${p90(rs.map((r) => r.ms)).toFixed(0)} ms) = ${(wall(rs) / base).toFixed(2)}× node -e 0; CPU ${cpu(rs).toFixed(0)} ms = ${(cpu(rs) / baseCpu).toFixed(2)}×`,
    );
  }
  task.close();
}

async function evaluation(name: string, file: string): Promise<void> {
  const r = await run([LEASH_BIN, "guard", "eval", "--json", file], "");
  const e = JSON.parse(r.stdout) as {
    commands: number;
    recall: number;
    falsePositiveRate: number;
    misses: unknown[];
    falsePositives: unknown[];
    commandsPerSecond: number;
  };
  console.log(
    `guard eval, ${name}: ${e.commands} commands, recall ${(e.recall * 100).toFixed(1)}%, false positives ${(e.falsePositiveRate * 100).toFixed(1)}% (${e.misses.length} misses, ${e.falsePositives.length} false positives), ${e.commandsPerSecond} commands/s in-process`,
  );
}

async function jsonlThroughput(name: string, file: string): Promise<void> {
  const commands = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { cmd: string }).cmd);
  const n = 40_000;
  // Judged on lines the process has not seen: a distinct id on each defeats the memory of answered lines, so every
  // line is classified. The same lines without ids show what that memory gives a stream that repeats itself.
  const distinct = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: String(i), cmd: commands[i % commands.length] }),
  ).join("\n");
  const repeated = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ cmd: commands[i % commands.length] }),
  ).join("\n");
  // Start-up, parser loading included: the same process with one line.
  const starts: Timed[] = [];
  for (let i = 0; i < 3; i++)
    starts.push(await run([LEASH_BIN, "guard", "check", "--jsonl"], `${JSON.stringify({ cmd: "ls" })}\n`));
  const startup = median(starts.map((r) => r.ms));
  const startupCpu = median(starts.map((r) => r.cpuMs));
  for (const [label, input, judged] of [
    ["every line new", distinct, true],
    ["lines repeating (answered from memory)", repeated, false],
  ] as const) {
    const r = await run([LEASH_BIN, "guard", "check", "--jsonl"], `${input}\n`);
    const lines = r.stdout.split("\n").filter(Boolean).length;
    const perSecond = (ms: number) => Math.round((lines / Math.max(ms, 1)) * 1000);
    const cpuRate = perSecond(r.cpuMs - startupCpu);
    const verdict =
      !judged || Number.isNaN(cpuRate)
        ? ""
        : cpuRate >= 20_000
          ? " — PASS (>= 20,000 per CPU second)"
          : " — FAIL (< 20,000 per CPU second)";
    console.log(
      `guard check --jsonl, ${label}: ${lines} commands of ${name} in ${r.ms.toFixed(0)} ms wall, ${r.cpuMs.toFixed(0)} ms CPU (start-up ${startup.toFixed(0)} ms wall, ${startupCpu.toFixed(0)} ms CPU): ${Number.isNaN(cpuRate) ? "" : `${cpuRate} commands per CPU second, `}${perSecond(r.ms - startup)} commands/s of wall time after start-up${verdict}`,
    );
  }
}

const [one, five] = loadavg();
console.log(
  `machine: ${availableParallelism()} cores, load average ${one!.toFixed(1)} (1 min) ${five!.toFixed(1)} (5 min)${one! > availableParallelism() ? " — loaded: absolute figures are inflated, compare the ratios" : ""}`,
);
await hookLatency();
await evaluation("the project's labelled cases", CASES);
if (process.env.LEASH_GUARD_CORPUS) await evaluation(`LEASH_GUARD_CORPUS`, process.env.LEASH_GUARD_CORPUS);
await jsonlThroughput("the labelled cases", CASES);
if (process.env.LEASH_GUARD_CORPUS)
  await jsonlThroughput("LEASH_GUARD_CORPUS", process.env.LEASH_GUARD_CORPUS);
rmSync(PROJECT, { recursive: true, force: true });
