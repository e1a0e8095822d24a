// Unauthenticated callers cannot grow the audit log: a flood of authorize calls with garbage and forged tokens and
// 1 KB resources, spread over two `leash serve` processes sharing one Redis, is answered every time (a refusal, as
// before) but written as one record per source and reason per window, each with its count and bounded fields.

import { request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../helpers/broker.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import { type ServeFleet, startServeFleet } from "../helpers/serve-fleet.ts";
import { splitToken } from "./forge.ts";

const WINDOW_SECONDS = 2;
const ATTEMPTS = 1000;
const FROM_SECOND_SOURCE = 50;
let redis: RedisServer;
let fleet: ServeFleet;
let genuine: string;

beforeAll(async () => {
  redis = await startRedisServer();
  fleet = await startServeFleet({
    count: 2,
    redisUrl: redis.url,
    env: { LEASH_REFUSAL_AUDIT_WINDOW: `${WINDOW_SECONDS}s`, REDIS_COMMAND_TIMEOUT_MS: "3000" },
  });
  const agentKey = (
    await api(fleet.urls[0]!, "POST", "/v1/agents", {
      key: fleet.adminKey,
      body: { id: "agent-audit-flood", scopes: ["*"] },
    })
  ).body.api_key;
  genuine = (
    await api(fleet.urls[0]!, "POST", "/v1/tokens", {
      key: agentKey,
      body: { scope: "staging-fix", task: { intent: "read a volume" } },
    })
  ).body.token;
}, 90_000);

afterAll(async () => {
  await fleet?.stop();
  await redis?.stop();
});

/** A canonical resource of 1 KB, so only the token makes the call fail. */
const bigResource = (i: number) =>
  `railway:prj_demo/env/staging/volume/${String(i).padStart(6, "0")}${"x".repeat(1024 - 44)}`;

/** Garbage, a genuine token with its signature changed, and one with its payload changed. */
function badToken(i: number): string {
  const [header, payload, signature] = splitToken(genuine);
  switch (i % 3) {
    case 0:
      return `garbage-${i}-${"g".repeat(200)}`;
    case 1:
      return `${header}.${payload}.${signature.slice(0, -6)}AAAAAA`;
    default:
      return `${header}.${payload.slice(0, -4)}AAAA.${signature}`;
  }
}

/** One authorize call from a chosen local address (127.0.0.0/8 is all loopback on Linux). */
function authorizeFrom(
  url: string,
  localAddress: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const target = new URL("/v1/authorize", url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

interface AuditRecord {
  actor: string;
  event: string;
  reason: string;
  resource: string;
  action: string;
  detail: string;
}

async function unauthenticatedRecords(): Promise<AuditRecord[]> {
  const page = await api(fleet.urls[1]!, "GET", "/v1/audit?event=authorize&limit=1000", {
    key: fleet.adminKey,
  });
  return (page.body.records as AuditRecord[]).filter((record) => record.actor === "");
}

const countOf = (record: AuditRecord) =>
  Number(/^unauthenticated: (\d+) refusal/.exec(record.detail)?.[1] ?? 0);
const sourceOf = (record: AuditRecord) => /refusals? from (\S+);/.exec(record.detail)?.[1];

describe("unauthenticated refusals", () => {
  it("a flood of bad tokens is answered every time but recorded once per source, reason and window", async () => {
    const started = Date.now();
    const answers = await pool(ATTEMPTS, 25, (i) =>
      authorizeFrom(fleet.urls[i % 2]!, "127.0.0.1", {
        token: badToken(i),
        action: "volume:read",
        resource: bigResource(i),
      }),
    );
    const elsewhere = await pool(FROM_SECOND_SOURCE, 10, (i) =>
      authorizeFrom(fleet.urls[i % 2]!, "127.0.0.2", {
        token: badToken(i),
        action: "volume:read",
        resource: bigResource(i),
      }),
    );
    const floodSeconds = (Date.now() - started) / 1000;
    // Every call gets its answer: a refusal, the same as before (no 429: the caller of authorize is often a proxy
    // relaying many agents, whom one agent's garbage must not starve).
    for (const answer of [...answers, ...elsewhere]) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ allow: false, reason: "invalid_token" });
    }

    // The records arrive once the windows close (each broker writes closed tallies every second).
    let records: AuditRecord[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      records = await unauthenticatedRecords();
      if (records.reduce((sum, record) => sum + countOf(record), 0) >= ATTEMPTS + FROM_SECOND_SOURCE) break;
      await sleep(250);
    }
    const total = records.reduce((sum, record) => sum + countOf(record), 0);
    expect(total).toBe(ATTEMPTS + FROM_SECOND_SOURCE);
    const bySource: Record<string, AuditRecord[]> = {};
    for (const record of records) {
      const source = sourceOf(record) ?? "?";
      bySource[source] = [...(bySource[source] ?? []), record];
    }
    expect(Object.keys(bySource).sort()).toEqual(["127.0.0.1", "127.0.0.2"]);
    // One record per window the flood spanned (and the one it started in), not one per request.
    const windows = Math.ceil(floodSeconds / WINDOW_SECONDS) + 1;
    expect(bySource["127.0.0.1"]!.length).toBeLessThanOrEqual(windows);
    for (const record of records) {
      expect(record).toMatchObject({ event: "authorize", reason: "invalid_token", action: "volume:read" });
      expect(Array.from(record.resource).length).toBeLessThanOrEqual(64 + "…(1024 characters)".length);
      expect(record.detail).toMatch(/first=\S+; last=\S+; token: /);
    }
    const bytes = records.reduce((sum, record) => sum + JSON.stringify(record).length, 0);
    expect(bytes).toBeLessThan(records.length * 700);
    console.log(
      `unauthenticated flood: ${ATTEMPTS + FROM_SECOND_SOURCE} refusals in ${floodSeconds.toFixed(1)} s from 2 sources → ${records.length} audit records, ${bytes} bytes`,
    );

    // Every refusal is still counted in /metrics.
    const metrics = await Promise.all(fleet.urls.map((url) => fetch(`${url}/metrics`).then((r) => r.text())));
    const counted = metrics
      .flatMap((text) => [
        ...text.matchAll(
          /^leash_unauthenticated_refusals_total\{event="authorize",reason="invalid_token"\} (\d+)$/gm,
        ),
      ])
      .reduce((sum, match) => sum + Number(match[1]), 0);
    expect(counted).toBe(ATTEMPTS + FROM_SECOND_SOURCE);
  }, 120_000);

  it("a gateway's refusal report with a bad token (POST /v1/refusals) is 401 and records nothing", async () => {
    const before = (await unauthenticatedRecords()).length;
    const attempts = 300;
    const answers = await pool(attempts, 20, (i) =>
      api(fleet.urls[i % 2]!, "POST", "/v1/refusals", {
        body: {
          token: badToken(i),
          via: `mcp flood/tool${i}`,
          reason: `made_up_${i % 50}`,
          action: "volume:read",
        },
      }),
    );
    expect(answers.every((answer) => answer.status === 401 && answer.body.code === "invalid_token")).toBe(
      true,
    );
    // Past a window, so a tally would have been written by now.
    await sleep((WINDOW_SECONDS + 1.5) * 1000);
    expect((await unauthenticatedRecords()).length).toBe(before);
  }, 60_000);

  it("an identified caller's refusals are still one record each", async () => {
    const before = await api(fleet.urls[0]!, "GET", "/v1/audit?event=authorize&decision=deny&limit=1000", {
      key: fleet.adminKey,
    });
    for (let i = 0; i < 3; i++) {
      const refused = await api(fleet.urls[i % 2]!, "POST", "/v1/authorize", {
        body: { token: genuine, action: "backup:delete", resource: bigResource(i) },
      });
      expect(refused.body).toMatchObject({ allow: false, reason: "action_not_granted" });
    }
    const after = await api(fleet.urls[0]!, "GET", "/v1/audit?event=authorize&decision=deny&limit=1000", {
      key: fleet.adminKey,
    });
    const identified = (records: AuditRecord[]) => records.filter((record) => record.actor !== "").length;
    expect(identified(after.body.records) - identified(before.body.records)).toBe(3);
  });
});
