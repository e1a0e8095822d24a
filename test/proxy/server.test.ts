import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";
import { freePort } from "../helpers/ports.ts";
import { Agent, startTestProxy, type TestProxy } from "./harness.ts";

let broker: TestBroker;
let platform: FakePlatform;
let proxy: TestProxy;

const config = (target: string) => `
port: 0
hold_timeout: 5s
max_body_bytes: 4096
upstreams:
  - name: gql-staging
    listen: /staging
    target: ${target}
    environment: staging
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - graphql:
          path: /graphql
          mutations:
            volumeDelete: { action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/{args.volumeId}" }
          queries:
            default: { action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
  - name: rest-staging
    listen: 0
    target: ${target}
    environment: staging
    credential: { env: UNUSED_IN_TESTS }
    strip_headers: [x-agent-secret]
    rules:
      - { method: [GET, HEAD], path: /v1/volumes/:id, action: volume:read, resource: "railway:prj_demo/env/{env}/volume/:id" }
      - { method: DELETE, path: /v1/volumes/:id, action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:id", hash_body: true }
      - { method: POST, path: "/v1/volumes/:id/backups", action: backup:create, resource: "railway:prj_demo/env/{env}/volume/:id" }
      - { method: POST, path: /v1/uploads, action: deploy:create, resource: "railway:prj_demo/env/{env}/uploads" }
      - { method: GET, path: /v1/stream, action: deployment:read, resource: "railway:prj_demo/env/{env}/logs" }
      - { method: GET, path: /v1/gzip, action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
`;

beforeAll(async () => {
  broker = await startTestBroker();
  platform = await startFakePlatform({ careless: true });
  proxy = await startTestProxy(config(platform.url), {
    brokerUrl: broker.url,
    credentials: { "gql-staging": platform.tokens.staging, "rest-staging": platform.tokens.staging },
  });
});
afterAll(async () => {
  await proxy?.close();
  await platform?.close();
  await broker?.close();
});
beforeEach(() => {
  platform.calls.length = 0;
  platform.seed();
});

const stagingAgent = async (intent = "fix staging") =>
  new Agent((await mintToken(broker, { scope: "staging-fix", task: { intent } })).token);

describe("forwarding", () => {
  it("strips every credential the agent sent, injects the upstream's, and passes the answer back", async () => {
    const agent = await stagingAgent();
    const response = await agent.raw(`${proxy.url("rest-staging")}/v1/volumes/vol_stg_1?verbose=1`, {
      headers: {
        cookie: "session=agent-cookie",
        "x-api-key": "agent-api-key",
        "proxy-authorization": "Basic YWdlbnQ=",
        "x-agent-secret": "configured-to-strip",
        "x-copied-token": `token=${agent.token}`,
        "x-trace": "kept",
        "x-trace-hop": "listed in Connection, so hop-by-hop",
        connection: "keep-alive, x-trace-hop",
      },
    });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ id: "vol_stg_1", environment: "staging" });
    const [call] = platform.calls;
    expect(call!.path).toBe("/v1/volumes/vol_stg_1");
    expect(call!.headers["x-trace-hop"]).toBeUndefined();
    expect(call!.headers.authorization).toBe(`Bearer ${platform.tokens.staging}`);
    expect(call!.headers["x-trace"]).toBe("kept");
    expect(call!.headers.host).toBe(new URL(platform.url).host);
    for (const stripped of [
      "cookie",
      "x-api-key",
      "proxy-authorization",
      "x-agent-secret",
      "x-copied-token",
    ]) {
      expect(call!.headers[stripped], stripped).toBeUndefined();
    }
    expect(JSON.stringify(call!.headers)).not.toContain(agent.token);
  });

  it("never shows the agent the upstream credential: headers, cookies, error bodies, split chunks, gzip", async () => {
    const agent = await stagingAgent();
    const base = proxy.url("rest-staging");
    const missing = await agent.request(`${base}/v1/volumes/vol_nope`);
    expect(missing.status).toBe(404);
    expect(missing.json().error).toMatch(/^volume vol_nope not found for token \*+$/);
    expect(missing.headers.get("x-request-token")).toMatch(/^\*+$/);
    expect(missing.headers.get("set-cookie")).toBeNull();

    const stream = await agent.request(`${base}/v1/stream`);
    expect(stream.status).toBe(200);
    expect(stream.text).toMatch(/^line 1\ntoken=\*+\nline 3\n$/);

    const gzip = await agent.request(`${base}/v1/gzip`);
    expect(gzip.status).toBe(200);
    expect(gzip.headers.get("content-encoding")).toBeNull();
    expect(gzip.json().token).toMatch(/^\*+$/);

    const graphql = await agent.graphql(`${proxy.url("gql-staging")}/graphql`, "{ apiToken }");
    expect(graphql.status).toBe(200);
    expect(graphql.json().data.apiToken).toMatch(/^\*+$/);

    // Sanity: the platform really did send it each time.
    expect(platform.calls.length).toBe(4);
    for (const received of agent.received) expect(received).not.toContain(platform.tokens.staging);
  });

  it("streams a request body larger than max_body_bytes when the rule does not hash it", async () => {
    const agent = await stagingAgent();
    const payload = randomBytes(3 * 1024 * 1024);
    const response = await agent.request(`${proxy.url("rest-staging")}/v1/uploads`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(payload),
    });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      bytes: payload.length,
      sha256: createHash("sha256").update(payload).digest("hex"),
    });
  });

  it("reads a hashed body, and refuses one over max_body_bytes with 413 before asking leash", async () => {
    const agent = await stagingAgent();
    const url = `${proxy.url("rest-staging")}/v1/volumes/vol_stg_2`;
    const small = await agent.request(url, { method: "DELETE", body: '{"force":true}' });
    expect(small.status).toBe(200);
    expect(platform.calls[0]!.body).toBe('{"force":true}');
    const large = await agent.request(url.replace("vol_stg_2", "vol_stg_3"), {
      method: "DELETE",
      body: "x".repeat(5000),
    });
    expect(large.status).toBe(413);
    expect(large.json().code).toBe("body_too_large");
    expect(platform.volumes.has("vol_stg_3")).toBe(true);
  });
});

