// Real redis-server processes for tests: one per test file (or per test that kills it), on a free port.
//
// Isolation choice: test files that need Redis start their own server with startRedisServer() and FLUSHALL it
// between tests; nothing shares state across files, so vitest can run files in parallel and tests may kill or
// restart "their" Redis. sharedRedisUrl()/sharedRedisDbUrl() exist for tests that must use an externally provided
// Redis (REDIS_URL, e.g. in CI containers): each file gets its own logical DB (1..15, from a hash of its name)
// and must FLUSHDB it before each test; two files hashing to the same DB would collide, so prefer a server.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./ports.ts";

export interface RedisServerOptions {
  /** Extra redis-server arguments, e.g. ["--maxmemory", "1mb"]. */
  args?: string[];
  /** Path of the binary; default `redis-server` from PATH (or REDIS_SERVER_BIN). */
  binary?: string;
}

export interface RedisServer {
  port: number;
  url: string;
  /** Graceful stop (SIGTERM), then removes the data directory. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies at once, like a crashed or unplugged Redis. Data is lost unless saved before. */
  kill(): Promise<void>;
  /** SIGSTOP: the process stays alive with its connections open and answers nothing, like a hung Redis. */
  stall(): void;
  /** SIGCONT after stall(): it answers again, the commands that waited included. */
  resume(): void;
  /** Starts again on the same port. keepData: SAVE first (if running) and load the dump; otherwise start empty. */
  restart(opts?: { keepData?: boolean }): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Sends one inline command over a raw socket and returns the first reply line (no client library involved). */
export const rawRedisCommand = (port: number, command: string, timeoutMs = 1000): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = "";
    const done = (error: Error | null, value = "") => {
      socket.destroy();
      if (error) reject(error);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no reply to ${command} within ${timeoutMs} ms`)));
    socket.once("error", (error) => done(error));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      const end = reply.indexOf("\r\n");
      if (end >= 0) done(null, reply.slice(0, end));
    });
    socket.connect(port, "127.0.0.1", () => socket.write(`${command}\r\n`));
  });

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));

export const startRedisServer = async (opts: RedisServerOptions = {}): Promise<RedisServer> => {
  const binary = opts.binary ?? process.env.REDIS_SERVER_BIN ?? "redis-server";
  const dir = await mkdtemp(join(tmpdir(), "leash-redis-"));
  let port = 0;
  let child: ChildProcess | null = null;

  const launch = async (): Promise<void> => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    args.push("--dir", dir, "--dbfilename", "dump.rdb", ...(opts.args ?? []));
    const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    proc.stdout?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    });
    proc.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    });
    running.add(proc);
    proc.once("exit", () => running.delete(proc));
    child = proc;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`redis-server on port ${port} exited early:\n${output}`);
      }
      try {
        if ((await rawRedisCommand(port, "PING", 200)) === "+PONG") return;
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
    proc.kill("SIGKILL");
    throw new Error(`redis-server on port ${port} did not answer PING within 10 s:\n${output}`);
  };

  // Another process may grab the free port before redis-server binds it; try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 5) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const signal = async (name: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(name);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await exited(proc);
    clearTimeout(timer);
  };

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await signal("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    },
    kill: () => signal("SIGKILL"),
    stall: () => {
      (child as ChildProcess | null)?.kill("SIGSTOP");
    },
    resume: () => {
      (child as ChildProcess | null)?.kill("SIGCONT");
    },
    restart: async ({ keepData = false } = {}) => {
      if (keepData && child) {
        const reply = await rawRedisCommand(port, "SAVE", 5000);
        if (reply !== "+OK") throw new Error(`SAVE failed: ${reply}`);
      }
      await signal("SIGTERM");
      if (!keepData) await rm(join(dir, "dump.rdb"), { force: true });
      await launch();
    },
  };
};

/** The externally provided Redis, for tests that cannot start their own. */
export const sharedRedisUrl = (): string => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A logical DB (1..15) of the shared Redis chosen from the test file's name; the caller FLUSHDBs it per test. */
export const sharedRedisDbUrl = (testFile: string): string => {
  const db = 1 + (createHash("sha256").update(testFile).digest().readUInt32BE(0) % 15);
  const url = new URL(sharedRedisUrl());
  url.pathname = `/${db}`;
  return url.toString();
};
