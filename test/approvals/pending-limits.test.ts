// Approval flooding is bounded: pending approvals are capped per task and per agent in Redis, shared by every broker
// process (429 too_many_pending_approvals past the cap), and GET /v1/approvals is paged; the CLI reads every page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Approval } from "../../src/store/approval-record.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { api } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import { createEnrolledHuman, createIndependentAgent, type EnrolledHuman } from "../helpers/humans.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type ServeFleet, startServeFleet } from "../helpers/serve-fleet.ts";
import { sampleCallApproval } from "../store/contract.ts";

const PER_TASK = 20;
const PER_AGENT = 30;
let redis: RedisServer;
let fleet: ServeFleet;
let agentKey: string;
let approver: EnrolledHuman;

beforeAll(async () => {
  redis = await startRedisServer();
  fleet = await startServeFleet({
    count: 2,
    redisUrl: redis.url,
    env: {
      LEASH_MAX_PENDING_APPROVALS_PER_TASK: String(PER_TASK),
      LEASH_MAX_PENDING_APPROVALS_PER_AGENT: String(PER_AGENT),
      REDIS_COMMAND_TIMEOUT_MS: "3000",
    },
  });
  agentKey = await createIndependentAgent(fleet.urls[0]!, fleet.adminKey, "agent-flood");
  approver = await createEnrolledHuman(fleet.urls[1]!, fleet.adminKey, "sre-flood", ["approver:sre"]);
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
});

async function productionToken(intent: string): Promise<string> {
  const minted = await api(fleet.urls[0]!, "POST", "/v1/tokens", {
    key: agentKey,
    body: { scope: "production-ops", task: { intent } },
  });
  expect(minted.status).toBe(201);
  return minted.body.token;
}

/** `count` destructive calls on distinct volumes, at once, alternating between the two brokers. */
function flood(token: string, prefix: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      api(fleet.urls[i % 2]!, "POST", "/v1/authorize", {
        body: {
          token,
          action: "volume:delete",
          resource: `railway:prj_demo/env/production/volume/${prefix}-${i}`,
        },
      }),
    ),
  );
}

describe("pending approvals are capped", () => {
  it("per task and per agent, across two broker processes: 429 too_many_pending_approvals past the cap", async () => {
    const tokenA = await productionToken("clean up volumes");
    const first = await flood(tokenA, "a", 60);
    const opened = first.filter((r) => r.status === 200 && r.body.reason === "approval_required");
    const refused = first.filter((r) => r.status === 429);
    expect(opened).toHaveLength(PER_TASK);
    expect(refused).toHaveLength(60 - PER_TASK);
    expect(refused[0]!.body).toMatchObject({ code: "too_many_pending_approvals", status: 429 });
    expect(refused[0]!.body.detail).toContain(`at most ${PER_TASK}`);
    expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThan(0);
    // Asking again for a call whose approval is open is no new approval: answered with its id, cap or not.
    const openIndex = first.findIndex((r) => r.body.reason === "approval_required");
    const again = await api(fleet.urls[1]!, "POST", "/v1/authorize", {
      body: {
        token: tokenA,
        action: "volume:delete",
        resource: `railway:prj_demo/env/production/volume/a-${openIndex}`,
      },
    });
    expect(again.body).toMatchObject({
      reason: "approval_required",
      approval_id: first[openIndex]!.body.approval_id,
    });

    // A second task of the same agent has room only up to the agent's cap.
    const second = await flood(await productionToken("clean up more volumes"), "b", 30);
    expect(second.filter((r) => r.body.reason === "approval_required")).toHaveLength(PER_AGENT - PER_TASK);
    const agentRefused = second.filter((r) => r.status === 429);
    expect(agentRefused).toHaveLength(30 - (PER_AGENT - PER_TASK));
    expect(agentRefused[0]!.body.detail).toContain("agent agent-flood");

    // What the approver sees is bounded by the caps, however hard the agent pushed.
    const pending = await api(fleet.urls[0]!, "GET", "/v1/approvals?limit=200", { key: approver.apiKey });
    expect(pending.body.approvals).toHaveLength(PER_AGENT);

    // A decision frees a place at once, on any process.
    const oneOfFirst = opened[0]!.body.approval_id as string;
    const denied = await api(fleet.urls[1]!, "POST", `/v1/approvals/${oneOfFirst}/deny`, {
      key: approver.apiKey,
      body: { reason: "one at a time" },
    });
    expect(denied.body.status).toBe("denied");
    const third = await flood(await productionToken("one more"), "c", 3);
    expect(third.filter((r) => r.body.reason === "approval_required")).toHaveLength(1);

    // Each refusal is an audit record of the authorize call, and counted in /metrics.
    const audit = await api(fleet.urls[0]!, "GET", "/v1/audit?event=authorize&decision=deny&limit=1000", {
      key: fleet.adminKey,
    });
    const refusedRecords = (audit.body.records as Array<{ reason: string }>).filter(
      (r) => r.reason === "too_many_pending_approvals",
    );
    expect(refusedRecords).toHaveLength(60 - PER_TASK + 30 - (PER_AGENT - PER_TASK) + 2);
    const metrics = await Promise.all(fleet.urls.map((url) => fetch(`${url}/metrics`).then((r) => r.text())));
    const counted = metrics
      .flatMap((text) => [
        ...text.matchAll(/^leash_approvals_refused_total\{limit="(task|agent)"\} (\d+)$/gm),
      ])
      .reduce((sum, match) => sum + Number(match[2]), 0);
    expect(counted).toBe(refusedRecords.length);
  });
});

