// The HTTP scenarios: identities and tokens made through leash's admin API, and what each scenario sends where.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { newTaskId } from "../../src/issuance/issue-task-token.ts";
import { loadKeyRings } from "../../src/keys/key-directory.ts";
import type { TaskTokenClaims } from "../../src/tokens/claims.ts";
import { mintTaskToken } from "../../src/tokens/mint-task-token.ts";
import { BENCH_OPAQUE_RESOURCE, introspectionRequest, tokenRequest } from "../baselines/oidc-client.ts";
import { callApi, expectApi, mintToken, STAGING_VOLUME } from "./leash.ts";
import type { RowKind } from "./report.ts";
import type { Stack } from "./stack.ts";

type Check = (status: number, body: Record<string, unknown>) => boolean;

/** One HTTP scenario: what to send, which server gets it, and a check (run before measuring) of the answer. */
export interface HttpScenario {
  id: string;
  label: string;
  kind: RowKind;
  /** The scenario whose req/s this one is divided by, at the same concurrency: the peer a user would run instead. */
  baseline?: string;
  /** Sends work to the bench's Redis, whose CPU per request then counts for the row (leash and the DIY peers). */
  usesRedis?: boolean;
  target: "fastify" | "oidc" | "diy-cached" | "diy-uncached" | "leash" | "compare";
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** One body per line, each request the next (a new token on every call); replaces body. */
  bodiesFile?: string;
  check: Check;
}

export const COMPARE_SUFFIX = "@compare";

/** Display order within a concurrency level. */
const ORDER = [
  "fastify-hello",
  "fastify-echo",
  "diy-cached",
  "authorize-allow",
  "diy-uncached",
  "authorize-fresh",
  "authorize-allow-uncounted",
  "authorize-revoked",
  "authorize-rate-limited",
  "oidc-introspect",
  "introspect",
  "oidc-token",
  "leash-mint",
  "redis-evalsha",
  "redis-enforce",
];
export const scenarioOrder = (id: string) =>
  id.endsWith(COMPARE_SUFFIX) ? ORDER.indexOf(id.slice(0, -COMPARE_SUFFIX.length)) + 0.5 : ORDER.indexOf(id);

export const baseUrlOf = (stack: Stack, scenario: HttpScenario): string => {
  switch (scenario.target) {
    case "fastify":
      return stack.fastify.url;
    case "oidc":
      return stack.oidc.url;
    case "diy-cached":
      return stack.diyCached.url;
    case "diy-uncached":
      return stack.diyUncached.url;
    case "compare":
      return stack.compare!.url;
    case "leash":
      return stack.brokers[0]!.url;
  }
};

/** The process that answers the scenario (its CPU time is what one request costs). */
export const serverPidOf = (stack: Stack, scenario: HttpScenario): number | undefined => {
  switch (scenario.target) {
    case "fastify":
      return stack.fastify.service.child.pid;
    case "oidc":
      return stack.oidc.service.child.pid;
    case "diy-cached":
      return stack.diyCached.service.child.pid;
    case "diy-uncached":
      return stack.diyUncached.service.child.pid;
    case "compare":
      return stack.compare!.service.child.pid;
    case "leash":
      return stack.brokers[0]!.service.child.pid;
  }
};

/** Sends the scenario's request once and fails loudly if the answer is not what the scenario claims to measure. */
export async function probeScenario(url: string, scenario: HttpScenario): Promise<void> {
  // A bodies file is probed with its last line, the one the load reaches last.
  const sent = scenario.bodiesFile ? lastLine(await readFile(scenario.bodiesFile, "utf8")) : scenario.body;
  const response = await fetch(`${url}${scenario.path}`, {
    method: scenario.method,
    headers: scenario.headers,
    body: sent,
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // the check sees an empty body
  }
  if (!scenario.check(response.status, body)) {
    throw new Error(`${scenario.id}: unexpected answer ${response.status} ${text.slice(0, 300)}`);
  }
}

const lastLine = (text: string) => text.trimEnd().split("\n").at(-1);

/** Every leash scenario again against the BENCH_COMPARE_TREE broker, its ratio taken to the same scenario here. */
export const compareScenarios = (scenarios: HttpScenario[]): HttpScenario[] =>
  scenarios
    .filter((s) => s.target === "leash")
    .map((s) => ({
      ...s,
      id: `${s.id}${COMPARE_SUFFIX}`,
      label: `${s.label} [compare]`,
      baseline: s.id,
      target: "compare",
    }));

export interface Fixture {
  mintScope: string;
  notes: string[];
  scenarios: HttpScenario[];
  /** How many distinct tokens the new-token scenarios cycle through. */
  freshTokens: number;
}

const authorizeBody = (token: string) => ({ token, action: "volume:read", resource: STAGING_VOLUME });
const jsonBody = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { ...headers, "content-type": "application/json" },
  body: JSON.stringify(body),
});
const answered =
  (status: number, field: string, value?: unknown): Check =>
  (s, body) =>
    s === status && (value === undefined ? typeof body[field] === "string" : body[field] === value);

