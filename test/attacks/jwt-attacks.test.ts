// Every case in cases.ts against every place that accepts a task token: the client verifier, POST /v1/authorize,
// POST /v1/introspect (JSON and form-encoded), GET /v1/approvals/:id with the token as Bearer, and the resource-server
// Fastify plugin (authorize and local modes). Each must refuse with the right code, never answer 5xx, never allow.
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leashResourceServer } from "../../src/client/fastify-plugin.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { EnvironmentKeyRing, KeyRings } from "../../src/keys/key-ring.ts";
import { generateSigningKey, type SigningKey } from "../../src/keys/signing-key.ts";
import type { TaskTokenClaims } from "../../src/tokens/claims.ts";
import { TokenVerificationError, verifyTaskToken } from "../../src/tokens/verify-task-token.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type AttackCase, type AttackFixture, buildAttackCases, defaults, reasonFor } from "./cases.ts";

const ISSUER = "http://leash.test";
const clock = new ManualClock(Date.now());
let redis: RedisServer;
let test: TestBroker;
let resourceServer: FastifyInstance;
let resourceUrl: string;
let fixture: AttackFixture;
let cases: AttackCase[];
let stagingRing: EnvironmentKeyRing;
let approvalId: string;
let approvalToken: string;
/** Route index per action, for the plugin's routes (one route per action). */
const actionRoutes = new Map<string, number>();

interface Tally {
  attempts: number;
  refused: number;
  controls: number;
  skipped: number;
}
const tallies = new Map<string, Tally>();
const tally = (endpoint: string) => {
  let entry = tallies.get(endpoint);
  if (!entry) {
    entry = { attempts: 0, refused: 0, controls: 0, skipped: 0 };
    tallies.set(endpoint, entry);
  }
  return entry;
};

