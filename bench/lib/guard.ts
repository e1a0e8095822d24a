// Guard throughput: `leash guard check --jsonl` fed N lines on stdin, timed from spawn to exit. Runs the compiled CLI
// (dist/cli/bin.cjs, `npm run build`) as installed users do: bin/leash.js compiles the TypeScript sources through tsx's
// loader hooks, which would be measured with it.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { LEASH_BIN } from "./leash.ts";

/** The commands guard is fed: the project's labelled cases unless BENCH_GUARD_CORPUS names another JSONL file. */
export const GUARD_CORPUS =
  process.env.BENCH_GUARD_CORPUS ?? fileURLToPath(new URL("../../test/guard/cases.jsonl", import.meta.url));

export interface GuardRun {
  inputLines: number;
  outputLines: number;
  elapsedMs: number;
  /** When the answer to the middle input line arrived, from spawn: the second half is answered by warmed-up code. */
  halfMs: number;
  code: number | null;
  stderr: string;
}

function runGuard(input: string, inputLines: number): Promise<GuardRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [LEASH_BIN, "guard", "check", "--jsonl"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let outputLines = 0;
    let halfMs = Number.NaN;
    const half = Math.ceil(inputLines / 2);
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) outputLines++;
      if (Number.isNaN(halfMs) && outputLines >= half) halfMs = performance.now() - started;
    });
    child.stderr.on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ inputLines, outputLines, elapsedMs: performance.now() - started, halfMs, code, stderr }),
    );
    child.stdin.on("error", () => {
      // the command may exit before reading everything; reported through code and outputLines
    });
    child.stdin.end(input);
  });
}

/** Whether this checkout has `leash guard check`; the reason when it has not. */
export async function guardAvailability(): Promise<{ available: boolean; note: string }> {
  const help = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(process.execPath, [LEASH_BIN, "guard", "check", "--help"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
    });
    child.stderr.on("data", (chunk) => {
      text += chunk;
    });
    child.on("close", (code) => resolve({ code, text }));
  });
  // commander answers an unknown command with the top-level help (exit 0), so look for the command's own usage.
  if (help.code !== 0 || !help.text.includes("leash guard check")) {
    return { available: false, note: "this checkout has no `leash guard check` command yet" };
  }
  if (!help.text.includes("--jsonl")) {
    return { available: false, note: "leash guard check has no --jsonl option yet" };
  }
  return { available: true, note: "" };
}

/**
 * `count` input lines cycling through the corpus. Only `cmd` is sent: the corpus's `env` is the expected answer
 * (e.g. "unknown"), not the task's environment, which is what `env` means to guard. Each line has an id of its own,
 * so none is answered from the memory of lines already seen: every line is classified.
 */
export async function corpusLines(count: number): Promise<string[]> {
  const commands = (await readFile(GUARD_CORPUS, "utf8"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { cmd: string }).cmd);
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ id: String(i), cmd: commands[i % commands.length] }),
  );
}

export interface GuardMeasurement {
  /** Lines per second from spawn to exit, start-up included. */
  wallPerSec: number;
  /** Lines per second once running: (N - 1) / (t(N) - t(1)), start-up cancelled out, warm-up included. */
  steadyPerSec: number;
  /**
   * Lines per second over the stream's second half, once V8 has compiled the rules (a fresh process answers its
   * first pass over the cases many times slower than later ones): what a long stream runs at.
   */
  warmPerSec: number;
  startupMs: number;
  runs: GuardRun[];
}

export async function measureGuard(lines: string[], rounds: number): Promise<GuardMeasurement> {
  const big = `${lines.join("\n")}\n`;
  const one = `${lines[0]}\n`;
  const runs: GuardRun[] = [];
  const wall: number[] = [];
  const steady: number[] = [];
  const startup: number[] = [];
  const warm: number[] = [];
  await runGuard(one, 1); // warm the file-system cache
  for (let round = 0; round < rounds; round++) {
    const small = await runGuard(one, 1);
    const full = await runGuard(big, lines.length);
    runs.push(small, full);
    if (full.code !== 0 || full.outputLines < lines.length) {
      throw new Error(
        `guard check --jsonl answered ${full.outputLines} of ${lines.length} lines (exit ${full.code}): ${full.stderr}`,
      );
    }
    wall.push(lines.length / (full.elapsedMs / 1000));
    steady.push((lines.length - 1) / (Math.max(1, full.elapsedMs - small.elapsedMs) / 1000));
    startup.push(small.elapsedMs);
    warm.push(
      (lines.length - Math.ceil(lines.length / 2)) / (Math.max(1, full.elapsedMs - full.halfMs) / 1000),
    );
  }
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    wallPerSec: mid(wall),
    steadyPerSec: mid(steady),
    warmPerSec: mid(warm),
    startupMs: mid(startup),
    runs,
  };
}
