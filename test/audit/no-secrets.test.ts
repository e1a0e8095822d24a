// A full mint → approve → authorize → revoke flow on real Redis, with real Vault credentials: every secret that
// passes through leash (API keys, tokens, TOTP secrets and codes, the Vault password and Vault's own token) is
// collected, and none of them appears in any audit record or any log line. The records themselves say who did what.

import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REFUSAL_WINDOW_MS, flushRefusalTallies } from "../../src/audit/unauthenticated-refusals.ts";
import { verifyAuditChain } from "../../src/audit/verify-chain.ts";
import { ManualClock } from "../../src/clock/clock.ts";
import { createLogger } from "../../src/log/logger.ts";
import { currentTotp } from "../../src/principals/totp.ts";
import { api, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { createEnvironmentDatabases } from "../helpers/postgres.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { configureReadwriteRoles, startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const clock = new ManualClock(Date.now());

let redis: RedisServer;
let standin: VaultStandin;
let test: TestBroker;
const logLines: string[] = [];

beforeAll(async () => {
  const databases = await createEnvironmentDatabases();
  standin = await startVaultStandin();
  const vault = { addr: standin.addr, token: standin.rootToken };
  await configureReadwriteRoles(vault, { staging: databases.staging, production: databases.production });
  redis = await startRedisServer();
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  // The production logger (redaction included) at its most talkative level.
  test = await startTestBroker({
    redisUrl: redis.url,
    clock,
    vault,
    logger: createLogger("trace", destination),
  });
});

afterAll(async () => {
  await test?.close();
  await redis?.stop();
  await standin?.stop();
});

describe("secrets never reach the audit log or the logs", () => {
  it("across create → enrol → mint (with Vault credentials) → approve → authorize → revoke → rotate", async () => {
    const secrets = new Map<string, string>();
    const keep = (name: string, value: unknown) => {
      expect(typeof value, name).toBe("string");
      expect((value as string).length, name).toBeGreaterThanOrEqual(6);
      secrets.set(name, value as string);
    };
    for (const [name, key] of Object.entries(test.keys)) keep(`key ${name}`, key);
    for (const [name, secret] of Object.entries(test.totpSecrets)) keep(`totp secret ${name}`, secret);
    keep("vault token", standin.rootToken);

    const admin = test.keys.admin;
    const agent = await api(test.url, "POST", "/v1/agents", {
      key: admin,
      body: { id: "agent-s", scopes: ["*"] },
    });
    expect(agent.status).toBe(201);
    keep("agent key", agent.body.api_key);
    // Made by another admin than the agent's owner, so it may approve the agent's calls.
    const human = await api(test.url, "POST", "/v1/humans", {
      key: test.keys.peopleAdmin,
      body: { id: "sre-s", roles: ["approver:sre"] },
    });
    expect(human.status).toBe(201);
    keep("human key", human.body.api_key);
    keep("enrolment token", human.body.enrolment.token);
    const sreKey = human.body.api_key as string;
    const enrolled = await api(test.url, "POST", "/v1/humans/me/totp/enroll", {
      key: sreKey,
      body: { token: human.body.enrolment.token },
    });
    expect(enrolled.status).toBe(200);
    keep("human totp secret", enrolled.body.totp.secret);
    keep("otpauth uri", enrolled.body.totp.otpauth_uri);
    const sreSecret = enrolled.body.totp.secret as string;

    clock.advance(31_000);
    const enrolCode = currentTotp(sreSecret, clock.now());
    keep("enrolment code", enrolCode);
    const confirmed = await api(test.url, "POST", "/v1/humans/me/totp/confirm", {
      key: sreKey,
      body: { totp: enrolCode },
    });
    expect(confirmed.status).toBe(200);

    const agentKey = agent.body.api_key as string;
    const stagingMint = await api(test.url, "POST", "/v1/tokens", {
      key: agentKey,
      body: { scope: "staging-fix", task: { intent: "fix the staging deploy" } },
      headers: { "x-request-id": "req-mint-staging" },
    });
    expect(stagingMint.status).toBe(201);
    expect(stagingMint.headers.get("x-request-id")).toBe("req-mint-staging");
    keep("staging token", stagingMint.body.token);
    keep("vault password", stagingMint.body.credentials.password);
    keep("vault username", stagingMint.body.credentials.username);
    const stagingToken = stagingMint.body.token as string;

    const refused = await api(test.url, "POST", "/v1/tokens", {
      key: agentKey,
      body: { scope: "staging-fix", task: { intent: "clean up" }, actions: ["backup:delete"] },
    });
    expect(refused.status).toBe(403);

    const read = await api(test.url, "POST", "/v1/authorize", {
      body: { token: stagingToken, action: "volume:read", resource: staging("volume/v1") },
    });
    expect(read.body.allow).toBe(true);
    const garbage = await api(test.url, "POST", "/v1/authorize", {
      body: {
        token: `${stagingToken.slice(0, -4)}AAAA`,
        action: "volume:read",
        resource: staging("volume/v1"),
      },
    });
    expect(garbage.body).toMatchObject({ allow: false, reason: "invalid_token" });

    const productionMint = await api(test.url, "POST", "/v1/tokens", {
      key: agentKey,
      body: { scope: "production-ops", task: { intent: "remove the old volume" } },
    });
    keep("production token", productionMint.body.token);
    const call = {
      token: productionMint.body.token as string,
      action: "volume:delete",
      resource: production("volume/vol_old"),
      request_hash: "sha256:abc",
    };
    const held = await api(test.url, "POST", "/v1/authorize", { body: call });
    expect(held.body.reason).toBe("approval_required");
    const approvalId = held.body.approval_id as string;

    clock.advance(31_000);
    const approveCode = currentTotp(sreSecret, clock.now());
    keep("approval code", approveCode);
    const approved = await api(test.url, "POST", `/v1/approvals/${approvalId}/approve`, {
      key: sreKey,
      body: { totp: approveCode },
    });
    expect(approved.body.status).toBe("approved");
    const released = await api(test.url, "POST", "/v1/authorize", {
      body: call,
      headers: { "leash-approval": approvalId },
    });
    expect(released.body.allow).toBe(true);

    const revoked = await api(test.url, "POST", "/v1/revocations", {
      key: test.keys.security,
      body: { task: stagingMint.body.task.id, reason: "done with staging" },
    });
    expect(revoked.status).toBe(200);
    const afterRevoke = await api(test.url, "POST", "/v1/authorize", {
      body: { token: stagingToken, action: "volume:read", resource: staging("volume/v1") },
    });
    expect(afterRevoke.body.reason).toBe("revoked");

    const rotated = await api(test.url, "POST", "/v1/agents/agent-s/rotate-key", { key: admin });
    keep("rotated agent key", rotated.body.api_key);
    // Some log lines carry errors; make sure the failure paths log too.
    const oldKey = await api(test.url, "POST", "/v1/tokens", {
      key: agentKey,
      body: { scope: "staging-fix", task: { intent: "after rotation" } },
    });
    expect(oldKey.status).toBe(401);

    // Everything recorded, through the API as security reads it, and straight from the store.
    // The forged token's refusal was tallied (nobody was identified); its record comes when the window closes.
    clock.advance(DEFAULT_REFUSAL_WINDOW_MS);
    await flushRefusalTallies(test.broker.context);
    for (let waited = 0; waited < 50; waited++) {
      const tallied = await api(test.url, "GET", "/v1/audit?event=authorize&decision=deny&limit=1000", {
        key: test.keys.security,
      });
      if (tallied.body.records.some((r: Record<string, string>) => r.actor === "")) break;
      await sleep(100);
    }
    const viaApi: Record<string, string>[] = [];
    let cursor: string | undefined;
    do {
      const page = await api(
        test.url,
        "GET",
        `/v1/audit?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { key: test.keys.security },
      );
      expect(page.status).toBe(200);
      viaApi.push(...page.body.records);
      cursor = page.body.next_cursor ?? undefined;
    } while (cursor);
    const stored: string[] = [];
    for (const chain of await test.store.audit.chains()) {
      expect(await verifyAuditChain(test.store.audit, chain)).toMatchObject({ ok: true });
      for (const entry of await test.store.audit.range(chain, { count: 10_000 })) {
        stored.push(JSON.stringify(entry));
      }
    }
    expect(viaApi.length).toBe(stored.length);

    // Who did what, under which task, approved by whom.
    const events = viaApi.map((r) => `${r.event} ${r.actor} ${r.decision} ${r.reason}`);
    expect(events).toEqual(
      expect.arrayContaining([
        "agent.create human:admin ok ",
        "human.create human:people-admin ok ",
        "human.totp_enrol human:sre-s ok ",
        "human.totp_confirm human:sre-s ok ",
        "token.mint agent:agent-s allow ok",
        "token.mint agent:agent-s deny action_not_grantable",
        "authorize agent:agent-s allow ok",
        "authorize  deny invalid_token",
        "authorize agent:agent-s deny approval_required",
        "approval.requested agent:agent-s pending requested",
        "approval.approved human:sre-s allow approved",
        "approval.used agent:agent-s allow used",
        "revocation human:sec-1 revoked done with staging",
        "authorize agent:agent-s deny revoked",
        "agent.rotate_key human:admin ok ",
      ]),
    );
    const approvedRecord = viaApi.find((r) => r.event === "approval.approved")!;
    expect(approvedRecord).toMatchObject({
      approval: approvalId,
      task: productionMint.body.task.id,
      intent: "remove the old volume",
      action: "volume:delete",
      environment: "production",
    });
    expect(approvedRecord.detail).toContain("approved_by=sre-s");
    expect(viaApi.find((r) => r.event === "token.mint" && r.request_id === "req-mint-staging")).toMatchObject(
      {
        jti: stagingMint.body.granted.jti,
        detail: expect.stringContaining("vault_credentials=issued"),
      },
    );

    // One line per request, each with its request id; and not one secret anywhere.
    const requestLines = logLines.map((line) => JSON.parse(line)).filter((line) => line.msg === "request");
    expect(requestLines.length).toBeGreaterThanOrEqual(15);
    for (const line of requestLines) expect(line.request_id).toEqual(expect.any(String));
    expect(requestLines.some((line) => line.request_id === "req-mint-staging")).toBe(true);

    const haystacks = { logs: logLines.join("\n"), audit: `${JSON.stringify(viaApi)}\n${stored.join("\n")}` };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const [name, secret] of secrets) {
        // Six-digit codes are looked for as whole values, not inside longer ids or hashes.
        const found = /^\d{6}$/.test(secret)
          ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(text)
          : text.includes(secret);
        expect(found, `${name} appears in the ${where}`).toBe(false);
      }
    }
  });
});
