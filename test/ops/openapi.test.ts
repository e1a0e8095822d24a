// /docs: every route the broker registers is in the OpenAPI document with its problem+json error responses, and
// documenting them changed nothing at run time (problem bodies keep their extra fields).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registeredRoutes } from "../../src/http/app.ts";
import { api, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let test: TestBroker;
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read loosely and asserted on
let doc: any;

beforeAll(async () => {
  test = await startTestBroker();
  const response = await api(test.url, "GET", "/docs/json");
  expect(response.status).toBe(200);
  doc = response.body;
});
afterAll(() => test.close());

const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
/** Not-ready is /readyz's own JSON answer (problems listed), not a problem+json error. */
const JSON_ANSWERS = new Set(["GET /readyz 503"]);

describe("OpenAPI at /docs", () => {
  it("lists every registered route, each with documented problem+json error responses", async () => {
    const routes = registeredRoutes(test.broker.app).filter(
      (route) => !route.hidden && route.method !== "HEAD" && !route.url.startsWith("/docs"),
    );
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const missing: string[] = [];
    for (const route of routes) {
      const operation = doc.paths[openapiPath(route.url)]?.[route.method.toLowerCase()];
      if (!operation) {
        missing.push(`${route.method} ${route.url}`);
        continue;
      }
      const errors = Object.entries(operation.responses as Record<string, { content?: object }>).filter(
        ([status]) => Number(status) >= 400,
      );
      expect(errors.length, `${route.method} ${route.url}`).toBeGreaterThan(0);
      expect(Object.keys(operation.responses), `${route.method} ${route.url}`).toContain("500");
      for (const [status, response] of errors) {
        if (JSON_ANSWERS.has(`${route.method} ${route.url} ${status}`)) continue;
        expect(Object.keys(response.content ?? {}), `${route.method} ${route.url} ${status}`).toEqual([
          "application/problem+json",
        ]);
      }
      const successes = Object.keys(operation.responses).filter((status) => Number(status) < 400);
      expect(successes.length, `${route.method} ${route.url}`).toBeGreaterThan(0);
    }
    expect(missing).toEqual([]);
  });

  it("documents what each route can actually fail with", () => {
    const statuses = (method: string, path: string) => Object.keys(doc.paths[path][method].responses);
    expect(statuses("post", "/v1/authorize")).toEqual(["200", "400", "413", "415", "500", "503"]);
    expect(statuses("post", "/v1/tokens")).toEqual(
      expect.arrayContaining(["201", "202", "400", "401", "403", "404", "503"]),
    );
    expect(statuses("post", "/v1/approvals/{id}/approve")).toContain("409");
    expect(statuses("get", "/v1/audit")).toEqual(["200", "400", "401", "403", "500", "503"]);
    expect(statuses("get", "/healthz")).toEqual(["200", "500"]);
    expect(statuses("get", "/readyz")).toEqual(["200", "500", "503"]);
    const problem = doc.paths["/v1/tokens"].post.responses["403"].content["application/problem+json"].schema;
    expect(problem.required).toEqual(["type", "title", "status", "detail", "code"]);
    expect(doc.paths["/v1/authorize"].post.security).toEqual([]);
  });

  it("keeps problem bodies as built: the error schemas are documentation, not serializers", async () => {
    const refused = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "staging-fix", task: { intent: "x" }, actions: ["backup:delete"] },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "action_not_grantable", refused: ["backup:delete"] });
    const invalid = await api(test.url, "POST", "/v1/authorize", { body: { token: "x" } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issues).toEqual(expect.any(Array));
  });
});
