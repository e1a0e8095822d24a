// The gateway's pure decisions: config validation, which action and resource a tools/call is, what an approval is
// bound to, which tools a token sees, and scrubbing of results.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { canonicalJson, toolCallHash } from "../../src/approvals/tool-call.ts";
import { type McpUpstream, parseMcpConfig } from "../../src/mcp/config.ts";
import { scrubDeep } from "../../src/mcp/scrub-result.ts";
import { APPROVAL_NOTE, visibleTools } from "../../src/mcp/tool-list.ts";
import { planToolCall } from "../../src/mcp/tool-plan.ts";
import type { TokenGrants } from "../../src/proxy/broker-client.ts";
import { CredentialScrubber } from "../../src/scrub/credential-scrubber.ts";

const CONFIG = `
upstreams:
  - name: hosting
    environments: [staging, production]
    url: http://127.0.0.1:1/mcp
    credential: { env: PLATFORM_TOKEN }
    tools:
      volume_delete: { action: volume:delete, resource: "railway:prj_demo/env/{args.environment}/volume/{args.volumeId}" }
      service_restart: { action: service:restart, resource: "railway:prj_demo/env/{args.environment}/service/{args.id}" }
      backup_delete: { action: backup:delete, resource: "railway:prj_demo/env/{args.environment}/backup/{args.backupId}" }
`;

function upstream(text = CONFIG): McpUpstream {
  const loaded = parseMcpConfig(text, "mcp.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.config.upstreams[0]!;
}

function problems(text: string): string[] {
  const loaded = parseMcpConfig(text, "mcp.yaml");
  return loaded.ok ? [] : loaded.problems.map((p) => `${p.path}: ${p.message}`);
}

const known = (name: string, destructiveHint = false) => ({ name, destructiveHint });

describe("mcp.yaml", () => {
  it("defaults: hold wait, 120 s, deny_unmapped, the credential as Authorization: Bearer", () => {
    const loaded = parseMcpConfig(CONFIG, "mcp.yaml");
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.config.port).toBe(8788);
    expect(loaded.config.upstreams[0]).toMatchObject({
      hold: "wait",
      holdTimeoutMs: 120_000,
      denyUnmapped: true,
      environments: ["staging", "production"],
      credential: { header: "authorization", scheme: "Bearer" },
    });
  });

  it("refuses {env} when the upstream serves several environments", () => {
    expect(problems(CONFIG.replace("{args.environment}/volume", "{env}/volume"))).toEqual([
      expect.stringMatching(/upstreams\[0\]\.tools\.volume_delete\.resource: \{env\} is ambiguous/),
    ]);
    // With one environment, {env} is that environment.
    const single = upstream(
      CONFIG.replace("environments: [staging, production]", "environment: staging").replaceAll(
        "{args.environment}",
        "{env}",
      ),
    );
    const plan = planToolCall(single, "volume_delete", { volumeId: "vol_1" }, known("volume_delete"));
    expect(plan).toMatchObject({ ok: true, resource: "railway:prj_demo/env/staging/volume/vol_1" });
  });

  it("names every problem: url and command, deny_unmapped false without unmapped, a header for a spawned server", () => {
    const text = `
hold: sometimes
upstreams:
  - name: a
    url: http://x/mcp
    command: [node, s.js]
    credential: { env: T }
  - name: b
    environment: staging
    command: [node, s.js]
    credential: { env: T, header: x-token }
    deny_unmapped: false
    tools: { t: { action: volume:read, resource: "r/{args.id}" } }
`;
    const found = problems(text);
    expect(found).toEqual(
      expect.arrayContaining([expect.stringMatching(/^hold: expected wait .* or refuse/)]),
    );
    const rest = problems(text.replace("hold: sometimes", ""));
    expect(rest).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^upstreams\[0\]: expected environment/),
        expect.stringMatching(/^upstreams\[0\]\.command: expected url .* or command/),
        expect.stringMatching(/^upstreams\[0\]\.tools: expected at least one tool mapping/),
        expect.stringMatching(/^upstreams\[1\]\.credential: a spawned server gets its credential/),
        expect.stringMatching(/^upstreams\[1\]\.unmapped: with deny_unmapped: false/),
      ]),
    );
  });

  it("bounds hold_timeout", () => {
    expect(problems(`hold_timeout: 1h\n${CONFIG}`)).toEqual([
      expect.stringMatching(/hold_timeout: expected at most 10m/),
    ]);
  });
});

