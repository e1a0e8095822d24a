// leash set up the way an operator would: a scopes directory, `leash keys init`, `leash init`, then `leash serve`
// processes on the bench's Redis; agents, humans and tokens through the admin API.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import { freePort } from "../../test/helpers/ports.ts";
import { type Service, startService, waitForHttp } from "./service.ts";

/** The compiled CLI, as an installed package runs it (`npm run build`); the TypeScript sources would measure tsx. */
export const LEASH_BIN = compiledLeash(fileURLToPath(new URL("../..", import.meta.url)));

/** A checkout's compiled `leash` command; throws unless `npm run build` has made it. */
export function compiledLeash(tree: string): string {
  // Checkouts from before the command became CommonJS have dist/cli/bin.js.
  const bin = [join(tree, "dist", "cli", "bin.cjs"), join(tree, "dist", "cli", "bin.js")].find((file) =>
    existsSync(file),
  );
  if (!bin) throw new Error(`${tree} has no compiled CLI: run \`npm run build\` there first`);
  return bin;
}
const SHIPPED_SCOPES = fileURLToPath(new URL("../../scopes", import.meta.url));

const STAGING_RESOURCES = ["railway:prj_demo/env/staging/**"];
export const STAGING_VOLUME = "railway:prj_demo/env/staging/volumes/vol_bench";

/** Bench-only scopes, added next to the shipped ones so the shipped set (and its lint) is what runs. */
const BENCH_SCOPES: Record<string, Record<string, unknown>> = {
  // The authorize allow path with a blast-radius counter on the action, high enough never to be reached.
  "bench-counted": {
    description: "Bench - read staging volumes; every call counted against a limit the run never reaches",
    environment: "staging",
    agents: ["bench-*"],
    actions: ["volume:read", "service:read"],
    resources: STAGING_RESOURCES,
    ttl: { default: "1h", max: "1h" },
    limits: [
      { match: { action: "volume:read" }, max: 1_000_000_000, per: "10s", key: "task", on_exceed: "deny" },
    ],
  },
  // The allow path with no counter at all: verify + revocation only.
  "bench-open": {
    description: "Bench - read staging volumes, no limits",
    environment: "staging",
    agents: ["bench-*"],
    actions: ["volume:read", "service:read"],
    resources: STAGING_RESOURCES,
    ttl: { default: "1h", max: "1h" },
  },
  // One call per hour per task: after the first, every authorize is `rate_limited`.
  "bench-tight": {
    description: "Bench - one volume read per task per hour",
    environment: "staging",
    agents: ["bench-*"],
    actions: ["volume:read"],
    resources: STAGING_RESOURCES,
    ttl: { default: "1h", max: "1h" },
    limits: [{ match: { action: "volume:read" }, max: 1, per: "1h", key: "task", on_exceed: "deny" }],
  },
};

export interface LeashInstallation {
  env: Record<string, string>;
  adminKey: string;
  scopesDir: string;
  keysDir: string;
  logDir: string;
}

function runLeash(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LEASH_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

/** A staging-fix copy without Vault credentials, for when minting staging-fix needs a Vault the bench lacks. */
async function stagingFixWithoutVault(scopesDir: string): Promise<void> {
  const scope = YAML.parse(await readFile(join(scopesDir, "staging-fix.yaml"), "utf8")) as Record<
    string,
    unknown
  >;
  delete scope.credentials;
  scope.description = `${String(scope.description)} (bench copy without Vault credentials)`;
  await writeFile(join(scopesDir, "bench-staging-fix.yaml"), YAML.stringify(scope));
}

export interface InstallOptions {
  /** How leash reaches Redis instead of REDIS_URL, e.g. { REDIS_CLUSTER_NODES } (bench/lib/cluster.ts). */
  redisEnv?: Record<string, string>;
  /** Changes the scopes directory before keys and `leash init` (extra environments). */
  extendScopes?: (scopesDir: string) => Promise<void>;
}

export async function installLeash(
  workDir: string,
  redisUrl: string,
  logLevel: string,
  options: InstallOptions = {},
): Promise<LeashInstallation> {
  const scopesDir = join(workDir, "scopes");
  const keysDir = join(workDir, "keys");
  const logDir = join(workDir, "logs");
  await mkdir(logDir, { recursive: true });
  await cp(SHIPPED_SCOPES, scopesDir, { recursive: true });
  for (const [id, scope] of Object.entries(BENCH_SCOPES)) {
    await writeFile(join(scopesDir, `${id}.yaml`), YAML.stringify(scope));
  }
  await stagingFixWithoutVault(scopesDir);
  await options.extendScopes?.(scopesDir);
  const env = {
    ...(options.redisEnv ?? { REDIS_URL: redisUrl }),
    LEASH_KEYS_DIR: keysDir,
    LEASH_SCOPES_DIR: scopesDir,
    LEASH_ISSUER: "http://leash.bench",
    LOG_LEVEL: logLevel,
  };
  const keys = await runLeash(["keys", "init", "--dir", keysDir, "--scopes-dir", scopesDir], env);
  if (keys.code !== 0) throw new Error(`leash keys init failed: ${keys.err}`);
  const init = await runLeash(["init"], env);
  if (init.code !== 0) throw new Error(`leash init failed: ${init.err}`);
  return { env, adminKey: init.out.trim(), scopesDir, keysDir, logDir };
}

export interface LeashServer {
  url: string;
  service: Service;
}

export interface ServeOptions {
  /** Node options before the script, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Another checkout's compiled CLI, to measure a change next to the current tree in the same run. */
  bin?: string;
  /** Extra environment, e.g. a different LOG_LEVEL. */
  env?: Record<string, string>;
}

/** One `leash serve` process on the installation's Redis, keys and scopes. */
export async function startLeashServe(
  install: LeashInstallation,
  name: string,
  options: ServeOptions = {},
): Promise<LeashServer> {
  const port = await freePort();
  const args = [...(options.nodeArgs ?? []), options.bin ?? LEASH_BIN, "serve"];
  const service = startService(name, process.execPath, args, {
    env: { ...install.env, ...options.env, PORT: String(port) },
    logFile: join(install.logDir, `${name}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(service, `${url}/healthz`);
  return { url, service };
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function callApi(
  url: string,
  path: string,
  options: { key?: string; body?: unknown; method?: string } = {},
): Promise<ApiAnswer> {
  const response = await fetch(`${url}${path}`, {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers: {
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

export async function expectApi(
  url: string,
  path: string,
  options: { key?: string; body?: unknown; method?: string },
  status: number,
): Promise<Record<string, unknown>> {
  const answer = await callApi(url, path, options);
  if (answer.status !== status) {
    throw new Error(`${path}: expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body;
}

export interface MintedToken {
  token: string;
  jti: string;
  task: string;
}

export async function mintToken(url: string, agentKey: string, scope: string): Promise<MintedToken> {
  const body = await expectApi(
    url,
    "/v1/tokens",
    { key: agentKey, body: { scope, task: { intent: `bench: ${scope}` }, ttl: "1h" } },
    201,
  );
  const granted = body.granted as { jti: string };
  const task = body.task as { id: string };
  return { token: String(body.token), jti: granted.jti, task: task.id };
}