describe("GET /v1/approvals is paged", () => {
  it("limit and cursor walk every pending approval once, oldest first; a bad cursor is 400", async () => {
    const seen: string[] = [];
    const times: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api(
        fleet.urls[pages % 2]!,
        "GET",
        `/v1/approvals?limit=7${cursor ? `&cursor=${cursor}` : ""}`,
        { key: approver.apiKey },
      );
      expect(page.status).toBe(200);
      expect(page.body.approvals.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.approvals.map((a: { id: string }) => a.id));
      times.push(...page.body.approvals.map((a: { requested_at: string }) => a.requested_at));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(seen).toHaveLength(PER_AGENT);
    expect(new Set(seen).size).toBe(PER_AGENT);
    expect(pages).toBe(Math.ceil(PER_AGENT / 7));
    expect([...times].sort()).toEqual(times);

    for (const bad of ["nope", "W10", "x".repeat(600)]) {
      const refused = await api(fleet.urls[0]!, "GET", `/v1/approvals?cursor=${bad}`, {
        key: approver.apiKey,
      });
      expect(refused.status, bad).toBe(400);
    }
    expect((await api(fleet.urls[0]!, "GET", "/v1/approvals?limit=0", { key: approver.apiKey })).status).toBe(
      400,
    );
  });

  it("leash approvals reads every page", async () => {
    // More than one page of 200: records written straight into the store (no cap applies there).
    const store = await RedisStore.connect(redis.url);
    const nowMs = Date.now();
    try {
      for (let i = 0; i < 230; i++) {
        const approval: Approval = {
          ...sampleCallApproval,
          id: `apr_paging${String(i).padStart(10, "0")}`,
          agent: `agent-paging-${i}`,
          task: `t-${i}`,
          createdAt: nowMs + i,
          expiresAt: nowMs + 10 * 60_000,
        };
        await store.approvals.create(approval, 10 * 60_000);
      }
    } finally {
      await store.close();
    }
    const listed = await runCli(["approvals", "--json"], {
      env: { LEASH_URL: fleet.urls[0]!, LEASH_HUMAN_KEY: approver.apiKey },
    });
    expect(listed.code, listed.stderr).toBe(0);
    const ids = (JSON.parse(listed.stdout) as { approvals: { id: string }[] }).approvals.map((a) => a.id);
    expect(ids.filter((id) => id.startsWith("apr_paging"))).toHaveLength(230);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
