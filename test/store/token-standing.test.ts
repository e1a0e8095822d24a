// A check that only reads (introspection, grants, an exchange's parent token) is judged from one MGET instead of the
// enforce script: it must come out exactly as the script would judge it, in every state of the token's markers.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/errors/leash-error.ts";
import { storeKeys } from "../../src/store/redis/keys.ts";
import { createRedisClient, RedisStore } from "../../src/store/redis/redis-store.ts";
import type { EnforcementCheck, EnforcementOutcome } from "../../src/store/store.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";

const ISSUED = 1_700_000_000_000;
let server: RedisServer;
let store: RedisStore;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await store?.close();
  await server?.stop();
});
beforeEach(async () => {
  await store?.close();
  expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
  store = await RedisStore.connect(server.url);
  await store.ensureGeneration("gen-1", ["staging"]);
});

const readOnly = (overrides: Partial<EnforcementCheck> = {}): EnforcementCheck => ({
  env: "staging",
  generation: "gen-1",
  jti: "jti-1",
  task: "task-1",
  agent: "agent-1",
  scope: "staging-fix",
  issuedAtMs: ISSUED,
  nowMs: ISSUED + 1000,
  limits: [],
  taskRevocationTtlMs: 60_000,
  eventId: "introspect",
  ...overrides,
});

/** Calls per command name so far, from INFO commandstats. */
async function commandCalls(): Promise<Record<string, number>> {
  const client = createRedisClient(server.url);
  try {
    await new Promise((resolve) => client.once("ready", resolve));
    const info = await client.info("commandstats");
    return Object.fromEntries(
      [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, calls]) => [name!, Number(calls)]),
    );
  } finally {
    client.disconnect();
  }
}

/**
 * The enforce script's verdict on the same check: held (a hold reason) so that nothing is counted or recorded, and
 * a hold in place of `ok` is the only thing the script adds after the checks a read-only check makes.
 */
async function scriptVerdict(check: EnforcementCheck): Promise<EnforcementOutcome> {
  const held = await store.enforce({ ...check, holdReason: "held", eventId: randomUUID() });
  return held.reason === "held" ? { allow: true, reason: "ok" } : held;
}

const set = (key: string, value: string) => rawRedisCommand(server.port, `SET ${key} ${value}`);
const revocation = (kind: "jti" | "task" | "agent" | "scope" | "environment", value: string) =>
  storeKeys.revocation("staging", { kind, value } as never);
const lock = (kind: "agent" | "scope" | "environment", value: string) =>
  storeKeys.envLock("staging", { kind, value } as never);

describe("a check that only reads", () => {
  it("is one MGET, no script, however many such checks there are", async () => {
    const before = await commandCalls();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.enforce(readOnly({ jti: `jti-${i}` }))),
    );
    const after = await commandCalls();
    expect(outcomes.every((outcome) => outcome.allow && outcome.reason === "ok")).toBe(true);
    expect((after.evalsha ?? 0) - (before.evalsha ?? 0)).toBe(0);
    expect((after.eval ?? 0) - (before.eval ?? 0)).toBe(0);
    expect((after.mget ?? 0) - (before.mget ?? 0)).toBe(1);
  });

  const delegated = readOnly({ lineage: { jtis: ["jti-root", "jti-parent"], agents: ["agent-0"] } });
  const states: Array<{ name: string; check?: EnforcementCheck; arrange: () => Promise<unknown> }> = [
    { name: "nothing revoked", arrange: async () => {} },
    {
      name: "no generation",
      arrange: () => rawRedisCommand(server.port, `DEL ${storeKeys.envGeneration("staging")}`),
    },
    { name: "another generation", arrange: () => set(storeKeys.envGeneration("staging"), "gen-2") },
    { name: "the jti revoked", arrange: () => set(revocation("jti", "jti-1"), String(ISSUED - 5000)) },
    { name: "another jti revoked", arrange: () => set(revocation("jti", "jti-2"), String(ISSUED)) },
    {
      name: "the task revoked after issue",
      arrange: () => set(revocation("task", "task-1"), String(ISSUED + 5000)),
    },
    ...(["agent", "scope", "environment"] as const).flatMap((kind) => {
      const value = { agent: "agent-1", scope: "staging-fix", environment: "staging" }[kind];
      return [
        {
          name: `${kind} revoked before issue`,
          arrange: () => set(revocation(kind, value), String(ISSUED - 1)),
        },
        { name: `${kind} revoked at issue`, arrange: () => set(revocation(kind, value), String(ISSUED)) },
        {
          name: `${kind} revoked after issue`,
          arrange: () => set(revocation(kind, value), String(ISSUED + 1)),
        },
        { name: `${kind} locked`, arrange: () => set(lock(kind, value), "lock-1") },
      ];
    }),
    // A marker key of another type (written by hand, or by another program on the same Redis): the script's EXISTS
    // counts it, as it counts any marker; read as absent, the token would stand where the script refuses it.
    {
      name: "the jti's marker holds a hash",
      arrange: () => rawRedisCommand(server.port, `HSET ${revocation("jti", "jti-1")} at ${ISSUED}`),
    },
    {
      name: "the agent's lock holds a set",
      arrange: () => rawRedisCommand(server.port, `SADD ${lock("agent", "agent-1")} lock-1`),
    },
    { name: "delegated, nothing revoked", check: delegated, arrange: async () => {} },
    {
      name: "delegated, an ancestor revoked",
      check: delegated,
      arrange: () => set(revocation("jti", "jti-root"), String(ISSUED + 10)),
    },
    {
      name: "delegated, an actor locked",
      check: delegated,
      arrange: () => set(lock("agent", "agent-0"), "lock-2"),
    },
    {
      name: "delegated, an actor revoked at issue",
      check: delegated,
      arrange: () => set(revocation("agent", "agent-0"), String(ISSUED)),
    },
    {
      name: "delegated, an actor revoked before issue",
      check: delegated,
      arrange: () => set(revocation("agent", "agent-0"), String(ISSUED - 1)),
    },
  ];
  for (const state of states) {
    it(`answers as the enforce script does: ${state.name}`, async () => {
      await state.arrange();
      const check = state.check ?? readOnly();
      const expected = await scriptVerdict(check);
      expect(await store.enforce(check)).toEqual(expected);
    });
  }

  it("never reads a not-before marker that holds no time as absent: the store is unavailable (503)", async () => {
    await set(revocation("agent", "agent-1"), "soon");
    await expect(store.enforce(readOnly())).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(scriptVerdict(readOnly())).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("fails closed when Redis does not answer", async () => {
    server.stall();
    try {
      await expect(store.enforce(readOnly())).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      server.resume();
    }
  });
});
