import { describe, expect, it } from "vitest";
import type { GraphqlRule, Upstream } from "../../src/proxy/compile-config.ts";
import { formatProblem, parseProxyConfig } from "../../src/proxy/config.ts";
import { graphqlCalls, MAX_ROOT_FIELDS } from "../../src/proxy/graphql-calls.ts";
import { matchRule, restCall } from "../../src/proxy/match-rule.ts";
import { hasAmbiguousSegments } from "../../src/proxy/rest-path.ts";

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
      - { method: post, path: "/v1/projects/:project/volumes/:id/backups/", action: backup:create, resource: "railway:{params.project}/env/{env}/volume/:id" }
      - { method: GET, path: /v1/volumes/:id, action: backup:read, resource: "never-reached" }
      - graphql:
          path: /graphql
          mutations:
            volumeDelete: { action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/{args.volumeId}" }
            volumeCreate: { action: volume:create, resource: "railway:prj_demo/env/{env}/volume/{args.input.name}" }
            backupDelete: { action: backup:delete, resource: "railway:prj_demo/env/{env}/backup/{args.backupId}" }
          queries:
            fields:
              volume: { action: volume:read, resource: "railway:prj_demo/env/{env}/volume/{args.id}" }
            default: { action: service:read, resource: "railway:prj_demo/env/{env}/services" }
`,
  "rules.yaml",
);
if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
const upstream: Upstream = loaded.config.upstreams[0]!;
const graphqlRule = upstream.rules.find((r): r is GraphqlRule => r.kind === "graphql")!;

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;

function rest(method: string, path: string) {
  const match = matchRule(upstream, method, path);
  if (match.kind !== "rest") return match.kind;
  return restCall(match.rule, upstream.environment, match.params);
}

const gql = (query: string, variables?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  graphqlCalls(graphqlRule, "staging", { query, ...(variables ? { variables } : {}), ...extra });

const calls = (query: string, variables?: Record<string, unknown>) => {
  const result = gql(query, variables);
  if (!result.ok) throw new Error(`${result.code}: ${result.detail}`);
  return result.calls.map(({ action, resource, field }) => ({ action, resource, field }));
};

describe("REST rules", () => {
  it("captures path parameters into the resource; the first matching rule wins", () => {
    expect(rest("GET", "/v1/volumes/vol_1")).toEqual({
      ok: true,
      calls: [{ action: "volume:read", resource: staging("volume/vol_1") }],
    });
    expect(rest("HEAD", "/v1/volumes/vol_1")).toMatchObject({ calls: [{ action: "volume:read" }] });
    expect(rest("DELETE", "/v1/volumes/vol_1")).toMatchObject({ calls: [{ action: "volume:delete" }] });
    expect(rest("POST", "/v1/projects/prj_9/volumes/vol%5F2/backups/")).toEqual({
      ok: true,
      calls: [{ action: "backup:create", resource: "railway:prj_9/env/staging/volume/vol_2" }],
    });
  });

  it("matches nothing for other methods, lengths, trailing slashes or encoded literals", () => {
    for (const [method, path] of [
      ["PUT", "/v1/volumes/vol_1"],
      ["GET", "/v1/volumes"],
      ["GET", "/v1/volumes/vol_1/"],
      ["GET", "/v1/volumes/vol_1/extra"],
      ["GET", "/v1/vol%75mes/vol_1"],
      ["POST", "/v1/projects/prj_9/volumes/vol_2/backups"],
    ] as const) {
      expect(rest(method, path), `${method} ${path}`).toBe("none");
    }
  });

  it("refuses parameter values that are not plain identifiers", () => {
    for (const value of ["*", "vol_1%2F..%2Fprod", "-rf", ".hidden", "a%20b", "%7Bx%7D", "a?b"]) {
      const result = rest("GET", `/v1/volumes/${value}`);
      expect(result, value).toMatchObject({ ok: false, status: 400, code: "unresolvable_resource" });
    }
    // Undecodable or dot segments match no rule at all.
    for (const value of ["%E0%A4%A", "%2e%2e", "%2E"])
      expect(rest("GET", `/v1/volumes/${value}`), value).toBe("none");
  });

  it("flags ambiguous request paths before any rule is tried", () => {
    for (const path of [
      "/a/../b",
      "/a/./b",
      "/a//b",
      "/a/%2E%2e",
      "/a%2fb",
      "/a\\b",
      "relative",
      "/a/..;/b",
      "/a/..;x=1/b",
      "/a/.;/b",
      "/a/%2e%2E;x",
      "/a/..%3Bx/b",
      "/a/;x/b",
      // Decoded a second time, as IIS and apps that decode their server's decoded path do.
      "/a/%252e%252e/b",
      "/a/%252E%252E%253Bx",
      "/a/b%252fc",
      "/a/%25252e%25252e",
      // Not UTF-8: overlong encodings of "." and "/" that old decoders accept.
      "/a/%c0%ae%c0%ae/b",
      "/a/b%c0%afc",
      // Compatibility normalisation: fullwidth full stop and solidus.
      "/a/%EF%BC%8E%EF%BC%8E/b",
      "/a/b%EF%BC%8Fc",
      // Control characters end a path in C code.
      "/a/..%00.log",
      "/a/b%0a",
      // Only dots: Windows drops trailing dots.
      "/a/.../b",
      "/a/...;x/b",
      "/a/%20/b",
    ]) {
      expect(hasAmbiguousSegments(path), path).toBe(true);
    }
    for (const path of [
      "/",
      "/a/b",
      "/a/b/",
      "/a/..b",
      "/a/b.c",
      "/a/b;v=1",
      "/a/50%25off",
      "/a/caf%C3%A9",
      "/a/b%20c",
    ]) {
      expect(hasAmbiguousSegments(path), path).toBe(false);
    }
  });

  it("routes every method on the GraphQL path to the GraphQL rule", () => {
    expect(matchRule(upstream, "GET", "/graphql").kind).toBe("graphql");
    expect(matchRule(upstream, "POST", "/graphql").kind).toBe("graphql");
    // Spellings routers take for the same path (Express: any case, a trailing slash) are the GraphQL path too.
    for (const path of ["/graphql/", "/GraphQL", "/GRAPHQL/"]) {
      expect(matchRule(upstream, "POST", path).kind, path).toBe("graphql");
    }
    expect(matchRule(upstream, "POST", "/graphql/x").kind).toBe("none");
    expect(matchRule(upstream, "POST", "/graphqlx").kind).toBe("none");
  });
});

describe("GraphQL rules", () => {
  it("maps a mutation's arguments, literal or from variables (with defaults), into the resource", () => {
    expect(calls('mutation { volumeDelete(volumeId: "vol_1") }')).toEqual([
      { action: "volume:delete", resource: staging("volume/vol_1"), field: "volumeDelete" },
    ]);
    expect(calls("mutation($v: ID!) { volumeDelete(volumeId: $v) }", { v: "vol_2" })[0]!.resource).toBe(
      staging("volume/vol_2"),
    );
    expect(calls('mutation($v: ID = "vol_3") { volumeDelete(volumeId: $v) }')[0]!.resource).toBe(
      staging("volume/vol_3"),
    );
    expect(
      calls('mutation($v: ID = "vol_3") { volumeDelete(volumeId: $v) }', { v: "vol_4" })[0]!.resource,
    ).toBe(staging("volume/vol_4"));
    expect(
      calls("mutation($input: VolumeCreateInput!) { volumeCreate(input: $input) { id } }", {
        input: { name: "scratch" },
      })[0]!.resource,
    ).toBe(staging("volume/scratch"));
    expect(
      calls("mutation($n: String!) { volumeCreate(input: {name: $n}) { id } }", { n: "x1" })[0]!.resource,
    ).toBe(staging("volume/x1"));
    expect(calls("mutation { volumeDelete(volumeId: 42) }")[0]!.resource).toBe(staging("volume/42"));
  });

  it("authorizes every top-level field: aliases, fragments, several operations", () => {
    expect(
      calls(`
        query Q { volume(id: "vol_1") { id } services { id } }
        mutation M { a: volumeDelete(volumeId: "vol_1") ...More ... on Mutation { c: volumeDelete(volumeId: "vol_3") } }
        fragment More on Mutation { b: volumeDelete(volumeId: "vol_2") }
      `),
    ).toEqual([
      { action: "volume:read", resource: staging("volume/vol_1"), field: "volume" },
      { action: "service:read", resource: staging("services"), field: "services" },
      { action: "volume:delete", resource: staging("volume/vol_1"), field: "a: volumeDelete" },
      { action: "volume:delete", resource: staging("volume/vol_2"), field: "b: volumeDelete" },
      { action: "volume:delete", resource: staging("volume/vol_3"), field: "c: volumeDelete" },
    ]);
    expect(calls('mutation { backupDelete(backupId: "bak_1") }')).toEqual([
      { action: "backup:delete", resource: staging("backup/bak_1"), field: "backupDelete" },
    ]);
  });

  it("refuses unknown mutations, even next to known ones, and unknown queries without a default", () => {
    expect(gql('mutation { volumeDelete(volumeId: "v") serviceDelete(id: "s") }')).toMatchObject({
      ok: false,
      status: 403,
      code: "unknown_mutation",
      field: "serviceDelete",
    });
    const noDefault: GraphqlRule = { ...graphqlRule, queryDefault: undefined };
    expect(graphqlCalls(noDefault, "staging", { query: "{ variables { name } }" })).toMatchObject({
      ok: false,
      code: "unknown_query",
    });
    expect(graphqlCalls(noDefault, "staging", { query: '{ volume(id: "v") { id } }' }).ok).toBe(true);
  });

  it("refuses documents it cannot read", () => {
    const refusals: [unknown, string][] = [
      [{ query: "mutation { volumeDelete(volumeId: " }, "unparseable_graphql"],
      [{ query: "type Volume { id: ID }" }, "unparseable_graphql"],
      [{ query: 'fragment F on Mutation { volumeDelete(volumeId: "v") }' }, "unparseable_graphql"],
      [{ query: "mutation { ...Missing }" }, "unparseable_graphql"],
      [
        { query: "mutation { ...A } fragment A on Mutation { ...B } fragment B on Mutation { ...A }" },
        "unparseable_graphql",
      ],
      [{ query: "" }, "invalid_graphql_request"],
      [{ extensions: { persistedQuery: { sha256Hash: "abc" } } }, "invalid_graphql_request"],
      [{ query: "{ services { id } }", variables: [1] }, "invalid_graphql_request"],
      [{ query: "{ services { id } }", operationName: 5 }, "invalid_graphql_request"],
      [[{ query: "{ services { id } }" }], "graphql_batch_not_supported"],
      ["{ services { id } }", "invalid_graphql_request"],
      [{ query: "subscription { volumeEvents { id } }" }, "subscription_not_supported"],
      [{ query: `{ ${"services { id } ".repeat(5000)} }` }, "unparseable_graphql"],
    ];
    for (const [body, code] of refusals) {
      const result = graphqlCalls(graphqlRule, "staging", body);
      expect(result, JSON.stringify(body).slice(0, 80)).toMatchObject({ ok: false, code });
    }
  });

  it("refuses a field whose resource cannot be filled safely", () => {
    const cases: [string, Record<string, unknown> | undefined][] = [
      ["mutation { volumeDelete }", undefined],
      ["mutation($v: ID) { volumeDelete(volumeId: $v) }", undefined],
      ["mutation($v: ID) { volumeDelete(volumeId: $v) }", { v: null }],
      ["mutation($v: ID) { volumeDelete(volumeId: $v) }", { v: "vol_1/../../production/volume/db" }],
      ["mutation($v: ID) { volumeDelete(volumeId: $v) }", { v: "**" }],
      ["mutation($v: ID) { volumeDelete(volumeId: $v) }", { v: ["vol_1", "vol_2"] }],
      ["mutation($v: ID) { volumeDelete(volumeId: $v) }", { v: { id: "vol_1" } }],
      ['mutation { volumeCreate(input: {name: "a b"}) { id } }', undefined],
      ["mutation($__proto__: ID) { volumeDelete(volumeId: $__proto__) }", undefined],
      ['mutation { volumeDelete(__proto__: {volumeId: "vol_1"}) }', undefined],
      [
        "mutation($v: VolumeCreateInput) { volumeCreate(input: $v) { id } }",
        JSON.parse('{"v": {"__proto__": {"name": "x"}}}'),
      ],
      ["mutation { volumeCreate(input: {}) { id } }", undefined],
    ];
    for (const [query, variables] of cases) {
      expect(gql(query, variables), `${query} ${JSON.stringify(variables)}`).toMatchObject({
        ok: false,
        status: 400,
        code: "unresolvable_resource",
      });
    }
  });

  it("bounds the work one document can ask for", () => {
    const many = Array.from({ length: MAX_ROOT_FIELDS + 1 }, (_, i) => `f${i}: services { id }`).join(" ");
    expect(gql(`{ ${many} }`)).toMatchObject({ ok: false, code: "too_many_fields" });
    // Fragments that multiply: 2^20 spreads if expanded naively.
    const fragments = Array.from(
      { length: 20 },
      (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    ).join(" ");
    expect(gql(`{ ...F0 } ${fragments} fragment F20 on Query { __typename }`)).toMatchObject({
      ok: false,
      code: "too_many_fields",
    });
  });

  it("forwards the document it parsed, re-printed, with the variables and operation name", () => {
    const result = gql(
      "mutation Drop($v: ID!) { volumeDelete(volumeId: $v) } # comment",
      { v: "vol_1" },
      { operationName: "Drop", extensions: { persistedQuery: { sha256Hash: "x" } } },
    );
    if (!result.ok) throw new Error(result.detail);
    expect(result.request).toEqual({
      query: "mutation Drop($v: ID!) {\n  volumeDelete(volumeId: $v)\n}",
      variables: { v: "vol_1" },
      operationName: "Drop",
    });
  });
});

describe("GraphQL number literals", () => {
  it("name the resource by the literal's source text, and the forwarded document carries the same literal", () => {
    for (const literal of ["9007199254740993", "18446744073709551615", "1e21", "1E21", "1.10", "0", "123"]) {
      const result = gql(`mutation { volumeDelete(volumeId: ${literal}) }`);
      if (!result.ok) throw new Error(`${literal}: ${result.detail}`);
      expect(result.calls[0]!.resource, literal).toBe(staging(`volume/${literal}`));
      expect(result.request.query, literal).toContain(`volumeDelete(volumeId: ${literal})`);
    }
    // Through a variable's default and inside an input object too.
    expect(calls("mutation($v: ID = 9007199254740993) { volumeDelete(volumeId: $v) }")[0]!.resource).toBe(
      staging("volume/9007199254740993"),
    );
    expect(calls("mutation { volumeCreate(input: {name: 9007199254740993}) { id } }")[0]!.resource).toBe(
      staging("volume/9007199254740993"),
    );
  });

  it("refuses literals that cannot stand in a segment, and JSON integers rounded on parsing", () => {
    const negative = gql("mutation { volumeDelete(volumeId: -0) }");
    expect(negative.ok ? "ok" : negative.code).toBe("unresolvable_resource");
    const rounded = gql("mutation($v: ID!) { volumeDelete(volumeId: $v) }", {
      v: JSON.parse("9007199254740993"),
    });
    expect(rounded.ok ? "ok" : rounded.code).toBe("unresolvable_resource");
    // A safe JSON integer is what it says, and is forwarded as the same number.
    expect(calls("mutation($v: ID!) { volumeDelete(volumeId: $v) }", { v: 42 })[0]!.resource).toBe(
      staging("volume/42"),
    );
  });
});

describe("deeply nested documents", () => {
  it("are refused with 400 graphql_too_deep before parsing, whatever nests", () => {
    for (const query of [
      `query { ${"a { ".repeat(5000)}b${" }".repeat(5000)} }`,
      `mutation { volumeDelete(volumeId: ${"[".repeat(9000)}1${"]".repeat(9000)}) }`,
      `mutation { volumeCreate(input: ${"{a: ".repeat(9000)}1${"}".repeat(9000)}) { id } }`,
    ]) {
      const result = gql(query);
      expect(result.ok ? "ok" : `${result.status} ${result.code}`).toBe("400 graphql_too_deep");
    }
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const variables = gql("mutation($v: ID!) { volumeDelete(volumeId: $v) }", { v: deep });
    expect(variables.ok ? "ok" : variables.code).toBe("graphql_too_deep");
  });

  it("counts only real brackets: not in strings, block strings or comments", () => {
    const brackets = "{[(".repeat(100);
    const query = `# ${brackets}\nmutation { volumeDelete(volumeId: "${brackets}x") }`;
    const result = gql(query);
    expect(result.ok ? "ok" : result.code).toBe("unresolvable_resource");
    expect(gql(`mutation { volumeDelete(volumeId: """${brackets}""") }`).ok ? "ok" : "refused").toBe(
      "refused",
    );
    expect(calls('mutation { volumeDelete(volumeId: "vol_1") }')).toHaveLength(1);
  });
});