describe("method overrides, against a platform that honours them like Rails, Laravel and PHP", () => {
  const backupsOf = (id: string) => platform.volumes.get(id)!.backups.map((b) => b.id);
  const form = "application/x-www-form-urlencoded";

  it("forwards a plain POST as the backup:create it was authorized as", async () => {
    const agent = await stagingAgent();
    const url = `${proxy.url("rest-staging")}/v1/volumes/vol_stg_1/backups`;
    const plain = await agent.request(url, {
      method: "POST",
      headers: { "content-type": form },
      body: "note=nightly",
    });
    expect(plain.status).toBe(201);
    expect(platform.calls[0]!.effectiveMethod).toBe("POST");
    expect(platform.calls[0]!.body).toBe("note=nightly");
    expect(backupsOf("vol_stg_1")).toHaveLength(2);
  });

  it("refuses a POST that asks to run as DELETE in the query, a header, a form, multipart or JSON", async () => {
    const agent = await stagingAgent();
    const base = `${proxy.url("rest-staging")}/v1/volumes/vol_stg_1/backups`;
    const multipart = new FormData();
    multipart.append("_method", "DELETE");
    const attempts: { label: string; query?: string; headers?: Record<string, string>; body?: BodyInit }[] = [
      { label: "form body", headers: { "content-type": form }, body: "note=x&_method=DELETE" },
      { label: "form body without Content-Type", body: "_method=DELETE" },
      { label: "multipart body", body: multipart },
      { label: "JSON body", headers: { "content-type": "application/json" }, body: '{"_method":"DELETE"}' },
      { label: "PHP .method", query: "?.method=DELETE" },
      { label: "PHP space method", query: "?%20method=DELETE" },
      { label: "PHP [method", query: "?[method=DELETE" },
      { label: "query _method", query: "?_method=DELETE" },
      { label: "underscored header", headers: { X_HTTP_METHOD_OVERRIDE: "DELETE" } },
      { label: "header", headers: { "X-HTTP-Method-Override": "DELETE" } },
    ];
    for (const attempt of attempts) {
      const response = await agent.raw(`${base}${attempt.query ?? ""}`, {
        method: "POST",
        ...(attempt.headers ? { headers: attempt.headers } : {}),
        ...(typeof attempt.body === "string" ? { body: attempt.body } : {}),
        ...(attempt.body instanceof FormData ? { form: attempt.body } : {}),
      });
      expect(response.status, attempt.label).toBe(400);
      expect(response.json().code, attempt.label).toBe("method_override_refused");
    }
    expect(platform.calls).toEqual([]);
    expect(backupsOf("vol_stg_1")).toEqual(["bak_stg_1"]);
  });

  it("reads the body under every Content-Type spelling Rack, PHP or Laravel parses, and keeps the type it read", async () => {
    const agent = await stagingAgent();
    const base = `${proxy.url("rest-staging")}/v1/volumes/vol_stg_1/backups`;
    const attempts: { label: string; headers: Record<string, string>; body: string }[] = [
      // Rack and PHP cut the media type at ",".
      { label: "form, listed", headers: { "content-type": `${form}, text/plain` }, body: "_method=DELETE" },
      // PHP cuts it at a space too.
      { label: "form, then a space", headers: { "content-type": `${form} x` }, body: "_method=DELETE" },
      // Laravel reads JSON when "/json" or "+json" is anywhere in the header.
      {
        label: "JSON named in a parameter",
        headers: { "content-type": 'text/plain; profile="/json"' },
        body: '{"_method":"DELETE"}',
      },
      {
        label: "a form that Laravel reads as JSON",
        headers: { "content-type": `${form}; profile=+json` },
        body: '{"_method":"DELETE"}',
      },
    ];
    for (const attempt of attempts) {
      const response = await agent.raw(base, {
        method: "POST",
        headers: attempt.headers,
        body: attempt.body,
      });
      expect(response.status, attempt.label).toBe(400);
      expect(["method_override_refused", "unreadable_body"], attempt.label).toContain(response.json().code);
    }
    // Connection would have the proxy drop the Content-Type it decided on, and Rack reads a POST without one as a form.
    const unlisted = await agent.raw(base, {
      method: "POST",
      headers: { "content-type": "text/plain", connection: "keep-alive, content-type" },
      body: "_method=DELETE",
    });
    expect(unlisted.status).toBe(400);
    expect(unlisted.json().code).toBe("connection_header_refused");
    expect(platform.calls).toEqual([]);
    expect(backupsOf("vol_stg_1")).toEqual(["bak_stg_1"]);
  });

  it("drops other request headers with underscores, as nginx does", async () => {
    const agent = await stagingAgent();
    const response = await agent.raw(`${proxy.url("rest-staging")}/v1/volumes/vol_stg_1`, {
      headers: { x_api_key: "agent-guess", x_trace: "1", "x-trace": "2" },
    });
    expect(response.status).toBe(200);
    expect(platform.calls[0]!.headers.x_api_key).toBeUndefined();
    expect(platform.calls[0]!.headers.x_trace).toBeUndefined();
    expect(platform.calls[0]!.headers["x-trace"]).toBe("2");
  });
});

