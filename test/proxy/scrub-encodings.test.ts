// A careless upstream echoes the credential it received in every encoding a client decodes, in every part of a
// response; nothing of it may reach the agent, and what the proxy cannot decode is not passed.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { startTestProxy, type TestProxy } from "./harness.ts";

/** Characters that need every kind of escaping: `/` (JSON `\/`), `+` and space (forms), `%`, non-ASCII. */
const BODY_SECRET = "sk_live/Ab+cd=ef gh%41~é9";
/** Only characters allowed in a header name, so the upstream can echo it as one. */
const NAME_SECRET = "plt_HeaderName_0123456789abc";

const jsonUnicode = (text: string) =>
  [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
const percentLower = (text: string) =>
  [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

const BODIES: Record<string, (secret: string) => string> = {
  raw: (s) => s,
  "percent-lower": percentLower,
  "percent-upper": (s) => encodeURIComponent(s),
  form: (s) => new URLSearchParams({ t: s }).toString(),
  "json-slash": (s) => JSON.stringify({ token: s }).replaceAll("/", "\\/"),
  "json-unicode": jsonUnicode,
  base64: (s) => Buffer.from(s).toString("base64"),
  base64url: (s) => Buffer.from(s).toString("base64url"),
  "basic-auth": (s) => `Basic ${Buffer.from(`api:${s}`).toString("base64")}`,
};

let upstream: http.Server;
let broker: TestBroker;
let proxy: TestProxy;
let token: string;

/** Echoes the bearer credential it received, in the encoding and place the path names. */
function careless(req: http.IncomingMessage, res: http.ServerResponse) {
  const secret = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "none";
  const kind = (req.url ?? "").split("/").pop()!;
  const text = (body: string) => `{"echo":"${body}"}`;
  if (BODIES[kind]) {
    res.writeHead(200, { "content-type": "application/json", "x-echo": BODIES[kind](secret) });
    res.end(text(BODIES[kind](secret)));
  } else if (kind === "te-gzip") {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "gzip, chunked" });
    res.end(gzipSync(text(secret)));
  } else if (kind === "ce-gzip-br") {
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip, br" });
    res.end(brotliCompressSync(gzipSync(text(secret))));
  } else if (kind === "ce-zstd") {
    res.writeHead(200, { "content-encoding": "zstd" });
    res.end("opaque");
  } else if (kind === "te-compress") {
    res.writeHead(200, { "transfer-encoding": "compress, chunked" });
    res.end("opaque");
  } else if (kind === "header-name") {
    res.writeHead(200, { [`x-${secret}`]: "1", "x-kept": "yes" });
    res.end("{}");
  } else if (kind === "trailer") {
    res.writeHead(200, { "content-type": "text/plain", trailer: "x-checksum" });
    res.write("body\n");
    res.addTrailers({ "x-checksum": secret });
    res.end();
  } else if (kind === "status-text") {
    res.writeHead(200, `OK ${secret}`, { "content-type": "text/plain" });
    res.end("fine");
  } else {
    res.writeHead(404);
    res.end();
  }
}

interface Received {
  status: number;
  statusMessage: string;
  rawHeaders: string[];
  trailers: string[];
  body: Buffer;
  /** Everything, as one string, to look for the secrets in. */
  all: string;
}

function get(url: string): Promise<Received> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks);
          const received = {
            status: response.statusCode ?? 0,
            statusMessage: response.statusMessage ?? "",
            rawHeaders: response.rawHeaders,
            trailers: response.rawTrailers,
            body,
          };
          resolve({ ...received, all: JSON.stringify({ ...received, body: body.toString("latin1") }) });
        });
        response.on("error", reject);
      })
      .on("error", reject);
  });
}

beforeAll(async () => {
  upstream = http.createServer(careless);
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  broker = await startTestBroker();
  const rule = `{ method: GET, path: "/echo/:kind", action: volume:read, resource: "railway:prj_demo/env/{env}/volume/:kind" }`;
  proxy = await startTestProxy(
    `
port: 0
upstreams:
  - { name: body-echo, listen: /body, target: "${target}", environment: staging, credential: { env: A }, rules: [${rule}] }
  - { name: name-echo, listen: /name, target: "${target}", environment: staging, credential: { env: B }, rules: [${rule}] }
`,
    { brokerUrl: broker.url, credentials: { "body-echo": BODY_SECRET, "name-echo": NAME_SECRET } },
  );
  token = (await mintToken(broker, { scope: "staging-fix", task: { intent: "read" } })).token;
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await broker?.close();
  upstream?.close();
});

/** True when `text` holds the secret in any of the encodings above, or a long enough piece of it raw. */
function leaks(text: string, secret: string): string | undefined {
  for (const [name, encode] of Object.entries(BODIES)) {
    const encoded = encode(secret);
    const core = name.startsWith("base64") || name === "basic-auth" ? encoded.slice(6, -6) : encoded;
    if (text.includes(core) || text.toLowerCase().includes(core.toLowerCase())) return name;
  }
  return text.includes(secret.slice(0, 12)) ? "prefix" : undefined;
}

describe("the credential never comes back", () => {
  for (const kind of Object.keys(BODIES)) {
    it(`in a body and a header value, ${kind}`, async () => {
      const received = await get(`${proxy.url("body-echo")}/echo/${kind}`);
      expect(received.status).toBe(200);
      expect(received.body.toString()).toMatch(/^\{"echo":".*\*{6,}.*"\}$/);
      expect(leaks(received.all, BODY_SECRET)).toBeUndefined();
    });
  }

  it("in a body under Transfer-Encoding: gzip, and under stacked Content-Encodings: decoded, then scrubbed", async () => {
    for (const kind of ["te-gzip", "ce-gzip-br"]) {
      const received = await get(`${proxy.url("body-echo")}/echo/${kind}`);
      expect(received.status, kind).toBe(200);
      expect(received.body.toString(), kind).toMatch(/^\{"echo":"\*+"\}$/);
      expect(
        received.rawHeaders.map((h) => h.toLowerCase()),
        kind,
      ).not.toContain("content-encoding");
      expect(leaks(received.all, BODY_SECRET), kind).toBeUndefined();
    }
  });

  it("refuses bodies under codings it cannot decode with 502", async () => {
    for (const kind of ["ce-zstd", "te-compress"]) {
      const received = await get(`${proxy.url("body-echo")}/echo/${kind}`);
      expect(received.status, kind).toBe(502);
      expect(JSON.parse(received.body.toString()).code, kind).toBe("upstream_encoding_unsupported");
      expect(received.body.toString()).not.toContain("opaque");
    }
  });

  it("in a header name, in trailers and in the status text", async () => {
    const named = await get(`${proxy.url("name-echo")}/echo/header-name`);
    expect(named.status).toBe(200);
    expect(named.rawHeaders).toContain("x-kept");
    expect(named.all.toLowerCase()).not.toContain(NAME_SECRET.toLowerCase());

    const trailer = await get(`${proxy.url("body-echo")}/echo/trailer`);
    expect(trailer.body.toString()).toBe("body\n");
    expect(trailer.trailers).toEqual([]);
    expect(leaks(trailer.all, BODY_SECRET)).toBeUndefined();

    const status = await get(`${proxy.url("body-echo")}/echo/status-text`);
    expect(status.status).toBe(200);
    expect(status.statusMessage).toBe("OK");
    expect(leaks(status.all, BODY_SECRET)).toBeUndefined();
  });
});
