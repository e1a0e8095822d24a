// CLI start-up: median wall time of short `leash` commands, from spawn to exit, and of `leash dev --json --port 0`
// from spawn to its first line (the broker listening), next to `node -e 0` (Node's own floor). `npx tsx bench/cli-startup.ts [runs] [bin…]`; each bin is a JavaScript file run with node
// (default: dist/cli/bin.cjs, the installed command, and bin/leash.js, the sources through tsx).
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const runs = Number(process.argv[2] ?? 20);
const bins = process.argv.slice(3);
if (bins.length === 0)
  bins.push(
    fileURLToPath(new URL("../dist/cli/bin.cjs", import.meta.url)),
    fileURLToPath(new URL("../bin/leash.js", import.meta.url)),
  );

const HOOK_EVENT = JSON.stringify({
  session_id: "s",
  hook_event_name: "PreToolUse",
  tool_name: "Bash",
  tool_input: { command: "kubectl --context prod delete ns payments" },
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(label: string, args: string[], input?: string): void {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, {
      input,
      env: { ...process.env, LEASH_ENV: "staging" },
    });
    const elapsed = performance.now() - started;
    if (result.status !== 0) {
      console.log(
        `${label.padEnd(70)} failed: exit ${result.status}: ${String(result.stderr).split("\n")[0]}`,
      );
      return;
    }
    if (i >= 2) samples.push(elapsed); // the first runs fill the OS page cache and Node's compile cache
  }
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(70)} median ${median(samples).toFixed(0).padStart(5)} ms  min ${sorted[0]!.toFixed(0).padStart(5)} ms  (${runs} runs)`,
  );
}

/** Milliseconds from spawn to the first line on stdout; the process is stopped then. */
function firstLine(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    let elapsed: number | undefined;
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (elapsed !== undefined || !out.includes("\n")) return;
      elapsed = performance.now() - started;
      child.kill("SIGTERM");
    });
    child.once("error", reject);
    // The next run starts once this broker has stopped and freed its resources.
    child.once("exit", (code) =>
      elapsed === undefined ? reject(new Error(`exited ${code} before printing a line`)) : resolve(elapsed),
    );
  });
}

async function timeFirstLine(label: string, args: string[]): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const elapsed = await firstLine(args);
    if (i >= 2) samples.push(elapsed);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(70)} median ${median(samples).toFixed(0).padStart(5)} ms  min ${sorted[0]!.toFixed(0).padStart(5)} ms  (${runs} runs)`,
  );
}

time("node -e 0", ["-e", "0"]);
for (const bin of bins) {
  time(`${bin} --version`, [bin, "--version"]);
  time(`${bin} hook claude-code < PreToolUse Bash event`, [bin, "hook", "claude-code"], HOOK_EVENT);
  await timeFirstLine(`${bin} dev --json --port 0, to its first line`, [bin, "dev", "--json", "--port", "0"]);
}