describe("GraphQL ids past 2^53, against graphql-js's ID coercion", () => {
  it("authorizes the id the platform deletes, and forwards the same literal", async () => {
    platform.addVolume("9007199254740993", "staging", ["bak_big_1"]);
    platform.addVolume("9007199254740992", "staging", ["bak_big_2"]);
    const url = `${proxy.url("gql-staging")}/graphql`;
    const mutation = "mutation { volumeDelete(volumeId: 9007199254740993) }";
    const reader = new Agent(
      (await mintToken(broker, { scope: "staging-fix", task: { intent: "look" }, actions: ["volume:read"] }))
        .token,
    );
    const refused = await reader.graphql(url, mutation);
    expect(refused.status).toBe(403);
    expect(refused.json().errors[0].extensions.resource).toBe(
      "railway:prj_demo/env/staging/volume/9007199254740993",
    );

    const agent = await stagingAgent();
    const deleted = await agent.graphql(url, mutation);
    expect(deleted.json()).toEqual({ data: { volumeDelete: true } });
    expect(platform.callsWithField("volumeDelete")[0]!.body).toContain("9007199254740993");
    expect(platform.volumes.has("9007199254740993")).toBe(false);
    expect(platform.volumes.has("9007199254740992")).toBe(true);
  });
});

describe("the agent's own token", () => {
  it("is refused in the query, the path or a body field, in any encoding; never forwarded", async () => {
    const agent = await stagingAgent();
    const base = `${proxy.url("rest-staging")}/v1/volumes`;
    const attempts = [
      agent.request(`${base}/vol_stg_1?access_token=${agent.token}`),
      agent.request(`${base}/vol_stg_1?t=${Buffer.from(`x:${agent.token}`).toString("base64url")}`),
      agent.request(`${base}/${agent.token}`),
      agent.request(`${base}/vol_stg_1/backups`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: agent.token }),
      }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(400);
      expect(response.json().code).toBe("task_token_in_request");
    }
    expect(platform.calls).toEqual([]);
  });
});

