// Load + correctness soak: three real broker processes on one Redis, several client loops doing mixed mint /
// authorize / revoke traffic for SOAK_SECONDS (default 20). Afterwards, from what the clients saw: no revoked token
// was allowed after its revocation was answered; and from the audit log (GET /v1/audit; the client records when the
// build has no audit log): no blast-radius limit was ever exceeded in any window.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type Fleet, scopesDirWith, startFleet } from "../helpers/serve-fleet.ts";
import { type Answer, call, figures, percentile, principals } from "./fleet.ts";
import { latency } from "./load.ts";

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 10);
/** Runs on the same fleet, each checked on its own: a race that shows once in a while has several chances. */
const SOAK_RUNS = Number(process.env.SOAK_RUNS ?? 3);
const LOOPS = Number(process.env.SOAK_LOOPS ?? 6);
const BROKERS = 3;

/** Limits the soak checks; staging-fix is shipped (3 destructive a minute per task, then the task is revoked). */
const LIMITS = [
  { scope: "soak-deny", action: "volume:delete", key: "task", max: 4, perMs: 5_000 },
  { scope: "soak-deny", action: "volume:read", key: "agent", max: 40, perMs: 2_000 },
  { scope: "staging-fix", action: "volume:delete", key: "task", max: 3, perMs: 60_000 },
] as const;
const SOAK_SCOPE = [
  "description: soak - short windows so the sliding limits turn over many times",
  "environment: staging",
  'agents: ["*"]',
  "actions: [volume:read, volume:delete]",
  'resources: ["railway:prj_demo/env/staging/**"]',
  "ttl: {default: 10m, max: 1h}",
  "limits:",
  "  - match: {destructive: true}",
  "    max: 4",
  "    per: 5s",
  "    key: task",
  "    on_exceed: deny",
  "  - match: {action: volume:read}",
  "    max: 40",
  "    per: 2s",
  "    key: agent",
  "    on_exceed: deny",
].join("\n");

interface Token {
  token: string;
  jti: string;
  task: string;
  agent: string;
  scope: string;
}
interface AuthorizeRecord extends Answer {
  token: Token;
  action: string;
  broker: number;
}
interface RevocationRecord {
  kind: "jti" | "task";
  value: string;
  answeredAt: number;
  source: "api" | "revoke_task limit";
}

let redis: RedisServer;
let fleet: Fleet;
let urls: string[];
let securityKey: string;
const agents: { id: string; key: string }[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  fleet = await startFleet({
    count: BROKERS,
    redisUrl: redis.url,
    scopesDir: await scopesDirWith({ "soak-deny.yaml": SOAK_SCOPE }),
  });
  urls = fleet.brokers.map((broker) => broker.url);
  for (const suffix of ["a", "b"]) {
    const { agentKey, securityKey: key } = await principals(urls[0]!, fleet.adminKey, `soak-${suffix}`);
    agents.push({ id: `agent-soak-${suffix}`, key: agentKey });
    securityKey = key;
  }
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
  console.log(figures.filter((line) => line.startsWith("[soak]")).join("\n"));
});

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));

