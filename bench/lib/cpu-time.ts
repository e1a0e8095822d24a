// CPU time a process has used (all its threads, user + system), from /proc: what a request costs the server,
// independent of how busy the rest of the machine is. NaN where /proc is not available.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;
const clockTicks = (): number => {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
};

/** Milliseconds of CPU the process has used so far (utime + stime; 10 ms resolution at the usual 100 Hz). */
export function cpuTimeMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/** Runs `work` and reports the CPU milliseconds each of `pids` used meanwhile. */
export async function measureCpu<T>(
  pids: (number | undefined)[],
  work: () => Promise<T>,
): Promise<{ result: T; cpuMs: number[] }> {
  const before = pids.map(cpuTimeMs);
  const result = await work();
  const cpuMs = pids.map((pid, i) => cpuTimeMs(pid) - before[i]!);
  return { result, cpuMs };
}
