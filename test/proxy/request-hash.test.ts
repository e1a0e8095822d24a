import { describe, expect, it } from "vitest";
import { requestHash } from "../../src/proxy/request-hash.ts";

const base = {
  method: "POST",
  path: "/v1/volumes/vol_1/backups",
  headers: { "content-type": "application/json", "x-mode": "soft" },
  hashHeaders: [] as string[],
  body: Buffer.from('{"a":1}'),
};

describe("the request hash an approval is bound to", () => {
  it("changes with the method, path, body and Content-Type", () => {
    const hash = requestHash(base);
    expect(requestHash({ ...base })).toBe(hash);
    expect(requestHash({ ...base, method: "PUT" })).not.toBe(hash);
    expect(requestHash({ ...base, path: "/v1/volumes/vol_2/backups" })).not.toBe(hash);
    expect(requestHash({ ...base, body: Buffer.from('{"a":2}') })).not.toBe(hash);
    for (const contentType of [
      "application/x-www-form-urlencoded",
      "application/json; charset=utf-16",
      undefined,
    ]) {
      const headers = { ...base.headers, "content-type": contentType };
      expect(requestHash({ ...base, headers }), String(contentType)).not.toBe(hash);
    }
  });

  it("covers the headers a rule marks significant, and no others", () => {
    const marked = { ...base, hashHeaders: ["X-Mode"] };
    const hash = requestHash(marked);
    expect(requestHash({ ...marked, headers: { ...base.headers, "x-mode": "hard" } })).not.toBe(hash);
    expect(requestHash({ ...marked, headers: { "content-type": "application/json" } })).not.toBe(hash);
    expect(requestHash({ ...marked, headers: { ...base.headers, "x-other": "1" } })).toBe(hash);
    expect(requestHash({ ...base, headers: { ...base.headers, "x-mode": "hard" } })).toBe(requestHash(base));
  });
});
