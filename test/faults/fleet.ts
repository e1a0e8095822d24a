// Real `leash serve` processes for fault tests, each addressable on its own (to SIGKILL one), with their own scopes
// and settings; plus the small HTTP and timing helpers the fault and soak tests share.
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { LEASH_BIN, runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/ports.ts";

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
  const dir = await mkdtemp(join(tmpdir(), "leash-fault-scopes-"));
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
  const keysDir = join(await mkdtemp(join(tmpdir(), "leash-fault-keys-")), "keys");
  const env: Record<string, string> = {
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    LEASH_KEYS_DIR: keysDir,
    LEASH_SCOPES_DIR: options.scopesDir ?? SHIPPED_SCOPES_DIR,
    LEASH_ISSUER: "http://leash.test",
    LOG_LEVEL: "error",
    LEASH_CREDENTIALS_WITHOUT_VAULT: "omit",
    ...options.env,
  };
  const init = async () => {
    const result = await runCli(["init"], { env });
    if (result.code !== 0) throw new Error(`leash init failed: ${result.stderr}`);
    return result.stdout.trim();
  };
  const adminKey = await init();
  const brokers = await Promise.all(Array.from({ length: options.count }, () => startBroker(env)));
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

async function startBroker(env: Record<string, string>): Promise<FleetBroker> {
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

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
  body: any;
  /** Date.now() when the request was sent and when the answer (or the failure) came back. */
  sentAt: number;
  answeredAt: number;
}

/** One JSON request that never throws: a transport failure is status 0. Bounded by `timeoutMs`. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const sentAt = Date.now();
  try {
    const response = await fetch(new URL(path, url), {
      method,
      headers: {
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.status, body, sentAt, answeredAt: Date.now() };
  } catch (error) {
    return { status: 0, body: { error: String(error) }, sentAt, answeredAt: Date.now() };
  }
}

/** Polls `attempt` until `done`; returns the last value and how long it took. */
export async function waitFor<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() - started > timeoutMs) return { value, ms: Date.now() - started };
    await sleep(50);
  }
}

/** Creates an agent (all scopes) and a security human through the API; returns their keys. */
export async function principals(url: string, adminKey: string, suffix: string) {
  const agent = await call(url, "POST", "/v1/agents", {
    key: adminKey,
    body: { id: `agent-${suffix}`, scopes: ["*"] },
  });
  const security = await call(url, "POST", "/v1/humans", {
    key: adminKey,
    body: { id: `sec-${suffix}`, roles: ["security"] },
  });
  if (agent.status !== 201 || security.status !== 201)
    throw new Error(`principals: ${JSON.stringify([agent.body, security.body])}`);
  return { agentKey: agent.body.api_key as string, securityKey: security.body.api_key as string };
}

export const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Figures the fault tests print at the end, one line each, for the README. */
export const figures: string[] = [];