/** An agent, a resource server and the tokens each scenario needs, made through the admin API as a user would. */
/**
 * `count` counted tokens for tasks of their own, written as authorize bodies, one per line, to two files: one for
 * leash, one for the DIY peer, each cycled by the load. One token is minted through the API; the others are signed
 * here by leash's own mint code with the environment's key, from that token's claims with a new task and jti each
 * (the bytes POST /v1/tokens would answer; minting tens of thousands through the API would take minutes).
 */
async function freshTokens(
  leash: string,
  agentKey: string,
  keysDir: string,
  count: number,
  dir: string,
): Promise<[string, string]> {
  const minted = await mintToken(leash, agentKey, "bench-counted");
  const claims = decodeJwt(minted.token) as unknown as TaskTokenClaims;
  const ring = (await loadKeyRings(keysDir, [claims.env], 0)).get(claims.env)!;
  const lines: string[] = [JSON.stringify(authorizeBody(minted.token))];
  const nowMs = Date.now();
  for (let i = 1; i < count; i++) {
    const { token } = mintTaskToken(ring, {
      issuer: claims.iss.slice(0, -`/envs/${claims.env}`.length),
      env: claims.env,
      agentId: claims.client_id,
      scopeId: claims.scope_id,
      actions: claims.scope.split(" "),
      resources: claims.resources,
      extraAudiences: [claims.aud].flat().slice(1),
      task: newTaskId(),
      intent: claims.intent,
      generation: claims.gen,
      ttlMs: (claims.exp - claims.iat) * 1000,
      nowMs,
    });
    lines.push(JSON.stringify(authorizeBody(token)));
  }
  const files = [join(dir, "fresh-tokens-leash.jsonl"), join(dir, "fresh-tokens-diy.jsonl")] as const;
  for (const file of files) await writeFile(file, `${lines.join("\n")}\n`);
  return [files[0], files[1]];
}

