// What each kind of event leaves in the audit log: issuance approvals, denials and expiries, limits that revoke a
// task, disabled agents, and (from the CLI, on Redis) `leash init` and `leash keys rotate`.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expireOverdueApprovals } from "../../src/approvals/call-approval.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { storedRecordFields } from "../../src/store/audit-record.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import {
  api,
  mintToken,
  PRODUCTION_SENSITIVE_SCOPE,
  scopesDirWith,
  startTestBroker,
  type TestBroker,
} from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import { startRedisServer } from "../helpers/redis-server.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const clock = new ManualClock(Date.UTC(2026, 10, 25, 9, 0, 0));
let test: TestBroker;

beforeAll(async () => {
  const scopesDir = await scopesDirWith({
    "production-sensitive.yaml": PRODUCTION_SENSITIVE_SCOPE,
  });
  test = await startTestBroker({ clock, scopesDir });
});
afterAll(() => test.close());
beforeEach(() => clock.advance(61_000));

type Row = Record<string, string>;
async function records(query: string): Promise<Row[]> {
  const page = await api(test.url, "GET", `/v1/audit?limit=1000&${query}`, { key: test.keys.security });
  expect(page.status).toBe(200);
  return page.body.records;
}
const summary = (rows: Row[]) => rows.map((r) => `${r.event} ${r.actor} ${r.decision} ${r.reason}`);

describe("the audit trail", () => {
  it("follows an issuance request from pending to the token handed over", async () => {
    const asked = await api(test.url, "POST", "/v1/tokens", {
      key: test.keys.agent,
      body: { scope: "production-sensitive", task: { id: "task-issue", intent: "read prod" } },
    });
    expect(asked.status).toBe(202);
    const id = asked.body.request_id as string;
    const code = currentTotp(test.totpSecrets.approver, clock.now());
    await api(test.url, "POST", `/v1/approvals/${id}/approve`, {
      key: test.keys.approver,
      body: { totp: code },
    });
    const collected = await api(test.url, "GET", `/v1/requests/${id}`, { key: test.keys.agent });
    expect(collected.body.status).toBe("approved");

    const trail = await records("task=task-issue");
    expect(summary(trail)).toEqual([
      "approval.requested agent:agent-1 pending requested",
      "token.mint agent:agent-1 pending approval_required",
      "approval.approved human:approver-1 allow approved",
      "approval.used agent:agent-1 allow used",
      "token.mint agent:agent-1 allow ok",
    ]);
    expect(trail.every((r) => r.approval === id || r.event === "token.mint")).toBe(true);
    expect(trail[4]).toMatchObject({ jti: collected.body.granted.jti, environment: "production" });
  });

  it("records a denied call with the approver's reason, and the refusal that follows", async () => {
    const { token, task } = await mintToken(test, {
      scope: "production-ops",
      task: { intent: "delete one" },
    });
    const call = { token, action: "volume:delete", resource: production("volume/v9") };
    const held = await api(test.url, "POST", "/v1/authorize", { body: call });
    await api(test.url, "POST", `/v1/approvals/${held.body.approval_id}/deny`, {
      key: test.keys.approver,
      body: { reason: "not during the freeze" },
    });
    const refused = await api(test.url, "POST", "/v1/authorize", { body: call });
    expect(refused.body.reason).toBe("approval_denied");
    expect(summary(await records(`task=${task}&event=approval`))).toEqual([
      "approval.requested agent:agent-1 pending requested",
      "approval.denied human:approver-1 deny not during the freeze",
    ]);
    expect(summary(await records(`task=${task}&event=authorize`))).toEqual([
      "authorize agent:agent-1 deny approval_required",
      "authorize agent:agent-1 deny approval_denied",
    ]);
  });

  it("records an approval that expired, by leash itself", async () => {
    const { token, task } = await mintToken(test, { scope: "production-ops", task: { intent: "wait" } });
    await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:delete", resource: production("volume/v8") },
    });
    clock.advance(16 * 60_000);
    expect(await expireOverdueApprovals(test.broker.context)).toBeGreaterThanOrEqual(1);
    expect(summary(await records(`task=${task}&event=approval.expired`))).toEqual([
      "approval.expired system deny expired",
    ]);
  });

  it("records a limit that revoked its task as a revocation by leash", async () => {
    const { token, task } = await mintToken(test, { scope: "staging-fix", task: { intent: "delete many" } });
    for (let i = 0; i < 4; i++) {
      await api(test.url, "POST", "/v1/authorize", {
        body: { token, action: "volume:delete", resource: staging(`volume/${i}`) },
      });
    }
    const trail = await records(`task=${task}`);
    expect(summary(trail).slice(-2)).toEqual([
      "authorize agent:agent-1 deny rate_limited",
      "revocation system revoked limit scope:staging-fix:0:task:agent-1/" +
        task +
        " exceeded (on_exceed: revoke_task)",
    ]);
    expect(trail[trail.length - 2]!.limit).toBe(`scope:staging-fix:0:task:agent-1/${task}`);
  });

  it("records disabling an agent and the revocation it causes in every environment", async () => {
    // Records are merged by time (ms), ties broken by chain name: one step per millisecond here.
    await api(test.url, "POST", "/v1/agents", {
      key: test.keys.admin,
      body: { id: "agent-d", scopes: ["*"] },
    });
    clock.advance(1);
    await api(test.url, "POST", "/v1/agents/agent-d/disable", { key: test.keys.admin });
    clock.advance(1);
    await api(test.url, "POST", "/v1/agents/agent-d/enable", { key: test.keys.admin });
    const trail = await records("agent=agent-d");
    expect(trail.map((r) => `${r.chain} ${r.event} ${r.actor} ${r.reason}`)).toEqual([
      "global agent.create human:admin ",
      "env:production revocation human:admin agent disabled",
      "env:staging revocation human:admin agent disabled",
      "global agent.disable human:admin ",
      "global agent.enable human:admin ",
    ]);
    for (const chain of await test.store.audit.chains()) {
      expect(await verifyAuditChain(test.store.audit, chain)).toMatchObject({ ok: true });
    }
  });
});

