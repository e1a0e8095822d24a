// The incident, replayed end to end with real processes: an agent told to fix staging reaches for production's
// volume (and the backups on it). A fake hosting platform, `leash dev` and `leash proxy` (examples/proxy.yaml,
// pointed at the fake) run as a user would run them; the agent only ever holds task tokens and talks to the proxy.

import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { authenticator } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { api } from "../helpers/broker.ts";
import { startCli } from "../helpers/cli.ts";
import { type FakePlatform, startFakePlatform } from "../helpers/fake-platform.ts";
import { Agent } from "../proxy/harness.ts";

type Running = Awaited<ReturnType<typeof startCli>>;

let platform: FakePlatform;
let dev: Running;
let proxy: Running;
let leash: { url: string; agent_key: string; approver_key: string; approver_totp_secret: string };
let stagingUrl: string;
let productionUrl: string;
let proxyLogs = "";
/** Every agent in the replay, so part 5 can scan all they ever received. */
const agents: Agent[] = [];

const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const DELETE_VOLUME = "mutation Delete($id: ID!) { volumeDelete(volumeId: $id) }";
const LIST_VOLUMES = "query { volumes { id backups { id } } }";

async function agentFor(scope: string, intent: string): Promise<Agent> {
  const minted = await api(leash.url, "POST", "/v1/tokens", {
    key: leash.agent_key,
    body: { scope, task: { intent } },
  });
  expect(minted.status, JSON.stringify(minted.body)).toBe(201);
  const agent = new Agent(minted.body.token);
  agents.push(agent);
  return agent;
}

/** The pending approval an approver sees for a resource (the proxy holds the call meanwhile). */
async function pendingApproval(resource: string): Promise<{ id: string; intent: string; action: string }> {
  for (let i = 0; i < 200; i++) {
    const { body } = await api(leash.url, "GET", "/v1/approvals", { key: leash.approver_key });
    const found = (body.approvals ?? []).find(
      (a: { resource?: string; status: string }) => a.resource === resource && a.status === "pending",
    );
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`no pending approval for ${resource}`);
}

beforeAll(async () => {
  platform = await startFakePlatform({ careless: true });
  dev = await startCli(["dev", "--json", "--port", "0"]);
  leash = JSON.parse(dev.firstLine);

  // The shipped example, pointed at the fake platform instead of Railway.
  const example = parseYaml(await readFile("examples/proxy.yaml", "utf8"));
  example.port = 0;
  example.hold_timeout = "30s";
  for (const upstream of example.upstreams) {
    upstream.target = platform.url;
    // The platform's REST endpoint for taking a backup, which (like Rails and Laravel) honours method overrides.
    upstream.rules = [
      ...upstream.rules,
      {
        method: "POST",
        path: "/v1/volumes/:id/backups",
        action: "backup:create",
        resource: "railway:prj_demo/env/{env}/volume/:id",
      },
    ];
  }
  const dir = await mkdtemp(join(tmpdir(), "leash-incident-"));
  const configFile = join(dir, "proxy.yaml");
  await writeFile(configFile, stringifyYaml(example));

  proxy = await startCli(["proxy", "--config", configFile, "--json"], {
    env: {
      LEASH_URL: leash.url,
      RAILWAY_STAGING_TOKEN: platform.tokens.staging,
      RAILWAY_PRODUCTION_TOKEN: platform.tokens.production,
    },
  });
  proxy.child.stderr!.on("data", (chunk) => {
    proxyLogs += chunk;
  });
  const { listening } = JSON.parse(proxy.firstLine) as { listening: { upstream: string; url: string }[] };
  const urlOf = (name: string) => `${listening.find((l) => l.upstream === name)!.url}/graphql/v2`;
  stagingUrl = urlOf("railway-staging");
  productionUrl = urlOf("railway-production");
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await dev?.stop();
  await platform?.close();
});

