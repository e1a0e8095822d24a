// A server process the bench starts and stops: output goes to a log file, never through the bench's own CPU.

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface Service {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** The tail of the log file, for error messages. */
  logTail(): string;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));

export function startService(
  name: string,
  command: string,
  args: string[],
  options: { env?: Record<string, string>; logFile: string; cwd?: string },
): Service {
  const fd = openSync(options.logFile, "a");
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  running.add(child);
  child.once("exit", () => running.delete(child));
  const logTail = () => {
    try {
      return readFileSync(options.logFile, "utf8").slice(-3000);
    } catch {
      return "";
    }
  };
  return {
    name,
    child,
    logFile: options.logFile,
    logTail,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** Polls url until it answers with any HTTP status; fails early when the process exits. */
export async function waitForHttp(service: Service, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) {
      throw new Error(`${service.name} exited with ${service.child.exitCode}:\n${service.logTail()}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${service.name} did not answer at ${url} within ${timeoutMs} ms:\n${service.logTail()}`);
}
