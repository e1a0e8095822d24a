// The path leash authorizes is the path the platform routes, against a platform that reads paths the way Tomcat and
// Spring do (`;parameters` cut from each segment before dot segments are resolved, a trailing slash ignored) and
// that takes the path from X-Original-URL or X-Rewrite-URL when sent, as Symfony and Zend did and IIS rewrites do.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { Agent, startTestProxy, type TestProxy } from "./harness.ts";

let broker: TestBroker;
let proxy: TestProxy;
let platform: http.Server;
/** What the platform ran, as "METHOD /routed/path". */
const ran: string[] = [];

/** The path as Tomcat resolves it: each segment's `;parameters` cut, then `.` and `..` segments resolved. */
function tomcatPath(raw: string): string {
  const out: string[] = [];
  for (const segment of raw.split("?")[0]!.split("/").slice(1)) {
    const name = segment.split(";")[0]!;
    if (name === "..") out.pop();
    else if (name !== ".") out.push(name);
  }
  return `/${out.join("/")}`;
}

async function startPlatform(): Promise<string> {
  platform = http.createServer((req, res) => {
    const override = req.headers["x-original-url"] ?? req.headers["x-rewrite-url"];
    const path = tomcatPath(typeof override === "string" ? override : (req.url ?? "/")).replace(/\/$/, "");
    ran.push(`${req.method} ${path}`);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ran: `${req.method} ${path}` }));
  });
  await new Promise<void>((resolve) => platform.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  broker = await startTestBroker();
  const target = await startPlatform();
  proxy = await startTestProxy(
    `
upstreams:
  - name: platform
    listen: 0
    target: ${target}
    environment: staging
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - { method: DELETE, path: "/v1/volumes/:id/logs/:file", action: volume:update, resource: "railway:prj_demo/env/{env}/volume/:id" }
      - { method: DELETE, path: "/v1/volumes/:id", action: volume:delete, resource: "railway:prj_demo/env/{env}/volume/:id" }
`,
    { brokerUrl: broker.url, credentials: { platform: "platform-credential-value" } },
  );
});
afterAll(async () => {
  await proxy?.close();
  await new Promise<void>((resolve) => (platform ? platform.close(() => resolve()) : resolve()));
  await broker?.close();
});
beforeEach(() => {
  ran.length = 0;
});

/** A task that may clear a volume's logs, and not delete volumes. */
const logCleaner = async () =>
  new Agent(
    (
      await mintToken(broker, {
        scope: "staging-fix",
        task: { intent: "clear old logs" },
        actions: ["volume:update"],
      })
    ).token,
  );

describe("the routed path is the authorized path", () => {
  it("forwards a log deletion as the volume:update it was authorized as", async () => {
    const agent = await logCleaner();
    const response = await agent.raw(proxy.url("platform"), {
      method: "DELETE",
      path: "/v1/volumes/vol_stg_1/logs/app.log",
    });
    expect(response.status).toBe(200);
    expect(ran).toEqual(["DELETE /v1/volumes/vol_stg_1/logs/app.log"]);
    const matrix = await agent.raw(proxy.url("platform"), {
      method: "DELETE",
      path: "/v1/volumes/vol_stg_1/logs/app.log;v=2",
    });
    expect(matrix.status).toBe(200);
  });

  it("refuses dot segments that carry ;parameters, which Tomcat resolves", async () => {
    const agent = await logCleaner();
    for (const path of [
      "/v1/volumes/vol_stg_1/logs/..;",
      "/v1/volumes/vol_stg_1/logs/..;x=1",
      "/v1/volumes/vol_stg_1/logs/%2e%2e;",
      "/v1/volumes/vol_stg_1/logs/.;",
      "/v1/volumes/vol_stg_1/logs/;x",
    ]) {
      const response = await agent.raw(proxy.url("platform"), { method: "DELETE", path });
      expect(response.status, path).toBe(400);
      expect(response.json().code, path).toBe("invalid_path");
    }
    expect(ran).toEqual([]);
  });

  it("refuses a header that names another path to route", async () => {
    const agent = await logCleaner();
    for (const header of ["X-Original-URL", "X-Rewrite-URL", "x_original_url"]) {
      const response = await agent.raw(proxy.url("platform"), {
        method: "DELETE",
        path: "/v1/volumes/vol_stg_1/logs/app.log",
        headers: { [header]: "/v1/volumes/vol_stg_1" },
      });
      expect(response.status, header).toBe(400);
      expect(response.json().code, header).toBe("path_override_refused");
    }
    expect(ran).toEqual([]);
  });
});
