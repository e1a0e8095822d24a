import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Upstream } from "../../src/proxy/compile-config.ts";
import { formatProblem, parseProxyConfig } from "../../src/proxy/config.ts";
import {
  agentResponseHeaders,
  bearerToken,
  CREDENTIAL_HEADERS,
  upstreamRequestHeaders,
} from "../../src/proxy/headers.ts";
import { CredentialScrubber } from "../../src/scrub/credential-scrubber.ts";

function upstreamWith(credential: string, extra = ""): Upstream {
  const loaded = parseProxyConfig(
    `
upstreams:
  - name: platform
    listen: 9000
    target: https://api.platform.example:8443/base
    environment: staging
    credential: ${credential}
    ${extra}
    rules:
      - { method: GET, path: /v1/volumes, action: volume:read, resource: "r/{env}" }
`,
    "headers.yaml",
  );
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
  return loaded.config.upstreams[0]!;
}

const TASK_TOKEN = "eyJhbGciOiJFZERTQSJ9.task.token";
const SECRET = "plt_secret_0123456789";

describe("request headers sent upstream", () => {
  it("drops the agent's credentials, hop-by-hop and method-override headers; injects the upstream's", () => {
    const incoming = Object.fromEntries(CREDENTIAL_HEADERS.map((name) => [name, `agent-value-${name}`]));
    const out = upstreamRequestHeaders(
      {
        ...incoming,
        authorization: `Bearer ${TASK_TOKEN}`,
        connection: "keep-alive, x-hop",
        "x-hop": "1",
        "keep-alive": "timeout=5",
        te: "trailers",
        upgrade: "websocket",
        "x-http-method-override": "DELETE",
        "x-method-override": "DELETE",
        "x-http-method": "DELETE",
        "x-custom": `token is ${TASK_TOKEN}`,
        "x-strip-me": "configured",
        host: "proxy.local:8787",
        "accept-encoding": "gzip, br",
        expect: "100-continue",
        "content-type": "application/json",
        "content-length": "42",
        "user-agent": "agent/1.0",
      },
      {
        upstream: upstreamWith("{ env: TOKEN }", "strip_headers: [X-Strip-Me]"),
        taskToken: TASK_TOKEN,
        credentialValue: SECRET,
      },
    );
    expect(out).toEqual({
      authorization: `Bearer ${SECRET}`,
      host: "api.platform.example:8443",
      "accept-encoding": "identity",
      "content-type": "application/json",
      "content-length": "42",
      "user-agent": "agent/1.0",
    });
  });

  it("puts the credential in the configured header, with or without a scheme", () => {
    const bare = upstreamRequestHeaders(
      { authorization: `Bearer ${TASK_TOKEN}`, "project-access-token": "agent-guess" },
      {
        upstream: upstreamWith("{ env: TOKEN, header: Project-Access-Token }"),
        taskToken: TASK_TOKEN,
        credentialValue: SECRET,
      },
    );
    expect(bare).toEqual({
      "project-access-token": SECRET,
      host: "api.platform.example:8443",
      "accept-encoding": "identity",
    });
    const token = upstreamRequestHeaders(
      {},
      {
        upstream: upstreamWith('{ env: TOKEN, scheme: "Token" }'),
        taskToken: TASK_TOKEN,
        credentialValue: SECRET,
      },
    );
    expect(token.authorization).toBe(`Token ${SECRET}`);
  });

  it("sets the length of a buffered body, keeps the agent's for a streamed one, chunks otherwise", () => {
    const upstream = upstreamWith("{ env: TOKEN }");
    const options = { upstream, taskToken: TASK_TOKEN, credentialValue: SECRET };
    expect(
      upstreamRequestHeaders({ "content-length": "99" }, { ...options, bodyLength: 12 })["content-length"],
    ).toBe("12");
    expect(upstreamRequestHeaders({ "content-length": "99" }, options)["content-length"]).toBe("99");
    expect(upstreamRequestHeaders({ "transfer-encoding": "chunked" }, options)["transfer-encoding"]).toBe(
      "chunked",
    );
  });

  it("reads only a well-formed bearer token", () => {
    expect(bearerToken({ authorization: `Bearer ${TASK_TOKEN}` })).toBe(TASK_TOKEN);
    expect(bearerToken({ authorization: `bearer  ${TASK_TOKEN} ` })).toBe(TASK_TOKEN);
    for (const value of [
      undefined,
      "",
      "Bearer",
      "Basic abc",
      `Bearer ${TASK_TOKEN} extra`,
      `Token ${TASK_TOKEN}`,
    ]) {
      expect(bearerToken({ authorization: value }), String(value)).toBeUndefined();
    }
  });
});

