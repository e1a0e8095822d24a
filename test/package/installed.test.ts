// The package as a user gets it: `npm pack` (which builds dist/), installed into an empty project outside the
// checkout, then the installed `leash` command and the `leash/fastify`, `leash/client` and `leash/sdk` imports.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/principals/totp.ts";
import { runProcess } from "../helpers/cli.ts";
import { freePort } from "../helpers/ports.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

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
let devInfo: {
  url: string;
  agent_key: string;
  admin_key: string;
  security_key: string;
  approver_key: string;
  approver_totp_secret: string;
};

function inProject(command: string, args: string[], options: { input?: string; env?: object } = {}) {
  return runProcess(command, args, {
    cwd: project,
    env: { ...cleanEnv, ...options.env },
    input: options.input,
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
    expect(files).toContain("node_modules/leash/dist/cli/bin.cjs");
    // The agent hook runs from its bundle and the code cache saved next to it, not the compiled tree.
    expect(files).toContain("node_modules/leash/dist/hook/main.cjs");
    expect(files).toContain("node_modules/leash/dist/hook/main.cjs.code-cache");
    expect(files).toContain("node_modules/leash/dist/http/console/index.html");
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    expect(files.filter((f) => f.includes("/test/") || f.includes("/src/"))).toEqual([]);
    expect(files.some((f) => f.includes("node_modules/tsx/"))).toBe(false);
  });

  it("the hook's bundle holds only what every call runs: zod, YAML and commander are read only when needed", async () => {
    const dir = join(project, "node_modules/leash/dist/hook");
    const bundle = await readFile(join(dir, "main.cjs"), "utf8");
    // About 700 KB today (the hook's command and the whole guard, without whitespace or comments); zod alone would
    // add 750 KB, read on every call.
    expect(bundle.length).toBeLessThan(1_200_000);
    // Read on every call: plain ASCII decodes several times faster than text with one character beyond it.
    expect(bundle.match(/[^\t\n\r\x20-\x7e].{0,40}/)?.[0]).toBeUndefined();
    expect(bundle).not.toMatch(/ZodType|\$ZodType/);
    expect(bundle).not.toMatch(/YAMLParseError/);
    // A plain hook call is read without commander (src/cli/hook-argv.ts); it loads only for help and errors.
    expect(bundle).not.toMatch(/CommanderError/);
    for (const name of ["zod", "yaml", "commander"])
      expect(existsSync(join(dir, "vendor", `${name}.cjs`))).toBe(true);
    // Decompression and GraphQL load when a command needs them; graphql-js imported as an ES module would also cost
    // Node's scan of its CommonJS exports on every call.
    const loadedAtStart = (name: string) =>
      new RegExp(
        String.raw`(?:^|[;}])\s*(?:var|const|let) [\w$]+\s*=\s*(?:__toESM\()?require\("${name}`,
        "m",
      );
    expect(bundle).toMatch(loadedAtStart("node:util"));
    expect(bundle).not.toMatch(loadedAtStart("node:zlib"));
    expect(bundle).not.toMatch(loadedAtStart("graphql"));
  });

  it("a hook call compiles almost nothing: V8 takes the code cache the build saved next to the bundle", async () => {
    const script = [
      'const { loadHookBundle } = await import("./node_modules/leash/dist/cli/hook-bundle.cjs");',
      "console.log(JSON.stringify({ used: loadHookBundle().usedCodeCache }));",
    ].join("\n");
    const r = await inProject("node", ["--input-type=module", "-e", script]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ used: true });
  });

  it("a hook call loads neither Node's ES module loader nor its stream and socket modules", async () => {
    // What Node loaded, printed at exit: a bare process, and the installed command answering a hook event.
    const loaded = async (bin?: string) => {
      const script = [
        'process.on("exit", () => process.stderr.write(JSON.stringify(process.moduleLoadList)));',
        bin
          ? `process.argv.splice(1, Infinity, ${JSON.stringify(bin)}, "hook", "claude-code"); require(process.argv[1]);`
          : "",
      ].join("\n");
      const event = {
        hook_event_name: "PreToolUse",
        tool_name: "Bash",
        tool_input: { command: "rm -rf /srv/data" },
      };
      const r = await inProject("node", ["-e", script], { input: JSON.stringify(event) });
      expect(r.code).toBe(0);
      return { stdout: r.stdout, modules: JSON.parse(r.stderr) as string[] };
    };
    const bare = new Set((await loaded()).modules);
    const hook = await loaded(join(project, "node_modules", "leash", "dist", "cli", "bin.cjs"));
    expect(JSON.parse(hook.stdout).hookSpecificOutput.permissionDecision).toBe("ask");
    const added = hook.modules.filter((name) => !bare.has(name));
    expect(added.length).toBeGreaterThan(0);
    expect(
      added.filter((name) =>
        /^NativeModule (net|stream|internal\/streams\/|internal\/modules\/esm\/)/.test(name),
      ),
    ).toEqual([]);
  });

  it("ships docs/, examples/ and scopes/; every relative link a reader can follow from README resolves inside the package", async () => {
    const installed = join(project, "node_modules", "leash");
    for (const file of ["docs/design.md", "docs/performance.md", "examples/mcp.yaml", "scopes/README.md"])
      expect(existsSync(join(installed, file)), file).toBe(true);
    // README, then every Markdown file it links to, and theirs: what someone reading node_modules/leash/ can reach.
    const queue = [join(installed, "README.md")];
    const read = new Set<string>();
    let links = 0;
    while (queue.length > 0) {
      const document = queue.shift()!;
      if (read.has(document)) continue;
      read.add(document);
      const name = relative(installed, document);
      for (const [, target] of (await readFile(document, "utf8")).matchAll(/\]\(([^)\s]+)\)/g)) {
        expect(target, `${name} links outside the package`).not.toMatch(/^[a-z]+:/i);
        const path = target!.split("#")[0]!;
        if (!path) continue;
        const resolved = join(dirname(document), path);
        expect(relative(installed, resolved).startsWith(".."), `${name}: ${target}`).toBe(false);
        expect(existsSync(resolved), `${name}: ${target} is not in the package`).toBe(true);
        links++;
        if (resolved.endsWith(".md")) queue.push(resolved);
      }
    }
    expect(read.size).toBeGreaterThan(10);
    expect(links).toBeGreaterThan(15);
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

