// Runs the real `leash` CLI as a child process, as a user would.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const LEASH_BIN = fileURLToPath(new URL("../../bin/leash.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ProcessOptions {
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
}

/** Runs any program to its end and collects what it printed. */
export function runProcess(
  command: string,
  args: string[],
  options: ProcessOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // One decoder per stream: a character split between two chunks is joined again, not replaced.
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Runs `leash ARGS` to its end; `env` is added to this process's environment. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [LEASH_BIN, ...args], {
    env: { ...process.env, ...options.env },
    input: options.input,
  });
}

/** Starts a long-running CLI command and resolves with its first stdout line. */
export function startCli(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ child: ChildProcess; firstLine: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [LEASH_BIN, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`leash ${args.join(" ")} printed nothing in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (firstLine) => {
      clearTimeout(timer);
      resolve({ child, firstLine, stop });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`leash ${args.join(" ")} exited with ${code}; stderr: ${stderr}`));
    });
  });
}
