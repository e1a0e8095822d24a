import { describe, expect, it } from "vitest";
import { formatProblem, parseProxyConfig } from "../../src/proxy/config.ts";
import {
  type AgentRequest,
  planRequest,
  type RequestPlan,
  type Route,
} from "../../src/proxy/forward-plan.ts";
import { requestHash } from "../../src/proxy/request-hash.ts";

const loaded = parseProxyConfig(
  `
port: 0
upstreams:
  - name: platform
    listen: /platform
    target: https://api.platform.example
    environment: staging
    credential: { env: PLATFORM_TOKEN }
    rules:
      - { method: [GET, HEAD], path: /v1/volumes/:id, action: volume:read, resource: "railway:prj_demo/env/{env}/volume/:id" }
      - { method: DELETE, path: /v1/volumes/:id, action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:id" }
      - { method: PUT, path: /v1/volumes/:id, action: volume:update, resource: "railway:prj_demo/env/{env}/volume/:id", hash_body: true, hash_headers: [x-mode] }
      - { method: POST, path: /v1/backups, action: backup:create, resource: "railway:prj_demo/env/{env}/backups" }
      - { method: GET, path: /v1/files/:name, action: file:read, resource: "railway:prj_demo/env/{env}/file/{params.name}" }
      - graphql:
          path: /graphql
          mutations:
            volumeDelete: { action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/{args.volumeId}" }
  - name: ledger
    listen: /ledger
    target: https://ledger.example
    environment: staging
    credential: { env: LEDGER_TOKEN }
    rules:
      - { method: GET, path: /entries, action: ledger:read, resource: "ledger:staging/entries" }
`,
  "forward-plan.yaml",
);
if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
const routes: Route[] = loaded.config.upstreams.map((upstream) => ({
  upstream,
  prefix: (upstream.listen as { prefix: string }).prefix,
}));

const TOKEN = "eyJ.task-token-of-the-agent.sig";
const volume = (id: string) => `railway:prj_demo/env/staging/volume/${id}`;

interface Case {
  name: string;
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Omit the Authorization header. */
  noToken?: true;
  body?: string;
  /** What the plan holds, at least. */
  expected: Record<string, unknown>;
}

function plan(c: Pick<Case, "method" | "url" | "headers" | "noToken" | "body">): RequestPlan {
  const request: AgentRequest = {
    method: c.method ?? "GET",
    url: c.url,
    headers: { ...(c.noToken ? {} : { authorization: `Bearer ${TOKEN}` }), ...c.headers },
    ...(c.body === undefined ? {} : { body: Buffer.from(c.body) }),
  };
  return planRequest(request, routes);
}

const refused = (status: number, code: string, style: "problem" | "graphql" = "problem") => ({
  kind: "refuse",
  style,
  refusal: expect.objectContaining({ status, code }),
});

const json = { "content-type": "application/json", "content-length": "20" };

