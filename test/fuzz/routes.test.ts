// Property-based fuzzing of every route the broker serves (found from its OpenAPI document, so new routes are fuzzed
// too): hostile bodies, queries, path parameters and headers never produce a 5xx, a stack trace, an allow for a garbage
// token, or a polluted Object.prototype.
import fc from "fast-check";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { bodyText, contentType, headerValue, jsonText, pathParameter, queryString } from "./arbitraries.ts";

/** Runs per route; the whole file stays within a few seconds. */
const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 60);

let redis: RedisServer;
let test: TestBroker;
let app: FastifyInstance;
let routes: { method: string; path: string }[];
let genuineToken: string;
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
const statuses = new Map<number, number>();
let requests = 0;

beforeAll(async () => {
  redis = await startRedisServer();
  test = await startTestBroker({ redisUrl: redis.url });
  app = test.broker.app;
  const spec = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
  );
  genuineToken = (await mintToken(test, { scope: "staging-fix", task: { intent: "fuzz target" } })).token;
}, 60_000);

afterAll(async () => {
  await test?.close();
  await redis?.stop();
  const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  console.log(
    `route fuzzing: ${requests} requests over ${routes?.length ?? 0} routes; statuses ${histogram.join(" ")}`,
  );
});

const PRINCIPAL_IDS = new Set([
  "admin",
  "agent-1",
  "sec-1",
  "approver-1",
  "approver-2",
  "dba-1",
  "rs-1",
  "me",
]);

/** Who the request claims to be: nobody, each kind of key, a task token, or junk. */
const credential = () =>
  fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      `Bearer ${test.keys.admin}`,
      `Bearer ${test.keys.agent}`,
      `Bearer ${test.keys.security}`,
      `Bearer ${test.keys.resourceServer}`,
      `Bearer ${test.keys.approver}`,
      `Bearer ${genuineToken.slice(0, -2)}AA`,
      "Bearer lsk_",
      "Bearer lsh_x",
      "Basic YWRtaW46YWRtaW4=",
      "Bearer",
    ),
    headerValue.map((value) => `Bearer ${value}`),
    headerValue,
  );

interface FuzzRequest {
  path: string;
  query: string;
  body: string | undefined;
  contentType: string | undefined;
  headers: Record<string, string>;
}

function requestFor(route: { method: string; path: string }): fc.Arbitrary<FuzzRequest> {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
  return fc.record({
    path: fc
      .tuple(
        ...params.map(() => pathParameter.filter((value) => !PRINCIPAL_IDS.has(decodeURIComponent(value)))),
      )
      .map((values) =>
        values.reduce<string>((path, value, i) => path.replace(`{${params[i]}}`, value), route.path),
      ),
    query: queryString,
    body: route.method === "GET" ? fc.constant(undefined) : fc.option(bodyText, { nil: undefined }),
    contentType,
    headers: fc.record(
      {
        authorization: credential(),
        "leash-approval": headerValue,
        "x-request-id": headerValue,
        accept: fc.constantFrom("application/json", "*/*", "text/html", "application/problem+json"),
        "content-encoding": fc.constantFrom("gzip", "br", "identity", "x-unknown"),
      },
      { requiredKeys: [] },
    ),
  }) as fc.Arbitrary<FuzzRequest>;
}

async function send(method: string, request: FuzzRequest): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  if (request.contentType && request.body !== undefined) headers["content-type"] = request.contentType;
  const response = await app.inject({
    method: method as "GET",
    url: request.query ? `${request.path}?${request.query}` : request.path,
    headers,
    ...(request.body === undefined ? {} : { payload: request.body }),
  });
  requests++;
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
  return response;
}

/** What every answer must be, whatever was sent. */
function checkAnswer(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBeLessThan(500);
  expect(response.body).not.toMatch(/\n\s+at\s|node_modules|internal_error/);
  if (response.statusCode >= 400) {
    expect(response.headers["content-type"]).toContain("application/problem+json");
    expect(typeof JSON.parse(response.body).code).toBe("string");
  }
}

describe("fuzzing every route", () => {
  it("finds the routes from the OpenAPI document", () => {
    expect(routes.length).toBeGreaterThan(15);
    expect(routes).toContainEqual({ method: "POST", path: "/v1/authorize" });
  });

  it("authorize never allows garbage: any token field, action and resource of any type", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ token: jsonText, action: jsonText, resource: jsonText, extra: fc.option(jsonText) }),
        async ({ token, action, resource, extra }) => {
          const body = `{"token":${token},"action":${action},"resource":${resource}${extra ? `,"x":${extra}` : ""}}`;
          const response = await send("POST", {
            path: "/v1/authorize",
            query: "",
            body,
            contentType: "application/json",
            headers: {},
          });
          checkAnswer(response);
          if (response.statusCode === 200) expect(JSON.parse(response.body).allow).toBe(false);
        },
      ),
      { numRuns: RUNS_PER_ROUTE * 3 },
    );
  });

  it("any one-character change to a genuine token is refused by authorize and introspect", async () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.= +/";
    const mutation = fc.record({
      at: fc.nat({ max: genuineToken.length - 1 }),
      kind: fc.constantFrom("replace", "insert", "delete"),
      char: fc.constantFrom(...alphabet),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ at, kind, char }) => {
        const token =
          kind === "delete"
            ? genuineToken.slice(0, at) + genuineToken.slice(at + 1)
            : genuineToken.slice(0, at) + char + genuineToken.slice(kind === "replace" ? at + 1 : at);
        fc.pre(token !== genuineToken);
        const body = {
          token,
          action: "volume:read",
          resource: "railway:prj_demo/env/staging/volume/v1",
        };
        const decision = await api(test.url, "POST", "/v1/authorize", { body });
        expect(decision.status).toBe(200);
        expect(decision.body.allow).toBe(false);
        const introspection = await api(test.url, "POST", "/v1/introspect", {
          key: test.keys.resourceServer,
          body: { token },
        });
        expect(introspection.body).toEqual({ active: false });
      }),
      { numRuns: RUNS_PER_ROUTE * 3 },
    );
    // The unchanged token still works: the refusals above are about the changes, not a broken harness.
    const control = await api(test.url, "POST", "/v1/authorize", {
      body: {
        token: genuineToken,
        action: "volume:read",
        resource: "railway:prj_demo/env/staging/volume/v1",
      },
    });
    expect(control.body.allow).toBe(true);
  });

  // Last: admin-keyed junk may revoke or disable things the tests above rely on.
  it("no body, query, path parameter or header makes any route answer 5xx or show internals", async () => {
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(requestFor(route), async (request) => {
          const response = await send(route.method, request);
          checkAnswer(response);
          if (route.path === "/v1/authorize" && response.statusCode === 200) {
            expect(JSON.parse(response.body).allow).toBe(false);
          }
          if (route.path === "/v1/introspect" && response.statusCode === 200) {
            expect(JSON.parse(response.body).active).toBe(false);
          }
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
  });

  it("left Object.prototype untouched and the broker healthy", async () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).allow).toBeUndefined();
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
  });
});