describe("the incident, replayed through leash proxy", () => {
  let stagingAgent: Agent;

  it("1. a staging-fix task's volumeDelete on the production volume: 403 wrong_environment, never sent", async () => {
    stagingAgent = await agentFor("staging-fix", "fix the failing staging deploy");
    const response = await stagingAgent.graphql(productionUrl, DELETE_VOLUME, { id: "vol_prod_db" });
    expect(response.status).toBe(403);
    expect(response.json()).toEqual({
      errors: [
        {
          message: expect.stringContaining("outside the task token's environment"),
          extensions: expect.objectContaining({
            code: "wrong_environment",
            action: "volume:delete",
            resource: production("volume/vol_prod_db"),
          }),
        },
      ],
    });
    expect(platform.calls).toEqual([]);
    expect(platform.volumes.get("vol_prod_db")!.backups.map((b) => b.id)).toEqual([
      "bak_prod_1",
      "bak_prod_2",
    ]);
  });

  it("2. staging deletes pass until the blast radius: the fourth in a minute is rate_limited, the task revoked", async () => {
    const first = await stagingAgent.graphql(stagingUrl, DELETE_VOLUME, { id: "vol_stg_1" });
    expect(first.status).toBe(200);
    expect(first.json()).toEqual({ data: { volumeDelete: true } });

    // A burst of three more at once: exactly two fit in the budget of three a minute.
    const burst = await Promise.all(
      ["vol_stg_2", "vol_stg_3", "vol_stg_4"].map((id) =>
        stagingAgent.graphql(stagingUrl, DELETE_VOLUME, { id }),
      ),
    );
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 403]);
    const limited = burst.find((r) => r.status === 403)!.json().errors[0].extensions;
    expect(limited).toMatchObject({ code: "rate_limited", task_revoked: true, action: "volume:delete" });
    expect(platform.callsWithField("volumeDelete")).toHaveLength(3);
    expect(
      ["vol_stg_1", "vol_stg_2", "vol_stg_3", "vol_stg_4"].filter((id) => platform.volumes.has(id)),
    ).toHaveLength(1);

    // The task is revoked: even a read is refused now, and never reaches the platform.
    const calls = platform.calls.length;
    const read = await stagingAgent.graphql(stagingUrl, LIST_VOLUMES);
    expect(read.status).toBe(403);
    expect(read.json().errors[0].extensions).toMatchObject({ code: "revoked", action: "volume:read" });
    expect(platform.calls.length).toBe(calls);
  });

  it("   through the staging upstream the production volume is out of reach of the staging credential", async () => {
    const agent = await agentFor("staging-fix", "clean up staging volumes");
    const response = await agent.graphql(stagingUrl, DELETE_VOLUME, { id: "vol_prod_db" });
    // leash allowed a staging resource; the platform's staging project token cannot see production.
    expect(response.status).toBe(200);
    expect(response.json().errors[0].message).toMatch(/^volume vol_prod_db not found/);
    expect(platform.volumes.get("vol_prod_db")!.backups).toHaveLength(2);
  });

  it("3. a production-ops volumeDelete is held until an approver approves with TOTP, then sent once", async () => {
    const agent = await agentFor("production-ops", "remove the unused production volume vol_prod_old");
    const before = platform.calls.length;
    const held = agent.graphql(productionUrl, DELETE_VOLUME, { id: "vol_prod_old" });
    const approval = await pendingApproval(production("volume/vol_prod_old"));
    expect(approval).toMatchObject({
      action: "volume:delete",
      intent: "remove the unused production volume vol_prod_old",
    });
    expect(platform.calls.length).toBe(before);

    const approved = await api(leash.url, "POST", `/v1/approvals/${approval.id}/approve`, {
      key: leash.approver_key,
      body: { totp: authenticator.generate(leash.approver_totp_secret) },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const response = await held;
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ data: { volumeDelete: true } });
    const sent = platform.calls.slice(before);
    expect(sent.map((c) => c.fields)).toEqual([["volumeDelete"]]);
    expect(platform.volumes.has("vol_prod_old")).toBe(false);
  });

  it("3. …and when the approver denies it, it is never sent", async () => {
    const agent = await agentFor("production-ops", "free space on production");
    const before = platform.calls.length;
    const held = agent.graphql(productionUrl, DELETE_VOLUME, { id: "vol_prod_db" });
    const approval = await pendingApproval(production("volume/vol_prod_db"));
    const denied = await api(leash.url, "POST", `/v1/approvals/${approval.id}/deny`, {
      key: leash.approver_key,
      body: { reason: "this is the production database and its backups" },
    });
    expect(denied.status, JSON.stringify(denied.body)).toBe(200);
    const response = await held;
    expect(response.status).toBe(403);
    expect(response.json().errors[0].extensions).toMatchObject({
      code: "approval_denied",
      approval_id: approval.id,
    });
    expect(platform.calls.length).toBe(before);
    expect(platform.volumes.get("vol_prod_db")!.backups).toHaveLength(2);
  });

  it("   a backup:create that asks the platform to run it as DELETE is refused, wherever the override hides", async () => {
    const agent = await agentFor("staging-fix", "take a backup of the staging volume");
    const url = stagingUrl.replace(/\/graphql\/v2$/, "/v1/volumes/vol_stg_5/backups");
    const before = platform.calls.length;
    const taken = await agent.request(url, { method: "POST", body: "" });
    expect(taken.status).toBe(201);
    expect(platform.volumes.get("vol_stg_5")!.backups).toHaveLength(2);
    const attempts: { query: string; headers: Record<string, string>; body: string }[] = [
      { query: "", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "_method=DELETE" },
      { query: "?.method=DELETE", headers: {}, body: "" },
      { query: "", headers: { X_HTTP_METHOD_OVERRIDE: "DELETE" }, body: "" },
    ];
    for (const attempt of attempts) {
      const response = await agent.raw(`${url}${attempt.query}`, {
        method: "POST",
        headers: attempt.headers,
        body: attempt.body,
      });
      expect(response.status, JSON.stringify(attempt)).toBe(400);
      expect(response.json().code).toBe("method_override_refused");
    }
    expect(platform.calls.length).toBe(before + 1);
    expect(platform.volumes.get("vol_stg_5")!.backups).toHaveLength(2);
  });

  it("   a 64-bit volume id: the approver sees the id the platform deletes, not a rounded one", async () => {
    platform.addVolume("9007199254740993", "production", ["bak_big_1"]);
    platform.addVolume("9007199254740992", "production", ["bak_big_2"]);
    const agent = await agentFor("production-ops", "remove the volume 9007199254740993");
    const held = agent.graphql(productionUrl, "mutation { volumeDelete(volumeId: 9007199254740993) }");
    const approval = await pendingApproval(production("volume/9007199254740993"));
    // Each TOTP code is accepted once, and part 3 used this step's: the next step's code is valid too.
    let approved: { status: number; body: { code?: string } } | undefined;
    for (const step of [0, 1, -1]) {
      const totp = authenticator
        .clone({ epoch: Date.now() + step * 30_000 })
        .generate(leash.approver_totp_secret);
      approved = await api(leash.url, "POST", `/v1/approvals/${approval.id}/approve`, {
        key: leash.approver_key,
        body: { totp },
      });
      if (approved.body.code !== "totp_replayed") break;
    }
    expect(approved!.status, JSON.stringify(approved!.body)).toBe(200);
    const response = await held;
    expect(response.json()).toEqual({ data: { volumeDelete: true } });
    expect(platform.volumes.has("9007199254740993")).toBe(false);
    expect(platform.volumes.get("9007199254740992")!.backups).toHaveLength(1);
  });

  it("4. no scope can obtain backup:delete, and backupDelete is refused for every token", async () => {
    const scopes = (await readdir("scopes"))
      .filter((name) => name.endsWith(".yaml") && !["environments.yaml", "actions.yaml"].includes(name))
      .map((name) => name.slice(0, -".yaml".length));
    expect(scopes).toEqual(expect.arrayContaining(["staging-fix", "production-ops", "production-read"]));
    const before = platform.calls.length;
    for (const scope of scopes) {
      const asked = await api(leash.url, "POST", "/v1/tokens", {
        key: leash.agent_key,
        body: { scope, task: { intent: "tidy old backups" }, actions: ["backup:delete"] },
      });
      expect(asked.status, scope).toBe(403);
      expect(asked.body.code, scope).toBe("action_not_grantable");

      const minted = await api(leash.url, "POST", "/v1/tokens", {
        key: leash.agent_key,
        body: { scope, task: { intent: "tidy old backups" } },
      });
      if (minted.status !== 201) continue; // a scope whose issuance waits for approval yields no token to try
      const agent = new Agent(minted.body.token);
      agents.push(agent);
      const url = minted.body.granted.environment === "production" ? productionUrl : stagingUrl;
      const environment = minted.body.granted.environment === "production" ? production : staging;
      const backup = minted.body.granted.environment === "production" ? "bak_prod_1" : "bak_stg_5";
      for (const query of [
        `mutation { backupDelete(backupId: "${backup}") }`,
        `query { volumes { id } } mutation Wipe { backupDelete(backupId: "${backup}") }`,
      ]) {
        const response = await agent.graphql(url, query);
        expect(response.status, `${scope}: ${query}`).toBe(403);
        expect(response.json().errors[0].extensions, scope).toMatchObject({
          code: "action_not_granted",
          action: "backup:delete",
          resource: environment(`backup/${backup}`),
        });
      }
    }
    expect(platform.callsWithField("backupDelete")).toEqual([]);
    expect(platform.calls.length).toBe(before);
    expect(platform.volumes.get("vol_prod_db")!.backups.map((b) => b.id)).toEqual([
      "bak_prod_1",
      "bak_prod_2",
    ]);
  });

  it("5. the agent never sees the upstream credential: not in a response, a header or an error", async () => {
    const agent = await agentFor("production-read", "look at production volumes");
    const asked = await agent.graphql(productionUrl, "{ apiToken }");
    expect(asked.status).toBe(403);
    expect(asked.json().errors[0].extensions.code).toBe("unknown_query");

    const read = await agent.graphql(
      productionUrl,
      '{ volumes { id } missing: volume(id: "vol_nope") { id } }',
    );
    expect(read.status).toBe(200);
    // The careless platform echoed its token in a header and a cookie: masked and dropped on the way back.
    expect(read.headers.get("x-request-token")).toMatch(/^\*+$/);
    expect(read.headers.get("set-cookie")).toBeNull();
    const unauthenticated = await agent.graphql(productionUrl, "{ volumes { id } }", undefined, null);
    expect(unauthenticated.status).toBe(401);

    // Everything every agent received in this replay: statuses, headers, bodies and errors.
    const everything = agents.flatMap((a) => a.received).join("\n");
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).toContain("x-request-token: ****");
    for (const secret of [platform.tokens.staging, platform.tokens.production]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(encodeURIComponent(secret));
      expect(proxyLogs).not.toContain(secret);
    }
    // And the platform saw only its own tokens, never a task token.
    for (const call of platform.calls) {
      expect([`Bearer ${platform.tokens.staging}`, `Bearer ${platform.tokens.production}`]).not.toContain(
        call.headers.authorization,
      );
      expect([platform.tokens.staging, platform.tokens.production]).toContain(
        call.headers["project-access-token"],
      );
      for (const agentSeen of agents) expect(JSON.stringify(call.headers)).not.toContain(agentSeen.token);
    }
  });
});
