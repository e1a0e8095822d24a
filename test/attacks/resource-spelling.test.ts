// Resources are canonical before matching: every other spelling of a resource is refused with 400
// resource_not_canonical by authorize and by the resource-server plugin, never matched against globs or normalised.
import { request as httpRequest } from "node:http";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leashResourceServer } from "../../src/client/fastify-plugin.ts";
import { compileTemplate, TemplateError } from "../../src/proxy/resource-template.ts";
import { resourceNotCanonical } from "../../src/scopes/resource-name.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const STAGING = "railway:prj_demo/env/staging/volume/v1";
const DB = "postgres://staging-db.internal/app";

/** Legitimate names: what scopes, the proxy's templates and resource servers build. */
const CANONICAL = [
  STAGING,
  DB,
  "railway:prj_demo/env/staging/volume/vol_4.snapshot-2",
  "railway:prj_demo/env/staging/service/svc:web@v2+canary~1=a",
  "postgres://user@staging-db.internal:5432/app",
  "s3://bucket/key.with.dots/.hidden",
];

/** Every way found to spell a resource so that a glob and an upstream could read it differently. */
function hostileSpellings(): { class: string; resource: string }[] {
  const cases: { class: string; resource: string }[] = [];
  const add = (klass: string, ...resources: string[]) => {
    for (const resource of resources) cases.push({ class: klass, resource });
  };
  const base = "railway:prj_demo/env/staging";
  add(
    "percent-encoding",
    `${base}/volume/%2e%2e/%2e%2e/production/volume/v1`,
    `${base}/volume%2f..%2f..%2fproduction`,
    `${base}/volume%2Fv1`,
    `${base}/%76olume/v1`,
    `${base}/volume/v1%00`,
    `${base}/volume/%252e%252e`,
    `${DB}%2f..%2fprod`,
  );
  add(
    "dot segments",
    `${base}/../production/volume/v1`,
    `${base}/volume/../../production/volume/v1`,
    `${base}/./volume/v1`,
    `${base}/volume/v1/.`,
    `${base}/volume/v1/..`,
    `${DB}/../prod`,
  );
  add(
    "empty segments",
    `${base}//volume/v1`,
    `${base}/volume/v1/`,
    `/${base}/volume/v1`,
    `${DB}//x`,
    "postgres:///app",
  );
  add("backslashes", `${base}\\..\\production\\volume\\v1`, `${base}/volume\\v1`, `${base}/volume/v1\\`);
  add(
    "glob characters",
    `${base}/*`,
    `${base}/**`,
    `${base}/volume/v?`,
    `${base}/volume/[v]1`,
    `${base}/volume/{v1,v2}`,
    `${base}/volume/@(v1)`,
    `${base}/volume/+(v1)`,
    `${base}/volume/!(v1)`,
    `!${base}/volume/v1`,
    `${base}/volume/v1|v2`,
  );
  add(
    "query or fragment",
    `${DB}?host=prod-db.internal`,
    `${DB}#prod`,
    `${base}/volume/v1?env=production`,
    `${base}/volume/v1#x`,
  );
  add(
    "whitespace, control and non-ASCII",
    `${base}/volume/v1 `,
    ` ${base}/volume/v1`,
    `${base}/volume/v\t1`,
    `${base}/volume/v1\n`,
    `${base}/volume/v1\u0000`,
    `${base}/volume/v1\u001b[2J`,
    `${base}/volume/v1\u202e`,
    `${base}\uff0fvolume\uff0fv1`,
    `${base}/volume/v\u00a01`,
    `${base}/vol\u0131me/v1`,
  );
  return cases;
}

describe("the canonical resource grammar", () => {
  it("accepts the names leash and its proxy build", () => {
    for (const resource of CANONICAL)
      expect([resource, resourceNotCanonical(resource)]).toEqual([resource, null]);
  });

  it("refuses every hostile spelling, naming why", () => {
    for (const { resource } of hostileSpellings()) {
      expect([resource, resourceNotCanonical(resource)]).toEqual([resource, expect.any(String)]);
    }
    expect(resourceNotCanonical("")).toBe("it is empty");
    expect(resourceNotCanonical(`railway:${"a".repeat(1100)}`)).toMatch(/longer than/);
  });

  it("refuses a proxy template whose resources would not be canonical", () => {
    const rest = { kind: "rest", params: ["id"] } as const;
    expect(compileTemplate("railway:prj_demo/env/{env}/volume/:id", rest).parts.length).toBeGreaterThan(0);
    for (const bad of [
      "railway:p/env/{env}//volume/:id",
      "railway:p/env/{env}/../:id",
      "railway:p/%2e/:id",
    ]) {
      expect(() => compileTemplate(bad, rest), bad).toThrow(TemplateError);
    }
  });
});

/** A GET with the path sent exactly as written (fetch would resolve %2e%2e before sending). */
function rawGet(url: string, path: string, token: string): Promise<{ status: number; code?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(body || "{}").code }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("authorize and the resource-server plugin refuse non-canonical resources", () => {
  let test: TestBroker;
  let token: string;
  const server = Fastify();
  let serverUrl: string;

  beforeAll(async () => {
    test = await startTestBroker();
    ({ token } = await mintToken(test, { scope: "staging-fix", task: { intent: "fix staging" } }));
    await server.register(leashResourceServer, {
      brokerUrl: test.url,
      issuer: "http://leash.test",
      environment: "staging",
    });
    server.get(
      "/volumes/:id",
      {
        config: {
          leash: {
            action: "volume:read",
            resource: (request) =>
              `railway:prj_demo/env/staging/volume/${(request.params as { id: string }).id}`,
          },
        },
      },
      async () => ({ ok: true }),
    );
    serverUrl = await server.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await server.close();
    await test.close();
  });

  it("authorize: 400 resource_not_canonical for every hostile spelling, nothing allowed, nothing recorded", async () => {
    const before = await api(test.url, "GET", "/v1/audit?event=authorize", { key: test.keys.security });
    const cases = hostileSpellings();
    const outcomes = new Map<string, number>();
    for (const { class: klass, resource } of cases) {
      for (const action of ["volume:read", "volume:delete"]) {
        const answer = await api(test.url, "POST", "/v1/authorize", { body: { token, action, resource } });
        expect([resource, answer.status, answer.body.code]).toEqual([
          resource,
          400,
          "resource_not_canonical",
        ]);
        expect(answer.body.allow).toBeUndefined();
        outcomes.set(klass, (outcomes.get(klass) ?? 0) + 1);
      }
    }
    const after = await api(test.url, "GET", "/v1/audit?event=authorize", { key: test.keys.security });
    expect(after.body.records.length).toBe(before.body.records.length);
    // The canonical spelling still works.
    const ok = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:read", resource: STAGING },
    });
    expect(ok.body.allow).toBe(true);
    console.log(
      `[resources] ${cases.length * 2} authorize attempts in ${outcomes.size} classes (${[...outcomes.keys()].join(", ")}): all 400 resource_not_canonical, 0 allowed`,
    );
  });

  it("the plugin refuses a resource its route built from a decoded path (%2e%2e, %2f, %5c)", async () => {
    for (const id of ["%2e%2e", "..%2f..%2fproduction", "v1%5c..", "%2a", "v1%3fx=1", "v1%23x"]) {
      expect([id, await rawGet(serverUrl, `/volumes/${id}`, token)]).toEqual([
        id,
        { status: 400, code: "resource_not_canonical" },
      ]);
    }
    const fine = await fetch(`${serverUrl}/volumes/v1`, { headers: { authorization: `Bearer ${token}` } });
    expect(fine.status).toBe(200);
  });
});
