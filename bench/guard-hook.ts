// Guard bench: an agent hook's whole-process latency (spawn, stdin, exit) against a bare `node -e 0` measured in the
// same run, `guard eval` on the project's labelled cases (and LEASH_GUARD_CORPUS when set), and `guard check --jsonl`
// throughput. Runs the compiled CLI (dist/cli/bin.js, `npm run build`), as installed users do.
//   npx tsx bench/guard-hook.ts [--runs 15]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
const CASES = fileURLToPath(new URL("../test/guard/cases.jsonl", import.meta.url));
const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 15;

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
}

function run(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      stdio: ["pipe", "pipe", "inherit"],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - started, code, stdout }));
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

const HOOK_INPUTS: [string, string][] = [
  ["safe shell (git status)", "git status"],
  ["destructive shell (rm -rf /srv/data)", "rm -rf /srv/data"],
  ["SQL (loads the SQL parser)", "psql -h db.internal -c 'DELETE FROM sessions'"],
];

async function hookLatency(): Promise<void> {
  console.log(
    `hook latency, ${RUNS} runs each, interleaved with node -e 0 (whole process: spawn, stdin, exit)`,
  );
  const bare: number[] = [];
  const hooks = HOOK_INPUTS.map(() => [] as number[]);
  await run([BIN, "hook", "claude-code"], event("ls")); // first run fills the OS file cache
  for (let i = 0; i < RUNS; i++) {
    bare.push((await run(["-e", "0"], "")).ms);
    for (const [n, [, command]] of HOOK_INPUTS.entries()) {
      const r = await run([BIN, "hook", "claude-code"], event(command));
      if (r.code !== 0) throw new Error(`hook exited ${r.code}: ${r.stdout}`);
      hooks[n]!.push(r.ms);
    }
  }
  const base = median(bare);
  console.log(`  node -e 0: median ${base.toFixed(0)} ms, p90 ${p90(bare).toFixed(0)} ms`);
  for (const [n, [name]] of HOOK_INPUTS.entries()) {
    const m = median(hooks[n]!);
    console.log(
      `  hook, ${name}: median ${m.toFixed(0)} ms, p90 ${p90(hooks[n]!).toFixed(0)} ms, ${(m / base).toFixed(2)}× node -e 0`,
    );
  }
}

async function evaluation(name: string, file: string): Promise<void> {
  const r = await run([BIN, "guard", "eval", "--json", file], "");
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

async function jsonlThroughput(): Promise<void> {
  const { readFileSync } = await import("node:fs");
  const commands = readFileSync(CASES, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { cmd: string }).cmd);
  const n = 40_000;
  const input = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ cmd: commands[i % commands.length] }),
  ).join("\n");
  const startup = median(
    await Promise.all(
      [0, 1, 2].map(() => run([BIN, "guard", "check", "--jsonl"], `${JSON.stringify({ cmd: "ls" })}\n`)),
    ).then((rs) => rs.map((r) => r.ms)),
  );
  const r = await run([BIN, "guard", "check", "--jsonl"], `${input}\n`);
  const lines = r.stdout.split("\n").filter(Boolean).length;
  const processing = Math.max(r.ms - startup, 1);
  console.log(
    `guard check --jsonl: ${lines} commands in ${r.ms.toFixed(0)} ms (start-up ${startup.toFixed(0)} ms): ${Math.round((lines / processing) * 1000)} commands/s after start-up, ${Math.round((lines / r.ms) * 1000)} including it`,
  );
}

if (!existsSync(BIN)) {
  console.error("dist/cli/bin.js is missing: run `npm run build` first");
  process.exit(1);
}
const [one, five] = loadavg();
console.log(
  `machine: ${availableParallelism()} cores, load average ${one!.toFixed(1)} (1 min) ${five!.toFixed(1)} (5 min)${one! > availableParallelism() ? " — loaded: absolute figures are inflated, compare the ratios" : ""}`,
);
await hookLatency();
await evaluation("the project's labelled cases", CASES);
if (process.env.LEASH_GUARD_CORPUS) await evaluation(`LEASH_GUARD_CORPUS`, process.env.LEASH_GUARD_CORPUS);
await jsonlThroughput();
