// The package as a user gets it: `npm pack` (which builds dist/), installed into an empty project outside the
// checkout, then the installed `leash` command and the `leash/fastify`, `leash/client` and `leash/sdk` imports.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));

/** The parent's environment without anything of leash's, so the installed package is seen as a stranger sees it. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("LEASH_") && !name.startsWith("npm_")),
);

let work: string;
let project: string;
let dev: ChildProcess | undefined;
let devInfo: { url: string; agent_key: string };

function inProject(command: string, args: string[], options: { input?: string; env?: object } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd: project, env: { ...cleanEnv, ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "leash-package-"));
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: ROOT,
    env: cleanEnv,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as [
    { filename: string },
  ];
  project = join(work, "app");
  await run("mkdir", [project]);
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "uses-leash", version: "1.0.0", private: true, type: "module" }),
  );
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      join(work, filename),
      `fastify@${manifest.dependencies.fastify}`,
    ],
    { cwd: project, env: cleanEnv, maxBuffer: 64 * 1024 * 1024 },
  );

  // `leash dev --json --port 0`: one JSON line on stdout once the broker listens.
  dev = spawn("npx", ["leash", "dev", "--json", "--port", "0"], {
    cwd: project,
    env: cleanEnv,
    detached: true,
  });
  devInfo = await new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    dev!.stdout!.on("data", (chunk) => {
      out += chunk;
      const newline = out.indexOf("\n");
      if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)));
    });
    dev!.stderr!.on("data", (chunk) => {
      err += chunk;
    });
    dev!.on("exit", (code) => reject(new Error(`leash dev exited (${code}): ${err}`)));
  });
});

afterAll(async () => {
  // npx runs leash as its child: stop the whole process group this test started.
  if (dev?.pid && dev.exitCode === null) process.kill(-dev.pid, "SIGTERM");
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the packed package, installed in an empty project", () => {
  it("ships compiled JavaScript and no TypeScript sources or test files", async () => {
    const { stdout } = await run("find", ["node_modules/leash", "-type", "f"], { cwd: project });
    const files = stdout.trim().split("\n");
    expect(files).toContain("node_modules/leash/dist/cli/bin.js");
    expect(files).toContain("node_modules/leash/dist/http/console/index.html");
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((f) => f.includes("/test/") || f.includes("/src/"))).toEqual([]);
    expect(files.some((f) => f.includes("node_modules/tsx/"))).toBe(false);
  });

  it("npx leash --version prints the package's version", async () => {
    const r = await inProject("npx", ["leash", "--version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(manifest.version);
  });

  it("npx leash dev --json --port 0 runs a broker that answers", async () => {
    expect(devInfo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await fetch(`${devInfo.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("the Claude Code hook answers a PreToolUse event on stdin", async () => {
    const event = JSON.stringify({
      session_id: "s",
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      tool_input: { command: "kubectl --context prod delete ns payments" },
    });
    const r = await inProject("npx", ["leash", "hook", "claude-code"], {
      input: event,
      env: { LEASH_ENV: "staging" },
    });
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout);
    expect(answer.hookSpecificOutput.permissionDecision).toBe("deny");
    expect(answer.hookSpecificOutput.permissionDecisionReason).toContain("environment_mismatch");
  });

  it("npx leash guard check classifies a command", async () => {
    const r = await inProject("npx", ["leash", "guard", "check", "--env", "staging", "terraform plan"]);
    expect(r.code, r.stderr).toBe(0);
    const denied = await inProject("npx", [
      "leash",
      "guard",
      "check",
      "aws rds delete-db-snapshot --db-snapshot-identifier nightly",
    ]);
    expect(denied.code).toBe(3);
  });

  it("a Fastify app importing leash/fastify accepts its environment's token and refuses the other's", async () => {
    await writeFile(
      join(project, "server.mjs"),
      `import Fastify from "fastify";
import { leashResourceServer } from "leash/fastify";
import { EnvironmentJwks, verifyTaskToken } from "leash/client";
import { LeashClient } from "leash/sdk";

const { url, agent_key } = JSON.parse(process.env.LEASH_DEV);
const task = await new LeashClient({ url, agentKey: agent_key }).mintTaskToken({
  scope: "staging-fix",
  intent: "check the installed package",
});

async function call(environment) {
  const app = Fastify();
  await app.register(leashResourceServer, { brokerUrl: url, environment });
  app.get(
    "/volumes/:id",
    { config: { leash: { action: "volume:read", resource: (req) => "railway:prj_demo/env/" + environment + "/volume/" + req.params.id } } },
    async () => ({ ok: true }),
  );
  const response = await app.inject({ method: "GET", url: "/volumes/vol_1", headers: { authorization: "Bearer " + task.token } });
  await app.close();
  return { status: response.statusCode, body: response.json() };
}

const jwks = await new EnvironmentJwks(url, "staging").jwks();
const claims = await verifyTaskToken(task.token, { environment: "staging", jwks, issuer: url });
console.log(JSON.stringify({ staging: await call("staging"), production: await call("production"), env: claims.env }));
`,
    );
    const r = await inProject("node", ["server.mjs"], { env: { LEASH_DEV: JSON.stringify(devInfo) } });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.env).toBe("staging");
    expect(result.staging).toEqual({ status: 200, body: { ok: true } });
    expect(result.production.status).toBe(403);
    expect(result.production.body.code).toBe("wrong_environment");
  });

  it("the entry points carry types a TypeScript project resolves", async () => {
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ["consumer.ts"],
      }),
    );
    await writeFile(
      join(project, "consumer.ts"),
      `import { verifyTaskToken, type TaskTokenClaims } from "leash/client";
import { leashResourceServer, type LeashResourceServerOptions } from "leash/fastify";
import { LeashClient, LeashProblemError } from "leash/sdk";

const options: LeashResourceServerOptions = { brokerUrl: "http://127.0.0.1:8080", environment: "staging" };
const client = new LeashClient({ url: options.brokerUrl, agentKey: "lsk_x" });
export async function check(token: string): Promise<string> {
  const claims: TaskTokenClaims = await verifyTaskToken(token, { environment: "staging", jwks: { keys: [] }, issuer: options.brokerUrl });
  const decision = await client.authorize({ token, action: "volume:read", resource: "x" });
  return \`\${claims.env} \${decision.allow} \${leashResourceServer.name} \${LeashProblemError.name}\`;
}
// @ts-expect-error: the SDK's requests are typed
client.authorize({ token: 1 });
`,
    );
    const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = await inProject("node", [tsc, "-p", "tsconfig.json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