describe("refusals", () => {
  it("401 without a task token, 403 for a path no rule maps, 400 for ambiguous paths; none forwarded", async () => {
    const agent = await stagingAgent();
    const base = proxy.url("rest-staging");
    const anonymous = await agent.request(`${base}/v1/volumes/vol_stg_1`, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
    expect(anonymous.json()).toMatchObject({ code: "missing_token", status: 401 });

    const unmapped = await agent.request(`${base}/v1/volumes`, { method: "POST", body: "{}" });
    expect(unmapped.status).toBe(403);
    expect(unmapped.json()).toMatchObject({ code: "no_matching_rule", upstream: "rest-staging" });

    for (const path of ["/v1/volumes/..", "/v1/volumes/%2e%2e", "/v1//volumes/x", "/v1/volumes/a%2Fb"]) {
      const response = await agent.raw(base, { path: `${new URL(base).pathname.replace(/\/$/, "")}${path}` });
      expect(response.status, path).toBe(400);
      expect(response.json().code, path).toBe("invalid_path");
    }
    const override = await agent.request(`${base}/v1/volumes/vol_stg_1?_method=DELETE`);
    expect(override.status).toBe(400);
    expect(override.json().code).toBe("method_override_refused");
    const unsafe = await agent.request(`${base}/v1/volumes/*`);
    expect(unsafe.json().code).toBe("unresolvable_resource");
    expect(platform.calls).toEqual([]);
  });

  it("answers GraphQL clients with a GraphQL errors body, same status", async () => {
    const agent = await stagingAgent();
    const url = `${proxy.url("gql-staging")}/graphql`;
    const unknown = await agent.graphql(url, 'mutation { serviceDelete(id: "svc_stg_web") }');
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get("content-type")).toContain("application/json");
    expect(unknown.json()).toEqual({
      errors: [
        {
          message: expect.stringContaining("serviceDelete"),
          extensions: expect.objectContaining({
            code: "unknown_mutation",
            status: 403,
            field: "serviceDelete",
          }),
        },
      ],
    });
    const broken = await agent.graphql(url, "mutation { volumeDelete(volumeId: ");
    expect(broken.status).toBe(400);
    expect(broken.json().errors[0].extensions.code).toBe("unparseable_graphql");
    const get = await agent.request(`${url}?query={volumes{id}}`);
    expect(get.status).toBe(405);
    expect(get.json().errors[0].extensions.code).toBe("method_not_allowed");
    const production = await agent.graphql(url, "mutation($v: ID!) { a: volumeDelete(volumeId: $v) }", {
      v: "vol_stg_1",
    });
    expect(production.status).toBe(200);
    expect(platform.callsWithField("volumeDelete")).toHaveLength(1);
    expect(platform.callsWithField("serviceDelete")).toHaveLength(0);
  });

  it("refuses a document whole when one of its fields is refused", async () => {
    const agent = new Agent(
      (
        await mintToken(broker, {
          scope: "staging-fix",
          task: { intent: "read only" },
          actions: ["volume:read"],
        })
      ).token,
    );
    const response = await agent.graphql(
      `${proxy.url("gql-staging")}/graphql`,
      'query { volumes { id } } mutation M { volumeDelete(volumeId: "vol_stg_1") }',
    );
    expect(response.status).toBe(403);
    expect(response.json().errors[0].extensions).toMatchObject({
      code: "action_not_granted",
      action: "volume:delete",
      resource: "railway:prj_demo/env/staging/volume/vol_stg_1",
    });
    expect(platform.calls).toEqual([]);
  });
});

describe("when leash cannot be asked", () => {
  it("answers 503 and forwards nothing, whether leash is down or failing", async () => {
    const failing = http.createServer((_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end('{"code":"internal_error"}');
    });
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    const failingUrl = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
    const downUrl = `http://127.0.0.1:${await freePort()}`;
    const agent = await stagingAgent();
    try {
      for (const brokerUrl of [failingUrl, downUrl]) {
        const cut = await startTestProxy(config(platform.url), {
          brokerUrl,
          credentials: { "gql-staging": platform.tokens.staging, "rest-staging": platform.tokens.staging },
        });
        try {
          const rest = await agent.request(`${cut.url("rest-staging")}/v1/volumes/vol_stg_1`);
          expect(rest.status).toBe(503);
          expect(rest.json().code).toBe("broker_unavailable");
          const graphql = await agent.graphql(`${cut.url("gql-staging")}/graphql`, "{ volumes { id } }");
          expect(graphql.status).toBe(503);
          expect(graphql.json().errors[0].extensions.code).toBe("broker_unavailable");
        } finally {
          await cut.close();
        }
      }
    } finally {
      failing.close();
    }
    expect(platform.calls).toEqual([]);
  });

  it("answers 502 when the upstream cannot be reached", async () => {
    const cut = await startTestProxy(config(`http://127.0.0.1:${await freePort()}`), {
      brokerUrl: broker.url,
      credentials: { "gql-staging": platform.tokens.staging, "rest-staging": platform.tokens.staging },
    });
    try {
      const agent = await stagingAgent();
      const response = await agent.request(`${cut.url("rest-staging")}/v1/volumes/vol_stg_1`);
      expect(response.status).toBe(502);
      expect(response.json().code).toBe("upstream_unreachable");
      expect(response.text).not.toContain(platform.tokens.staging);
    } finally {
      await cut.close();
    }
  });
});