describe("response headers the agent gets", () => {
  const scrubber = new CredentialScrubber([SECRET]);

  it("drops cookies and hop-by-hop headers, masks the credential anywhere else", () => {
    const out = agentResponseHeaders(
      {
        "content-type": "application/json",
        "content-length": "10",
        "set-cookie": [`session=${SECRET}`],
        connection: "close, x-hop",
        "x-hop": "1",
        "transfer-encoding": "chunked",
        location: `https://api.platform.example/cb?token=${encodeURIComponent(SECRET)}`,
        "x-debug": `Bearer ${SECRET}`,
      },
      scrubber,
      false,
    );
    expect(out).toEqual({
      "content-type": "application/json",
      "content-length": "10",
      location: `https://api.platform.example/cb?token=${"*".repeat(SECRET.length)}`,
      "x-debug": `Bearer ${"*".repeat(SECRET.length)}`,
    });
  });

  it("drops headers that carry a credential, the injected one's header among them, in any spelling", () => {
    const out = agentResponseHeaders(
      {
        authorization: "Bearer issued",
        "x-subject-token": "issued",
        x_auth_token: "issued",
        "access-token": "issued",
        "project-access-token": "issued",
        "x-request-id": "r1",
      },
      scrubber,
      false,
      "project-access-token",
    );
    expect(out).toEqual({ "x-request-id": "r1" });
  });

  it("drops the encoding and length of a body the proxy decodes", () => {
    const out = agentResponseHeaders(
      { "content-encoding": "gzip", "content-length": "10", etag: '"x"' },
      scrubber,
      true,
    );
    expect(out).toEqual({ etag: '"x"' });
  });
});

describe("credential scrubbing of bodies", () => {
  it("masks every occurrence, URL-encoded ones too, keeping the length", () => {
    const secret = "tok/with+special=chars";
    const scrubber = new CredentialScrubber([secret]);
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${secret}${secret}`;
    const masked = scrubber.scrubText(text);
    expect(masked).not.toContain(secret);
    expect(masked).not.toContain(encodeURIComponent(secret));
    expect(masked.length).toBe(text.length);
    expect(scrubber.scrubBuffer(Buffer.from(text)).toString()).toBe(masked);
  });

  it("catches a secret however the stream splits it", async () => {
    const secrets = ["plt_staging_abcdef012345", "plt_production_xyz987654"];
    const scrubber = new CredentialScrubber(secrets);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(...secrets), fc.string({ maxLength: 30 })), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
        async (pieces, cuts) => {
          const input = Buffer.from(pieces.join(""));
          const chunks: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < input.length; i++) {
            const size = cuts[i % cuts.length]!;
            chunks.push(input.subarray(at, at + size));
            at += size;
          }
          const output = await buffer(Readable.from(chunks).pipe(scrubber.stream()));
          expect(output.length).toBe(input.length);
          expect(output.toString()).toBe(scrubber.scrubText(input.toString()));
          for (const secret of secrets) expect(output.toString()).not.toContain(secret);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("header names with underscores", () => {
  it("are dropped unless the upstream allows them, and never pass as a dropped header's CGI spelling", () => {
    const options = {
      upstream: upstreamWith("{ env: TOKEN }", "underscore_headers: [x_tenant_id, x_api_key]"),
      taskToken: TASK_TOKEN,
      credentialValue: SECRET,
    };
    const out = upstreamRequestHeaders(
      { x_tenant_id: "t1", x_other: "1", x_api_key: "agent-guess", content_length: "5", "x-ok": "1" },
      options,
    );
    expect(out).toEqual({
      x_tenant_id: "t1",
      "x-ok": "1",
      authorization: `Bearer ${SECRET}`,
      host: "api.platform.example:8443",
      "accept-encoding": "identity",
    });
  });
});
