// A broker process SIGKILLed mid-load, with revocations in flight on it: the other processes go on unaffected, and
import { setTimeout as sleep } from "node:timers/promises";
// every revocation it answered before dying stays in force everywhere. The audit chain is verified if leash has it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type Fleet, startFleet } from "../helpers/serve-fleet.ts";
import { type Answer, call, figures, principals } from "./fleet.ts";
import { allowed, startAuthorizeLoad } from "./load.ts";

const TOKENS = 36;
let redis: RedisServer;
let fleet: Fleet;
let agentKey: string;
let securityKey: string;

beforeAll(async () => {
  redis = await startRedisServer();
  fleet = await startFleet({ count: 3, redisUrl: redis.url });
  ({ agentKey, securityKey } = await principals(fleet.brokers[1]!.url, fleet.adminKey, "kill"));
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
  console.log(figures.filter((line) => line.startsWith("[kill]")).join("\n"));
});

const jtiOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")).jti as string;

describe("a broker process killed with SIGKILL mid-load", () => {
  it("leaves the others unaffected and loses no revocation it answered", async () => {
    const [victim, ...survivors] = fleet.brokers;
    const survivorUrls = survivors.map((broker) => broker.url);
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i++) {
      const minted = await call(survivorUrls[i % 2]!, "POST", "/v1/tokens", {
        key: agentKey,
        body: { scope: "staging-fix", task: { intent: `kill drill ${i}` } },
      });
      expect(minted.status).toBe(201);
      tokens.push(minted.body.token);
    }

    // Load on all three processes; the victim's share fails once it is gone, the survivors' must not.
    const load = startAuthorizeLoad({ urls: [victim!.url, ...survivorUrls], tokens, loops: 9 });
    await sleep(400);

    // Revocations sent to the victim, three at a time, by jti and by task; it is killed part-way through.
    const revocations: { token: number; answer: Answer }[] = [];
    let next = 0;
    const revoker = async () => {
      while (next < TOKENS) {
        const i = next++;
        const claims = JSON.parse(Buffer.from(tokens[i]!.split(".")[1]!, "base64url").toString("utf8"));
        const body = i % 2 === 0 ? { jti: jtiOf(tokens[i]!) } : { task: claims.task };
        const answer = await call(victim!.url, "POST", "/v1/revocations", {
          key: securityKey,
          body: { ...body, reason: "kill drill" },
          timeoutMs: 3000,
        });
        revocations.push({ token: i, answer });
        if (answer.status === 0) return;
      }
    };
    const revoking = Promise.all([revoker(), revoker(), revoker()]);
    // Killed once a third of them were answered, so that some are answered, some in flight and some never sent.
    while (revocations.filter((r) => r.answer.status === 200).length < TOKENS / 3) await sleep(2);
    await victim!.kill("SIGKILL");
    const killedAt = Date.now();
    await revoking;
    await sleep(1000);
    const records = await load.stop();

    const answered = revocations.filter((r) => r.answer.status === 200);
    expect(answered.length).toBeGreaterThan(2);
    // 1. No revocation answered before the kill is lost: no allow, anywhere, for a request sent after its answer.
    const lost = records.filter((record) =>
      answered.some(
        (r) => r.token === record.token && allowed(record) && record.sentAt > r.answer.answeredAt,
      ),
    );
    expect(lost).toEqual([]);
    for (const { token } of answered) {
      for (const url of survivorUrls) {
        const check = await call(url, "POST", "/v1/authorize", {
          body: {
            token: tokens[token],
            action: "volume:read",
            resource: "railway:prj_demo/env/staging/volume/v1",
          },
        });
        expect(check.body).toMatchObject({ allow: false, reason: "revoked" });
      }
    }
    // 2. The survivors never faltered: every answer they gave was a decision (200), before and after the kill.
    const survivorRecords = records.filter((r) => r.broker > 0);
    const faltered = survivorRecords.filter((r) => r.status !== 200);
    expect(faltered.map((r) => `${r.status} ${JSON.stringify(r.body)}`)).toEqual([]);
    const afterKill = survivorRecords.filter((r) => r.sentAt > killedAt);
    expect(afterKill.length).toBeGreaterThan(0);
    // 3. The victim is gone: its share after the kill is connection errors, never an allow.
    expect(records.filter((r) => r.broker === 0 && r.sentAt > killedAt && allowed(r))).toEqual([]);

    const inFlight = revocations.length - answered.length;
    expect(answered.length).toBeLessThan(TOKENS);
    figures.push(
      `[kill] SIGKILL of 1 of 3 brokers mid-load: ${answered.length} revocations answered before the kill, all still in force on the other 2 (${inFlight} cut off in flight); survivors answered ${survivorRecords.length} authorizes, ${afterKill.length} after the kill, 0 errors`,
    );
  });

  it("keeps the audit chain verifiable (leash audit verify, when leash has it)", async () => {
    const help = await runCli(["audit", "verify", "--help"], { env: fleet.env });
    if (help.code !== 0 || !/Usage: leash audit verify/.test(help.stdout)) {
      figures.push("[kill] audit chain: `leash audit verify` not available in this build; not checked");
      return;
    }
    const verify = await runCli(["audit", "verify"], {
      env: { ...fleet.env, LEASH_URL: fleet.brokers[1]!.url, LEASH_HUMAN_KEY: securityKey },
    });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const chains = verify.stdout
      .trim()
      .split("\n")
      .map((line) => line.replace(/\s+/g, " "));
    figures.push(`[kill] audit chains verified after the kill (leash audit verify): ${chains.join("; ")}`);
  });
});