describe("a tools/call becomes one action on one resource, or is refused before leash is asked", () => {
  const hosting = upstream();

  it("maps the exact argument text", () => {
    const plan = planToolCall(
      hosting,
      "volume_delete",
      { environment: "production", volumeId: "vol_prod_db" },
      known("volume_delete", true),
    );
    expect(plan).toMatchObject({
      ok: true,
      action: "volume:delete",
      resource: "railway:prj_demo/env/production/volume/vol_prod_db",
      destructive: true,
    });
  });

  it.each([
    ["a missing argument", { environment: "staging" }],
    ["a climbing value", { environment: "staging", volumeId: "../production" }],
    ["a slash", { environment: "staging/../production", volumeId: "v" }],
    ["a glob", { environment: "staging", volumeId: "*" }],
    ["an encoded slash", { environment: "staging", volumeId: "a%2Fb" }],
    ["an object", { environment: "staging", volumeId: { id: "v" } }],
    ["an array", { environment: ["staging"], volumeId: "v" }],
    ["a leading dot", { environment: "staging", volumeId: ".." }],
    ["a leading dash", { environment: "staging", volumeId: "-rf" }],
    ["an empty string", { environment: "staging", volumeId: "" }],
    ["a newline", { environment: "staging", volumeId: "v\n" }],
  ])("refuses %s as unresolvable_resource", (_what, args) => {
    expect(planToolCall(hosting, "volume_delete", args, known("volume_delete"))).toMatchObject({
      ok: false,
      code: "unresolvable_resource",
    });
  });

  it("refuses unmapped tools, tools the upstream does not list, and arguments that are not an object", () => {
    expect(planToolCall(hosting, "volume_list", {}, known("volume_list"))).toMatchObject({
      ok: false,
      code: "unmapped_tool",
    });
    expect(planToolCall(hosting, "volume_delete", {}, undefined)).toMatchObject({
      ok: false,
      code: "unknown_tool",
    });
    expect(planToolCall(hosting, "volume_delete", ["staging"], known("volume_delete"))).toMatchObject({
      ok: false,
      code: "invalid_arguments",
    });
  });

  it("does not read arguments through the prototype", () => {
    const args = Object.create({ environment: "staging", volumeId: "v" });
    expect(planToolCall(hosting, "volume_delete", args, known("volume_delete"))).toMatchObject({
      ok: false,
      code: "unresolvable_resource",
    });
  });

  it("with deny_unmapped: false, other tools are authorized as the unmapped action", () => {
    const open = upstream(
      `${CONFIG}    deny_unmapped: false\n    unmapped: { action: volume:read, resource: "railway:prj_demo/env/{args.environment}/tools" }\n`,
    );
    expect(planToolCall(open, "volume_list", { environment: "staging" }, known("volume_list"))).toMatchObject(
      {
        ok: true,
        action: "volume:read",
        resource: "railway:prj_demo/env/staging/tools",
      },
    );
  });
});

describe("an approval is bound to the tool and its canonical arguments", () => {
  it("the same arguments in another key order hash alike; any other value does not", () => {
    const a = toolCallHash("hosting", "volume_delete", {
      volumeId: "v",
      environment: "production",
      opts: { b: 1, a: [1, 2] },
    });
    const b = toolCallHash("hosting", "volume_delete", {
      opts: { a: [1, 2], b: 1 },
      environment: "production",
      volumeId: "v",
    });
    expect(a).toBe(b);
    for (const other of [
      toolCallHash("hosting", "volume_delete", {
        volumeId: "v",
        environment: "production",
        opts: { b: 1, a: [2, 1] },
      }),
      toolCallHash("hosting", "volume_delete", {
        volumeId: "v",
        environment: "production",
        opts: { b: "1", a: [1, 2] },
      }),
      toolCallHash("hosting", "volume_delete", { volumeId: "v", environment: "production" }),
      toolCallHash("hosting", "backup_delete", {
        volumeId: "v",
        environment: "production",
        opts: { b: 1, a: [1, 2] },
      }),
      toolCallHash("other", "volume_delete", {
        volumeId: "v",
        environment: "production",
        opts: { b: 1, a: [1, 2] },
      }),
    ]) {
      expect(other).not.toBe(a);
    }
  });

  it("canonical JSON escapes keys, so no key can forge a boundary", () => {
    expect(canonicalJson({ 'a":1,"b': 2 })).toBe('{"a\\":1,\\"b":2}');
    expect(canonicalJson({ a: 1, b: 2 })).not.toBe(canonicalJson({ 'a":1,"b': 2 }));
  });
});

describe("tools/list", () => {
  const hosting = upstream();
  const tools: Tool[] = [
    { name: "volume_list", inputSchema: { type: "object" } },
    {
      name: "volume_delete",
      description: "Delete a volume",
      inputSchema: { type: "object" },
      annotations: { destructiveHint: true },
    },
    { name: "service_restart", inputSchema: { type: "object" }, annotations: { destructiveHint: true } },
    { name: "backup_delete", inputSchema: { type: "object" }, annotations: { destructiveHint: true } },
  ];
  const grants = (protectedEnv: boolean, actions: [string, boolean][]): TokenGrants => ({
    env: protectedEnv ? "production" : "staging",
    protected: protectedEnv,
    task: "t",
    jti: "j",
    exp: 0,
    actions: actions.map(([action, destructive]) => ({
      action,
      destructive,
      approval: destructive && protectedEnv,
    })),
  });

  it("shows mapped tools whose action is granted; marks those a human must approve", () => {
    const production = visibleTools(
      hosting,
      tools,
      grants(true, [
        ["volume:delete", true],
        ["service:restart", false],
      ]),
    );
    expect(production.map((t) => t.name)).toEqual(["volume_delete", "service_restart"]);
    expect(production[0]!.description).toBe(`Delete a volume\n\n${APPROVAL_NOTE}.`);
    // Not destructive in the catalogue, but the upstream says it is: marked too.
    expect(production[1]!.description).toBe(`${APPROVAL_NOTE}.`);

    const staging = visibleTools(
      hosting,
      tools,
      grants(false, [
        ["volume:delete", true],
        ["service:restart", false],
      ]),
    );
    expect(staging.map((t) => t.description)).toEqual(["Delete a volume", undefined]);
  });

  it("never shows unmapped tools or ungranted actions", () => {
    expect(visibleTools(hosting, tools, grants(false, []))).toEqual([]);
  });
});

describe("results are scrubbed at every depth, keys included", () => {
  it("masks the credential in text, structured content, keys and URL-encoded", () => {
    const secret = "plat_s3cr3t/with+chars";
    const scrubber = new CredentialScrubber([secret]);
    const result = scrubDeep(
      {
        content: [{ type: "text", text: `token ${secret}` }],
        structuredContent: { nested: [{ [secret]: encodeURIComponent(secret) }] },
      },
      scrubber,
    );
    const text = JSON.stringify(result);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
    expect(result.content[0]!.text).toBe(`token ${"*".repeat(secret.length)}`);
  });
});
