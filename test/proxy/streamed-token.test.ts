// The agent's task token in a body the proxy streams (not reads) to the upstream: found in every encoding the
// scrubber knows, also when it straddles two chunks, and the upstream request is aborted before any part of the token
// reaches it; the agent gets 400 task_token_in_request. Against a real upstream that records every byte it receives.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_GUARD_HOLD_BYTES } from "../../src/scrub/credential-scrubber.ts";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { startTestProxy, type TestProxy } from "./harness.ts";

let broker: TestBroker;
let upstream: http.Server;
let proxy: TestProxy;
/** Every request the upstream saw: the bytes it received, and whether the body ended normally. */
const seen: Array<{ bytes: Buffer[]; complete: boolean }> = [];
const waiters: Array<() => void> = [];

const config = (target: string) => `
port: 0
max_body_bytes: 4096
upstreams:
  - name: uploads
    listen: 0
    target: ${target}
    environment: staging
    credential: { env: UNUSED_IN_TESTS }
    rules:
      - { method: POST, path: /v1/uploads, action: deploy:create, resource: "railway:prj_demo/env/{env}/uploads" }
`;

beforeAll(async () => {
  broker = await startTestBroker();
  upstream = http.createServer((req, res) => {
    const record = { bytes: [] as Buffer[], complete: false };
    seen.push(record);
    req.on("data", (chunk: Buffer) => {
      record.bytes.push(chunk);
      for (const wake of waiters.splice(0)) wake();
    });
    req.on("end", () => {
      record.complete = true;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ bytes: Buffer.concat(record.bytes).length }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await startTestProxy(config(target), {
    brokerUrl: broker.url,
    credentials: { uploads: "upstream-credential-not-checked-here" },
  });
});
afterAll(async () => {
  await proxy?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
  await broker?.close();
});
beforeEach(() => {
  seen.length = 0;
});

const received = () => Buffer.concat(seen.flatMap((record) => record.bytes));

/** Resolves once the upstream has received at least `bytes` in all (a condition, not a delay). */
async function upstreamReceived(bytes: number): Promise<void> {
  while (received().length < bytes) {
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 200);
    });
  }
}

/**
 * A chunked POST whose body is `first`, then (once the upstream has received `waitFor` bytes of it, so the two are
 * certainly separate chunks at the proxy) `second`.
 */
function chunkedUpload(
  token: string,
  first: Buffer,
  second: Buffer,
  waitFor: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${proxy.url("uploads")}/v1/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/octet-stream",
        "transfer-encoding": "chunked",
        ...headers,
      },
    });
    request.once("error", reject);
    request.once("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.once("end", () =>
        resolve({ status: response.statusCode ?? 0, body, contentType: response.headers["content-type"] }),
      );
    });
    request.write(first);
    void upstreamReceived(waitFor).then(() => {
      // The proxy may have answered already (and closed): then there is nothing left to send.
      if (!request.destroyed && !request.writableEnded) request.end(second);
    });
  });
}

// Well past what the proxy holds back (the longest encoding of a token it searches for, tens of KB).
const FILLER = Buffer.alloc(512 * 1024, "a");

describe("the task token in a streamed request body", () => {
  it("is found across a chunk boundary in every encoding; the upstream request is aborted before any of it arrives", async () => {
    const { token } = await mintToken(broker, { scope: "staging-fix", task: { intent: "upload a build" } });
    const spellings: Record<string, string> = {
      raw: `{"artifact":"build","token":"${token}"}`,
      "percent-encoded, lowercase": `token=${encodeURIComponent(token)
        .replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())
        .replace(/\./g, "%2e")}`,
      "base64 of user:token": `Authorization: Basic ${Buffer.from(`agent:${token}`).toString("base64")}`,
      "JSON-escaped": `{"t":"${token.replace(/\./g, "\\u002e")}"}`,
      // A base64 decoder skips the line breaks MIME puts every 76 characters.
      "base64, MIME line-wrapped": `{"file":"${Buffer.from(token)
        .toString("base64")
        .replace(/(.{76})/g, "$1\r\n")}"}`,
    };
    for (const [name, text] of Object.entries(spellings)) {
      seen.length = 0;
      const at = text.indexOf(token.slice(0, 3)) + 40;
      const first = Buffer.concat([FILLER, Buffer.from(text.slice(0, at))]);
      const second = Buffer.concat([Buffer.from(text.slice(at)), FILLER]);
      // Half the filler is passed on at once; the tail that may start the token is held back.
      const answer = await chunkedUpload(token, first, second, FILLER.length / 2);
      expect(answer.status, name).toBe(400);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "task_token_in_request" });
      const got = received();
      expect(got.length, name).toBeGreaterThanOrEqual(FILLER.length / 2);
      // Not the token, and not the part of it that came in the first chunk.
      expect(got.includes(token.slice(0, 20)), name).toBe(false);
      expect(got.includes(Buffer.from(text.slice(0, at)).subarray(-20)), name).toBe(false);
      expect(
        seen.every((record) => !record.complete),
        name,
      ).toBe(true);
    }
  });

  it("is found when whitespace spreads it far wider than the raw hold-back, split in its middle", async () => {
    const { token } = await mintToken(broker, { scope: "staging-fix", task: { intent: "upload a build" } });
    // Base64 decoders skip the spaces; the held-back tail is counted without them.
    const text = `{"file":"${[...Buffer.from(token).toString("base64")].join(" ".repeat(100))}"}`;
    const at = text.length >> 1;
    seen.length = 0;
    const answer = await chunkedUpload(
      token,
      Buffer.concat([FILLER, Buffer.from(text.slice(0, at))]),
      Buffer.concat([Buffer.from(text.slice(at)), FILLER]),
      FILLER.length / 2,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "task_token_in_request" });
    expect(received().includes(Buffer.from(text.slice(0, at)).subarray(-400))).toBe(false);
    expect(seen.every((record) => !record.complete)).toBe(true);
  });

  it("refuses a whitespace tail too long to search rather than pass it on", async () => {
    const { token } = await mintToken(broker, { scope: "staging-fix", task: { intent: "upload a build" } });
    seen.length = 0;
    const spaces = Buffer.alloc(MAX_GUARD_HOLD_BYTES + 64 * 1024, " ");
    const answer = await chunkedUpload(token, Buffer.concat([FILLER, Buffer.from("x"), spaces]), FILLER, 1);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "body_not_searchable" });
    expect(seen.every((record) => !record.complete)).toBe(true);
  });

  it("passes a streamed body without the token, even one holding most of it, byte for byte", async () => {
    const { token } = await mintToken(broker, { scope: "staging-fix", task: { intent: "upload a build" } });
    const near = Buffer.from(`token=${token.slice(0, -1)}`);
    const answer = await chunkedUpload(token, Buffer.concat([FILLER, near]), FILLER, FILLER.length / 2);
    expect(answer.status).toBe(200);
    expect(received().equals(Buffer.concat([FILLER, near, FILLER]))).toBe(true);
    expect(seen[0]!.complete).toBe(true);
  });

  it("refuses a compressed streamed body (it cannot be searched) before forwarding anything", async () => {
    const { token } = await mintToken(broker, { scope: "staging-fix", task: { intent: "upload a build" } });
    const response = await fetch(`${proxy.url("uploads")}/v1/uploads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/octet-stream",
        "content-encoding": "gzip",
      },
      body: new Uint8Array(gzipSync(Buffer.from(`token=${token}`))),
    });
    expect(response.status).toBe(415);
    expect((await response.json()).code).toBe("unsupported_media_type");
    expect(seen).toEqual([]);
  });
});
