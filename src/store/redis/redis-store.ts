// The production Store: shared state in Redis (ioredis), enforce as one Lua script (a check that only reads, as one
// MGET: token-standing.ts), every failure fails closed.
//
// Key names: keys.ts (the layout is in docs/redis-keys.md). A newer revocation of the same target never lowers the
// stored atMs nor shortens the marker's life.
import { Cluster } from "ioredis";
import type { LeashConfig } from "../../config/config.ts";
import { StoreUnavailableError } from "../../errors/leash-error.ts";
import {
  liveTaskOf,
  parseLock,
  parsePrincipal,
  revocationPlan,
  sortLocks,
  sortPrincipals,
  taskTokenFields,
  wholeMs,
} from "../records.ts";
import type {
  CounterWindow,
  EnforcementCheck,
  EnforcementOutcome,
  LiveTask,
  Lock,
  Principal,
  Revocation,
  Store,
  TaskTokenRecord,
} from "../store.ts";
import type { LockTarget, PrincipalKind } from "../targets.ts";
import { Batcher } from "./batcher.ts";
import { CoalescedReads } from "./coalesced-reads.ts";
import { failClosed } from "./fail-closed.ts";
import { storeKeys } from "./keys.ts";
import { ParsedPrincipals } from "./parsed-principals.ts";
import { RedisApprovals } from "./redis-approvals.ts";
import { RedisAudit } from "./redis-audit.ts";
import {
  createStoreClient,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type RedisClient,
  type RedisClientOptions,
  type RedisTarget,
  redisTarget,
} from "./redis-client.ts";
import { RedisLeaseStore } from "./redis-leases.ts";
import { RedisRefusals } from "./redis-refusals.ts";
import { execReplicated, NO_REPLICATION_WAIT, type ReplicationWait } from "./replicated-write.ts";
import { type EnforcementReply, enforcementBatchArgs, splitReplies } from "./scripts/enforce-script.ts";
import { defineScripts, type LeashScripts, scriptsOn } from "./scripts/registry.ts";
import { onlyReads, standingKeys, standingOf } from "./token-standing.ts";

export { createRedisClient, type RedisClientOptions } from "./redis-client.ts";

/** The client's command timeout, which also bounds a decision's wait for its batch. */
const commandTimeoutOf = (client: RedisClient): number =>
  (client instanceof Cluster ? client.options.redisOptions?.commandTimeout : client.options.commandTimeout) ??
  DEFAULT_COMMAND_TIMEOUT_MS;

/** Decisions per enforce script call: bounds how long one call holds Redis (a few ms at most). */
const MAX_ENFORCE_BATCH = 64;

export interface RedisStoreOptions {
  /**
   * WAIT for this many replicas after every change that must survive a failover (LEASH_REDIS_WAIT_REPLICAS);
   * default: do not wait.
   */
  replicationWait?: ReplicationWait;
}

export interface RedisStoreConnectOptions extends RedisClientOptions, RedisStoreOptions {
  /** How long connect() waits for the first connection. Default 2000 ms. */
  readyTimeoutMs?: number;
}

/**
 * The store the configuration names (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS), with its command timeout
 * and LEASH_REDIS_WAIT_REPLICAS; `opts` overrides. What `leash serve`, `leash init` and the CLI connect with.
 */
export function connectConfiguredStore(
  config: LeashConfig,
  opts: RedisStoreConnectOptions = {},
): Promise<RedisStore> {
  return RedisStore.connect(redisTarget(config), {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    replicationWait: {
      replicas: config.LEASH_REDIS_WAIT_REPLICAS,
      timeoutMs: config.LEASH_REDIS_WAIT_TIMEOUT_MS,
    },
    ...opts,
  });
}

export class RedisStore implements Store {
  private readonly commands: LeashScripts;
  private readonly replicationWait: ReplicationWait;
  private readonly enforcements: Batcher<EnforcementCheck, EnforcementReply>;
  /** One server: a tick's plain reads as one MGET (coalesced-reads.ts). A Cluster's keys span slots. */
  private readonly reads: CoalescedReads | null;
  private readonly principals = new ParsedPrincipals();
  readonly leases: RedisLeaseStore;
  readonly approvals: RedisApprovals;
  readonly audit: RedisAudit;
  readonly refusals: RedisRefusals;

