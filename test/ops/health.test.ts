// /healthz and /readyz, each failing for a stated reason; request ids in and out.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyRings } from "../../src/keys/key-ring.ts";
import { api, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { freePort } from "../helpers/ports.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

let redis: RedisServer;
let test: TestBroker;

beforeEach(async () => {
  redis = await startRedisServer();
  test = await startTestBroker({ redisUrl: redis.url });
});
afterEach(async () => {
  await test?.close();
  await redis?.stop();
});

const readyz = () => api(test.url, "GET", "/readyz");

describe("/healthz and /readyz", () => {
  it("are 200 when everything is in place", async () => {
    expect((await api(test.url, "GET", "/healthz")).body).toEqual({ status: "ok" });
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", problems: [], vault: { configured: false } });
  });

  it("fails when Redis is unreachable, and /healthz still answers", async () => {
    await redis.kill();
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: "not_ready", problems: ["store unreachable"] });
    expect((await api(test.url, "GET", "/healthz")).status).toBe(200);
  });

  it("fails when the store lost its generation", async () => {
    expect(await rawRedisCommand(redis.port, "DEL leash:gen")).toBe(":1");
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.problems).toEqual([
      "store generation missing: Redis lost its data or leash init was not run",
    ]);
  });

  it("fails when an environment has no signing key loaded", async () => {
    const context = test.broker.context;
    const staging = context.keys.get("staging")!;
    context.keys = new KeyRings(new Map([["staging", staging]]));
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.problems).toEqual(["no signing key for production"]);
  });
});

describe("/readyz with a Vault configured", () => {
  let withVault: TestBroker;
  afterAll(async () => {
    await withVault?.close();
  });

  it("is not ready while a configured Vault is unreachable, and says so", async () => {
    withVault = await startTestBroker({
      vault: { addr: `http://127.0.0.1:${await freePort()}`, token: "t", timeoutMs: 300 },
    });
    const ready = await api(withVault.url, "GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.vault).toMatchObject({ configured: true, status: "unavailable" });
    expect(ready.body.problems).toEqual([
      expect.stringMatching(/^Vault is unavailable: scopes with Vault credentials cannot be minted/),
    ]);
  });
});

describe("request ids", () => {
  it("keeps a well-formed X-Request-Id, replaces anything else, and always answers with one", async () => {
    const given = await api(test.url, "GET", "/healthz", { headers: { "x-request-id": "trace-abc.123" } });
    expect(given.headers.get("x-request-id")).toBe("trace-abc.123");
    for (const hostile of ["two words", "x".repeat(200), '"}{"level":60']) {
      const answer = await api(test.url, "GET", "/healthz", { headers: { "x-request-id": hostile } });
      expect(answer.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
    const none = await api(test.url, "GET", "/nowhere");
    expect(none.status).toBe(404);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
