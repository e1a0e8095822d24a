// Clock jumps, with a ManualClock driving the broker, on the Redis store and the memory store: tokens expire exactly,
// revocations hold whichever way the clock moves, and a sliding-window limit never admits more than `max` calls in
// any window, however the clock jumps back and forth.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { figures } from "./fleet.ts";

const MINUTE = 60_000;
const SCOPE = {
  "staging-clock.yaml": [
    "description: clock drill - at most 3 deletions a minute per task, denied beyond",
    "environment: staging",
    'agents: ["*"]',
    "actions: [volume:read, volume:delete]",
    'resources: ["railway:prj_demo/env/staging/**"]',
    "ttl: {default: 10m, max: 1h}",
    "limits:",
    "  - match: {destructive: true}",
    "    max: 3",
    "    per: 1m",
    "    key: task",
    "    on_exceed: deny",
  ].join("\n"),
};
const volume = (id: string) => `railway:prj_demo/env/staging/volume/${id}`;

let redis: RedisServer;
afterAll(async () => {
  await redis?.stop();
  console.log(figures.filter((line) => line.startsWith("[clock]")).join("\n"));
});

for (const store of ["redis", "memory"] as const) {
  describe(`clock jumps (${store} store)`, () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));
    const start = clock.now();
    let test: TestBroker;

    beforeAll(async () => {
      if (store === "redis") redis ??= await startRedisServer();
      test = await startTestBroker({
        redisUrl: store === "redis" ? redis.url : undefined,
        clock,
        scopesDir: await scopesDirWith(SCOPE),
      });
    }, 30_000);
    afterAll(async () => {
      await test?.close();
    });

    const authorize = async (token: string, action = "volume:read", resource = volume("v1")) =>
      (await api(test.url, "POST", "/v1/authorize", { body: { token, action, resource } })).body;
    const decide = async (token: string, action = "volume:read") => {
      const body = await authorize(token, action, volume(`v${Math.random()}`));
      return body.allow ? "allow" : body.reason;
    };

    it("a token expires exactly at exp, whichever way the clock jumps", async () => {
      clock.set(start);
      const { token } = await mintToken(test, { scope: "staging-clock", task: { intent: "expiry" } });
      const exp = Math.floor(start / 1000) * 1000 + 10 * MINUTE;
      const at = async (ms: number) => {
        clock.set(ms);
        return decide(token);
      };
      expect(await at(exp - 1)).toBe("allow");
      expect(await at(exp)).toBe("expired");
      expect(await at(exp + 1000)).toBe("expired");
      expect(await at(exp + 24 * 60 * MINUTE)).toBe("expired");
      // Back before nbf: not valid yet; back inside the lifetime: valid (validity is a function of the clock).
      expect(await at(start - 1000)).toBe("not_yet_valid");
      expect(await at(exp - 1000)).toBe("allow");
    });

    it("a revocation holds when the clock jumps forward and back", async () => {
      clock.set(start + 5_000);
      const byJti = await mintToken(test, { scope: "staging-clock", task: { intent: "revoke by jti" } });
      const byTask = await mintToken(test, { scope: "staging-clock", task: { intent: "revoke by task" } });
      for (const body of [{ jti: byJti.jti }, { task: byTask.task }]) {
        const revoked = await api(test.url, "POST", "/v1/revocations", {
          key: test.keys.security,
          body: { ...body, reason: "clock drill" },
        });
        expect(revoked.status).toBe(200);
      }
      // Forward past the tokens' lifetime and back inside it (the markers must outlive every jump back).
      for (const ms of [
        start + 6_000,
        start + 2 * 60 * MINUTE,
        start + 5_500,
        start + 9 * MINUTE,
        start + 5_000,
      ]) {
        clock.set(ms);
        const expected = ms - start > 10 * MINUTE ? "expired" : "revoked";
        expect([await decide(byJti.token), await decide(byTask.token), ms - start]).toEqual([
          expected,
          expected,
          ms - start,
        ]);
      }
    });

    it("jumping back never admits more than max calls within a window", async () => {
      // Minted well before the jumps, with an hour to live, so only the limit can refuse.
      clock.set(start - 20 * MINUTE);
      const { token } = await mintToken(test, {
        scope: "staging-clock",
        task: { intent: "limits" },
        ttl: "1h",
      });
      const t0 = start + 20_000;
      /** Every allow's clock time, to check the invariant over all windows at the end. */
      const allows: number[] = [];
      const deleteAt = async (ms: number) => {
        clock.set(ms);
        const outcome = await decide(token, "volume:delete");
        if (outcome === "allow") allows.push(ms);
        return outcome;
      };
      // Three at t0, the fourth refused.
      expect([await deleteAt(t0), await deleteAt(t0 + 1), await deleteAt(t0 + 2)]).toEqual([
        "allow",
        "allow",
        "allow",
      ]);
      expect(await deleteAt(t0 + 3)).toBe("rate_limited");
      // Back 30 s, back 5 min, back before the token existed: the three calls still count.
      expect(await deleteAt(t0 - 30_000)).toBe("rate_limited");
      expect(await deleteAt(t0 - 5 * MINUTE + 12_000)).toBe("rate_limited");
      // Forward to the edge: the window is [now - 1m, now], closed; one millisecond later the first call left it.
      expect(await deleteAt(t0 + MINUTE)).toBe("rate_limited");
      expect(await deleteAt(t0 + MINUTE + 1)).toBe("allow");
      expect(await deleteAt(t0 + MINUTE + 2)).toBe("allow");
      expect(await deleteAt(t0 + MINUTE + 3)).toBe("allow");
      expect(await deleteAt(t0 + MINUTE + 4)).toBe("rate_limited");
      // Forward 5 minutes: a fresh window, filled; then back to times whose windows would hold those calls.
      const t1 = t0 + 6 * MINUTE;
      expect([await deleteAt(t1), await deleteAt(t1 + 1), await deleteAt(t1 + 2)]).toEqual([
        "allow",
        "allow",
        "allow",
      ]);
      expect(await deleteAt(t1 - 30_000)).toBe("rate_limited");
      expect(await deleteAt(t1 - 59_000)).toBe("rate_limited");
      expect(await deleteAt(t0 + 2 * MINUTE)).toBe("rate_limited");
      expect(await deleteAt(t1 + 3)).toBe("rate_limited");
      expect(await deleteAt(t1 + MINUTE + 1)).toBe("allow");

      // Whatever the order of the jumps, no window of one minute holds more than 3 allows.
      const sorted = [...allows].sort((a, b) => a - b);
      for (let i = 0; i + 3 < sorted.length; i++) expect(sorted[i + 3]! - sorted[i]!).toBeGreaterThan(MINUTE);
      figures.push(
        `[clock] ${store} store: exact expiry at exp, revocations held across jumps of ±2 h, ${allows.length} allows over 20 jumping calls on a max-3/min limit, never 4 in a window`,
      );
    });
  });
}