describe("the plan of a request", () => {
  const cases: Case[] = [
    { name: "no listener prefix", url: "/elsewhere/v1/volumes/v", expected: refused(404, "no_upstream") },
    {
      name: "a prefix as a substring",
      url: "/platformx/v1/volumes/v",
      expected: refused(404, "no_upstream"),
    },
    {
      name: "an absolute-form target",
      url: "http://x/platform/v1/volumes/v",
      expected: refused(404, "no_upstream"),
    },
    { name: "a dot segment", url: "/platform/v1/volumes/../secrets", expected: refused(400, "invalid_path") },
    { name: "an encoded slash", url: "/platform/v1/volumes/a%2Fb", expected: refused(400, "invalid_path") },
    { name: "an empty segment", url: "/platform/v1//volumes/v", expected: refused(400, "invalid_path") },
    {
      name: "a method override in the query",
      method: "POST",
      url: "/platform/v1/backups?_method=DELETE",
      expected: refused(400, "method_override_refused"),
    },
    {
      name: "a method override header, before the token is looked at",
      method: "POST",
      url: "/platform/v1/backups",
      noToken: true,
      headers: { "x-http-method-override": "DELETE" },
      expected: refused(400, "method_override_refused"),
    },
    {
      name: "Connection naming the Content-Type the body is read by",
      method: "POST",
      url: "/platform/v1/backups",
      headers: { "content-type": "text/plain", "content-length": "14", connection: "Content-Type" },
      expected: refused(400, "connection_header_refused"),
    },
    {
      name: "Connection naming a header the approval is bound to",
      method: "PUT",
      url: "/platform/v1/volumes/v",
      headers: { "x-mode": "soft", connection: "keep-alive, x_mode" },
      expected: refused(400, "connection_header_refused"),
    },
    {
      name: "Connection naming a hop-by-hop header of its own",
      url: "/platform/v1/volumes/v",
      headers: { "x-hop": "1", connection: "keep-alive, x-hop" },
      expected: { kind: "forward" },
    },
    {
      name: "a compressed body",
      method: "POST",
      url: "/platform/v1/backups",
      headers: { "content-encoding": "gzip", "content-length": "10" },
      expected: refused(415, "unsupported_media_type"),
    },
    {
      name: "no token",
      url: "/platform/v1/volumes/v",
      noToken: true,
      expected: refused(401, "missing_token"),
    },
    {
      name: "no token at the GraphQL path: a GraphQL refusal",
      method: "POST",
      url: "/platform/graphql",
      noToken: true,
      expected: refused(401, "missing_token", "graphql"),
    },
    {
      name: "the token in the query",
      url: `/platform/v1/volumes/v?t=${TOKEN}`,
      expected: refused(400, "task_token_in_request"),
    },
    {
      name: "the token percent-encoded in the path",
      url: `/platform/v1/files/${encodeURIComponent(TOKEN).replace(/\./g, "%2E")}`,
      expected: refused(400, "task_token_in_request"),
    },
    {
      name: "no rule maps it",
      method: "PATCH",
      url: "/platform/v1/volumes/v",
      expected: refused(403, "no_matching_rule"),
    },
    {
      name: "a rule of another upstream",
      url: "/ledger/v1/volumes/v",
      expected: { ...refused(403, "no_matching_rule"), upstream: routes[1]!.upstream },
    },
    {
      name: "GraphQL by GET",
      url: "/platform/graphql?query={x}",
      expected: { ...refused(405, "method_not_allowed", "graphql") },
    },
    {
      name: "GraphQL as a form",
      method: "POST",
      url: "/platform/graphql",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      expected: refused(415, "unsupported_media_type", "graphql"),
    },
    {
      name: "GraphQL before its body is read",
      method: "POST",
      url: "/platform/graphql",
      headers: json,
      expected: { kind: "read_body", style: "graphql", calls: [] },
    },
    {
      name: "GraphQL whose body is not JSON",
      method: "POST",
      url: "/platform/graphql",
      headers: json,
      body: "{not json",
      expected: refused(400, "invalid_graphql_request", "graphql"),
    },
    {
      name: "a GraphQL document that does not parse",
      method: "POST",
      url: "/platform/graphql",
      headers: json,
      body: JSON.stringify({ query: "mutation { volumeDelete(volumeId: " }),
      expected: { ...refused(400, "unparseable_graphql", "graphql"), calls: [] },
    },
    {
      name: "a GraphQL variable holding the token",
      method: "POST",
      url: "/platform/graphql",
      headers: json,
      body: JSON.stringify({
        query: "mutation($id: String!) { volumeDelete(volumeId: $id) }",
        variables: { id: TOKEN },
      }),
      expected: {
        ...refused(400, "task_token_in_request", "graphql"),
        calls: [expect.objectContaining({ action: "volume:delete", resource: volume(TOKEN) })],
      },
    },
    {
      name: "a path parameter that is no plain identifier",
      url: "/platform/v1/volumes/-rf",
      expected: { ...refused(400, "unresolvable_resource"), calls: [] },
    },
    {
      name: "a hashed body before it is read",
      method: "PUT",
      url: "/platform/v1/volumes/v",
      headers: { "content-type": "application/octet-stream", "content-length": "4" },
      expected: { kind: "read_body", style: "problem", calls: [] },
    },
    {
      name: "a JSON body a framework would read as another method",
      method: "POST",
      url: "/platform/v1/backups",
      headers: json,
      body: JSON.stringify({ _method: "DELETE" }),
      expected: refused(400, "method_override_refused"),
    },
    {
      name: "the token in a body the proxy read",
      method: "PUT",
      url: "/platform/v1/volumes/v",
      headers: { "content-type": "application/octet-stream", "content-length": "40" },
      body: `x=${Buffer.from(TOKEN).toString("base64")}`,
      expected: {
        ...refused(400, "task_token_in_request"),
        calls: [{ action: "volume:update", resource: volume("v") }],
      },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      expect(plan(c)).toMatchObject(c.expected);
    });
  }

  it("names the upstream on every refusal once it is routed, and only then", () => {
    expect(plan({ url: "/nowhere" }).upstream).toBeUndefined();
    const routed = plan({ url: "/platform/v1//x" });
    expect(routed.upstream?.name).toBe("platform");
    const late = plan({ url: "/platform/v1/volumes/v", noToken: true });
    expect(late.kind === "refuse" && late.refusal.extra).toEqual({ upstream: "platform" });
  });
});

