// TOTP secrets at rest, with real `leash serve` processes and the real CLI on a real Redis: what Redis holds is a
// sealed secret (no base32 secret), approving with a code still works, a rotated key keeps opening what the older
// one sealed (and the secret is sealed again under the newest key on its next use or by `leash keys reseal-totp`),
// a secret stored in clear by an older leash is sealed on its next use, and a sealed secret moved onto another
// human's record does not open (503, never an accepted code).
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentTotp } from "../../src/principals/totp.ts";
import { api } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import { createEnrolledHuman, type EnrolledHuman } from "../helpers/humans.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";
import {
  type FleetBroker,
  type ServeFleet,
  startFleetBroker,
  startServeFleet,
} from "../helpers/serve-fleet.ts";

const BASE32_SECRET = /[A-Z2-7]{32}/;
const record = (id: string) => `leash:{principals}:principal:${id}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;

let redis: RedisServer;
let client: Redis;
let fleet: ServeFleet;
let later: FleetBroker | null = null;
let agentKey: string;
let peopleKey: string;
let volume = 0;

async function stored(id: string): Promise<{ raw: string; totp: Record<string, unknown> }> {
  const raw = (await client.get(record(id)))!;
  return { raw, totp: JSON.parse(raw).totp };
}

/** A held destructive call in production (quorum 1 of sre) for `approver` to approve with a code of the next step. */
async function approveNewCall(url: string, approver: EnrolledHuman) {
  const minted = await api(url, "POST", "/v1/tokens", {
    key: agentKey,
    body: { scope: "production-ops", task: { intent: "remove an old volume" } },
  });
  expect(minted.status, JSON.stringify(minted.body)).toBe(201);
  const held = await api(url, "POST", "/v1/authorize", {
    body: { token: minted.body.token, action: "volume:delete", resource: production(`volume/v${++volume}`) },
  });
  expect(held.body.reason).toBe("approval_required");
  // The next step's code: enrolment confirmed this human with the current one, which is spent.
  return api(url, "POST", `/v1/approvals/${held.body.approval_id}/approve`, {
    key: approver.apiKey,
    body: { totp: currentTotp(approver.totpSecret, Date.now() + 30_000) },
  });
}

async function startLaterBroker(): Promise<string> {
  later = await startFleetBroker(fleet.env);
  return later.url;
}

beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url);
  fleet = await startServeFleet({ count: 1, redisUrl: redis.url });
  const url = fleet.urls[0]!;
  // The agent's owner and the approvers' creator are different admins: the approvers are independent of it.
  const admin = async (id: string) =>
    (await api(url, "POST", "/v1/humans", { key: fleet.adminKey, body: { id, roles: ["admin"] } })).body
      .api_key as string;
  const opsKey = await admin("ops");
  peopleKey = await admin("people");
  const agent = await api(url, "POST", "/v1/agents", { key: opsKey, body: { id: "agent-r", scopes: ["*"] } });
  agentKey = agent.body.api_key;
}, 90_000);

afterAll(async () => {
  await later?.kill("SIGTERM");
  await fleet?.stop();
  client?.disconnect();
  await redis?.stop();
});

describe("TOTP secrets at rest", () => {
  it("are sealed in Redis, open after a key rotation, are sealed again under the newest key, and migrate from clear", async () => {
    const url = fleet.urls[0]!;
    const keyDir = join(fleet.env.LEASH_KEYS_DIR!, "totp");
    const [firstKey, ...others] = await readdir(keyDir);
    expect(others).toEqual([]);
    expect((await stat(join(keyDir, firstKey!))).mode & 0o777).toBe(0o600);
    const firstKid = firstKey!.replace(/\.key$/, "");

    const [sre1, sre2, sre3, sre4] = await Promise.all(
      ["sre-1", "sre-2", "sre-3", "sre-4"].map((id) =>
        createEnrolledHuman(url, peopleKey, id, ["approver:sre"]),
      ),
    );
    for (const human of [sre1!, sre2!, sre3!, sre4!]) {
      const { raw, totp } = await stored(human.id);
      expect(raw).not.toContain(human.totpSecret);
      expect(raw).not.toMatch(BASE32_SECRET);
      expect(totp).toEqual({
        sealed: expect.stringMatching(new RegExp(`^v1\\.${firstKid}\\.`)),
        confirmed: true,
      });
    }
    expect((await approveNewCall(url, sre1!)).body).toMatchObject({ status: "approved" });

    // A sealed secret copied onto another human's record does not open: refused, never accepted.
    const sre4Record = JSON.parse((await client.get(record("sre-4")))!);
    await client.set(record("sre-4"), JSON.stringify({ ...sre4Record, totp: (await stored("sre-1")).totp }));
    const moved = await approveNewCall(url, { ...sre4!, totpSecret: sre1!.totpSecret });
    expect(moved.status).toBe(503);
    expect(moved.body.code).toBe("totp_secret_unavailable");
    // sre-4 as an older leash stored it: the secret in clear.
    await client.set(
      record("sre-4"),
      JSON.stringify({ ...sre4Record, totp: { secret: sre4!.totpSecret, confirmed: true } }),
    );

    // Rotation: a newer key; a broker started after it seals with it and still opens what the first one sealed.
    const rotated = await runCli(["keys", "rotate-totp"], { env: fleet.env });
    expect(rotated.code, rotated.stderr).toBe(0);
    const secondKid = rotated.stdout.trim().replace(/^created /, "");
    expect(secondKid > firstKid).toBe(true);
    expect((await readdir(keyDir)).sort()).toEqual([`${firstKid}.key`, `${secondKid}.key`]);
    const laterUrl = await startLaterBroker();

    expect((await approveNewCall(laterUrl, sre2!)).body).toMatchObject({ status: "approved" });
    expect((await stored("sre-2")).totp.sealed).toMatch(new RegExp(`^v1\\.${secondKid}\\.`));
    // The first broker, which knows only the first key, refuses a secret sealed under the newer one (503).
    const unknown = await approveNewCall(url, sre2!);
    expect(unknown.status).toBe(503);
    expect(unknown.body.code).toBe("totp_secret_unavailable");

    // Stored in clear: accepted, and sealed on that use.
    expect((await approveNewCall(laterUrl, sre4!)).body).toMatchObject({ status: "approved" });
    const migrated = await stored("sre-4");
    expect(migrated.raw).not.toContain(sre4!.totpSecret);
    expect(migrated.totp).toEqual({
      sealed: expect.stringMatching(new RegExp(`^v1\\.${secondKid}\\.`)),
      confirmed: true,
    });

    // All at once: sre-3 (first key) and a human in clear are sealed under the newest key by the admin command.
    const sre3Record = JSON.parse((await client.get(record("sre-3")))!);
    await client.set(
      record("sre-3"),
      JSON.stringify({ ...sre3Record, totp: { secret: sre3!.totpSecret, confirmed: true } }),
    );
    expect((await stored("sre-1")).totp.sealed).toMatch(new RegExp(`^v1\\.${firstKid}\\.`));
    const resealed = await runCli(["keys", "reseal-totp"], { env: fleet.env });
    expect(resealed.code, resealed.stderr).toBe(0);
    expect(resealed.stdout).toContain(
      `sealed again under ${secondKid}: 2; already current: 2; cannot open: 0`,
    );
    for (const id of ["sre-1", "sre-3"]) {
      const { raw, totp } = await stored(id);
      expect(raw).not.toMatch(BASE32_SECRET);
      expect(totp.sealed).toMatch(new RegExp(`^v1\\.${secondKid}\\.`));
    }
    expect((await approveNewCall(laterUrl, sre3!)).body).toMatchObject({ status: "approved" });
  });
});
