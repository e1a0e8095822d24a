// The HTTP scenarios: identities and tokens made through leash's admin API, and what each scenario sends where.
import { tokenRequest } from "../baselines/oidc-client.ts";
import { callApi, expectApi, mintToken, STAGING_VOLUME } from "./leash.ts";
import type { RowKind } from "./report.ts";
import type { Stack } from "./stack.ts";

type Check = (status: number, body: Record<string, unknown>) => boolean;

/** One HTTP scenario: what to send, which server gets it, and a check (run before measuring) of the answer. */
export interface HttpScenario {
  id: string;
  label: string;
  kind: RowKind;
  /** The scenario whose req/s this one is divided by, at the same concurrency. */
  baseline?: string;
  target: "fastify" | "oidc" | "leash" | "compare";
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  check: Check;
}

export const COMPARE_SUFFIX = "@compare";

/** Display order within a concurrency level. */
const ORDER = [
  "fastify-hello",
  "fastify-echo",
  "authorize-allow",
  "authorize-allow-uncounted",
  "authorize-revoked",
  "authorize-rate-limited",
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
    case "compare":
      return stack.compare!.service.child.pid;
    case "leash":
      return stack.brokers[0]!.service.child.pid;
  }
};

/** Sends the scenario's request once and fails loudly if the answer is not what the scenario claims to measure. */
export async function probeScenario(url: string, scenario: HttpScenario): Promise<void> {
  const response = await fetch(`${url}${scenario.path}`, {
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
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
export async function buildFixture(stack: Stack): Promise<Fixture> {
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

  const authorizeScenario = (id: string, label: string, token: string, check: Check): HttpScenario => ({
    id,
    label,
    kind: "leash",
    baseline: "fastify-hello",
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
      baseline: "fastify-hello",
      target: "leash",
      method: "POST",
      path: "/v1/introspect",
      ...jsonBody({ token: counted.token }, { authorization: `Bearer ${resourceServerKey}` }),
      check: answered(200, "active", true),
    },
  ];
  return { mintScope, notes, scenarios };
}
