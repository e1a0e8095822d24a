// What the figures were measured on: they mean little without it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

export interface MachineInfo {
  date: string;
  cpus: number;
  availableParallelism: number;
  cpuModel: string;
  cgroupCpuMax: string | null;
  memoryGiB: number;
  /** 1/5/15-minute load averages when the run started: other work on the box shows up here. */
  loadAverage: number[];
  os: string;
  node: string;
  redis: string;
  packages: Record<string, string>;
  /** The leash commit measured, "+dirty" when the working tree had changes. */
  commit: string;
}

const packageVersion = (name: string): string => {
  try {
    const file = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
};

const readOrNull = (file: string): string | null => {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return null;
  }
};

function leashCommit(): string {
  try {
    const cwd = fileURLToPath(new URL("../..", import.meta.url));
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "bin"], {
      cwd,
      encoding: "utf8",
    });
    return dirty.trim() ? `${head}+dirty` : head;
  } catch {
    return "?";
  }
}

export function machineInfo(): MachineInfo {
  let redis = "?";
  try {
    redis = execFileSync(process.env.REDIS_SERVER_BIN ?? "redis-server", ["--version"], { encoding: "utf8" })
      .trim()
      .replace(/^Redis server /, "");
  } catch {
    // reported as "?"
  }
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? "?",
    cgroupCpuMax: readOrNull("/sys/fs/cgroup/cpu.max"),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis,
    commit: leashCommit(),
    packages: Object.fromEntries(
      ["fastify", "oidc-provider", "autocannon", "ioredis", "jose", "pino"].map((name) => [
        name,
        packageVersion(name),
      ]),
    ),
  };
}
