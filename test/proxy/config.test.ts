import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblem, loadProxyConfig, parseProxyConfig } from "../../src/proxy/config.ts";
import { runCli } from "../helpers/cli.ts";

const problemsOf = (text: string) => {
  const result = parseProxyConfig(text, "proxy.yaml");
  return result.ok ? [] : result.problems.map(formatProblem);
};

const upstream = (overrides = "") => `
  - name: railway
    listen: /railway
    target: https://backboard.railway.com
    environment: staging
    credential: { env: RAILWAY_TOKEN }
    rules:
      - { method: GET, path: /v1/volumes/:id, action: volume:read, resource: "railway:prj_demo/env/{env}/volume/:id" }
${overrides}`;

describe("proxy config", () => {
  it("loads the shipped examples", async () => {
    for (const file of ["examples/proxy.yaml", "examples/proxy-rest.yaml"]) {
      const result = await loadProxyConfig(file);
      expect(result.ok ? [] : result.problems.map(formatProblem), file).toEqual([]);
    }
    const graphql = await loadProxyConfig("examples/proxy.yaml");
    if (!graphql.ok) throw new Error("unreachable");
    const [staging, production] = graphql.config.upstreams;
    expect(staging!.credential).toMatchObject({ header: "project-access-token", scheme: "" });
    expect(production!.rules).toEqual(staging!.rules);
    expect(production!.holdTimeoutMs).toBe(120_000);
  });

  it("fills defaults: Bearer in authorization, 120 s holds, 1 MiB bodies", () => {
    const result = parseProxyConfig(`port: 8787\nupstreams:${upstream()}`, "proxy.yaml");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    expect(result.config).toMatchObject({ host: "127.0.0.1", port: 8787, maxBodyBytes: 1024 * 1024 });
    expect(result.config.upstreams[0]).toMatchObject({
      holdTimeoutMs: 120_000,
      credential: { header: "authorization", scheme: "Bearer", source: { env: "RAILWAY_TOKEN" } },
      listen: { prefix: "/railway" },
    });
  });

  it("names the file, the field and what was expected", () => {
    expect(
      problemsOf(`
port: 8787
hold_timeout: soon
upstreams:
  - name: railway
    listen: railway
    target: ftp://backboard.railway.com
    environment: staging
    credential: { token: "pasted-here" }
    rules:
      - { methd: GET, path: /v1/volumes, action: volume:read, resource: x }
      - { method: FETCH, path: /v1/volumes, action: volume-read, resource: x }
      - graphql: { path: /graphql, mutation: {} }
`),
    ).toEqual([
      'proxy.yaml: hold_timeout: expected a duration like "1m", got "soon"',
      'proxy.yaml: upstreams[0].listen: expected a port number (0-65535) or a path prefix like "/railway", got "railway"',
      'proxy.yaml: upstreams[0].target: expected an http(s) URL like "https://backboard.railway.com", got "ftp://backboard.railway.com"',
      'proxy.yaml: upstreams[0].credential: expected {env: VARIABLE} or {vault_kv: "path", key: name} (the credential comes from the proxy\'s environment or Vault, never from the agent), got a mapping',
      "proxy.yaml: upstreams[0].rules[0].method: expected a method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS) or a list of them, got nothing",
      'proxy.yaml: upstreams[0].rules[0]: unknown key "methd" (did you mean "method"?), expected one of: method, path, action, resource, hash_body, hash_headers',
      'proxy.yaml: upstreams[0].rules[1].method: expected a method (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS) or a list of them, got "FETCH"',
      'proxy.yaml: upstreams[0].rules[1].action: expected an action name like "volume:delete", got "volume-read"',
      'proxy.yaml: upstreams[0].rules[2].graphql: unknown key "mutation" (did you mean "mutations"?), expected one of: path, mutations, queries, hash_headers',
    ]);
  });

  it("checks credentials field by field", () => {
    expect(
      problemsOf(
        `port: 1\nupstreams:${upstream().replace("{ env: RAILWAY_TOKEN }", '{ env: "1X", header: "a b" }')}`,
      ),
    ).toEqual([
      'proxy.yaml: upstreams[0].credential.env: expected an environment variable name like "RAILWAY_TOKEN", got "1X"',
      'proxy.yaml: upstreams[0].credential.header: expected an HTTP header name like "authorization", got "a b"',
    ]);
    const vault = parseProxyConfig(
      `port: 1\nupstreams:${upstream().replace("{ env: RAILWAY_TOKEN }", "{ vault_kv: upstreams/railway }")}`,
      "proxy.yaml",
    );
    expect(vault.ok && vault.config.upstreams[0]!.credential.source).toEqual({
      vault_kv: "upstreams/railway",
      key: "token",
    });
  });

  it("checks templates against the rule: path parameters, arguments, placeholders", () => {
    expect(
      problemsOf(`
port: 1
upstreams:
  - name: railway
    listen: /railway
    target: https://backboard.railway.com
    environment: staging
    credential: { env: RAILWAY_TOKEN }
    rules:
      - { method: DELETE, path: /v1/volumes/:id, action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:volumeId" }
      - { method: DELETE, path: /v1/volumes/:id, action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/{args.id}" }
      - { method: GET, path: "/v1//volumes", action: volume:read, resource: "x" }
      - { method: GET, path: "/v1/:a/:a", action: volume:read, resource: "x" }
      - graphql:
          path: /graphql
          mutations:
            volumeDelete: { action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:volumeId" }
            volumeCreate: { action: volume:create, resource: "railway:prj_demo/env/{environment}/volume" }
            volumeUpdate: { action: volume:update, resource: "railway:prj_demo/env/{env}/volume/{args.id" }
`),
    ).toEqual([
      'proxy.yaml: upstreams[0].rules[0].resource: ":volumeId" is not a parameter of the rule\'s path (it has :id), in "railway:prj_demo/env/{env}/volume/:volumeId"',
      'proxy.yaml: upstreams[0].rules[1].resource: unknown placeholder {args.id}, expected {env} or :param, in "railway:prj_demo/env/{env}/volume/{args.id}"',
      'proxy.yaml: upstreams[0].rules[2].path: expected no empty segments (//), got "/v1//volumes"',
      'proxy.yaml: upstreams[0].rules[3].path: parameter :a appears twice, got "/v1/:a/:a"',
      'proxy.yaml: upstreams[0].rules[4].graphql.mutations.volumeDelete.resource: ":volumeId" is a REST path parameter; GraphQL rules name arguments as {args.volumeId}, in "railway:prj_demo/env/{env}/volume/:volumeId"',
      'proxy.yaml: upstreams[0].rules[4].graphql.mutations.volumeCreate.resource: unknown placeholder {environment}, expected {env} or {args.name}, in "railway:prj_demo/env/{environment}/volume"',
      'proxy.yaml: upstreams[0].rules[4].graphql.mutations.volumeUpdate.resource: unbalanced "{" or "}", in "railway:prj_demo/env/{env}/volume/{args.id"',
    ]);
  });

  it("checks listeners across upstreams", () => {
    const second = (listen: string, name = "other") => `
  - name: ${name}
    listen: ${listen}
    target: http://localhost:4000
    environment: production
    credential: { env: OTHER_TOKEN }
    rules:
      - graphql: { path: /graphql, queries: { default: { action: volume:read, resource: "x/{env}" } } }`;
    expect(problemsOf(`upstreams:${upstream()}`)).toEqual([
      "proxy.yaml: upstreams[0].listen: a path prefix listens on the shared port: set a top-level port (e.g. port: 8787)",
    ]);
    expect(problemsOf(`port: 1\nupstreams:${upstream()}${second("/railway/production", "railway")}`)).toEqual(
      [
        'proxy.yaml: upstreams[1].name: expected a unique upstream name, got "railway" again (first at upstreams[0])',
        'proxy.yaml: upstreams[1].listen: expected a prefix apart from every other one, got "/railway/production" (overlaps upstreams[0]: "/railway")',
      ],
    );
    expect(problemsOf(`port: 9000\nupstreams:${upstream()}${second("9000")}`)).toEqual([
      "proxy.yaml: upstreams[1].listen: expected a port no other listener uses, got 9000 (also the shared port)",
    ]);
    expect(problemsOf(`port: 1\nupstreams:${upstream()}${second("/rail")}`)).toEqual([]);
    expect(
      problemsOf(
        `port: 1\nupstreams:${upstream()}${second("/x").replace(/rules:[\s\S]*/, "rules: [{graphql: {path: /graphql}}]")}`,
      ),
    ).toEqual([
      "proxy.yaml: upstreams[1].rules[0].graphql: expected at least one mutation or query mapping (a graphql rule without any refuses everything)",
    ]);
  });

  it("reports unreadable files and invalid YAML", async () => {
    const missing = await loadProxyConfig("/nonexistent/proxy.yaml");
    expect(missing.ok ? [] : missing.problems.map(formatProblem)).toEqual([
      "/nonexistent/proxy.yaml: (root): expected a proxy config file, got nothing (no such file)",
    ]);
    expect(problemsOf("upstreams: [\n")).toEqual([
      expect.stringMatching(/^proxy\.yaml: \(root\): invalid YAML at line \d+, column \d+: /),
    ]);
    expect(problemsOf("upstreams: []\nupstreams: []")).toEqual([
      expect.stringContaining("Map keys must be unique"),
    ]);
  });

  it("`leash proxy` prints every problem and exits 1 without listening", async () => {
    const dir = await mkdtemp(join(tmpdir(), "leash-proxy-"));
    const file = join(dir, "proxy.yaml");
    await writeFile(file, `port: 0\nupstreams:${upstream().replace("volume:read", "volume-read")}`);
    const result = await runCli(["proxy", "--config", file], { env: { LEASH_URL: "http://127.0.0.1:1" } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      `${file}: upstreams[0].rules[0].action: expected an action name like "volume:delete", got "volume-read"`,
    );

    await writeFile(file, `port: 0\nupstreams:${upstream()}`);
    const unset = await runCli(["proxy", "--config", file], {
      env: { LEASH_URL: "http://127.0.0.1:1", RAILWAY_TOKEN: "" },
    });
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain(
      "upstream railway: credential: the environment variable RAILWAY_TOKEN is not set",
    );
  });
});
