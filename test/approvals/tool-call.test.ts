// A held MCP tool call shows its approver the tool and its exact arguments; authorize refuses a shown call that is not
// the one the request hash binds, so what a human reads is what runs, or nothing is decided.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, toolCallHash, toolCallShownProblem } from "../../src/approvals/tool-call.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const VOLUME = "railway:prj_demo/env/production/volume/vol_9";
const ARGS = { volumeId: "vol_9", environment: "production", options: { backups: true, reason: "old" } };
const CANONICAL = '{"environment":"production","options":{"backups":true,"reason":"old"},"volumeId":"vol_9"}';
const HASH = toolCallHash("hosting", "volume_delete", ARGS);
let test: TestBroker;

beforeAll(async () => {
  test = await startTestBroker({});
});
afterAll(() => test?.close());

const authorize = (body: Record<string, unknown>) => api(test.url, "POST", "/v1/authorize", { body });
const pendingIds = async () =>
  (
    (await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver })).body.approvals as {
      id: string;
    }[]
  ).map((a) => a.id);

describe("the tool call an approver is shown", () => {
  it("is canonical JSON: keys sorted at every depth, no whitespace", () => {
    expect(canonicalJson(ARGS)).toBe(CANONICAL);
    expect(
      toolCallShownProblem({ upstream: "hosting", tool: "volume_delete", arguments: CANONICAL }, HASH),
    ).toBeNull();
  });

  it("is stored with the held call and shown by GET /v1/approvals/:id and the list", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "delete vol_9" } });
    const toolCall = { upstream: "hosting", tool: "volume_delete", arguments: CANONICAL };
    const held = await authorize({
      token,
      action: "volume:delete",
      resource: VOLUME,
      request_hash: HASH,
      tool_call: toolCall,
    });
    expect(held.body).toMatchObject({ allow: false, reason: "approval_required" });
    const shown = await api(test.url, "GET", `/v1/approvals/${held.body.approval_id}`, {
      key: test.keys.approver,
    });
    expect(shown.body).toMatchObject({ action: "volume:delete", resource: VOLUME, tool_call: toolCall });
    const listed = await api(test.url, "GET", "/v1/approvals", { key: test.keys.approver });
    expect(listed.body.approvals).toContainEqual(
      expect.objectContaining({ id: held.body.approval_id, tool_call: toolCall }),
    );
    // The same call again finds the same approval; the agent's token reading it sees the same tool call.
    const again = await authorize({
      token,
      action: "volume:delete",
      resource: VOLUME,
      request_hash: HASH,
      tool_call: toolCall,
    });
    expect(again.body.approval_id).toBe(held.body.approval_id);
  });

  // [what, a change to the shown call, the request hash sent (null: none), what the refusal says]
  const mismatches: Array<[string, Record<string, string>, string | null, string]> = [
    [
      "other arguments under the original hash",
      { arguments: CANONICAL.replace("vol_9", "vol_1") },
      HASH,
      "not the hash",
    ],
    [
      "the same arguments spelled with spaces",
      { arguments: JSON.stringify(ARGS, null, 1) },
      HASH,
      "not canonical",
    ],
    ["the same arguments in another key order", { arguments: JSON.stringify(ARGS) }, HASH, "not canonical"],
    ["another tool under the original hash", { tool: "volume_list" }, HASH, "not the hash"],
    ["another upstream under the original hash", { upstream: "hosting-production" }, HASH, "not the hash"],
    ["arguments that are not JSON", { arguments: "{volumeId: vol_9}" }, HASH, "not JSON"],
    ["arguments that are a list", { arguments: '["vol_9"]' }, HASH, "JSON object"],
    ["arguments that are null", { arguments: "null" }, HASH, "JSON object"],
    ["no request hash at all", {}, null, "not the hash"],
  ];
  for (const [what, change, requestHash, says] of mismatches) {
    it(`refuses ${what}: 400 tool_call_mismatch, nothing held`, async () => {
      const { token } = await mintToken(test, {
        scope: "production-ops",
        task: { intent: "try to mislead" },
      });
      const before = await pendingIds();
      const refused = await authorize({
        token,
        action: "volume:delete",
        resource: VOLUME,
        ...(requestHash === null ? {} : { request_hash: requestHash }),
        tool_call: { upstream: "hosting", tool: "volume_delete", arguments: CANONICAL, ...change },
      });
      expect(refused.status).toBe(400);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(refused.body.code).toBe("tool_call_mismatch");
      expect(refused.body.detail).toContain(says);
      expect(await pendingIds()).toEqual(before);
    });
  }

  it("refuses a shown call with unknown fields or past its size bound: 400, never 500", async () => {
    const { token } = await mintToken(test, { scope: "production-ops", task: { intent: "oversize" } });
    const base = { token, action: "volume:delete", resource: VOLUME, request_hash: HASH };
    for (const toolCall of [
      { upstream: "hosting", tool: "volume_delete", arguments: CANONICAL, extra: 1 },
      { upstream: "hosting", tool: "volume_delete", arguments: `{"a":"${"x".repeat(40_000)}"}` },
      { upstream: "hosting", tool: "", arguments: CANONICAL },
      {
        upstream: "hosting",
        tool: "volume_delete",
        arguments: `${"[".repeat(20_000)}${"]".repeat(20_000)}`.slice(0, 30_000),
      },
    ]) {
      const refused = await authorize({ ...base, tool_call: toolCall });
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    }
  });
});
