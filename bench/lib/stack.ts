// Everything the bench measures, started on loopback: Redis, the two HTTP baselines, and leash brokers.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { installLeash, type LeashInstallation, type LeashServer, startLeashServe } from "./leash.ts";
import { freePort } from "./ports.ts";
import { type BenchRedis, startBenchRedis } from "./redis-server.ts";
import { type Service, startService, waitForHttp } from "./service.ts";
import type { BenchSettings } from "./settings.ts";

export interface HttpServer {
  url: string;
  service: Service;
}

export interface Stack {
  workDir: string;
  redis: BenchRedis;
  fastify: HttpServer;
  oidc: HttpServer;
  install: LeashInstallation;
  /** brokers[0] serves the main scenarios; the others join it for the scaling run. */
  brokers: LeashServer[];
  /** The broker run from BENCH_COMPARE_TREE, if any. */
  compare: LeashServer | null;
}

/** A baseline server script from bench/baselines, in its own process, once it answers probePath. */
async function startBaseline(
  name: string,
  script: string,
  logDir: string,
  probePath: string,
): Promise<HttpServer> {
  const port = await freePort();
  const file = fileURLToPath(new URL(`../baselines/${script}`, import.meta.url));
  const service = startService(name, process.execPath, ["--import", "tsx", file], {
    env: { PORT: String(port), NODE_ENV: "production" },
    logFile: join(logDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(service, `${url}${probePath}`);
  return { url, service };
}

export async function startStack(settings: BenchSettings): Promise<Stack> {
  const workDir = await mkdtemp(join(tmpdir(), "leash-bench-"));
  const logDir = join(workDir, "logs");
  await mkdir(logDir, { recursive: true });
  const redis = await startBenchRedis(logDir);
  const [fastify, oidc, install] = await Promise.all([
    startBaseline("fastify-hello", "fastify-hello.ts", logDir, "/"),
    startBaseline("oidc-provider", "oidc-provider.ts", logDir, "/.well-known/openid-configuration"),
    installLeash(workDir, redis.url, settings.logLevel),
  ]);
  const count = settings.phases.includes("scaling") ? Math.max(...settings.scaleProcesses) : 1;
  const brokers = await Promise.all(
    Array.from({ length: count }, (_, i) => startLeashServe(install, `leash-${i + 1}`)),
  );
  const compare = settings.compareTree
    ? await startLeashServe(install, "leash-compare", {
        bin: join(settings.compareTree, "bin", "leash.js"),
        env: { LOG_LEVEL: settings.compareLogLevel },
      })
    : null;
  return { workDir, redis, fastify, oidc, install, brokers, compare };
}

export async function stopStack(stack: Stack, keepWorkDir: boolean): Promise<void> {
  await Promise.all([
    ...stack.brokers.map((b) => b.service.stop()),
    ...(stack.compare ? [stack.compare.service.stop()] : []),
    stack.fastify.service.stop(),
    stack.oidc.service.stop(),
  ]);
  await stack.redis.stop();
  if (!keepWorkDir) await rm(stack.workDir, { recursive: true, force: true });
}
