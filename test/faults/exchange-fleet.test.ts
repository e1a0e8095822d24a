// Token exchange across real broker processes on one real Redis: a delegation tree shares its task's blast radius
import { setTimeout as sleep } from "node:timers/promises";
// whichever process each call reaches, and revoking an ancestor refuses every descendant on every process at once.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type Fleet, scopesDirWith, startFleet } from "../helpers/serve-fleet.ts";
import { type Answer, call, figures, principals } from "./fleet.ts";

const S = "railway:prj_demo/env/staging";
/** The task budget: large enough that 400 concurrent calls are a real race for it, small enough to be cut. */
const LIMIT = 25;
const PROCESSES = 4;
const CALLS_PER_PROCESS = 100;
/** Generous for one call on a busy 2-core machine; a call that takes longer is a failure, not a hang. */
const CALL_TIMEOUT_MS = 30_000;

let redis: RedisServer;
let fleet: Fleet;
let agentKey: string;
let securityKey: string;

beforeAll(async () => {
  redis = await startRedisServer();
  const scopesDir = await scopesDirWith({
    "staging-tree.yaml": [
      "description: staging work handed to sub-agents; one destructive budget for the whole task",
      "environment: staging",
      'agents: ["*"]',
      "actions: [volume:read, volume:delete]",
      `resources: ["${S}/**"]`,
      "ttl: {default: 30m, max: 1h}",
      // An hour-long window and deny (not revoke): the count is exact however long the burst queues.
      `limits: [{match: {destructive: true}, max: ${LIMIT}, per: 1h, key: task, on_exceed: deny}]`,
    ].join("\n"),
  });
  fleet = await startFleet({
    count: PROCESSES,
    redisUrl: redis.url,
    scopesDir,
    // 400 calls queue on two cores: the test is about exactness, not the store timeout (redis.test.ts covers that).
    env: { REDIS_COMMAND_TIMEOUT_MS: "10000" },
  });
  ({ agentKey, securityKey } = await principals(fleet.brokers[0]!.url, fleet.adminKey, "tree"));
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
  console.log(figures.filter((line) => line.startsWith("[exchange]")).join("\n"));
});

const urls = () => fleet.brokers.map((broker) => broker.url);

async function mintParent(intent: string, url = urls()[0]!) {
  const minted = await call(url, "POST", "/v1/tokens", {
    key: agentKey,
    body: { scope: "staging-tree", task: { intent } },
    timeoutMs: CALL_TIMEOUT_MS,
  });
  expect(minted.status, JSON.stringify(minted.body)).toBe(201);
  return { token: minted.body.token as string, task: minted.body.task.id as string };
}