export async function buildFixture(stack: Stack, freshTokenCount: number): Promise<Fixture> {
  const leash = stack.brokers[0]!.url;
  const admin = stack.install.adminKey;
  const notes: string[] = [];
  const agent = await expectApi(
    leash,
    "/v1/agents",
    { key: admin, body: { id: "bench-agent", scopes: ["*"] } },
    201,
  );
  const agentKey = String(agent.api_key);
  const human = await expectApi(
    leash,
    "/v1/humans",
    { key: admin, body: { id: "bench-resource-server", roles: ["resource-server"] } },
    201,
  );
  const resourceServerKey = String(human.api_key);

  const counted = await mintToken(leash, agentKey, "bench-counted");
  const open = await mintToken(leash, agentKey, "bench-open");
  const revoked = await mintToken(leash, agentKey, "bench-open");
  const revocation = await callApi(leash, "/v1/revocations", {
    key: admin,
    body: { jti: revoked.jti, reason: "bench: revoked-token scenario" },
  });
  if (revocation.status >= 300) throw new Error(`revocation failed: ${JSON.stringify(revocation.body)}`);
  // bench-tight allows one call per task per hour: this is it, so every later call is rate_limited.
  const tight = await mintToken(leash, agentKey, "bench-tight");
  const first = await expectApi(leash, "/v1/authorize", { body: authorizeBody(tight.token) }, 200);
  if (first.allow !== true)
    throw new Error(`first call on bench-tight was refused: ${JSON.stringify(first)}`);

  const started = Date.now();
  const [freshForLeash, freshForDiy] = await freshTokens(
    leash,
    agentKey,
    stack.install.keysDir,
    freshTokenCount,
    stack.workDir,
  );
  process.stderr.write(
    `  ${freshTokenCount} tokens for the new-token scenarios in ${Date.now() - started} ms\n`,
  );
  const opaque = await fetch(`${stack.oidc.url}/token`, {
    method: "POST",
    ...tokenRequest(BENCH_OPAQUE_RESOURCE),
  });
  const opaqueToken = String(((await opaque.json()) as Record<string, unknown>).access_token);

  // staging-fix names Vault credentials; without a Vault the bench mints a copy without them.
  let mintScope = "staging-fix";
  const trial = await callApi(leash, "/v1/tokens", {
    key: agentKey,
    body: { scope: mintScope, task: { intent: "bench: can staging-fix be minted here?" } },
  });
  if (trial.status !== 201) {
    notes.push(
      `mint uses bench-staging-fix (staging-fix without credentials.vault): staging-fix answered ${trial.status} ${String(trial.body.code ?? "")} without a Vault`,
    );
    mintScope = "bench-staging-fix";
  }

  const authorizeScenario = (
    id: string,
    label: string,
    token: string,
    check: Check,
    baseline = "fastify-hello",
  ): HttpScenario => ({
    id,
    label,
    kind: "leash",
    baseline,
    target: "leash",
    method: "POST",
    path: "/v1/authorize",
    ...jsonBody(authorizeBody(token)),
    check,
  });
  const scenarios: HttpScenario[] = [
    {
      id: "fastify-hello",
      label: "Fastify hello-world GET",
      kind: "baseline",
      target: "fastify",
      method: "GET",
      path: "/",
      check: answered(200, "hello", "world"),
    },
    {
      id: "fastify-echo",
      label: "Fastify POST, authorize-sized JSON",
      kind: "reference",
      baseline: "fastify-hello",
      target: "fastify",
      method: "POST",
      path: "/echo",
      ...jsonBody(authorizeBody(counted.token)),
      check: answered(200, "allow", true),
    },
    {
      id: "oidc-token",
      label: "oidc-provider client_credentials",
      kind: "baseline",
      target: "oidc",
      method: "POST",
      path: "/token",
      ...tokenRequest(),
      check: answered(200, "access_token"),
    },
    {
      id: "oidc-introspect",
      label: "oidc-provider introspection",
      kind: "baseline",
      target: "oidc",
      method: "POST",
      path: "/token/introspection",
      ...introspectionRequest(opaqueToken),
      check: answered(200, "active", true),
    },
    {
      id: "diy-cached",
      label: "DIY authorize: @fastify/jwt + verify cache + EVALSHA",
      kind: "baseline",
      usesRedis: true,
      target: "diy-cached",
      method: "POST",
      path: "/v1/authorize",
      ...jsonBody(authorizeBody(counted.token)),
      check: answered(200, "allow", true),
    },
    {
      id: "diy-uncached",
      label: "DIY authorize: @fastify/jwt, no cache, new token + EVALSHA",
      kind: "baseline",
      usesRedis: true,
      target: "diy-uncached",
      method: "POST",
      path: "/v1/authorize",
      headers: { "content-type": "application/json" },
      bodiesFile: freshForDiy,
      check: answered(200, "allow", true),
    },
    {
      id: "authorize-fresh",
      label: "leash authorize allow (counted, new token)",
      kind: "leash",
      baseline: "diy-uncached",
      target: "leash",
      method: "POST",
      path: "/v1/authorize",
      headers: { "content-type": "application/json" },
      bodiesFile: freshForLeash,
      check: answered(200, "allow", true),
    },
    {
      id: "leash-mint",
      label: `leash mint (${mintScope})`,
      kind: "leash",
      baseline: "oidc-token",
      target: "leash",
      method: "POST",
      path: "/v1/tokens",
      ...jsonBody(
        { scope: mintScope, task: { intent: "bench: fix staging" } },
        { authorization: `Bearer ${agentKey}` },
      ),
      check: answered(201, "token"),
    },
    authorizeScenario(
      "authorize-allow",
      "leash authorize allow (counted)",
      counted.token,
      answered(200, "allow", true),
      "diy-cached",
    ),
    authorizeScenario(
      "authorize-allow-uncounted",
      "leash authorize allow (no limit)",
      open.token,
      answered(200, "allow", true),
    ),
    authorizeScenario(
      "authorize-revoked",
      "leash authorize deny: revoked",
      revoked.token,
      answered(200, "reason", "revoked"),
    ),
    authorizeScenario(
      "authorize-rate-limited",
      "leash authorize deny: rate_limited",
      tight.token,
      answered(200, "reason", "rate_limited"),
    ),
    {
      id: "introspect",
      label: "leash introspect (active)",
      kind: "leash",
      baseline: "oidc-introspect",
      target: "leash",
      method: "POST",
      path: "/v1/introspect",
      ...jsonBody({ token: counted.token }, { authorization: `Bearer ${resourceServerKey}` }),
      check: answered(200, "active", true),
    },
  ];
  return { mintScope, notes, scenarios, freshTokens: freshTokenCount };
}
