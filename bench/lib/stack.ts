// Everything the bench measures, started on loopback: Redis, the two HTTP baselines, and leash brokers.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../test/helpers/ports.ts";
import {
  compiledLeash,
  installLeash,
  type LeashInstallation,
  type LeashServer,
  startLeashServe,
} from "./leash.ts";
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
  /** The do-it-yourself authorize route (bench/baselines/diy-authorize.ts), with and without a verify cache. */
  diyCached: HttpServer;
  diyUncached: HttpServer;
  install: LeashInstallation;
  /** brokers[0] serves the main scenarios; the others join it for the scaling run. */
  brokers: LeashServer[];
  /** The broker run from BENCH_COMPARE_TREE, if any. */
  compare: LeashServer | null;
}

const BASELINES = fileURLToPath(new URL("../baselines", import.meta.url));
/** Inside the checkout, so that the compiled baselines find the packages they import in its node_modules. */
const COMPILED_BASELINES = fileURLToPath(new URL("../.build/baselines", import.meta.url));

/**
 * The baselines compiled to JavaScript, as their authors would ship them: leash runs compiled too, and neither pays
 * for tsx's loader or its wrapping of every function it names.
 */
async function compileBaselines(): Promise<void> {
  const { build } = await import("esbuild");
  const scripts = (await readdir(BASELINES)).filter((name) => name.endsWith(".ts"));
  await build({
    entryPoints: scripts.map((name) => join(BASELINES, name)),
    outdir: COMPILED_BASELINES,
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    logLevel: "warning",
  });
}

/** A baseline server script from bench/baselines, compiled, in its own process, once it answers probePath. */
async function startBaseline(
  name: string,
  script: string,
  logDir: string,
  probePath: string,
  env: Record<string, string> = {},
): Promise<HttpServer> {
  const port = await freePort();
  const file = join(COMPILED_BASELINES, script.replace(/\.ts$/, ".mjs"));
  const service = startService(name, process.execPath, [file], {
    env: { ...env, PORT: String(port), NODE_ENV: "production" },
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
  const [redis] = await Promise.all([startBenchRedis(logDir), compileBaselines()]);
  const [fastify, oidc, install] = await Promise.all([
    startBaseline("fastify-hello", "fastify-hello.ts", logDir, "/"),
    startBaseline("oidc-provider", "oidc-provider.ts", logDir, "/.well-known/openid-configuration"),
    installLeash(workDir, redis.url, settings.logLevel),
  ]);
  const count = settings.phases.includes("scaling") ? Math.max(...settings.scaleProcesses) : 1;
  const brokers = await Promise.all(
    Array.from({ length: count }, (_, i) => startLeashServe(install, `leash-${i + 1}`)),
  );
  const diy = await diyEnvironment(brokers[0]!.url, install.env.LEASH_ISSUER!, redis.url);
  const [diyCached, diyUncached] = await Promise.all(
    (["1", "0"] as const).map((cache) =>
      startBaseline(`diy-authorize-cache-${cache}`, "diy-authorize.ts", logDir, "/", {
        ...diy,
        DIY_VERIFY_CACHE: cache,
      }),
    ),
  );
  const compare = settings.compareTree
    ? await startLeashServe(install, "leash-compare", {
        bin: compiledLeash(settings.compareTree),
        env: {
          LOG_LEVEL: settings.compareLogLevel,
          ...(settings.compareNodeOptions === undefined ? {} : { NODE_OPTIONS: settings.compareNodeOptions }),
        },
      })
    : null;
  return {
    workDir,
    redis,
    fastify,
    oidc,
    diyCached: diyCached!,
    diyUncached: diyUncached!,
    install,
    brokers,
    compare,
  };
}

/** The environment the DIY authorize route verifies for: the bench environment's public key, issuer and audience. */
export const DIY_ENVIRONMENT = "staging";

async function diyEnvironment(
  leashUrl: string,
  issuer: string,
  redisUrl: string,
): Promise<Record<string, string>> {
  const response = await fetch(`${leashUrl}/v1/envs/${DIY_ENVIRONMENT}/jwks.json`);
  const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
  if (keys.length !== 1) throw new Error(`expected one ${DIY_ENVIRONMENT} key, got ${keys.length}`);
  return {
    REDIS_URL: redisUrl,
    DIY_PUBLIC_JWK: JSON.stringify(keys[0]),
    DIY_ISSUER: `${issuer}/envs/${DIY_ENVIRONMENT}`,
    DIY_AUDIENCE: `urn:leash:env:${DIY_ENVIRONMENT}`,
  };
}

export async function stopStack(stack: Stack, keepWorkDir: boolean): Promise<void> {
  await Promise.all([
    ...stack.brokers.map((b) => b.service.stop()),
    ...(stack.compare ? [stack.compare.service.stop()] : []),
    stack.fastify.service.stop(),
    stack.oidc.service.stop(),
    stack.diyCached.service.stop(),
    stack.diyUncached.service.stop(),
  ]);
  await stack.redis.stop();
  if (!keepWorkDir) await rm(stack.workDir, { recursive: true, force: true });
}
