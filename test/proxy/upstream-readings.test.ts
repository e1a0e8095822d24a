// Requests a real upstream reads as another call than the one leash authorized: an Express app (express.json(),
// which decodes a body in the charset its Content-Type names, and a method override read from the parsed body, as
// method-override's documented custom getters do), and a platform that decodes the path a second time (IIS, or an
// app that URL-decodes the path its server already decoded) and honours the method-override query parameters of
// Flask's documented middleware and of Salesforce's REST API.
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { Agent, startTestProxy, type TestProxy } from "./harness.ts";

// biome-ignore lint/suspicious/noExplicitAny: express ships no types here; the test uses three of its calls
const express = createRequire(import.meta.url)("express") as any;

let broker: TestBroker;
let proxy: TestProxy;
const servers: http.Server[] = [];
/** What the upstreams ran: "METHOD /path", or "graphql <document>". */
const ran: string[] = [];

function listen(server: http.Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

function startExpressApp(): Promise<string> {
  const app = express();
  app.use(express.json());
  app.use((req: { method: string; body?: Record<string, unknown> }, _res: unknown, next: () => void) => {
    const override = req.body?._method;
    if (req.method === "POST" && typeof override === "string") req.method = override.toUpperCase();
    next();
  });
  app.post("/graphql", (req: { body: { query: string } }, res: { json(body: unknown): void }) => {
    ran.push(`graphql ${req.body.query.replace(/\s+/g, " ").trim()}`);
    res.json({ data: {} });
  });
  app.all("/v1/{*rest}", (req: { method: string; path: string }, res: { json(body: unknown): void }) => {
    ran.push(`${req.method} ${req.path}`);
    res.json({ ok: true });
  });
  return listen(http.createServer(app));
}

/** Decodes the path twice and resolves dot segments; takes the method from the override query parameters. */
function startDoubleDecodingPlatform(): Promise<string> {
  return listen(
    http.createServer((req, res) => {
      const [rawPath, query = ""] = (req.url ?? "/").split("?");
      const decoded = decodeURIComponent(decodeURIComponent(rawPath!));
      const out: string[] = [];
      for (const segment of decoded.split("/").slice(1)) {
        if (segment === "..") out.pop();
        else if (segment !== "." && segment !== "") out.push(segment);
      }
      const params = new URLSearchParams(query);
      const override = params.get("__METHOD_OVERRIDE__") ?? params.get("_HttpMethod");
      const method = req.method === "POST" && override ? override.toUpperCase() : req.method;
      ran.push(`${method} /${out.join("/")}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    }),
  );
}

beforeAll(async () => {
  broker = await startTestBroker();
  const app = await startExpressApp();
  const platform = await startDoubleDecodingPlatform();
  proxy = await startTestProxy(
    `
upstreams:
  - name: app
    listen: 0
    target: ${app}
    environment: staging
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - graphql:
          path: /graphql
          mutations:
            volumeDelete: { action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/{args.volumeId}" }
          queries:
            fields:
              volumes: { action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
      - { method: POST, path: "/v1/volumes/:id/backups", action: backup:create, resource: "railway:prj_demo/env/{env}/volume/:id" }
  - name: app-catchall
    listen: 0
    target: ${app}
    environment: staging
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - { method: POST, path: "/:service", action: service:read, resource: "railway:prj_demo/env/{env}/service/:service" }
      - graphql:
          path: /graphql
          mutations:
            volumeDelete: { action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/{args.volumeId}" }
          queries:
            fields:
              volumes: { action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
  - name: platform
    listen: 0
    target: ${platform}
    environment: staging
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - { method: DELETE, path: "/v1/volumes/:id/logs/:file", action: volume:update, resource: "railway:prj_demo/env/{env}/volume/:id" }
      - { method: DELETE, path: "/v1/volumes/:id", action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:id" }
      - { method: POST, path: "/v1/volumes/:id/backups", action: backup:create, resource: "railway:prj_demo/env/{env}/volume/:id" }
`,
    {
      brokerUrl: broker.url,
      credentials: {
        app: "app-credential-value",
        "app-catchall": "app-credential-value",
        platform: "platform-credential-value",
      },
    },
  );
});
afterAll(async () => {
  await proxy?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await broker?.close();
});
beforeEach(() => {
  ran.length = 0;
});

const agentFor = async (actions: string[]) =>
  new Agent(
    (await mintToken(broker, { scope: "staging-fix", task: { intent: "look around staging" }, actions }))
      .token,
  );

/** UTF-7 as one base64 run of UTF-16BE: only letters, digits, "+", "/" and "-" on the wire. */
const utf7 = (text: string) => {
  const utf16be = Buffer.from(text, "utf16le").swap16();
  return `+${utf16be.toString("base64").replace(/=+$/, "")}-`;
};

describe("the body the upstream decodes is the body the proxy read", () => {
  it("forwards a GraphQL document under the type of the JSON it wrote, whatever charset the agent declared", async () => {
    const reader = await agentFor(["volume:read"]);
    // Read as UTF-7, the variable's value closes the JSON string and adds a second "query", which JSON.parse keeps.
    const smuggled = utf7('"},"query":"mutation { volumeDelete(volumeId: \\"vol_stg_1\\") }","x":{"y":"');
    for (const contentType of [
      "application/json; charset=utf-7",
      'application/json; charset="UTF-7"',
      "application/json; charset=utf-16le",
    ]) {
      const response = await reader.raw(proxy.url("app"), {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": contentType },
        body: JSON.stringify({ query: "{ volumes }", variables: { smuggled } }),
      });
      expect(response.status, contentType).toBe(415);
      expect(response.json().errors[0].extensions.code, contentType).toBe("unsupported_media_type");
    }
    const plain = await reader.raw(proxy.url("app"), {
      method: "POST",
      path: "/graphql",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ query: "{ volumes }", variables: { smuggled } }),
    });
    expect(plain.status).toBe(200);
    expect(ran).toEqual(["graphql { volumes }"]);
  });

  it("reads a Content-Type's parameters as the upstream does: quoted strings, and no name twice", async () => {
    const backups = await agentFor(["backup:create"]);
    for (const contentType of [
      // The proxy took charset=utf-8 out of the quoted x, Express the charset after it.
      'application/json; x="a;charset=utf-8;"; charset=utf-7',
      'application/json; x="a\\";charset=utf-8;"; charset=utf-7',
      "application/json; charset=utf-8; charset=utf-7",
    ]) {
      const response = await backups.raw(proxy.url("app"), {
        method: "POST",
        path: "/v1/volumes/vol_stg_1/backups",
        headers: { "content-type": contentType },
        body: `{"${utf7("_method")}": "DELETE", "note": "nightly"}`,
      });
      expect(response.status, contentType).toBe(400);
      expect(response.json().code, contentType).toBe("unreadable_body");
    }
    const plain = await backups.raw(proxy.url("app"), {
      method: "POST",
      path: "/v1/volumes/vol_stg_1/backups",
      headers: { "content-type": 'application/json; x="a;b"; charset=utf-8' },
      body: '{"note": "nightly"}',
    });
    expect(plain.status).toBe(200);
    expect(ran).toEqual(["POST /v1/volumes/vol_stg_1/backups"]);
  });
});

describe("the path the upstream routes is the path the proxy matched", () => {
  it("reads every request to the GraphQL path as GraphQL, whatever rule comes first and however a router spells it", async () => {
    const serviceReader = await agentFor(["service:read"]);
    // Express routes paths case-insensitively and ignores a trailing slash.
    for (const path of ["/graphql", "/GraphQL", "/GRAPHQL"]) {
      const response = await serviceReader.raw(proxy.url("app-catchall"), {
        method: "POST",
        path,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: 'mutation { volumeDelete(volumeId: "vol_stg_1") }' }),
      });
      expect(response.status, path).toBe(403);
      expect(response.json().errors[0].extensions.code, path).toBe("action_not_granted");
    }
    expect(ran).toEqual([]);
  });

  it("refuses a segment that is a dot segment or a separator once decoded again or normalised", async () => {
    const logCleaner = await agentFor(["volume:update"]);
    for (const path of [
      "/v1/volumes/vol_stg_1/logs/%252e%252e",
      "/v1/volumes/vol_stg_1/logs/%252E%252E%253Bx",
      "/v1/volumes/vol_stg_1/logs/app.log%252f..",
      "/v1/volumes/vol_stg_1/logs/%25252e%25252e",
      "/v1/volumes/vol_stg_1/logs/%EF%BC%8E%EF%BC%8E",
      "/v1/volumes/vol_stg_1/logs/app.log%EF%BC%8F..",
      "/v1/volumes/vol_stg_1/logs/..%00.log",
      "/v1/volumes/vol_stg_1/logs/...",
    ]) {
      const response = await logCleaner.raw(proxy.url("platform"), { method: "DELETE", path });
      expect(response.status, path).toBe(400);
      expect(response.json().code, path).toBe("invalid_path");
    }
    expect(ran).toEqual([]);
    const plain = await logCleaner.raw(proxy.url("platform"), {
      method: "DELETE",
      path: "/v1/volumes/vol_stg_1/logs/app%20log.2026-12-06",
    });
    expect(plain.status).toBe(200);
    expect(ran).toEqual(["DELETE /v1/volumes/vol_stg_1/logs/app log.2026-12-06"]);
  });
});

describe("the method the upstream runs is the method the proxy authorized", () => {
  it("refuses the override parameters of Flask's middleware and Salesforce's API, in every spelling", async () => {
    const backups = await agentFor(["backup:create"]);
    for (const query of [
      "__METHOD_OVERRIDE__=DELETE",
      "__method_override__=DELETE",
      "%5F%5FMETHOD_OVERRIDE__=DELETE",
      "_HttpMethod=DELETE",
      "_httpmethod=DELETE",
      "x-http-method-override=DELETE",
    ]) {
      const response = await backups.raw(proxy.url("platform"), {
        method: "POST",
        path: `/v1/volumes/vol_stg_1/backups?${query}`,
      });
      expect(response.status, query).toBe(400);
      expect(response.json().code, query).toBe("method_override_refused");
    }
    expect(ran).toEqual([]);
  });
});
