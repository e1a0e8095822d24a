// Passkey challenges cannot be issued without bound: each lives in the store until answered or expired, so a human key
// (an approver's, or one stolen without its second factor) asking for options in a loop would grow Redis, which every
// broker shares, until it fails. A human gets a bounded number per window, then 429 with Retry-After.

import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

/** MAX_CHALLENGES_PER_WINDOW in src/approvals/passkeys.ts: what a human is issued per two minutes. */
const MAX_CHALLENGES_PER_WINDOW = 20;
const clock = new ManualClock(Date.UTC(2026, 11, 7, 12, 0, 0));
let redis: RedisServer;
let test: TestBroker;

beforeAll(async () => {
  redis = await startRedisServer();
  test = await startTestBroker({ clock, redisUrl: redis.url });
  // approver-1 has a passkey on record (its key material is never used here: no answer is sent).
  const human = (await test.store.getPrincipal("approver-1"))!;
  await test.store.savePrincipal({
    ...human,
    passkeys: [{ id: "Y3JlZA", publicKey: "AQID", counter: 0, createdAt: clock.now() }],
  });
}, 60_000);
afterAll(async () => {
  await test?.close();
  await redis?.stop();
});

async function challengeKeys(): Promise<number> {
  const client = new Redis(redis.url);
  try {
    return (await client.keys("leash:webauthn-challenge:approver-1:*")).length;
  } finally {
    client.disconnect();
  }
}

describe("passkey challenges", () => {
  it("a human asking for options in a loop gets a bounded number, then 429 with Retry-After, on every route", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "drop vol_p" } });
    const held = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:delete", resource: "railway:prj_demo/env/production/volume/vol_p" },
    });
    const approvalOptions = `/v1/approvals/${held.body.approval_id}/passkey-options`;
    const enrolOptions = "/v1/humans/me/passkeys/options";
    const answers = await Promise.all(
      Array.from({ length: 3 * MAX_CHALLENGES_PER_WINDOW }, (_, index) =>
        api(test.url, "POST", index % 2 === 0 ? approvalOptions : enrolOptions, { key: test.keys.approver }),
      ),
    );
    const issued = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(issued).toHaveLength(MAX_CHALLENGES_PER_WINDOW);
    expect(refused).toHaveLength(2 * MAX_CHALLENGES_PER_WINDOW);
    for (const answer of refused) {
      expect(answer.body.code).toBe("too_many_passkey_challenges");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    expect(await challengeKeys()).toBe(MAX_CHALLENGES_PER_WINDOW);
    // Another human is not held back by this one.
    const other = await api(test.url, "POST", enrolOptions, { key: test.keys.approver2 });
    expect(other.status).toBe(200);
  });
});