describe("the audit trail of the command line", () => {
  it("leash init records the first admin; leash keys rotate records the rotation (REDIS_URL)", async () => {
    const redis = await startRedisServer();
    try {
      const env = {
        REDIS_URL: redis.url,
        LEASH_KEYS_DIR: join(await mkdtemp(join(tmpdir(), "leash-keys-")), "keys"),
        LEASH_SCOPES_DIR: SHIPPED_SCOPES_DIR,
      };
      const init = await runCli(["init"], { env });
      expect(init.code, init.stderr).toBe(0);
      const rotate = await runCli(["keys", "rotate", "--env", "staging"], { env });
      expect(rotate.code, rotate.stderr).toBe(0);
      const kid = /created (\S+);/.exec(rotate.stdout)![1]!;
      const store = await RedisStore.connect(redis.url);
      try {
        const global = await store.audit.range("global", { count: 10 });
        expect(global.map((e) => storedRecordFields(e.fields))).toEqual([
          expect.objectContaining({ event: "human.create", actor: "system", resource: "human:admin" }),
        ]);
        const staging = await store.audit.range("env:staging", { count: 10 });
        expect(staging.map((e) => storedRecordFields(e.fields))).toEqual([
          expect.objectContaining({
            event: "key.rotate",
            actor: "operator",
            detail: expect.stringContaining(kid),
          }),
        ]);
        expect(await store.audit.chains()).toEqual(["global", "env:production", "env:staging"]);
      } finally {
        await store.close();
      }
      const verify = await runCli(["audit", "verify"], { env });
      expect(verify.code, verify.stdout).toBe(0);
    } finally {
      await redis.stop();
    }
  });
});
