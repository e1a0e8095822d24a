// The model second opinion against a real local HTTP server speaking the OpenAI chat-completions protocol.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatCompletionsUrl, classifyWithModel, type ModelConfig } from "../../src/guard/model.ts";

type Reply = (req: IncomingMessage, body: string, res: ServerResponse) => void;

let server: Server;
let url = "";
let reply: Reply;
const requests: { path: string; body: { model?: string; messages?: { role: string; content: string }[] } }[] =
  [];

const answer =
  (content: string, status = 200): Reply =>
  (_req, _body, res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: "x",
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content } }],
      }),
    );
  };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      requests.push({ path: req.url ?? "", body: JSON.parse(body || "{}") });
      reply(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
  reply = answer('{"destructive": false, "decision": "allow", "reason": "fine"}');
});

const config = (extra: Partial<ModelConfig> = {}): ModelConfig => ({
  url,
  model: "guard-test",
  timeoutMs: 500,
  ...extra,
});
const UNCERTAIN = "./bin/purge-tenant --id 42";

describe("classifyWithModel", () => {
  it("asks the model only about commands the rules are unsure of", async () => {
    await classifyWithModel("ls -la", {}, config());
    expect(requests).toHaveLength(0);
    await classifyWithModel(UNCERTAIN, { intent: "clean up tenant 42", env: "staging" }, config());
    expect(requests).toHaveLength(1);
    expect(requests[0]!.path).toBe("/v1/chat/completions");
    expect(requests[0]!.body.model).toBe("guard-test");
    const user = JSON.parse(requests[0]!.body.messages!.at(-1)!.content);
    expect(user).toMatchObject({
      command: UNCERTAIN,
      task_intent: "clean up tenant 42",
      task_environment: "staging",
    });
  });

  it("sends every command with all", async () => {
    await classifyWithModel("ls -la", {}, config({ all: true }));
    expect(requests).toHaveLength(1);
  });

  it("lets the stricter decision win", async () => {
    reply = answer('{"destructive": true, "decision": "deny", "reason": "deletes a tenant"}');
    const r = await classifyWithModel("ls -la", {}, config({ all: true }));
    expect(r).toMatchObject({ decision: "deny", destructive: true });
    expect(r.reasons.at(-1)).toMatch(/^model \(deny, destructive\): deletes a tenant/);
  });

  it("never relaxes the rules", async () => {
    reply = answer('{"destructive": false, "decision": "allow", "reason": "looks fine to me"}');
    const r = await classifyWithModel(
      "aws rds delete-db-snapshot --db-snapshot-identifier s1",
      {},
      config({ all: true }),
    );
    expect(r.decision).toBe("deny");
    expect(r.destructive).toBe(true);
  });

  it("asks when the model says destructive and the environment is unknown", async () => {
    reply = answer('```json\n{"destructive": true, "decision": "allow", "reason": "drops data"}\n```');
    const r = await classifyWithModel(UNCERTAIN.replace("purge", "sync"), {}, config({ all: true }));
    expect(r.decision).toBe("ask");
  });

  it("turns garbage answers into ask for uncertain commands", async () => {
    for (const bad of [
      answer("I think it is fine!"),
      answer('{"destructive": "maybe"}'),
      answer("{}", 500),
      (_q: IncomingMessage, _b: string, res: ServerResponse) => res.end("not json"),
    ]) {
      reply = bad;
      const r = await classifyWithModel(UNCERTAIN, {}, config());
      expect(r.decision).toBe("ask");
      expect(r.reasons.at(-1)).toMatch(/^model_unavailable/);
    }
  });

  it("gives up after the timeout, without allowing an uncertain command", async () => {
    reply = () => {
      // never answers
    };
    const started = performance.now();
    const r = await classifyWithModel(UNCERTAIN, {}, config({ timeoutMs: 300 }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.decision).toBe("ask");
    expect(r.reasons.at(-1)).toMatch(/no answer within 300 ms/);
  });

  it("asks both questions with the intent in the prompt, and a mismatch only makes the decision stricter", async () => {
    reply = answer(
      '{"destructive": true, "matches_intent": false, "decision": "allow", "reason": "the task is a README"}',
    );
    const cmd = "kubectl -n staging delete deploy api";
    const r = await classifyWithModel(
      cmd,
      { intent: "delete the api deployment", env: "staging" },
      config({ all: true }),
    );
    const system = requests[0]!.body.messages![0]!.content;
    expect(system).toMatch(/does the command match the task's intent/);
    expect(JSON.parse(requests[0]!.body.messages!.at(-1)!.content).task_intent).toBe(
      "delete the api deployment",
    );
    // The rules alone allow it (the intent covers it in staging); the model's "does not match" turns it into ask.
    await expect(
      classifyWithModel(cmd, { intent: "delete the api deployment", env: "staging" }, null),
    ).resolves.toMatchObject({ decision: "allow" });
    expect(r.decision).toBe("ask");
    expect(r.reasons.at(-1)).toMatch(/does not match the intent/);

    reply = answer('{"destructive": false, "matches_intent": true, "decision": "allow", "reason": "fine"}');
    const kept = await classifyWithModel(
      cmd,
      { intent: "write a README", env: "staging" },
      config({ all: true }),
    );
    expect(kept.decision).toBe("ask");
    expect(kept.reasons[0]).toMatch(/^intent_mismatch/);
  });

  it("keeps a deny when the model is down", async () => {
    const r = await classifyWithModel(
      "aws rds delete-db-snapshot --db-snapshot-identifier s1",
      {},
      { url: "http://127.0.0.1:9", all: true, timeoutMs: 500 },
    );
    expect(r.decision).toBe("deny");
  });
});

describe("model configuration", () => {
  it("accepts a base URL or the full endpoint", () => {
    expect(chatCompletionsUrl("http://m:8080")).toBe("http://m:8080/v1/chat/completions");
    expect(chatCompletionsUrl("http://m:8080/v1/")).toBe("http://m:8080/v1/chat/completions");
    expect(chatCompletionsUrl("http://m:8080/v1/chat/completions")).toBe("http://m:8080/v1/chat/completions");
  });
});
