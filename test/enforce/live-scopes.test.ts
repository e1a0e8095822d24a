// Scopes change under live tokens: narrowing or deleting a scope takes effect at once; a bad reload keeps the old set.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, mintToken, scopesDirWith, startTestBroker, type TestBroker } from "../helpers/broker.ts";

const resource = "railway:prj_demo/env/staging/volume/v1";
let test: TestBroker;
let dir: string;

beforeAll(async () => {
  dir = await scopesDirWith({});
  test = await startTestBroker({ scopesDir: dir });
});
afterAll(() => test.close());

const authorize = (token: string, action: string) =>
  api(test.url, "POST", "/v1/authorize", { body: { token, action, resource } }).then((r) => r.body);
const reload = () => api(test.url, "POST", "/v1/admin/reload-scopes", { key: test.keys.admin });

describe("scope reload under live tokens", () => {
  it("narrowing a scope refuses the removed action for tokens already issued", async () => {
    const { token } = await mintToken(test, { scope: "staging-fix", task: { intent: "x" } });
    expect((await authorize(token, "volume:delete")).allow).toBe(true);

    const file = join(dir, "staging-fix.yaml");
    const original = await readFile(file, "utf8");
    await writeFile(file, original.replace(/^\s*- volume:delete\s*$/m, ""));
    const reloaded = await reload();
    expect(reloaded.status).toBe(200);
    expect(reloaded.body.scope_set).toMatch(/^[0-9a-f]{64}$/);
    expect((await authorize(token, "volume:delete")).reason).toBe("action_not_granted");
    expect((await authorize(token, "volume:read")).allow).toBe(true);
    await writeFile(file, original);
    expect((await reload()).status).toBe(200);
  });

  it("a reload with problems is refused, reports every problem, and keeps the running set", async () => {
    const before = (await api(test.url, "GET", "/readyz")).body.scope_set;
    await writeFile(join(dir, "broken.yaml"), "description: x\nenvironment: nowhere\n");
    const refused = await reload();
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("scopes_invalid");
    expect(refused.body.problems.length).toBeGreaterThan(1);
    expect(refused.body.problems.join("\n")).toContain("broken.yaml");
    expect((await api(test.url, "GET", "/readyz")).body.scope_set).toBe(before);
    await rm(join(dir, "broken.yaml"));
  });

  it("deleting a scope refuses its live tokens", async () => {
    const { token } = await mintToken(test, { scope: "production-read", task: { intent: "x" } });
    await rm(join(dir, "production-read.yaml"));
    expect((await reload()).status).toBe(200);
    const decision = await api(test.url, "POST", "/v1/authorize", {
      body: { token, action: "volume:read", resource: "railway:prj_demo/env/production/volume/v1" },
    });
    expect(decision.body).toMatchObject({ allow: false, reason: "scope_removed" });
  });

  it("only admins may reload", async () => {
    expect((await api(test.url, "POST", "/v1/admin/reload-scopes", { key: test.keys.security })).status).toBe(
      403,
    );
  });
});
