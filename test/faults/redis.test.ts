// Redis faults under load, against real `leash serve` processes: Redis slow (DEBUG SLEEP, CLIENT PAUSE), killed
import { setTimeout as sleep } from "node:timers/promises";
// mid-load, restarted with its data, restarted empty. leash must answer 503 quickly, never allow what it cannot
// check, recover by itself, and never let a revoked token back in because Redis forgot the revocation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";
import { type Fleet, startFleet } from "../helpers/serve-fleet.ts";
import { call, figures, percentile, principals, waitFor } from "./fleet.ts";
import { allowed, type LoadRecord, latency, STAGING_VOLUME, startAuthorizeLoad } from "./load.ts";

let redis: RedisServer;
let fleet: Fleet;
let urls: string[];
let agentKey: string;
let securityKey: string;
const tokens: string[] = [];

beforeAll(async () => {
  redis = await startRedisServer({ args: ["--enable-debug-command", "local"] });
  fleet = await startFleet({ count: 2, redisUrl: redis.url });
  urls = fleet.brokers.map((broker) => broker.url);
  ({ agentKey, securityKey } = await principals(urls[0]!, fleet.adminKey, "redis"));
  for (let i = 0; i < 4; i++) tokens.push(await mint(urls[i % 2]!));
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
  console.log(figures.filter((line) => line.startsWith("[redis]")).join("\n"));
});

