// `leash serve` when its port is taken: the real process must exit non-zero saying why, instead of staying alive
// without listening (where a supervisor would see a running broker and never restart it on a free port).
import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { runCli } from "../helpers/cli.ts";
import { freePort } from "../helpers/ports.ts";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.ts";

let redis: RedisServer;
let holder: Server;
let port: number;
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startRedisServer();
  env = {
    REDIS_URL: redis.url,
    LEASH_KEYS_DIR: join(await mkdtemp(join(tmpdir(), "leash-serve-port-")), "keys"),
    LEASH_SCOPES_DIR: SHIPPED_SCOPES_DIR,
    LEASH_ISSUER: "http://leash.test",
    LEASH_CREDENTIALS_WITHOUT_VAULT: "omit",
    LOG_LEVEL: "error",
  };
  const init = await runCli(["init"], { env });
  expect(init.code, init.stderr).toBe(0);
  port = await freePort();
  holder = createServer((_request, response) => response.end("the other server"));
  await new Promise<void>((resolve, reject) => {
    holder.once("error", reject);
    holder.listen(port, "127.0.0.1", resolve);
  });
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => holder?.close(resolve));
  await redis?.stop();
});

describe("leash serve on a taken port", () => {
  it("exits non-zero naming the address, and the server holding the port keeps it", async () => {
    // runCli resolves when the process exits: a broker that stayed alive would hang here until the test timeout.
    const result = await runCli(["serve"], { env: { ...env, PORT: String(port), HOST: "127.0.0.1" } });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    expect(result.stderr).toContain("EADDRINUSE");
    const answer = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await answer.text()).toBe("the other server");
  }, 60_000);
});
