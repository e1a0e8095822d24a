// POST /v1/refusals: a gateway's report of a call it refused before asking. It takes no API key, so the task token
// it carries is the only credential: without one that verifies, nothing reaches the audit trail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";

let test: TestBroker;
beforeAll(async () => {
  test = await startTestBroker();
});
afterAll(() => test.close());

const refusalRecords = async () => {
  const answer = await api(test.url, "GET", "/v1/audit?event=authorize&decision=deny&limit=1000", {
    key: test.keys.security,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return (answer.body.records as Array<{ detail: string }>).filter((r) =>
    r.detail.includes("refused by the gateway"),
  );
};

describe("POST /v1/refusals", () => {
  it("records nothing for a caller without a verifying task token: 401, the audit trail unchanged", async () => {
    const before = (await refusalRecords()).length;
    for (const token of ["not-a-token", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"]) {
      const answer = await api(test.url, "POST", "/v1/refusals", {
        body: { token, via: "mcp hosting/volume_delete", reason: "unmapped_tool" },
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(401);
      expect(answer.body.code).toBe("invalid_token");
    }
    expect((await refusalRecords()).length).toBe(before);
  });

  it("records one deny naming the task's agent for a token that verifies", async () => {
    const { token, task } = await mintToken(test, { scope: "staging-fix", task: { intent: "refused call" } });
    const answer = await api(test.url, "POST", "/v1/refusals", {
      body: { token, via: "mcp hosting/volume_delete", reason: "unmapped_tool" },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const records = await refusalRecords();
    expect(records.filter((r) => (r as { task?: string }).task === task)).toHaveLength(1);
  });
});
