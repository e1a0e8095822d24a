// Redis Cluster runs a script, a MULTI or a multi-key command only when every key it names is in one hash slot.
// This drives every Store method through a client that records what it sends, and checks the slots of the keys of
// every command and every pipeline (scripts, transactions, WAITed writes): one slot each. It also checks that every
// Lua script the store defines was among them, so a new script cannot slip past.
import { createHash, randomUUID } from "node:crypto";
import calculateSlot from "cluster-key-slot";
import { type Command, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealChain } from "../../src/audit/seal-chain.ts";
import { trimChain } from "../../src/audit/trim-chain.ts";
import { approvalKeys, auditKeys, leaseKeys, storeKeys } from "../../src/store/redis/keys.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import { SCRIPTS } from "../../src/store/redis/scripts/registry.ts";
import type { EnforcementCheck, Principal } from "../../src/store/store.ts";
import type { RevocationTarget } from "../../src/store/targets.ts";
import { type RedisServer, rawRedisCommand, startRedisServer } from "../helpers/redis-server.ts";
import { sampleCallApproval } from "./contract.ts";

type WriteStream = Parameters<Redis["sendCommand"]>[1];

interface SentGroup {
  /** Command names, in order (a pipeline has several). */
  commands: string[];
  keys: string[];
}

/** A client that records every command it sends, grouping the commands of one pipeline together. */
class RecordingRedis extends Redis {
  readonly groups: SentGroup[] = [];
  readonly scriptShas = new Set<string>();
  private readonly pipelines = new Map<object, SentGroup>();

  override sendCommand(command: Command, stream?: WriteStream): unknown {
    const keys = command.getKeys().map(String);
    let group: SentGroup | undefined = stream ? this.pipelines.get(stream) : undefined;
    if (!group) {
      group = { commands: [], keys: [] };
      this.groups.push(group);
      if (stream) this.pipelines.set(stream, group);
    }
    group.commands.push(command.name);
    group.keys.push(...keys);
    const [first] = command.args;
    if (command.name === "evalsha") this.scriptShas.add(String(first));
    if (command.name === "eval") this.scriptShas.add(createHash("sha1").update(String(first)).digest("hex"));
    return super.sendCommand(command, stream);
  }

  /** SHA-1 of every script defined with defineCommand (ioredis keeps them in `scriptsSet`). */
  definedScriptShas(): string[] {
    const scripts = (this as unknown as { scriptsSet: Record<string, { sha: string }> }).scriptsSet;
    return [...new Set(Object.values(scripts).map((script) => script.sha))];
  }
}

