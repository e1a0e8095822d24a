// Several real `leash serve` processes sharing one Redis, set up the way an operator would: keys init, init, serve.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { LEASH_BIN, runCli } from "./cli.ts";
import { freePort } from "./ports.ts";

export interface ServeFleet {
  urls: string[];
  adminKey: string;
  env: Record<string, string>;
  processes: ChildProcess[];
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`leash serve exited with ${child.exitCode}: ${logs()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`leash serve at ${url} did not come up: ${logs()}`);
}

export async function startServeFleet(options: {
  count: number;
  redisUrl: string;
  env?: Record<string, string>;
}): Promise<ServeFleet> {
  const keysDir = join(await mkdtemp(join(tmpdir(), "leash-keys-")), "keys");
  const env = {
    REDIS_URL: options.redisUrl,
    LEASH_KEYS_DIR: keysDir,
    LEASH_SCOPES_DIR: SHIPPED_SCOPES_DIR,
    LEASH_ISSUER: "http://leash.test",
    LOG_LEVEL: "warn",
    // No Vault here: staging-fix (which asks for Vault credentials) mints without them, as in dev mode.
    LEASH_CREDENTIALS_WITHOUT_VAULT: "omit",
    ...options.env,
  };
  const init = await runCli(["init"], { env });
  if (init.code !== 0) throw new Error(`leash init failed: ${init.stderr}`);
  const adminKey = init.stdout.trim();

  const processes: ChildProcess[] = [];
  const urls: string[] = [];
  await Promise.all(
    Array.from({ length: options.count }, async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [LEASH_BIN, "serve"], {
        env: { ...process.env, ...env, PORT: String(port) },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr!.on("data", (chunk) => {
        stderr += chunk;
      });
      processes.push(child);
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url, child, () => stderr);
      urls.push(url);
    }),
  );

  return {
    urls,
    adminKey,
    env,
    processes,
    async stop() {
      await Promise.all(
        processes.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