/** A README snippet run by bash in the project, as a user pastes it. */
const sh = (script: string, env: Record<string, string> = {}) => inProject("bash", ["-c", script], { env });

describe("README's commands, as written, in the installed project", () => {
  const agent = () => ({ LEASH_URL: devInfo.url, LEASH_AGENT_KEY: devInfo.agent_key });

  it("the tour: mint with --format env; the token verifies in staging and is refused in production", async () => {
    const r = await sh(
      `eval "$(npx --no leash token --scope staging-fix --intent 'fix the failing staging deploy' --format env)"
echo $LEASH_TASK $LEASH_ENV
printf %s "$LEASH_TOKEN" | npx leash verify --env staging
printf %s "$LEASH_TOKEN" | npx leash verify --env production; echo "exit $?"`,
      agent(),
    );
    expect(r.stdout, r.stderr).toMatch(/^task_\S+ staging\n/);
    expect(r.stdout).toMatch(/\nvalid in staging\n/);
    expect(r.stdout).toMatch(/\nexit 1\n$/);
    expect(r.stderr).toMatch(/leash: token refused: .*\(wrong_environment\)/);
  });

  it("the agent hooks from README: installed into their own prefix, judged, unmoved by the project, blocking when leash cannot run", async () => {
    const readme = await readFile(join(project, "node_modules/leash/README.md"), "utf8");
    const install = readme.match(/^npm install --global --prefix [^#\n]*/m)?.[0]?.trim();
    expect(install).toBe("npm install --global --prefix ~/.leash ./leash-0.1.0.tgz");
    const commands = new Set([...readme.matchAll(/"command": "([^"]*leash hook [^"]*)"/g)].map((m) => m[1]!));
    expect([...commands].sort()).toEqual([
      "~/.leash/bin/leash hook claude-code || exit 2",
      "~/.leash/bin/leash hook cursor || exit 2",
    ]);
    // README's install, as written, next to the packed tarball, into a home of the test's own; npm's cache stays the
    // machine's, so the dependencies come from it.
    const home = join(work, "home");
    await run("mkdir", ["-p", home]);
    const asUser = {
      HOME: home,
      npm_config_cache: join(process.env.HOME!, ".npm"),
      npm_config_prefer_offline: "true",
    };
    const installed = await runProcess("bash", ["-c", install!], {
      cwd: work,
      env: { ...cleanEnv, ...asUser, npm_config_audit: "false", npm_config_fund: "false" },
    });
    expect(installed.code, installed.stderr).toBe(0);
    expect(existsSync(join(home, ".leash/bin/leash"))).toBe(true);

    // A hostile project: a leash of its own in node_modules/.bin that has no opinion on anything, and an .npmrc whose
    // node-options would load its code into every program npx starts. Neither is what the hook runs.
    const hostile = join(work, "hostile");
    await run("mkdir", ["-p", join(hostile, "node_modules/.bin")]);
    await writeFile(join(hostile, "package.json"), JSON.stringify({ name: "hostile", version: "1.0.0" }));
    await writeFile(join(hostile, "node_modules/.bin/leash"), "#!/bin/sh\necho '{}'\n", { mode: 0o755 });
    await writeFile(
      join(hostile, "loaded.cjs"),
      'require("node:fs").writeFileSync(__dirname + "/loaded", "")\n',
    );
    await writeFile(join(hostile, ".npmrc"), `node-options=--require=${join(hostile, "loaded.cjs")}\n`);
    const event = (hook: string, command: string) =>
      JSON.stringify(
        hook.includes("claude-code")
          ? { tool_name: "Bash", tool_input: { command } }
          : { hook_event_name: "beforeShellExecution", command },
      );
    for (const hook of commands) {
      for (const cwd of [project, hostile]) {
        const call = (command: string, env: object = asUser) =>
          runProcess("bash", ["-c", hook], {
            cwd,
            env: { ...cleanEnv, ...env },
            input: event(hook, command),
          });
        const safe = await call("git status");
        expect(safe.stdout.trim(), `${hook}: ${safe.stderr}`).toBe("{}");
        const destructive = await call("rm -rf /srv/app");
        expect(destructive.code, destructive.stderr).toBe(0);
        expect(destructive.stdout, `${hook} in ${cwd}`).toContain('"ask"');
        // Where that leash is missing, the hook exits 2, which the agents read as a block.
        const missing = await call("git status", { HOME: join(work, "nobody") });
        expect(missing.code, hook).toBe(2);
      }
    }
    expect(existsSync(join(hostile, "loaded"))).toBe(false);
  });

  it("a human approves a production delete: leash approvals, leash approve with the code", async () => {
    const minted = await sh(
      `npx leash token --scope production-ops --intent 'remove the orphaned volume' --format json`,
      agent(),
    );
    const { token } = JSON.parse(minted.stdout);
    const resource = "railway:prj_demo/env/production/volume/vol_orphan";
    const authorize = (headers: Record<string, string> = {}) =>
      fetch(`${devInfo.url}/v1/authorize`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ token, action: "volume:delete", resource }),
      }).then((response) => response.json());
    const held = await authorize();
    expect(held.reason).toBe("approval_required");
    const approver = { LEASH_URL: devInfo.url, LEASH_HUMAN_KEY: devInfo.approver_key };
    const listed = await sh("npx leash approvals", approver);
    expect(listed.stdout, listed.stderr).toContain(held.approval_id);
    expect(listed.stdout).toContain("vol_orphan");
    const approved = await inProject("npx", ["leash", "approve", held.approval_id, "--code", "-"], {
      env: approver,
      input: currentTotp(devInfo.approver_totp_secret, Date.now()),
    });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^approved\n/);
    expect((await authorize({ "leash-approval": held.approval_id })).allow).toBe(true);
  });

  it("admins: agents create and disable, humans create, enroll from a file and confirm-totp; scopes lint", async () => {
    const admin = { LEASH_URL: devInfo.url, LEASH_HUMAN_KEY: devInfo.admin_key };
    const bot = await sh(
      `npx leash agents create --id ci-bot --scopes 'staging-*' | grep -o 'lsk_[A-Za-z0-9_-]*'`,
      admin,
    );
    expect(bot.stdout, bot.stderr).toMatch(/^lsk_\S+\n$/);
    expect((await sh("npx leash agents disable ci-bot", admin)).stdout).toMatch(/^agent ci-bot disabled\n/);

    const alice = await sh("npx leash humans create --id alice --roles approver:sre --json", admin);
    const created = JSON.parse(alice.stdout);
    await writeFile(join(project, "enrolment.txt"), created.enrolment.token, { mode: 0o600 });
    const asAlice = { LEASH_URL: devInfo.url, LEASH_HUMAN_KEY: created.api_key };
    const enrolled = await sh("npx leash humans enroll --token-file enrolment.txt", asAlice);
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const secret = /^\s+secret\s+(\S+)$/m.exec(enrolled.stdout)![1]!;
    const confirmed = await sh(
      `npx leash humans confirm-totp --code ${currentTotp(secret, Date.now())}`,
      asAlice,
    );
    expect(confirmed.stdout, confirmed.stderr).toMatch(/^human alice confirmed TOTP enrolment\n/);

    const lint = await sh("cp -r node_modules/leash/scopes . && npx leash scopes lint scopes/");
    expect(lint.stdout, lint.stderr).toMatch(/^OK \d+ scopes/);
    const mcp = await sh("npx leash mcp lint --config node_modules/leash/examples/mcp.yaml --scopes scopes");
    expect(mcp.code, mcp.stderr).toBe(0);
  });

  it("every leash command README and the docs name in code is one the installed leash has", async () => {
    // `leash <command> [<subcommand>]` in code spans and blocks (not in a block's # comments); each must answer its
    // own --help, so that no instruction names a command the package does not have.
    const installed = join(project, "node_modules", "leash");
    const files = ["README.md", ...(await readdir(join(installed, "docs"))).map((f) => `docs/${f}`)];
    const named = new Set<string>();
    for (const file of files.filter((f) => f.endsWith(".md"))) {
      const text = await readFile(join(installed, file), "utf8");
      const code = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) =>
        m[1] === undefined ? m[2]! : m[1].replace(/(?:^|\s)#.*$/gm, ""),
      );
      const command =
        /(?:^|[\s;&|($])(?:npx (?:--no )?|node_modules\/\.bin\/|~\/\.leash\/bin\/)?leash ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?/g;
      for (const piece of code)
        for (const m of piece.matchAll(command)) named.add(m[2] ? `${m[1]} ${m[2]}` : m[1]!);
    }
    expect(named.size).toBeGreaterThan(30);
    const missing: string[] = [];
    for (const words of [...named].sort()) {
      const [first, second] = words.split(" ");
      const r = await inProject(join(project, "node_modules/.bin/leash"), [...words.split(" "), "--help"]);
      const usage = r.stdout.split("\n")[0] ?? "";
      // A second word is the subcommand when the command has subcommands, else one of its arguments.
      const known =
        r.code === 0 &&
        (usage.startsWith(`Usage: leash ${words} `) ||
          (second !== undefined &&
            usage.startsWith(`Usage: leash ${first} `) &&
            !usage.includes("[command]")));
      if (!known) missing.push(`${words}: ${usage || r.stderr.trim().split("\n")[0]}`);
    }
    expect(missing).toEqual([]);
  });

  it("the guard's lines, with their exit statuses", async () => {
    await writeFile(
      join(project, "my-commands.jsonl"),
      '{"cmd": "ls -la", "destructive": false}\n{"cmd": "rm -rf /var/lib/postgresql", "destructive": true}\n',
    );
    const r =
      await sh(`npx leash guard check --env staging "kubectl --context prod delete ns payments"; echo "exit $?"
npx leash guard check --env production "psql -c 'DROP TABLE users'"; echo "exit $?"
npx leash guard check "aws rds delete-db-snapshot --db-snapshot-identifier nightly"; echo "exit $?"
echo '{"cmd": "terraform plan -destroy"}' | npx leash guard check --jsonl; echo "exit $?"
npx leash guard eval my-commands.jsonl; echo "exit $?"`);
    const exits = [...r.stdout.matchAll(/^exit (\d+)$/gm)].map((m) => Number(m[1]));
    expect(exits, r.stdout + r.stderr).toEqual([3, 2, 3, 0, 0]);
    expect(r.stdout).toMatch(/^DENY .*\n(.*\n)*.*environment_mismatch/m);
    expect(r.stdout).toMatch(/^\{"line":1,.*"decision":"(allow|ask|deny)"/m);
  });

  it("revoke puts a lock on the agent; leash locks lists it and leash locks remove lifts it", async () => {
    const security = { LEASH_URL: devInfo.url, LEASH_HUMAN_KEY: devInfo.security_key };
    const revoked = await sh(
      `npx leash revoke --agent dev-agent --reason "agent misbehaving" --ttl 1h`,
      security,
    );
    expect(revoked.stdout, revoked.stderr).toMatch(/^revoked agent dev-agent in .*\nlocked: lock_\S+/);
    const locks = await sh("npx leash locks --json", security);
    const [lock] = JSON.parse(locks.stdout).locks;
    expect(lock.target).toEqual({ kind: "agent", value: "dev-agent" });
    const minted = await sh("npx leash token --scope staging-fix --intent 'while locked'", agent());
    expect(minted.stderr).toContain("(locked)");
    const removed = await sh(`npx leash locks remove ${lock.id}`, security);
    expect(removed.stdout, removed.stderr).toMatch(/^lifted lock_/);
  });
});

