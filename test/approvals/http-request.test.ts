// A request the proxy holds shows its approver the parts the request hash covers; authorize refuses a shown request
// that is not exactly what the hash binds, so what a human reads is what runs, or nothing is decided.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HashedRequest, requestHash, shownRequest } from "../../src/proxy/request-hash.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const VOLUME = "railway:prj_demo/env/production/volume/vol_7";
const REQUEST: HashedRequest = {
  method: "DELETE",
  path: "/v1/volumes/vol_7?cascade=true",
  headers: { "content-type": "application/json", "x-mode": "hard" },
  hashHeaders: ["x-mode"],
  body: Buffer.from('{"ids":["vol_7"]}'),
};
const HASH = requestHash(REQUEST);
const SHOWN = shownRequest(REQUEST)!;
let test: TestBroker;

beforeAll(async () => {
  test = await startTestBroker({});
});
afterAll(() => test?.close());

const authorize = (body: Record<string, unknown>) => api(test.url, "POST", "/v1/authorize", { body });
const pendingCount = async () =>
  ((await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver })).body.approvals as unknown[])
    .length;
const token = async () =>
  (await mintToken(test, { scope: "production-ops", task: { intent: "delete vol_7" } })).token;
const call = async (shown: unknown, requestHashSent: string | null = HASH) => ({
  token: await token(),
  action: "volume:delete",
  resource: VOLUME,
  ...(requestHashSent === null ? {} : { request_hash: requestHashSent }),
  http_request: shown,
});

describe("the HTTP request an approver is shown", () => {
  it("is the hashed parts exactly, stored with the held call; the body as text when it is UTF-8", async () => {
    expect(SHOWN).toEqual({
      method: "DELETE",
      path: "/v1/volumes/vol_7?cascade=true",
      headers: [
        ["content-type", "application/json"],
        ["x-mode", "hard"],
      ],
      body_base64: Buffer.from('{"ids":["vol_7"]}').toString("base64"),
    });
    const held = await authorize(await call(SHOWN));
    expect(held.body).toMatchObject({ allow: false, reason: "approval_required" });
    const shown = await api(test.url, "GET", `/v1/approvals/${held.body.approval_id}`, {
      key: test.keys.approver,
    });
    expect(shown.body.http_request).toEqual({
      method: SHOWN.method,
      path: SHOWN.path,
      headers: SHOWN.headers,
      body: '{"ids":["vol_7"]}',
    });
  });

  it("is added to a pending approval the agent opened for the same call without it", async () => {
    const other = { ...REQUEST, path: "/v1/volumes/vol_7?opened-blind" };
    const sent = { ...(await call(shownRequest(other), requestHash(other))) };
    const { http_request: _, ...blind } = sent;
    const opened = await authorize(blind);
    expect(opened.body.reason).toBe("approval_required");
    const path = `/v1/approvals/${opened.body.approval_id}`;
    expect((await api(test.url, "GET", path, { key: test.keys.approver })).body.http_request).toBeUndefined();
    const again = await authorize(sent);
    expect(again.body.approval_id).toBe(opened.body.approval_id);
    const shown = await api(test.url, "GET", path, { key: test.keys.approver });
    expect(shown.body.http_request).toMatchObject({ path: "/v1/volumes/vol_7?opened-blind" });
  });

  it("shows a body that is not UTF-8 as the base64 it is", async () => {
    const binary = {
      ...REQUEST,
      path: "/v1/volumes/vol_7?binary",
      body: Buffer.from([0xff, 0xfe, 0x00, 0x41]),
    };
    const held = await authorize(await call(shownRequest(binary), requestHash(binary)));
    expect(held.body.reason).toBe("approval_required");
    const shown = await api(test.url, "GET", `/v1/approvals/${held.body.approval_id}`, {
      key: test.keys.approver,
    });
    expect(shown.body.http_request).toMatchObject({ body_base64: "//4AQQ==" });
    expect(shown.body.http_request.body).toBeUndefined();
  });

  it("is not sent for a body beyond what is shown: the approval then shows action and resource only", () => {
    expect(shownRequest({ ...REQUEST, body: Buffer.alloc(32_769, 0x61) })).toBeUndefined();
    expect(shownRequest({ ...REQUEST, body: Buffer.alloc(32_768, 0x61) })).toBeDefined();
    // Zero bytes read bind what no body binds (a streamed body hashes alike): shown as no body bound.
    expect(shownRequest({ ...REQUEST, body: Buffer.alloc(0) })).not.toHaveProperty("body_base64");
  });

  it("is refused (400 http_request_mismatch, nothing held) unless it hashes to request_hash", async () => {
    const before = await pendingCount();
    const body = Buffer.from('{"ids":["vol_7"]}').toString("base64");
    // A request that smuggles a second "path" line: hashed, these bytes read as another split of the same text.
    const smuggled: HashedRequest = {
      ...REQUEST,
      path: "/a",
      headers: { "content-type": "application/json" },
      hashHeaders: [],
      body: Buffer.from('x\n{"content-type":"application/json"}\npayload'),
    };
    const cases: [string, unknown, string | null][] = [
      ["another query", { ...SHOWN, path: "/v1/volumes/vol_7?cascade=false" }, HASH],
      ["no query", { ...SHOWN, path: "/v1/volumes/vol_7" }, HASH],
      ["another method", { ...SHOWN, method: "GET" }, HASH],
      [
        "a header changed",
        {
          ...SHOWN,
          headers: [
            ["content-type", "application/json"],
            ["x-mode", "soft"],
          ],
        },
        HASH,
      ],
      ["a header left out", { ...SHOWN, headers: [["content-type", "application/json"]] }, HASH],
      [
        "headers reordered",
        {
          ...SHOWN,
          headers: [
            ["x-mode", "hard"],
            ["content-type", "application/json"],
          ],
        },
        HASH,
      ],
      ["another body", { ...SHOWN, body_base64: Buffer.from('{"ids":[]}').toString("base64") }, HASH],
      ["the body left out", { ...SHOWN, body_base64: undefined }, HASH],
      ["an empty body", { ...SHOWN, body_base64: "" }, HASH],
      ["base64 not canonical", { ...SHOWN, body_base64: `${body.slice(0, -1)}\n=` }, HASH],
      ["no request_hash", SHOWN, null],
      [
        "a path holding a line break",
        {
          method: "DELETE",
          path: '/a\n{"content-type":"application/json"}\nx',
          headers: [["content-type", "application/json"]],
          body_base64: Buffer.from("payload").toString("base64"),
        },
        requestHash(smuggled),
      ],
    ];
    for (const [why, shown, hash] of cases) {
      const response = await authorize(await call(shown, hash));
      expect(response.status, why).toBe(400);
      expect(response.body.code, why).toBe("http_request_mismatch");
      expect(response.headers.get("content-type"), why).toMatch(/^application\/problem\+json/);
    }
    const both = await authorize({
      ...(await call(SHOWN)),
      tool_call: { upstream: "hosting", tool: "volume_delete", arguments: "{}" },
    });
    expect(both.status).toBe(400);
    expect(["http_request_mismatch", "tool_call_mismatch"]).toContain(both.body.code);
    expect(await pendingCount()).toBe(before);
  });
});