async function mint(url: string, key = agentKey): Promise<string> {
  const answer = await call(url, "POST", "/v1/tokens", {
    key,
    body: { scope: "staging-fix", task: { intent: "work through a fault" } },
  });
  if (answer.status !== 201) throw new Error(`mint: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.token;
}

const authorize = (url: string, token: string) =>
  call(url, "POST", "/v1/authorize", { body: { token, action: "volume:read", resource: STAGING_VOLUME } });

/** Every answer was allow, or a fast 503 problem; nothing else (no 500, no hang, no other refusal). */
function expectAllowOr503(records: LoadRecord[], boundMs: number): void {
  const odd = records.filter(
    (r) => !allowed(r) && !(r.status === 503 && r.body?.code === "store_unavailable"),
  );
  expect(odd.map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
  const slow = records.filter((r) => latency(r) >= boundMs);
  expect(slow.map((r) => `${latency(r)} ms ${r.status}`)).toEqual([]);
}

describe("Redis slow", () => {
  for (const [label, command, pauseMs] of [
    ["DEBUG SLEEP 2 (Redis blocked)", "DEBUG SLEEP 2", 2000],
    ["CLIENT PAUSE 2000 ALL", "CLIENT PAUSE 2000 ALL", 2000],
  ] as const) {
    it(`${label}: answers within the command timeout (503), never hangs, never allows unchecked; recovers`, async () => {
      const load = startAuthorizeLoad({ urls, tokens, loops: 8 });
      await sleep(500);
      const pauseStart = Date.now();
      // DEBUG SLEEP answers when it is over; CLIENT PAUSE answers at once and pauses every other client.
      await rawRedisCommand(redis.port, command, 5000);
      const pauseEnd = command.startsWith("DEBUG") ? Date.now() : pauseStart + pauseMs;
      await sleep(Math.max(0, pauseEnd - Date.now()) + 1500);
      const records = await load.stop();

      expectAllowOr503(records, 1500);
      // Nothing can have been checked while Redis was not answering: no allow that lived wholly inside the pause.
      const inside = records.filter((r) => r.sentAt > pauseStart + 100 && r.answeredAt < pauseEnd - 100);
      expect(inside.length).toBeGreaterThan(0);
      expect(inside.filter(allowed)).toEqual([]);
      const refusedInside = inside.filter((r) => r.status === 503);
      const recovered = records.find((r) => r.sentAt > pauseEnd && allowed(r));
      expect(recovered).toBeDefined();
      figures.push(
        `[redis] slow (${label}): ${records.length} authorizes, ${refusedInside.length} answered 503 during the ${pauseMs} ms stall (max ${Math.max(...refusedInside.map(latency))} ms), 0 allowed unchecked, allows again ${recovered!.sentAt - pauseEnd} ms after it ended`,
      );
    });
  }
});

describe("Redis killed mid-load", () => {
  it("answers 503 within 1 s and never allows while it is gone; resumes without restarting leash", async () => {
    expect(await rawRedisCommand(redis.port, "SAVE", 5000)).toBe("+OK");
    const load = startAuthorizeLoad({ urls, tokens, loops: 8 });
    await sleep(500);
    await redis.kill();
    const killedAt = Date.now();
    await sleep(2000);
    const restartAt = Date.now();
    await redis.restart({ keepData: true });
    const { ms: recoveryMs, value: back } = await waitFor(
      () => authorize(urls[1]!, tokens[0]!),
      (answer) => allowed(answer),
    );
    await sleep(500);
    const records = await load.stop();

    expect(allowed(back)).toBe(true);
    const whileDown = records.filter((r) => r.sentAt > killedAt && r.answeredAt < restartAt);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.filter(allowed)).toEqual([]);
    expectAllowOr503(whileDown, 1000);
    expectAllowOr503(records, 1500);
    figures.push(
      `[redis] killed: ${whileDown.length} authorizes while Redis was gone, all 503 (p99 ${percentile(whileDown.map(latency), 99)} ms, max ${Math.max(...whileDown.map(latency))} ms), 0 allowed; allows again ${recoveryMs} ms after redis-server was back, no leash restart`,
    );
  });
});

describe("Redis restarted empty", () => {
  it("refuses every earlier token (stale_generation), a revoked one included, until re-minted after leash init", async () => {
    const revoked = await mint(urls[0]!);
    const live = await mint(urls[1]!);
    const revocation = await call(urls[0]!, "POST", "/v1/revocations", {
      key: securityKey,
      body: { jti: decodeJti(revoked), reason: "revoked before the data loss" },
    });
    expect(revocation.status).toBe(200);
    expect(allowed(await authorize(urls[1]!, live))).toBe(true);

    const load = startAuthorizeLoad({ urls, tokens: [...tokens, revoked, live], loops: 6 });
    await sleep(300);
    await redis.restart({ keepData: false });
    const emptyAt = Date.now();
    await sleep(1000);

    // Empty: the revocation marker is gone with everything else, and still nothing old is allowed.
    for (const url of urls) {
      for (const token of [revoked, live]) {
        const answer = await waitFor(
          () => authorize(url, token),
          (a) => a.status === 200,
        );
        expect(answer.value.body).toMatchObject({ allow: false, reason: "stale_generation" });
      }
      const ready = await call(url, "GET", "/readyz");
      expect(ready.status).toBe(503);
      expect(ready.body.problems.join(" ")).toContain("generation missing");
    }
    expect((await call(urls[0]!, "POST", "/v1/tokens", { key: agentKey, body: {} })).status).not.toBe(201);

    // The operator runs leash init again: a new generation. Old tokens stay refused; new ones work.
    const adminKey = await fleet.init();
    const fresh = await principals(urls[1]!, adminKey, "after-loss");
    const newToken = await mint(urls[0]!, fresh.agentKey);
    await sleep(300);
    const records = await load.stop();

    const afterLoss = records.filter((r) => r.sentAt > emptyAt);
    expect(afterLoss.length).toBeGreaterThan(0);
    expect(afterLoss.filter(allowed)).toEqual([]);
    for (const url of urls) {
      expect((await authorize(url, revoked)).body).toMatchObject({
        allow: false,
        reason: "stale_generation",
      });
      expect((await authorize(url, live)).body).toMatchObject({ allow: false, reason: "stale_generation" });
      expect(allowed(await authorize(url, newToken))).toBe(true);
      expect((await call(url, "GET", "/readyz")).status).toBe(200);
    }
    figures.push(
      `[redis] restarted empty: ${afterLoss.length} authorizes with earlier tokens after the loss, 0 allowed (stale_generation), the revoked token included; new tokens work after leash init`,
    );
  });
});

function decodeJti(token: string): string {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")).jti;
}
