// The one logger redacts every secret-bearing field leash could log, wherever it sits in the object.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

describe("createLogger redaction", () => {
  it("never writes a token, key, TOTP, password, credential or authorization header", () => {
    const lines: string[] = [];
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const secret = (name: string) => `SECRET-${name}`;
    logger.info(
      {
        token: secret("token"),
        api_key: secret("api_key"),
        apiKey: secret("apiKey"),
        password: secret("password"),
        totp: secret("totp"),
        secret: secret("secret"),
        authorization: secret("authorization"),
        credentials: { username: secret("username"), password: secret("cred-password") },
        client_token: secret("client_token"),
        totp_secret: secret("totp_secret"),
        otpauth_uri: secret("otpauth_uri"),
        headers: { authorization: secret("headers.authorization") },
        req: {
          headers: {
            authorization: secret("req.authorization"),
            "leash-approval": secret("leash-approval"),
            cookie: secret("cookie"),
            "x-vault-token": secret("x-vault-token"),
          },
        },
        body: {
          token: secret("body.token"),
          api_key: secret("body.api_key"),
          totp: secret("body.totp"),
          credentials: { password: secret("body.credentials") },
          totp_secret: secret("body.totp_secret"),
        },
        response: { headers: { authorization: secret("response.authorization") } },
        kept: "visible",
      },
      "everything",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("SECRET-");
    expect(JSON.parse(lines[0]!)).toMatchObject({ kept: "visible", token: "[redacted]", msg: "everything" });
  });
});

describe("the broker's access log", () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    "info",
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    }),
  );
  let test: TestBroker;
  beforeAll(async () => {
    test = await startTestBroker({ logger });
  });
  afterAll(async () => {
    await test.close();
  });

  /** The access lines written for the request with this id, once the logger's buffer is out. */
  async function accessLines(requestId: string) {
    logger.flush();
    await new Promise((resolve) => setTimeout(resolve, 50));
    return lines.filter((line) => line.msg === "request" && line.request_id === requestId);
  }

  it("leaves a decision route's grants to the audit log at info, and logs its refusals, 4xx or 200", async () => {
    const { token } = await mintToken(test, { scope: "staging-fix", task: { intent: "log levels" } });
    const call = (requestId: string, body: Record<string, unknown>) =>
      api(test.url, "POST", "/v1/authorize", { body, headers: { "x-request-id": requestId } });
    const resource = "railway:prj_demo/env/staging/volumes/vol_1";

    expect((await call("req-allow", { token, action: "volume:read", resource })).body.allow).toBe(true);
    expect(await accessLines("req-allow")).toEqual([]);
    // A refusal answered as 200 is logged: for a caller nobody identified, it is the only line per call.
    const denied = await call("req-deny", { token, action: "backup:delete", resource });
    expect(denied.body.allow).toBe(false);
    expect(await accessLines("req-deny")).toMatchObject([{ level: 30, route: "/v1/authorize", status: 200 }]);
    expect(
      (await call("req-forged", { token: `${token}x`, action: "volume:read", resource })).body.allow,
    ).toBe(false);
    expect(await accessLines("req-forged")).toMatchObject([
      { level: 30, route: "/v1/authorize", status: 200 },
    ]);
    expect((await call("req-bad", { token, action: "volume:read" })).status).toBe(400);
    expect(await accessLines("req-bad")).toMatchObject([{ level: 30, route: "/v1/authorize", status: 400 }]);

    const introspected = await api(test.url, "POST", "/v1/introspect", {
      key: test.keys.resourceServer,
      body: { token },
      headers: { "x-request-id": "req-introspect" },
    });
    expect(introspected.body.active).toBe(true);
    expect(await accessLines("req-introspect")).toEqual([]);
    const inactive = await api(test.url, "POST", "/v1/introspect", {
      key: test.keys.resourceServer,
      body: { token: "not-a-token" },
      headers: { "x-request-id": "req-introspect-inactive" },
    });
    expect(inactive.body.active).toBe(false);
    expect(await accessLines("req-introspect-inactive")).toMatchObject([{ level: 30, status: 200 }]);
    const unauthenticated = await api(test.url, "POST", "/v1/introspect", {
      body: { token },
      headers: { "x-request-id": "req-introspect-401" },
    });
    expect(unauthenticated.status).toBe(401);
    expect(await accessLines("req-introspect-401")).toMatchObject([{ level: 30, status: 401 }]);

    // A mint is a decision too: every one is in the audit log; a refused one is logged.
    const mint = (requestId: string, body: Record<string, unknown>) =>
      api(test.url, "POST", "/v1/tokens", {
        key: test.keys.agent,
        body,
        headers: { "x-request-id": requestId },
      });
    expect((await mint("req-mint", { scope: "staging-fix", task: { intent: "log levels" } })).status).toBe(
      201,
    );
    expect(await accessLines("req-mint")).toEqual([]);
    expect((await mint("req-mint-404", { scope: "no-such-scope", task: { intent: "x" } })).status).toBe(404);
    expect(await accessLines("req-mint-404")).toMatchObject([
      { level: 30, route: "/v1/tokens", status: 404 },
    ]);

    // Every other route keeps its line at info.
    const health = await api(test.url, "GET", "/healthz", { headers: { "x-request-id": "req-health" } });
    expect(health.status).toBe(200);
    expect(await accessLines("req-health")).toMatchObject([{ level: 30, route: "/healthz", status: 200 }]);

    // At debug, a decision route's successful answers are logged too.
    logger.level = "debug";
    await call("req-allow-debug", { token, action: "volume:read", resource });
    expect(await accessLines("req-allow-debug")).toMatchObject([
      { level: 20, route: "/v1/authorize", status: 200 },
    ]);
    logger.level = "info";
  });
});
