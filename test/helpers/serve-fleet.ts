// Several real `leash serve` processes sharing one Redis, set up the way an operator would: keys init, init, serve.
// Each broker is addressable on its own (to SIGKILL one), with its own scopes and settings if a test wants them.

import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { LEASH_BIN, runCli } from "./cli.ts";
import { freePort } from "./ports.ts";

export interface FleetBroker {
  url: string;
  child: ChildProcess;
  /** Ends the process with `signal` and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  stderr(): string;
}

export interface Fleet {
  brokers: FleetBroker[];
  adminKey: string;
  env: Record<string, string>;
  /** `leash init` again (after Redis lost its data): new generation, new first admin; returns its key. */
  init(): Promise<string>;
  stop(): Promise<void>;
}

/** A copy of the shipped scopes plus `extra` files, for limits the examples do not have. */
export async function scopesDirWith(extra: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "leash-scopes-"));
  await cp(SHIPPED_SCOPES_DIR, dir, { recursive: true });
  for (const [name, text] of Object.entries(extra)) await writeFile(join(dir, name), text);
  return dir;
}

export async function startFleet(options: {
  count: number;
  /** Without it, `env` names Redis (REDIS_CLUSTER_NODES or REDIS_SENTINELS). */
  redisUrl?: string;
  scopesDir?: string;
  env?: Record<string, string>;
}): Promise<Fleet> {
  const keysDir = join(await mkdtemp(join(tmpdir(), "leash-keys-")), "keys");
  const env: Record<string, string> = {
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    LEASH_KEYS_DIR: keysDir,
    LEASH_SCOPES_DIR: options.scopesDir ?? SHIPPED_SCOPES_DIR,
    LEASH_ISSUER: "http://leash.test",
    LOG_LEVEL: "error",
    // No Vault here: staging-fix (which asks for Vault credentials) mints without them, as in dev mode.
    LEASH_CREDENTIALS_WITHOUT_VAULT: "omit",
    ...options.env,
  };
  const init = async () => {
    const result = await runCli(["init"], { env });
    if (result.code !== 0) throw new Error(`leash init failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  const adminKey = await init();
  const brokers = await Promise.all(Array.from({ length: options.count }, () => startFleetBroker(env)));
  return {
    brokers,
    adminKey,
    env,
    init,
    stop: async () => {
      // A broker still shutting down after 15 s is killed: teardown must not hang the suite (it is reported).
      await Promise.all(
        brokers.map((broker) => {
          const late = setTimeout(() => {
            process.stderr.write(`leash serve at ${broker.url} did not stop on SIGTERM in 15 s; killed\n`);
            void broker.kill("SIGKILL");
          }, 15_000);
          return broker.kill("SIGTERM").finally(() => clearTimeout(late));
        }),
      );
    },
  };
}

/** One `leash serve` on a fleet's `env`, up once /healthz answers: a fleet's brokers, or one started later. */
export async function startFleetBroker(env: Record<string, string>): Promise<FleetBroker> {
  const port = await freePort();
  const child = spawn(process.execPath, [LEASH_BIN, "serve"], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const url = `http://127.0.0.1:${port}`;
  // Generous: three brokers start at once, on a machine that may be busy with other suites.
  const deadline = Date.now() + 75_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`leash serve exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`leash serve at ${url} did not come up: ${stderr}`);
    }
    await sleep(100);
  }
  return {
    url,
    child,
    stderr: () => stderr,
    kill: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}

/** The fleet as plain URLs and processes, for tests that never address one broker's lifecycle. */
export interface ServeFleet {
  urls: string[];
  adminKey: string;
  env: Record<string, string>;
  processes: ChildProcess[];
  stop(): Promise<void>;
}

export async function startServeFleet(options: {
  count: number;
  redisUrl: string;
  env?: Record<string, string>;
}): Promise<ServeFleet> {
  const fleet = await startFleet({
    count: options.count,
    redisUrl: options.redisUrl,
    env: { LOG_LEVEL: "warn", ...options.env },
  });
  return {
    urls: fleet.brokers.map((broker) => broker.url),
    adminKey: fleet.adminKey,
    env: fleet.env,
    processes: fleet.brokers.map((broker) => broker.child),
    stop: fleet.stop,
  };
}