/** A child of `subject`, exchanged on `url` (each generation on another process than its parent). */
async function exchange(url: string, subject: string, intent: string) {
  const answer = await call(url, "POST", "/v1/token-exchange", {
    body: { subject_token: subject, subject_token_type: "urn:ietf:params:oauth:token-type:jwt", intent },
    timeoutMs: CALL_TIMEOUT_MS,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.access_token as string;
}

const authorize = (url: string, token: string, action: string, resource: string) =>
  call(url, "POST", "/v1/authorize", { body: { token, action, resource }, timeoutMs: CALL_TIMEOUT_MS });

describe("a delegation tree across broker processes", () => {
  it(`${PROCESSES} processes × ${CALLS_PER_PROCESS} concurrent destructive calls by a child and a grandchild spend exactly the parent's budget`, async () => {
    const [first, second, third] = urls();
    const parent = await mintParent("prune staging volumes");
    const child = await exchange(second!, parent.token, "prune the old half");
    const grandchild = await exchange(third!, child, "prune one batch");
    expect(decodeJwt(grandchild)).toMatchObject({ task: parent.task, depth: 2 });

    // The parent spends part of the budget first, on its own process.
    const spentByParent = 5;
    for (let i = 0; i < spentByParent; i++) {
      const own = await authorize(first!, parent.token, "volume:delete", `${S}/volume/parent-${i}`);
      expect(own.body, JSON.stringify(own.body)).toMatchObject({ allow: true });
    }

    // Then the descendants race for the rest: every process gets both tokens, all 400 calls in flight at once.
    const started = Date.now();
    const answers = await Promise.all(
      urls().flatMap((url, p) =>
        Array.from({ length: CALLS_PER_PROCESS }, (_, i) =>
          authorize(url, i % 2 === 0 ? child : grandchild, "volume:delete", `${S}/volume/p${p}-${i}`),
        ),
      ),
    );
    const elapsedMs = Date.now() - started;
    const failed = answers.filter((answer) => answer.status !== 200);
    expect(failed.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    const allows = answers.filter((answer) => answer.body.allow === true);
    expect(allows).toHaveLength(LIMIT - spentByParent);
    const reasons = new Set(
      answers.filter((answer) => !answer.body.allow).map((answer) => answer.body.reason),
    );
    expect([...reasons]).toEqual(["rate_limited"]);

    // The budget is the task's: the parent itself is now refused, on any process; reads still work.
    for (const url of urls()) {
      const refused = await authorize(url, parent.token, "volume:delete", `${S}/volume/after`);
      expect(refused.body).toMatchObject({ allow: false, reason: "rate_limited" });
      const read = await authorize(url, parent.token, "volume:read", `${S}/volume/after`);
      expect(read.body).toMatchObject({ allow: true });
    }
    figures.push(
      `[exchange] ${PROCESSES} processes × ${CALLS_PER_PROCESS} concurrent destructive calls by a child and a grandchild, parent's budget ${LIMIT} with ${spentByParent} spent: ${allows.length} allowed (exactly the rest), ${answers.length - allows.length} rate_limited, in ${elapsedMs} ms`,
    );
  });

  for (const kind of ["jti", "task"] as const) {
    it(`revoking the parent (${kind}) on one process refuses the grandchild on every other at once`, async () => {
      const [revoker, ...others] = urls();
      const parent = await mintParent(`revoke by ${kind}`, others[0]!);
      const child = await exchange(others[1]!, parent.token, "sub-task");
      const grandchild = await exchange(others[2]!, child, "sub-sub-task");

      let revokedAt = Number.POSITIVE_INFINITY;
      let stop = false;
      const violations: string[] = [];
      const errors: string[] = [];
      /** Per racer: calls allowed before the revocation, and calls sent after it was answered (refused or not). */
      const allowedBefore = others.map(() => 0);
      const sentAfter = others.map(() => 0);
      const racer = async (url: string, index: number) => {
        while (!stop) {
          const answer: Answer = await authorize(url, grandchild, "volume:read", `${S}/volume/v1`);
          const afterRevocation = answer.sentAt > revokedAt;
          if (answer.status !== 200) errors.push(`${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
          else if (answer.body.allow === true) {
            if (afterRevocation)
              violations.push(`${url} allowed a call sent ${answer.sentAt - revokedAt} ms after`);
            else allowedBefore[index]!++;
          }
          if (afterRevocation) sentAfter[index]!++;
        }
      };
      const racers = others.map((url, index) => racer(url, index));
      try {
        // Revoke only once every other process has allowed the grandchild: the refusals below are the revocation's.
        const ready = await until(() => allowedBefore.every((n) => n > 0), 60_000);
        expect(ready, `allowed before revoking: ${allowedBefore.join(", ")}; ${errors.join("; ")}`).toBe(
          true,
        );
        const { jti } = decodeJwt(parent.token);
        const answer = await call(revoker!, "POST", "/v1/revocations", {
          key: securityKey,
          body: { ...(kind === "jti" ? { jti } : { task: parent.task }), reason: "parent revoked" },
          timeoutMs: CALL_TIMEOUT_MS,
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        // Date.now(), like Answer.sentAt: every call sent after this instant must be refused.
        revokedAt = answer.answeredAt;
        // Every racer must have sent several calls after the answer for the check to mean anything.
        const raced = await until(() => sentAfter.every((n) => n >= 3), 60_000);
        expect(raced, `sent after the revocation: ${sentAfter.join(", ")}`).toBe(true);
      } finally {
        stop = true;
        await Promise.all(racers);
      }
      expect(errors).toEqual([]);
      expect(violations).toEqual([]);
      for (const url of urls()) {
        for (const token of [parent.token, child, grandchild]) {
          const refused = await authorize(url, token, "volume:read", `${S}/volume/v1`);
          expect(refused.body).toMatchObject({ allow: false, reason: "revoked" });
        }
      }
      figures.push(
        `[exchange] revocation of the parent by ${kind}: grandchild allowed ${allowedBefore.join("/")} times before on 3 other processes, refused all ${sentAfter.reduce((a, b) => a + b, 0)} calls sent after the answer`,
      );
    });
  }
});

/** Polls `condition` until it holds or `timeoutMs` passes; says which. */
async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