beforeAll(async () => {
  redis = await startRedisServer();
  test = await startTestBroker({ redisUrl: redis.url, clock });
  const mintedAtMs = clock.now();
  // Staging mid-migration: the active EdDSA key plus a retired, still-published ES256 key, so both algorithms are
  // in its JWKS and each can be confused with the other.
  const eddsa = test.broker.context.keys.get("staging")!.active;
  const es256: SigningKey = {
    ...(await generateSigningKey("staging", "ES256", mintedAtMs)),
    retiredAt: mintedAtMs,
  };
  stagingRing = new EnvironmentKeyRing("staging", [eddsa, es256], 3_600_000);
  test.broker.context.keys = new KeyRings(
    new Map([
      ["staging", stagingRing],
      ["production", test.broker.context.keys.get("production")!],
    ]),
  );
  const staging = await mintToken(test, { scope: "staging-fix", task: { intent: "attack target" } });
  const production = await mintToken(test, { scope: "production-read", task: { intent: "look" } });
  // Token exchange: a child of each, and a staging tree whose root is revoked (its descendants die with it).
  const exchange = async (subject: string, intent: string, narrowing: Record<string, string> = {}) => {
    const answer = await api(test.url, "POST", "/v1/token-exchange", {
      body: {
        subject_token: subject,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        intent,
        ...narrowing,
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.access_token as string;
  };
  // Narrower than its parent, so that widening it back is a change the signature must catch.
  const child = await exchange(staging.token, "attack target's sub-agent", {
    scope: "volume:read",
    resource: "railway:prj_demo/env/staging/volume/*",
  });
  const productionChild = await exchange(production.token, "look closer");
  const doomed = await mintToken(test, { scope: "staging-fix", task: { intent: "to be revoked" } });
  const doomedChild = await exchange(doomed.token, "doomed sub-agent");
  const doomedGrandchild = await exchange(doomedChild, "doomed sub-sub-agent");
  const revokedRoot = await api(test.url, "POST", "/v1/revocations", {
    key: test.keys.security,
    body: { jti: doomed.jti, reason: "attack suite: a revoked ancestor" },
  });
  expect(revokedRoot.status).toBe(200);
  fixture = {
    issuer: ISSUER,
    mintedAtMs,
    staging: { token: staging.token, claims: decodeJwt(staging.token) as TaskTokenClaims, eddsa, es256 },
    production: {
      token: production.token,
      claims: decodeJwt(production.token) as TaskTokenClaims,
      key: test.broker.context.keys.get("production")!.active,
    },
    delegation: {
      child: { token: child, claims: decodeJwt(child) as TaskTokenClaims },
      productionChild: { token: productionChild, claims: decodeJwt(productionChild) as TaskTokenClaims },
      revoked: { rootJti: doomed.jti, child: doomedChild, grandchild: doomedGrandchild },
    },
  };
  cases = await buildAttackCases(fixture);

  // A call approval, so GET /v1/approvals/:id has something to guard.
  const ops = await mintToken(test, { scope: "production-ops", task: { intent: "delete a volume" } });
  const held = await api(test.url, "POST", "/v1/authorize", {
    body: {
      token: ops.token,
      action: "volume:delete",
      resource: "railway:prj_demo/env/production/volume/v9",
    },
  });
  expect(held.body.reason).toBe("approval_required");
  approvalId = held.body.approval_id;
  approvalToken = ops.token;

  // A staging resource server with the plugin: one authorize route and one local route per action in the table.
  resourceServer = Fastify();
  await resourceServer.register(leashResourceServer, {
    brokerUrl: test.url,
    issuer: ISSUER,
    environment: "staging",
  });
  const resource = (request: FastifyRequest) => (request.query as { resource: string }).resource;
  for (const action of new Set([defaults.action, ...cases.map((c) => c.action ?? defaults.action)])) {
    const index = actionRoutes.size;
    actionRoutes.set(action, index);
    const reply = async (request: FastifyRequest) => ({
      env: request.leashTask?.claims.env,
      scope: request.leashTask?.claims.scope,
    });
    resourceServer.get(`/authorize/${index}`, { config: { leash: { action, resource } } }, reply);
    resourceServer.get(`/local/${index}`, { config: { leash: { action, resource, mode: "local" } } }, reply);
  }
  resourceUrl = await resourceServer.listen({ port: 0, host: "127.0.0.1" });
}, 60_000);

afterAll(async () => {
  await resourceServer?.close();
  await test?.close();
  await redis?.stop();
  printSummary();
});

function printSummary(): void {
  if (!cases) return;
  const rows = [...tallies.entries()].map(
    ([endpoint, t]) =>
      `  ${endpoint.padEnd(34)} ${String(t.attempts).padStart(4)} tried  ${String(t.refused).padStart(4)} refused  ${String(t.controls).padStart(3)} accepted as expected  ${String(t.skipped).padStart(3)} n/a`,
  );
  const total = [...tallies.values()].reduce(
    (sum, t) => ({ attempts: sum.attempts + t.attempts, refused: sum.refused + t.refused }),
    { attempts: 0, refused: 0 },
  );
  const families = new Set(cases.map((c) => c.family)).size;
  console.log(
    [
      `JWT attack suite: ${cases.filter((c) => !c.control).length} attack cases in ${families} families (+ ${cases.filter((c) => c.control).length} controls), ${tallies.size} endpoints`,
      ...rows,
      `  total: ${total.attempts} attempts, ${total.refused} refused, ${total.attempts - total.refused} not refused`,
    ].join("\n"),
  );
}

const atMs = (c: AttackCase) => c.atMs ?? fixture.mintedAtMs + 1000;
const brokerOutcome = (c: AttackCase) => c.broker ?? c.verifier;
/** What a broker endpoint must do with the call: allow it, or refuse with this reason. */
const expectedReason = (c: AttackCase): string | null => {
  const outcome = brokerOutcome(c);
  if (outcome !== "genuine") return c.reason ?? reasonFor(outcome);
  return c.reason ?? null;
};
const expectedActive = (c: AttackCase) => c.introspectActive ?? (brokerOutcome(c) === "genuine" && !c.reason);

/** Runs every case against one endpoint; returns the mismatches (empty when every case got its answer). */
async function runAll(
  endpoint: string,
  attempt: (c: AttackCase) => Promise<{ expected: string; got: string; refusal: boolean } | "skip">,
): Promise<string[]> {
  const mismatches: string[] = [];
  const t = tally(endpoint);
  for (const c of cases) {
    clock.set(atMs(c));
    const result = await attempt(c);
    if (result === "skip") {
      t.skipped++;
      continue;
    }
    if (result.refusal) t.attempts++;
    if (result.got === result.expected) {
      if (result.refusal) t.refused++;
      else t.controls++;
    } else {
      mismatches.push(`${c.id}: expected ${result.expected}, got ${result.got}`);
    }
  }
  clock.set(fixture.mintedAtMs + 1000);
  return mismatches;
}

const describeBody = (status: number, body: Record<string, unknown> | null) =>
  status === 200
    ? JSON.stringify(body)
    : `${status} ${(body as { code?: string } | null)?.code ?? ""}`.trim();

describe("JWT attacks", () => {
  it("the client verifier (verifyTaskToken) refuses every forgery with the right code", async () => {
    const mismatches = await runAll("verifyTaskToken", async (c) => {
      const now = atMs(c);
      let got: string;
      try {
        const claims = await verifyTaskToken(c.token, {
          environment: "staging",
          jwks: stagingRing.jwks(now),
          issuer: ISSUER,
          now: new Date(now),
        });
        got =
          c.consistent && (claims.env !== c.consistent.env || claims.scope !== c.consistent.scope)
            ? `genuine but read as env ${claims.env}, scope ${claims.scope}`
            : "genuine";
      } catch (error) {
        got = error instanceof TokenVerificationError ? error.code : `threw ${String(error)}`;
      }
      return { expected: c.verifier, got, refusal: c.verifier !== "genuine" };
    });
    expect(mismatches).toEqual([]);
  });

  it("POST /v1/authorize refuses every forgery with the right reason, never 5xx, never allow", async () => {
    const mismatches = await runAll("POST /v1/authorize", async (c) => {
      const response = await api(test.url, "POST", "/v1/authorize", {
        body: {
          token: c.token,
          action: c.action ?? defaults.action,
          resource: c.resource ?? defaults.resource,
        },
      });
      if (c.request) {
        return {
          expected: `${c.request.status} ${c.request.code}`,
          got: describeBody(response.status, response.body),
          refusal: true,
        };
      }
      const reason = expectedReason(c);
      const expected = reason === null ? "allow" : `deny ${reason}`;
      let got =
        response.status !== 200
          ? describeBody(response.status, response.body)
          : response.body.allow === true
            ? "allow"
            : `deny ${response.body.reason}`;
      if (c.consistent && response.status === 200 && response.body.environment !== c.consistent.env)
        got += ` (read as environment ${response.body.environment})`;
      return { expected, got, refusal: reason !== null };
    });
    expect(mismatches).toEqual([]);
  });

  for (const encoding of ["json", "form"] as const) {
    it(`POST /v1/introspect (${encoding}) answers active: false for every forgery, never 5xx`, async () => {
      const mismatches = await runAll(`POST /v1/introspect (${encoding})`, async (c) => {
        const response = await api(test.url, "POST", "/v1/introspect", {
          key: test.keys.resourceServer,
          ...(encoding === "json"
            ? { body: { token: c.token } }
            : {
                rawBody: new URLSearchParams({ token: c.token }).toString(),
                contentType: "application/x-www-form-urlencoded",
              }),
        });
        if (c.request) {
          return {
            expected: `${c.request.status} ${c.request.code}`,
            got: describeBody(response.status, response.body),
            refusal: true,
          };
        }
        const active = expectedActive(c);
        let got =
          response.status === 200
            ? `active ${response.body.active}`
            : describeBody(response.status, response.body);
        if (c.consistent && response.body?.active && response.body.env !== c.consistent.env)
          got += ` (read as environment ${response.body.env})`;
        return { expected: `active ${active}`, got, refusal: !active };
      });
      expect(mismatches).toEqual([]);
    });
  }

  it("GET /v1/approvals/:id with the token as Bearer refuses every forgery (401), never 5xx", async () => {
    // A token that verifies and is live, but is not the approval's, is a 403; every other token a 401.
    const mismatches = await runAll("GET /v1/approvals/:id", async (c) => {
      if (c.header === "undeliverable") return "skip";
      const outcome = await getWithBearer(`${test.url}/v1/approvals/${approvalId}?wait=0`, c.token);
      let expected: string;
      if (c.header) expected = `${c.header.status}${c.header.code ? ` ${c.header.code}` : ""}`;
      else if (c.token.trim() === "" || /\s/.test(c.token)) expected = "401 missing_credentials";
      else if (expectedActive(c)) expected = "403 not_your_approval";
      else expected = "401 invalid_token";
      return { expected, got: outcome, refusal: true };
    });
    expect(mismatches).toEqual([]);
  });

  it("POST /v1/tasks/end with the token as Bearer refuses every forgery (401): nobody ends another's task", async () => {
    const mismatches = await runAll("POST /v1/tasks/end", async (c) => {
      // A token the broker verifies would really end the attack target's task: those are not attacks here.
      if (c.header === "undeliverable" || brokerOutcome(c) === "genuine") return "skip";
      const outcome = await postWithBearer(`${test.url}/v1/tasks/end`, c.token);
      let expected: string;
      if (c.header) expected = `${c.header.status}${c.header.code ? ` ${c.header.code}` : ""}`;
      else if (c.token.trim() === "" || /\s/.test(c.token)) expected = "401 missing_credentials";
      else expected = "401 invalid_token";
      return { expected, got: outcome, refusal: true };
    });
    expect(mismatches).toEqual([]);
    // Nothing above ended the real task.
    const still = await api(test.url, "POST", "/v1/authorize", {
      body: { token: fixture.staging.token, action: defaults.action, resource: defaults.resource },
    });
    expect(still.body).toMatchObject({ allow: true });
  });

  for (const mode of ["authorize", "local"] as const) {
    it(`the resource-server plugin (${mode} mode) refuses every forgery (401/403), never 5xx, never 2xx`, async () => {
      const mismatches = await runAll(`plugin (${mode} mode)`, async (c) => {
        // fast-jwt reads the system clock, and local mode trusts what the signature vouches for by design.
        if (c.header === "undeliverable" || c.atMs !== undefined) return "skip";
        if (mode === "local" && c.verifier === "genuine" && expectedReason(c) !== null) return "skip";
        const index = actionRoutes.get(c.action ?? defaults.action)!;
        const query = new URLSearchParams({ resource: c.resource ?? defaults.resource });
        const got = await getWithBearer(`${resourceUrl}/${mode}/${index}?${query}`, c.token, c.consistent);
        const expected = expectedPluginAnswer(c, mode);
        return { expected, got, refusal: !expected.startsWith("200") };
      });
      expect(mismatches).toEqual([]);
    });
  }

  it("a task token that was revoked can no longer read its approval", async () => {
    const before = await getWithBearer(`${test.url}/v1/approvals/${approvalId}?wait=0`, approvalToken);
    expect(before).toBe("200");
    const revoked = await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { jti: decodeJwt(approvalToken).jti, reason: "attack suite" },
    });
    expect(revoked.status).toBe(200);
    expect(await getWithBearer(`${test.url}/v1/approvals/${approvalId}?wait=0`, approvalToken)).toBe(
      "401 invalid_token",
    );
  });
});

const postWithBearer = (url: string, token: string) => getWithBearer(url, token, undefined, "POST");

/** GET with `Authorization: Bearer <token>`; "status code" or "200", "transport error" if the server cut it off. */
async function getWithBearer(
  url: string,
  token: string,
  consistent?: { env: string; scope: string },
  method = "GET",
) {
  let response: Response;
  try {
    response = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
  } catch {
    return "transport error";
  }
  const text = await response.text();
  let body: { code?: string; env?: string; scope?: string } = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // 431 from Node's HTTP parser has no JSON body
  }
  if (response.status === 200) {
    if (consistent && (body.env !== consistent.env || body.scope !== consistent.scope))
      return `200 read as env ${body.env}, scope ${body.scope}`;
    return "200";
  }
  return `${response.status}${body.code ? ` ${body.code}` : ""}`;
}

function claimedEnvironment(token: string): unknown {
  try {
    return decodeJwt(token).env;
  } catch {
    return null;
  }
}

/** The plugin's answer: 403 wrong_environment for a token naming another environment, else by verifier code. */
function expectedPluginAnswer(c: AttackCase, mode: "authorize" | "local"): string {
  if (c.header && c.header !== "undeliverable")
    return c.header.status === 431 ? "431" : `${c.header.status} invalid_token`;
  if (c.verifier === "genuine") {
    const reason = mode === "authorize" ? expectedReason(c) : null;
    return reason === null ? "200" : `403 ${reason}`;
  }
  const claimed = claimedEnvironment(c.token);
  if (typeof claimed === "string" && claimed !== "staging") return "403 wrong_environment";
  switch (c.verifier) {
    case "token_expired":
      return "401 token_expired";
    case "token_not_yet_valid":
      return "401 token_not_yet_valid";
    default:
      // fast-jwt reports a wrong iss/aud like any other invalid token; the env claim decides the 403 above.
      return "401 invalid_token";
  }
}