  /**
   * Takes ownership of the client: close() closes it. Build it with createStoreClient() (or createRedisClient()):
   * one server, a Sentinel-managed primary or a Redis Cluster; every script touches one slot (docs/redis-keys.md).
   */
  constructor(
    private readonly client: RedisClient,
    options: RedisStoreOptions = {},
  ) {
    this.replicationWait = options.replicationWait ?? NO_REPLICATION_WAIT;
    this.commands = defineScripts(client);
    this.enforcements = new Batcher(
      async (env, checks) =>
        splitReplies(await this.commands.leashEnforceBatch(...enforcementBatchArgs(env, checks))),
      MAX_ENFORCE_BATCH,
      commandTimeoutOf(client),
    );
    this.reads = client instanceof Cluster ? null : new CoalescedReads(client);
    this.approvals = new RedisApprovals(client, this.replicationWait);
    this.leases = new RedisLeaseStore(client, this.replicationWait);
    // RedisAudit is typed for one server; it only issues commands a Cluster client has too (its keys carry tags).
    this.audit = new RedisAudit(client, commandTimeoutOf(client));
    this.refusals = new RedisRefusals(client);
  }

  /**
   * A store on a new client (a Redis URL, or a target: server, Cluster or Sentinel), once that client is connected;
   * StoreUnavailableError if it is not within the timeout.
   */
  static async connect(
    target: string | RedisTarget,
    opts: RedisStoreConnectOptions = {},
  ): Promise<RedisStore> {
    const client = createStoreClient(
      typeof target === "string" ? { kind: "server", url: target } : target,
      opts,
    );
    const store = new RedisStore(client, opts);
    try {
      await store.waitUntilReady(opts.readyTimeoutMs ?? 2000);
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Resolves once the client is connected; StoreUnavailableError after timeoutMs. The client keeps retrying. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    if (this.client.status === "ready") return;
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.client.off("ready", onReady);
        reject(new StoreUnavailableError(new Error(`Redis not ready after ${timeoutMs} ms`)));
      }, timeoutMs);
      this.client.once("ready", onReady);
    });
  }

  ping(): Promise<void> {
    return this.guard(async () => {
      const reply = await this.client.ping();
      if (reply !== "PONG") throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
    });
  }

  async close(): Promise<void> {
    try {
      if (this.client.status === "ready") await this.client.quit();
    } catch {
      // Closing a broken connection: nothing left to tell it.
    } finally {
      this.client.disconnect();
    }
  }

  getGeneration(): Promise<string | null> {
    return this.guard(() => this.client.get(storeKeys.generation));
  }

  ensureGeneration(candidate: string, environments: string[]): Promise<string> {
    return this.guard(async () => {
      const envKeys = environments.map((env) => storeKeys.envGeneration(env));
      const [, generation] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        pipeline.set(storeKeys.generation, candidate, "NX").get(storeKeys.generation),
      );
      if (typeof generation !== "string") throw new Error("leash:gen vanished right after it was set");
      // Separate commands: in Redis Cluster each environment's key lives in its own slot.
      await Promise.all(
        envKeys.map((key) =>
          execReplicated(this.client, this.replicationWait, (pipeline) => pipeline.set(key, generation)),
        ),
      );
      return generation;
    });
  }

  savePrincipal(principal: Principal): Promise<void> {
    return this.guard(async () => {
      const previousJson = await this.client.get(storeKeys.principal(principal.id));
      const previous = previousJson === null ? null : parsePrincipal(previousJson);
      const keyHash = storeKeys.keyHash(principal.keyHash);
      const kindSet = storeKeys.principalsOfKind(principal.kind);
      await execReplicated(this.client, this.replicationWait, (pipeline) =>
        scriptsOn(pipeline).leashSavePrincipal(
          storeKeys.principal(principal.id),
          keyHash,
          kindSet,
          previous ? storeKeys.keyHash(previous.keyHash) : keyHash,
          previous ? storeKeys.principalsOfKind(previous.kind) : kindSet,
          JSON.stringify(principal),
          principal.id,
        ),
      );
    });
  }

  getPrincipal(id: string): Promise<Principal | null> {
    return this.guard(async () => {
      const [json] = await this.readStrings([storeKeys.principal(id)]);
      return json == null ? null : this.principals.parse(id, json);
    });
  }

  findPrincipalByKeyHash(keyHash: string): Promise<Principal | null> {
    return this.guard(async () => {
      // Two reads: the record's key is known only once the index is read, and a script may touch only the keys it
      // declares. A record changed between the two is harmless: it, not the index, decides which key is current.
      const id = await this.client.get(storeKeys.keyHash(keyHash));
      if (id === null) return null;
      const json = await this.client.get(storeKeys.principal(id));
      const principal = json === null ? null : this.principals.parse(id, json);
      // The index is only a pointer; the principal record decides which key is current.
      return principal && principal.keyHash === keyHash ? principal : null;
    });
  }

  listPrincipals(kind: PrincipalKind): Promise<Principal[]> {
    return this.guard(async () => {
      const ids = await this.client.smembers(storeKeys.principalsOfKind(kind));
      if (ids.length === 0) return [];
      const jsons = await this.client.mget(ids.map((id) => storeKeys.principal(id)));
      const principals = jsons
        .filter((json): json is string => json !== null)
        .map(parsePrincipal)
        .filter((principal) => principal.kind === kind);
      return sortPrincipals(principals);
    });
  }

  claimTask(task: string, agent: string, ttlMs: number): Promise<string> {
    return this.guard(async () => {
      const key = storeKeys.taskOwner(task);
      const life = wholeMs(ttlMs);
      // SET NX GET: claims a task nobody owns and answers the owner of one already claimed, in one command. Without
      // a WAIT, sent as a plain command (execReplicated would wrap it to send it the same way, at a cost per mint).
      const previous =
        this.replicationWait.replicas === 0
          ? await this.client.set(key, agent, "PX", life, "NX", "GET")
          : (
              await execReplicated(this.client, this.replicationWait, (pipeline) =>
                pipeline.set(key, agent, "PX", life, "NX", "GET"),
              )
            )[0];
      if (previous === null) return agent;
      const owner = String(previous);
      // The owner's own claim lives as long as its newest token can (GT: never shortened); another's is left alone.
      if (owner === agent) {
        await execReplicated(this.client, this.replicationWait, (pipeline) =>
          pipeline.pexpire(key, life, "GT"),
        );
      }
      return owner;
    });
  }

  recordTaskToken(token: TaskTokenRecord): Promise<void> {
    return this.guard(async () => {
      const { meta, field, value } = taskTokenFields(token);
      await this.commands.leashRecordTaskToken(
        storeKeys.liveTasks,
        storeKeys.liveTask(token.task),
        token.task,
        meta,
        field,
        value,
        String(Math.floor(token.expiresAt)),
        String(Math.max(1, wholeMs(token.expiresAt - token.issuedAt))),
        String(Math.floor(token.issuedAt)),
      );
    });
  }

  liveTasks(nowMs: number, limit: number): Promise<LiveTask[]> {
    return this.guard(async () => {
      const ids = await this.client.zrevrangebyscore(
        storeKeys.liveTasks,
        "+inf",
        `(${Math.floor(nowMs)}`,
        "LIMIT",
        0,
        limit,
      );
      if (ids.length === 0) return [];
      const pipeline = this.client.pipeline();
      for (const id of ids) pipeline.hgetall(storeKeys.liveTask(id));
      const replies = (await pipeline.exec()) ?? [];
      return ids.flatMap((task, index) => {
        const [error, hash] = replies[index] ?? [];
        if (error) throw error;
        const live = liveTaskOf(task, hash as Record<string, string>, nowMs);
        return live ? [live] : [];
      });
    });
  }

  limitUsage(env: string, counters: CounterWindow[], nowMs: number): Promise<number[]> {
    return this.guard(async () => {
      if (counters.length === 0) return [];
      const pipeline = this.client.pipeline();
      for (const counter of counters)
        pipeline.zcount(
          storeKeys.limit(env, counter.key),
          String(Math.floor(nowMs - counter.windowMs)),
          "+inf",
        );
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([error, count]) => {
        if (error) throw error;
        return Number(count);
      });
    });
  }

  claimWorkloadToken(issuer: string, jti: string, ttlMs: number): Promise<boolean> {
    return this.guard(async () => {
      // Waited for like a decision: a used token forgotten in a failover could mint again.
      const [claimed] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        pipeline.set(storeKeys.workloadTokenUsed(issuer, jti), "1", "PX", wholeMs(ttlMs), "NX"),
      );
      return claimed === "OK";
    });
  }

  revoke(revocation: Revocation): Promise<void> {
    return this.guard(async () => {
      const { atMs, ttlMs } = revocationPlan(revocation);
      const key = storeKeys.revocation(revocation.env, revocation.target);
      // The marker, then its audit record (same slot), in one round trip; then WAIT when configured.
      await execReplicated(this.client, this.replicationWait, (pipeline) => {
        scriptsOn(pipeline).leashRevoke(key, String(atMs), String(ttlMs));
        if (revocation.audit) this.audit.queueAppend(pipeline, revocation.audit);
      });
    });
  }

  isTaskRevoked(env: string, task: string): Promise<boolean> {
    return this.guard(
      async () => (await this.client.exists(storeKeys.revocation(env, { kind: "task", value: task }))) === 1,
    );
  }

  mintChecks(env: string, task: string): Promise<{ generation: string | null; taskRevoked: boolean }> {
    return this.guard(async () => {
      // Both keys carry the environment's hash tag: one MGET. A revocation marker is a string (its not-before time).
      const [generation, taskMarker] = await this.readStrings([
        storeKeys.envGeneration(env),
        storeKeys.revocation(env, { kind: "task", value: task }),
      ]);
      return { generation: generation ?? null, taskRevoked: taskMarker != null };
    });
  }

  lock(lock: Lock): Promise<Lock> {
    return this.guard(async () => {
      // The record first, then the markers: a lock is listed (and removable) before authorize refuses for it.
      const [json] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        scriptsOn(pipeline).leashLock(
          storeKeys.lock(lock.target),
          storeKeys.lockIds,
          JSON.stringify(lock),
          String(lock.createdAt),
        ),
      );
      const inForce = parseLock(String(json));
      const lifeMs = inForce.expiresAt === null ? null : wholeMs(inForce.expiresAt - lock.createdAt);
      // Separate commands: in Redis Cluster each environment's marker lives in its own slot.
      await Promise.all(
        inForce.environments.map((env) =>
          execReplicated(this.client, this.replicationWait, (pipeline) =>
            lifeMs === null
              ? pipeline.set(storeKeys.envLock(env, inForce.target), inForce.id)
              : pipeline.set(storeKeys.envLock(env, inForce.target), inForce.id, "PX", lifeMs),
          ),
        ),
      );
      return inForce;
    });
  }

  listLocks(): Promise<Lock[]> {
    return this.guard(async () => {
      const index = await this.client.hgetall(storeKeys.lockIds);
      const ids = Object.keys(index);
      if (ids.length === 0) return [];
      const jsons = await this.client.mget(ids.map((id) => index[id]!));
      const locks: Lock[] = [];
      const lapsed: string[] = [];
      ids.forEach((id, i) => {
        const lock = jsons[i] ? parseLock(jsons[i]) : null;
        if (lock && lock.id === id) locks.push(lock);
        else lapsed.push(id);
      });
      if (lapsed.length > 0) await this.client.hdel(storeKeys.lockIds, ...lapsed);
      return sortLocks(locks);
    });
  }

  lockOn(targets: LockTarget[]): Promise<Lock | null> {
    return this.guard(async () => {
      if (targets.length === 0) return null;
      const jsons = await this.readStrings(targets.map((target) => storeKeys.lock(target)));
      const json = jsons.find((value) => value != null);
      return json ? parseLock(json) : null;
    });
  }

  removeLock(id: string): Promise<Lock | null> {
    return this.guard(async () => {
      const recordKey = await this.client.hget(storeKeys.lockIds, id);
      const json = recordKey ? await this.client.get(recordKey) : null;
      const lock = json ? parseLock(json) : null;
      if (!recordKey || !lock || lock.id !== id) {
        if (recordKey) await this.client.hdel(storeKeys.lockIds, id);
        return null;
      }
      // Markers first: a lock still listed can be removed again; a marker without a record could not be.
      await Promise.all(
        lock.environments.map((env) =>
          execReplicated(this.client, this.replicationWait, (pipeline) =>
            scriptsOn(pipeline).leashDeleteIfValue(storeKeys.envLock(env, lock.target), id),
          ),
        ),
      );
      await execReplicated(this.client, this.replicationWait, (pipeline) =>
        scriptsOn(pipeline).leashUnlock(recordKey, storeKeys.lockIds, id),
      );
      return lock;
    });
  }

  enforce(check: EnforcementCheck): Promise<EnforcementOutcome> {
    if (onlyReads(check)) {
      return this.guard(async () => {
        const layout = standingKeys(check);
        const [values, existing] = await Promise.all([
          this.readStrings(layout.keys),
          this.client.exists(...layout.keys),
        ]);
        return standingOf(check, layout, values, existing);
      });
    }
    return this.guard(async () => {
      // Decisions of one environment made while another batch of it is in Redis leave together (batcher.ts).
      const [allow, reason, limitIndex, taskRevoked] = await this.enforcements.submit(check.env, check);
      const outcome: EnforcementOutcome = { allow: allow === 1, reason };
      if (limitIndex > 0) outcome.limit = check.limits[limitIndex - 1]?.key;
      if (taskRevoked === 1) {
        outcome.taskRevoked = true;
        if (this.replicationWait.replicas > 0) {
          // The script wrote the task marker; writing it again (never weakening it) lets WAIT cover it.
          const marker = storeKeys.revocation(check.env, { kind: "task", value: check.task });
          const ttlMs = String(wholeMs(check.taskRevocationTtlMs));
          await execReplicated(this.client, this.replicationWait, (pipeline) =>
            scriptsOn(pipeline).leashRevoke(marker, String(check.nowMs), ttlMs),
          );
        }
        // The script revoked the task: its Vault leases join the revocation queue (the lease revoker ends them).
        await this.leases.enqueueRevocation(
          check.env,
          { kind: "task", value: check.task },
          check.nowMs,
          check.nowMs,
        );
      }
      return outcome;
    });
  }

  /** Plain string values by key (null: none), read alongside the tick's other reads where one MGET can hold them. */
  private readStrings(keys: string[]): Promise<Array<string | null>> {
    return this.reads ? this.reads.mget(keys) : this.client.mget(keys);
  }

  private guard<T>(operation: () => Promise<T>): Promise<T> {
    return failClosed(operation);
  }
}
