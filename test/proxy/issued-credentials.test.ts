// Credentials an upstream hands out or reflects, against a platform that answers as OpenStack does (Swift's TempAuth
// gives X-Auth-Token and X-Storage-Token for the key the proxy injects, Keystone gives X-Subject-Token) and as
// devise_token_auth does (a fresh access-token on every response), and that shows a key's own value on lookup (as
// Vault's lookup-self does) in the charset the Accept header asks for, as ASP.NET Core's and Spring's formatters do.
// With any of them the agent could call the platform without the proxy, outside every limit and approval.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { Agent, startTestProxy, type TestProxy } from "./harness.ts";

let broker: TestBroker;
let proxy: TestProxy;
let platform: http.Server;

const SESSION = "AUTH_tk0123456789abcdef0123456789abcdef";

beforeAll(async () => {
  broker = await startTestBroker();
  platform = http.createServer((req, res) => {
    if (req.headers["x-auth-key"] !== "swift-key-value") {
      res.writeHead(401).end();
      return;
    }
    if (req.url === "/v1/key/lookup-self") {
      const wanted = /charset=([\w-]+)/i.exec(req.headers.accept ?? "")?.[1]?.toLowerCase() ?? "utf-8";
      const body = JSON.stringify({ data: { id: req.headers["x-auth-key"], ttl: 3600 } });
      const bytes =
        wanted === "utf-16" || wanted === "utf-16le"
          ? Buffer.from(body, "utf16le")
          : wanted === "utf-16be"
            ? Buffer.from(body, "utf16le").swap16()
            : Buffer.from(body);
      res.writeHead(200, { "content-type": `application/json; charset=${wanted}` });
      res.end(bytes);
      return;
    }
    res.writeHead(200, {
      "content-type": "application/json",
      "X-Auth-Token": SESSION,
      "X-Storage-Token": SESSION,
      "X-Subject-Token": SESSION,
      "access-token": SESSION,
      "X-Auth-Key": "swift-key-value",
      "X-Storage-Url": "http://swift.internal/v1/AUTH_staging",
      "x-request-id": "req-1",
    });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => platform.listen(0, "127.0.0.1", resolve));
  proxy = await startTestProxy(
    `
upstreams:
  - name: swift
    listen: 0
    target: http://127.0.0.1:${(platform.address() as AddressInfo).port}
    environment: staging
    credential: { env: UNUSED_IN_TESTS, header: x-auth-key }
    rules:
      - { method: GET, path: /auth/v1.0, action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
      - { method: GET, path: /v1/key/lookup-self, action: volume:read, resource: "railway:prj_demo/env/{env}/volumes" }
`,
    { brokerUrl: broker.url, credentials: { swift: "swift-key-value" } },
  );
});
afterAll(async () => {
  await proxy?.close();
  await new Promise((resolve) => platform?.close(resolve));
  await broker?.close();
});

const reader = async () =>
  new Agent(
    (
      await mintToken(broker, {
        scope: "staging-fix",
        task: { intent: "list staging volumes" },
        actions: ["volume:read"],
      })
    ).token,
  );

describe("credentials the upstream issues or reflects", () => {
  it("never reach the agent in response headers; other headers pass", async () => {
    const agent = await reader();
    const response = await agent.raw(`${proxy.url("swift")}/auth/v1.0`);
    expect(response.status).toBe(200);
    for (const name of ["x-auth-token", "x-storage-token", "x-subject-token", "access-token", "x-auth-key"]) {
      expect(response.headers.get(name), name).toBeNull();
    }
    expect(response.headers.get("x-storage-url")).toBe("http://swift.internal/v1/AUTH_staging");
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(agent.received.join("\n")).not.toContain(SESSION);
  });

  it("are masked in a body the upstream answers in UTF-16, either byte order", async () => {
    const agent = await reader();
    for (const charset of ["utf-16le", "utf-16be"]) {
      const response = await agent.raw(`${proxy.url("swift")}/v1/key/lookup-self`, {
        headers: { accept: `application/json; charset=${charset}` },
      });
      expect(response.status, charset).toBe(200);
      // As the agent's client reads it: in the charset the answer declares.
      const text = new TextDecoder(charset).decode(Buffer.from(response.text, "latin1"));
      expect(text, charset).toContain('"ttl":3600');
      expect(text, charset).not.toContain("swift-key-value");
    }
  });
});