const slotsOf = (keys: string[]) => [...new Set(keys.map((key) => calculateSlot(key)))];

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("Redis Cluster: one hash slot per script, transaction and pipeline", () => {
  it("every command and pipeline the store sends names keys of one slot", async () => {
    expect(await rawRedisCommand(server.port, "FLUSHALL")).toBe("+OK");
    const client = new RecordingRedis(server.url, { enableOfflineQueue: true, maxRetriesPerRequest: 0 });
    const store = new RedisStore(client);
    try {
      await store.waitUntilReady(2000);
      await exerciseEveryMethod(store);

      const withKeys = client.groups.filter((group) => group.keys.length > 0);
      expect(withKeys.length).toBeGreaterThan(50);
      const crossSlot = withKeys
        .filter((group) => slotsOf(group.keys).length > 1)
        .map((group) => `${group.commands.join(",")}: ${group.keys.join(" ")}`);
      expect(crossSlot).toEqual([]);

      // Every script of the registry is defined, ran (and so was checked above), and nothing else ran: no script
      // is sent without being registered.
      const defined = client.definedScriptShas();
      expect(defined).toHaveLength(Object.keys(SCRIPTS).length);
      expect(defined.filter((sha) => !client.scriptShas.has(sha))).toEqual([]);
      expect([...client.scriptShas].filter((sha) => !defined.includes(sha))).toEqual([]);
      // Transactions too (lease ack and enqueueLease use MULTI).
      expect(withKeys.some((group) => group.commands.includes("multi"))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it("key builders put what is used together under one hash tag", () => {
    const principals = [
      storeKeys.principal("agent-1"),
      storeKeys.principal("zz-other"),
      storeKeys.principalsOfKind("agent"),
      storeKeys.principalsOfKind("human"),
      storeKeys.keyHash("a".repeat(64)),
    ];
    expect(slotsOf(principals)).toHaveLength(1);
    expect(
      slotsOf([approvalKeys.approval("apr_x"), approvalKeys.approval("apr_y"), approvalKeys.pending]),
    ).toHaveLength(1);
    for (const env of ["staging", "production", "dev-eu"]) {
      const targets: RevocationTarget[] = [
        { kind: "jti", value: "j" },
        { kind: "task", value: "t" },
        { kind: "agent", value: "a" },
        { kind: "scope", value: "s" },
        { kind: "environment", value: env },
      ];
      const keys = [
        storeKeys.envGeneration(env),
        ...targets.map((target) => storeKeys.revocation(env, target)),
        storeKeys.limit(env, "scope:s:0:task:t"),
        leaseKeys.record(env, "database/creds/x/abc"),
        ...targets.map((target) => leaseKeys.index(env, target)),
        leaseKeys.queue(env),
        leaseKeys.attempts(env),
        leaseKeys.schedule(env),
        auditKeys.stream(`env:${env}`),
        auditKeys.head(`env:${env}`),
        auditKeys.seals(`env:${env}`),
      ];
      expect(slotsOf(keys), env).toEqual([calculateSlot(`{env:${env}}`)]);
    }
    expect(
      slotsOf([auditKeys.stream("global"), auditKeys.head("global"), auditKeys.seals("global")]),
    ).toHaveLength(1);
  });
});

async function exerciseEveryMethod(store: RedisStore): Promise<void> {
  const now = Date.now();
  const envs = ["staging", "production"];
  await store.ping();
  await store.ensureGeneration("g", envs);
  await store.getGeneration();

  const agent: Principal = {
    id: "agent-1",
    kind: "agent",
    keyHash: "a".repeat(64),
    disabled: false,
    createdAt: 1,
    scopes: ["*"],
    roles: [],
  };
  await store.savePrincipal(agent);
  await store.savePrincipal({ ...agent, keyHash: "b".repeat(64) });
  await store.savePrincipal({ ...agent, kind: "human", roles: ["admin"] });
  await store.getPrincipal("agent-1");
  await store.findPrincipalByKeyHash("b".repeat(64));
  await store.listPrincipals("agent");
  await store.listPrincipals("human");

  const lock = await store.lock({
    id: "lock_1",
    target: { kind: "agent", value: "agent-1" },
    reason: "r",
    createdBy: "human:sec",
    createdAt: now,
    expiresAt: now + 60_000,
    environments: envs,
  });
  await store.lock({ ...lock, id: "lock_2", expiresAt: null });
  await store.lockOn([lock.target, { kind: "scope", value: "s" }, { kind: "environment", value: "staging" }]);
  await store.listLocks();
  await store.removeLock(lock.id);
  await store.claimTask("task-1", "agent-1", 60_000);
  for (const task of ["task-1", "task-2"]) {
    await store.recordTaskToken({
      task,
      agent: "agent-1",
      intent: "i",
      scope: "staging-fix",
      env: "staging",
      jti: `jti-${task}`,
      issuedAt: now,
      expiresAt: now + 60_000,
    });
  }
  await store.liveTasks(now, 10);
  await store.limitUsage(
    "staging",
    [
      { key: "a", windowMs: 1000 },
      { key: "b", windowMs: 1000 },
    ],
    now,
  );

  const auditEntry = (env: string) => ({
    time: now,
    event: "authorize" as const,
    actor: "agent:agent-1",
    agent: "agent-1",
    environment: env,
    task: "task-1",
    decision: "allow" as const,
    reason: "ok",
  });
  for (const env of envs) {
    const check = (overrides: Partial<EnforcementCheck> = {}): EnforcementCheck => ({
      env,
      generation: "g",
      jti: "jti-1",
      task: "task-1",
      agent: "agent-1",
      scope: `${env}-fix`,
      issuedAtMs: now - 1000,
      nowMs: now,
      limits: [
        { key: "task:task-1", max: 1, windowMs: 60_000, onExceed: "revoke_task" },
        { key: "environment", max: 100, windowMs: 60_000, onExceed: "deny" },
      ],
      taskRevocationTtlMs: 60_000,
      eventId: randomUUID(),
      audit: { entry: auditEntry(env), skipWhenHeld: false },
      ...overrides,
    });
    await store.enforce(check());
    await store.enforce(check({ holdReason: "approval_required" }));
    await store.enforce(check({ limits: [] }));
    for (const kind of ["jti", "task", "agent", "scope", "environment"] as const) {
      const target = { kind, value: kind === "environment" ? env : `${kind}-x` };
      await store.revoke({ target, env, atMs: now, ttlMs: 60_000, reason: "test" });
      await store.revoke({
        target,
        env,
        atMs: now,
        ttlMs: 60_000,
        reason: "test",
        audit: { entry: { ...auditEntry(env), event: "revocation" } },
      });
    }
    await store.isTaskRevoked(env, "task-1");

    const lease = {
      leaseId: `database/creds/${env}/L1`,
      env,
      task: "task-2",
      jti: "jti-2",
      agent: "agent-1",
      scope: `${env}-fix`,
      path: `database/creds/${env}`,
      issuedAtMs: Math.floor(now / 1000) * 1000,
      vaultExpiresAt: now + 60_000,
      expiresAt: now + 60_000,
    };
    await store.leases.record(lease, { revokeAt: now + 30_000, nowMs: now });
    await store.leases.record(
      { ...lease, leaseId: `${lease.leaseId}b`, task: "task-1" },
      { revokeAt: null, nowMs: now },
    );
    await store.leases.get(env, lease.leaseId);
    await store.leases.enqueueRevocation(env, { kind: "task", value: "task-2" }, now, now);
    await store.leases.enqueueRevocation(env, { kind: "agent", value: "agent-1" }, now, now);
    await store.leases.enqueueLease(env, "database/creds/never-handed-out", now);
    const claimed = await store.leases.claim(env, { nowMs: now + 60_000, limit: 10, visibilityMs: 1000 });
    await store.leases.retry(env, claimed[0]!.leaseId, now + 1000);
    await store.leases.ack(env, lease.leaseId);
    await store.audit.head(`env:${env}`);
    await store.audit.range(`env:${env}`, { count: 10 });
  }
  await store.leases.environments();
  await store.leases.backlog();

  const approval = sampleCallApproval;
  await store.approvals.create(approval, 60_000);
  await store.approvals.get(approval.id);
  await store.approvals.replace({ ...approval, version: 2, status: "approved", approvedBy: ["alice"] });
  await store.approvals.pendingIds();
  await store.approvals.dropPending(approval.id);
  await store.approvals.bindOnce("binding", approval.id, 60_000);
  await store.approvals.unbind("binding", approval.id);
  await store.approvals.claimTotpStep("alice", 42, 60_000);
  await store.approvals.claimEnrolment("e".repeat(64), 60_000);
  await store.approvals.saveChallenge("alice", "challenge", "{}", 60_000, { max: 5, windowMs: 60_000 });
  await store.approvals.takeChallenge("alice", "challenge");
  const totpLimit = { maxFailures: 1, windowMs: 60_000 };
  await store.approvals.beginTotpAttempt("alice", totpLimit);
  await store.approvals.endTotpAttempt("alice", "failed", totpLimit);

  const sample = { event: "authorize", source: "192.0.2.1", reason: "invalid_token", about: {} };
  await store.refusals.count(sample, { windowMs: 1, nowMs: now, maxOpen: 10 });
  await store.refusals.takeClosed(now + 10, 10);

  await store.audit.append({ entry: { ...auditEntry("staging"), event: "token.mint" } });
  await store.audit.append({
    entry: { ...auditEntry("staging"), environment: undefined, event: "agent.create" },
  });
  await store.audit.registerChains(envs);
  await store.audit.chains();
  await store.audit.head("global");
  for (const chain of ["env:staging", "global"]) {
    await store.audit.claimSealing(chain, "sealer-1", 3000);
    await sealChain(store.audit, chain, { nowMs: now });
    await store.audit.releaseSealing(chain, "sealer-1");
    await store.audit.seals(chain, { count: 10 });
    await trimChain(store.audit, chain, now + 60_000);
  }
}
