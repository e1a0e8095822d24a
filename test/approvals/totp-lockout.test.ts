// TOTP cannot be brute-forced: wrong codes are counted per human in Redis, shared by every broker process; past the
// limit every code is refused (429 totp_locked, Retry-After), the right one included, until the window passes.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/principals/totp.ts";
import { api } from "../helpers/broker.ts";
import { createEnrolledHuman, createIndependentAgent, type EnrolledHuman } from "../helpers/humans.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type ServeFleet, startServeFleet } from "../helpers/serve-fleet.ts";

const WINDOW_SECONDS = 20;
let redis: RedisServer;
let fleet: ServeFleet;
let agentKey: string;
let approver: EnrolledHuman;

beforeAll(async () => {
  redis = await startRedisServer();
  fleet = await startServeFleet({
    count: 2,
    redisUrl: redis.url,
    env: { LEASH_TOTP_WINDOW: `${WINDOW_SECONDS}s`, REDIS_COMMAND_TIMEOUT_MS: "3000" },
  });
  agentKey = await createIndependentAgent(fleet.urls[0]!, fleet.adminKey, "agent-totp");
  approver = await createEnrolledHuman(fleet.urls[1]!, fleet.adminKey, "sre-totp", ["approver:sre"]);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
});

async function heldDelete(volume: string): Promise<string> {
  const minted = await api(fleet.urls[0]!, "POST", "/v1/tokens", {
    key: agentKey,
    body: { scope: "production-ops", task: { intent: `remove ${volume}` } },
  });
  expect(minted.status).toBe(201);
  const held = await api(fleet.urls[1]!, "POST", "/v1/authorize", {
    body: {
      token: minted.body.token,
      action: "volume:delete",
      resource: `railway:prj_demo/env/production/volume/${volume}`,
    },
  });
  expect(held.body.reason).toBe("approval_required");
  return held.body.approval_id;
}

/** A six-digit code that is none of the three the broker accepts now (±1 step). */
function wrongCode(secret: string, seed: number): string {
  const valid = new Set([-30_000, 0, 30_000].map((offset) => currentTotp(secret, Date.now() + offset)));
  for (let candidate = seed; ; candidate = (candidate + 7919) % 1_000_000) {
    const code = String(candidate).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
}

async function metric(name: string): Promise<number> {
  let sum = 0;
  for (const url of fleet.urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split("\n")) {
      if (line.startsWith(name)) sum += Number(line.split(" ").at(-1));
    }
  }
  return sum;
}

describe("TOTP brute force across two broker processes", () => {
  it("checks at most 5 of 60 parallel guesses, then refuses the right code on both processes until the window passes", async () => {
    const approvalId = await heldDelete("vol_bruteforce");
    const approveAt = (url: string, totp: string) =>
      api(url, "POST", `/v1/approvals/${approvalId}/approve`, { key: approver.apiKey, body: { totp } });

    const guesses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        approveAt(fleet.urls[i % 2]!, wrongCode(approver.totpSecret, 100_003 * (i + 1))),
      ),
    );
    const statuses = guesses.map((guess) => guess.status);
    expect(statuses.every((status) => status === 403 || status === 429)).toBe(true);
    expect(guesses.filter((guess) => guess.status === 403).every((g) => g.body.code === "totp_invalid")).toBe(
      true,
    );
    expect(statuses.filter((status) => status === 403).length).toBeLessThanOrEqual(4);
    // Exactly the limit was checked, whatever the interleaving on the two processes; one lock.
    expect(await metric("leash_totp_failures_total")).toBe(5);
    expect(await metric("leash_totp_locks_total")).toBe(1);
    const lockedAt = Date.now();

    for (const url of fleet.urls) {
      const right = await approveAt(url, currentTotp(approver.totpSecret, Date.now() + 30_000));
      expect(right.status).toBe(429);
      expect(right.body.code).toBe("totp_locked");
      expect(right.headers.get("content-type")).toMatch(/application\/problem\+json/);
      const retryAfter = Number(right.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    }
    // Enrolment confirmation checks codes too, under the same lock.
    const confirm = await api(fleet.urls[0]!, "POST", "/v1/humans/me/totp/confirm", {
      key: approver.apiKey,
      body: { totp: currentTotp(approver.totpSecret, Date.now()) },
    });
    expect(confirm.status).toBe(429);
    expect(confirm.body.code).toBe("totp_locked");

    // Every failure and the lock are in the audit log; no code is.
    const audit = await api(fleet.urls[0]!, "GET", "/v1/audit?event=totp.failed", { key: fleet.adminKey });
    expect(audit.body.records).toHaveLength(5);
    expect(audit.body.records[0]).toMatchObject({ actor: "human:sre-totp", reason: "totp_invalid" });
    const locks = await api(fleet.urls[1]!, "GET", "/v1/audit?event=totp.locked", { key: fleet.adminKey });
    expect(locks.body.records).toHaveLength(1);
    expect(JSON.stringify(audit.body)).not.toContain(wrongCode(approver.totpSecret, 100_003));

    // Once the window has passed, the right code works again (polled: refused attempts are not counted).
    let approved: Awaited<ReturnType<typeof approveAt>> | undefined;
    const deadline = Date.now() + (WINDOW_SECONDS + 40) * 1000;
    while (Date.now() < deadline) {
      approved = await approveAt(fleet.urls[1]!, currentTotp(approver.totpSecret, Date.now() + 30_000));
      if (approved.status !== 429) break;
      await sleep(1000);
    }
    expect(approved?.status).toBe(200);
    expect(approved?.body.status).toBe("approved");
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual((WINDOW_SECONDS - 2) * 1000);
    expect(await metric("leash_totp_refused_while_locked_total")).toBeGreaterThanOrEqual(55);
  }, 120_000);
});