describe("running leash for real, from the installed package (README)", () => {
  let redis: RedisServer;
  let serve: ChildProcess | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    if (serve?.pid && serve.exitCode === null) process.kill(-serve.pid, "SIGTERM");
    await redis?.stop();
  });

  it("init, serve, an agent from the first admin, a staging-fix mint without Vault, verify with LEASH_URL", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      REDIS_URL: redis.url,
      LEASH_KEYS_DIR: "./keys",
      LEASH_ISSUER: url,
      LEASH_CREDENTIALS_WITHOUT_VAULT: "omit",
      PORT: String(port),
    };
    // The README's way to get scopes in a project that installed leash.
    await sh("[ -d scopes ] || cp -r node_modules/leash/scopes .");
    const init = await inProject("npx", ["leash", "init"], { env });
    expect(init.code, init.stderr).toBe(0);
    const adminKey = init.stdout.trim();
    expect(adminKey).toMatch(/^lsh_/);
    serve = spawn("npx", ["leash", "serve"], { cwd: project, env: { ...cleanEnv, ...env }, detached: true });
    let ready = false;
    for (let i = 0; i < 600 && !ready; i++) {
      ready = await fetch(`${url}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (!ready) await sleep(100);
    }
    expect(ready).toBe(true);
    const agentKey = (
      await sh(`npx leash agents create --id agent-1 --scopes 'staging-*' | grep -o 'lsk_[A-Za-z0-9_-]*'`, {
        LEASH_URL: url,
        LEASH_HUMAN_KEY: adminKey,
      })
    ).stdout.trim();
    const r = await sh(
      `eval "$(npx leash token --scope staging-fix --intent 'fix the staging database' --format env)"
printf %s "$LEASH_TOKEN" | npx leash verify --env staging --json`,
      { LEASH_URL: url, LEASH_AGENT_KEY: agentKey },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      env: "staging",
      scope_id: "staging-fix",
      iss: `${url}/envs/staging`,
    });
  });
});