describe("a forward plan", () => {
  it("streams a plain request's body, keeps the query and binds the approval to the path as forwarded", () => {
    const result = plan({ method: "DELETE", url: "/platform/v1/volumes/vol_1?force=1" });
    expect(result).toMatchObject({ kind: "forward", style: "problem" });
    if (result.kind !== "forward") return;
    expect(result.forward).toMatchObject({
      token: TOKEN,
      calls: [{ action: "volume:delete", resource: volume("vol_1") }],
      path: "/v1/volumes/vol_1?force=1",
    });
    expect(result.forward.upstream.name).toBe("platform");
    expect(result.forward.body).toBeUndefined();
    expect(result.forward.requestHash).toBe(
      requestHash({ method: "DELETE", path: "/v1/volumes/vol_1?force=1", headers: {}, hashHeaders: [] }),
    );
  });

  it("forwards a hashed body as read, bound to it and the rule's headers", () => {
    const headers = { "content-type": "application/octet-stream", "content-length": "5", "x-mode": "wipe" };
    const result = plan({ method: "PUT", url: "/platform/v1/volumes/v", headers, body: "bytes" });
    if (result.kind !== "forward") throw new Error(`expected a forward plan, got ${JSON.stringify(result)}`);
    expect(result.forward.body?.toString()).toBe("bytes");
    const hash = (mode: string, body: string) =>
      requestHash({
        method: "PUT",
        path: "/v1/volumes/v",
        headers: { ...headers, "x-mode": mode },
        hashHeaders: ["x-mode"],
        body: Buffer.from(body),
      });
    expect(result.forward.requestHash).toBe(hash("wipe", "bytes"));
    expect(result.forward.requestHash).not.toBe(hash("keep", "bytes"));
    expect(result.forward.requestHash).not.toBe(hash("wipe", "other"));
  });

  it("does not read a body the rule neither hashes nor a framework parses", () => {
    const headers = { "content-type": "application/octet-stream", "content-length": "4" };
    const result = plan({ method: "POST", url: "/platform/v1/backups", headers });
    expect(result.kind).toBe("forward");
    if (result.kind === "forward") expect(result.forward.body).toBeUndefined();
  });

  it("sends a GraphQL request upstream as parsed, re-serialized, without the query string", () => {
    const body = `{"query": "mutation { volumeDelete(volumeId: \\"vol_9\\") }", "extensions": {}}`;
    const result = plan({ method: "POST", url: "/platform/graphql?x=1", headers: json, body });
    if (result.kind !== "forward") throw new Error(`expected a forward plan, got ${JSON.stringify(result)}`);
    expect(result.style).toBe("graphql");
    expect(result.forward.path).toBe("/graphql");
    expect(result.forward.calls).toMatchObject([{ action: "volume:delete", resource: volume("vol_9") }]);
    const sent = result.forward.body!.toString();
    expect(sent).not.toBe(body);
    expect(JSON.parse(sent).query).toContain("volumeDelete");
    expect(result.forward.requestHash).toBe(
      requestHash({
        method: "POST",
        path: "/graphql",
        headers: json,
        hashHeaders: [],
        body: Buffer.from(sent),
      }),
    );
  });

  it("routes by prefix and strips it; an upstream on its own port keeps the whole path", () => {
    const own: Route[] = [{ upstream: routes[1]!.upstream, prefix: "" }];
    const result = planRequest(
      { method: "GET", url: "/entries", headers: { authorization: `Bearer ${TOKEN}` } },
      own,
    );
    expect(result.kind === "forward" && result.forward.path).toBe("/entries");
    const prefixed = plan({ url: "/ledger/entries" });
    expect(prefixed.kind === "forward" && prefixed.forward.path).toBe("/entries");
  });
});