describe(`soak: ${BROKERS} brokers, ${LOOPS} client loops, ${SOAK_RUNS} runs of ${SOAK_SECONDS} s of mixed traffic`, () => {
  it.each(Array.from({ length: SOAK_RUNS }, (_, i) => i + 1))(
    "run %i: no revoked token allowed after its revocation answer; no limit exceeded in any window",
    async (run) => {
      const mints: Answer[] = [];
      const authorizes: AuthorizeRecord[] = [];
      const revocations: RevocationRecord[] = [];
      const startedAt = Date.now();
      const endAt = startedAt + SOAK_SECONDS * 1000;

      const mint = async (
        agent: (typeof agents)[number],
        scope: string,
        taskId?: string,
      ): Promise<Token | null> => {
        const answer = await call(pick(urls), "POST", "/v1/tokens", {
          key: agent.key,
          body: { scope, task: { intent: "soak", ...(taskId ? { id: taskId } : {}) } },
        });
        mints.push(answer);
        if (answer.status !== 201) return null;
        const claims = claimsOf(answer.body.token);
        return { token: answer.body.token, jti: claims.jti, task: claims.task, agent: agent.id, scope };
      };

      const authorize = async (token: Token, action: string) => {
        const broker = Math.floor(Math.random() * urls.length);
        const resource =
          token.scope === "production-read"
            ? "railway:prj_demo/env/production/volume/v1"
            : `railway:prj_demo/env/staging/volume/v${Math.floor(Math.random() * 1000)}`;
        const answer = await call(urls[broker]!, "POST", "/v1/authorize", {
          body: { token: token.token, action, resource },
        });
        authorizes.push({ ...answer, token, action, broker });
        if (answer.body?.task_revoked) {
          // The limit's own revocation: in force from this answer on.
          revocations.push({
            kind: "task",
            value: token.task,
            answeredAt: answer.answeredAt,
            source: "revoke_task limit",
          });
        }
        return answer;
      };

      const revoke = async (token: Token) => {
        const kind = Math.random() < 0.5 ? "jti" : "task";
        const value = kind === "jti" ? token.jti : token.task;
        const answer = await call(pick(urls), "POST", "/v1/revocations", {
          key: securityKey,
          body: { [kind]: value, reason: "soak" },
        });
        expect(answer.status).toBe(200);
        revocations.push({ kind, value, answeredAt: answer.answeredAt, source: "api" });
      };

      const loop = async (index: number) => {
        const agent = agents[index % agents.length]!;
        while (Date.now() < endAt) {
          const scope = pick([
            "soak-deny",
            "soak-deny",
            "soak-deny",
            "staging-fix",
            "staging-fix",
            "production-read",
          ]);
          const token = await mint(agent, scope);
          if (!token) continue;
          // Now and then a second token for the same task, so a task revocation covers several tokens.
          const sibling = Math.random() < 0.2 ? await mint(agent, scope, token.task) : null;
          const calls = 5 + Math.floor(Math.random() * 10);
          for (let i = 0; i < calls && Date.now() < endAt; i++) {
            const which = sibling && Math.random() < 0.5 ? sibling : token;
            const destructive = scope !== "production-read" && Math.random() < 0.35;
            await authorize(which, destructive ? "volume:delete" : "volume:read");
          }
          if (Math.random() < 0.3) {
            await revoke(token);
            for (let i = 0; i < 3; i++) await authorize(pick([token, sibling ?? token]), "volume:read");
          }
        }
      };
      await Promise.all(Array.from({ length: LOOPS }, (_, index) => loop(index)));
      const elapsedS = (Date.now() - startedAt) / 1000;

      // 0. Nothing failed: every answer was a decision or a documented refusal, never a 5xx or a dropped connection.
      const failures = [...mints, ...authorizes].filter((a) => a.status === 0 || a.status >= 500);
      expect(failures.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);

      // 1. Revocation: no allow for a call sent after the answer of a revocation that covers the token.
      let checkedAfterRevocation = 0;
      const lateAllows: string[] = [];
      for (const record of authorizes) {
        const covering = revocations.filter(
          (r) =>
            r.answeredAt < record.sentAt &&
            ((r.kind === "jti" && r.value === record.token.jti) ||
              (r.kind === "task" && r.value === record.token.task)),
        );
        if (covering.length === 0) continue;
        checkedAfterRevocation++;
        if (record.body?.allow === true)
          lateAllows.push(
            `${record.token.jti} allowed ${record.sentAt - covering[0]!.answeredAt} ms after revocation`,
          );
      }
      expect(lateAllows).toEqual([]);
      expect(checkedAfterRevocation).toBeGreaterThan(0);

      // 2. Limits: count allows per counter per window, from the audit log when leash keeps one.
      const allowsByJti = new Map<string, AuthorizeRecord[]>();
      for (const record of authorizes.filter((r) => r.body?.allow === true)) {
        allowsByJti.set(record.token.jti, [...(allowsByJti.get(record.token.jti) ?? []), record]);
      }
      const tokensByJti = new Map(authorizes.map((r) => [r.token.jti, r.token]));
      const audit = await auditAllows(startedAt);
      let source: string;
      let events: { token: Token; action: string; lo: number; hi: number }[];
      if (audit) {
        source = "the audit log (GET /v1/audit)";
        events = audit
          .filter((record) => tokensByJti.has(record.jti))
          .map((record) => ({
            token: tokensByJti.get(record.jti)!,
            action: record.action,
            lo: record.time,
            hi: record.time,
          }));
        // The log and the clients agree on how many calls were allowed.
        const clientAllows = [...allowsByJti.values()].reduce((n, list) => n + list.length, 0);
        expect(events.length).toBe(clientAllows);
      } else {
        source = "client records (this build has no GET /v1/audit)";
        events = [...allowsByJti.values()]
          .flat()
          .map((r) => ({ token: r.token, action: r.action, lo: r.sentAt, hi: r.answeredAt }));
      }
      const exceeded: string[] = [];
      let windowsChecked = 0;
      for (const limit of LIMITS) {
        const groups = new Map<string, typeof events>();
        for (const event of events) {
          if (event.token.scope !== limit.scope || event.action !== limit.action) continue;
          const key = limit.key === "task" ? event.token.task : event.token.agent;
          groups.set(key, [...(groups.get(key) ?? []), event]);
        }
        for (const [key, group] of groups) {
          group.sort((a, b) => a.lo - b.lo);
          // max + 1 allows whose server times certainly fit in one closed window [t - per, t] exceed the limit.
          for (let i = 0; i + limit.max < group.length; i++) {
            windowsChecked++;
            const span = Math.max(...group.slice(i, i + limit.max + 1).map((e) => e.hi)) - group[i]!.lo;
            if (span <= limit.perMs)
              exceeded.push(
                `${limit.scope} ${limit.action} per ${limit.key} ${key}: ${limit.max + 1} allows within ${span} ms`,
              );
          }
        }
      }
      expect(exceeded).toEqual([]);

      const allows = authorizes.filter((r) => r.body?.allow === true).length;
      const rateLimited = authorizes.filter((r) => r.body?.reason === "rate_limited").length;
      const lat = authorizes.map(latency);
      figures.push(
        `[soak] run ${run}/${SOAK_RUNS}: ${elapsedS.toFixed(0)} s, ${BROKERS} brokers, ${LOOPS} loops: ${mints.length} mints, ${authorizes.length} authorizes (${Math.round(authorizes.length / elapsedS)}/s, p50 ${percentile(lat, 50)} ms, p99 ${percentile(lat, 99)} ms), ${allows} allowed, ${rateLimited} rate_limited, ${revocations.length} revocations (${revocations.filter((r) => r.source !== "api").length} by revoke_task limits)`,
        `[soak] run ${run}/${SOAK_RUNS}: ${checkedAfterRevocation} authorizes sent after a covering revocation answer: 0 allowed; limits checked from ${source}: ${events.length} allows, ${windowsChecked} windows of max+1, 0 exceeded; 0 errors`,
      );
    },
  );
});

/** Every `authorize` allow in the audit log since `fromMs`, or null when this leash has no audit endpoint. */
async function auditAllows(fromMs: number): Promise<{ jti: string; action: string; time: number }[] | null> {
  const found: { jti: string; action: string; time: number }[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query = new URLSearchParams({
      event: "authorize",
      decision: "allow",
      from: String(fromMs - 1000),
      limit: "1000",
      ...(cursor ? { cursor } : {}),
    });
    const page = await call(urls[0]!, "GET", `/v1/audit?${query}`, { key: securityKey, timeoutMs: 30_000 });
    if (page.status === 404 && page.body?.code === "route_not_found") return null;
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    for (const record of page.body.records as Record<string, string>[]) {
      found.push({ jti: record.jti!, action: record.action!, time: Date.parse(record.time!) });
    }
    cursor = page.body.next_cursor;
    if (!cursor) return found;
  }
}
