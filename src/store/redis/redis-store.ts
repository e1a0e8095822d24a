// The production Store: shared state in Redis (ioredis), enforce as one Lua script, every failure fails closed.
//
// Key layout (also in docs/redis-keys.md):
//
//   global keys (single-key operations; principals are written with MULTI)
//     leash:gen                          string   store generation; lost data = lost generation = old tokens refused
//     leash:principal:<id>               string   Principal as JSON
//     leash:principals:<kind>            set      ids of principals of kind agent|human
//     leash:keyhash:<sha256>             string   principal id owning that API key hash (checked against the record)
//     leash:approval:<id>                string   Approval as JSON, replaced by compare-and-set on its version
//     leash:approvals:pending            zset     ids of pending approvals, score createdAt
//     leash:approval-binding:<sha256>    string   approval id for one (jti, action, resource, request hash)
//     leash:totp-used:<human>:<step>     string   a TOTP time step a human already used (replay guard)
//
//   per-environment keys, all in the Redis Cluster slot of the hash tag {env:E}
//     leash:{env:E}:gen                  string   copy of leash:gen; what enforce compares the token's gen with
//     leash:{env:E}:rev:jti:<jti>        string   atMs; absolute; PX = ttlMs
//     leash:{env:E}:rev:task:<task>      string   atMs; absolute; PX = ttlMs (also set by revoke_task limits)
//     leash:{env:E}:rev:agent:<id>       string   atMs; revokes tokens issued at or before atMs; PX = ttlMs
//     leash:{env:E}:rev:scope:<id>       string   atMs; same rule
//     leash:{env:E}:rev:env              string   atMs; same rule, for every token of the environment
//     leash:{env:E}:limit:<counter>      zset     one member per allowed call (member eventId, score nowMs);
//                                                 PEXPIRE = windowMs after the last event
//     leash:{env:E}:audit                stream   the environment's audit chain (src/store/redis/redis-audit.ts)
//     leash:{env:E}:audit:head           hash     hash, seq, id of the chain's last record
//
//   audit outside any environment: leash:{audit} (stream), leash:{audit}:head (hash), leash:audit:chains (set)
//
//   A newer revocation of the same target never lowers the stored atMs nor shortens the marker's life.
import { Redis } from "ioredis";
import { StoreUnavailableError } from "../../errors/leash-error.ts";
import { enforcementKeys, storeKeys } from "../keys.ts";
import { parsePrincipal, revocationPlan, sortPrincipals, wholeMs } from "../records.ts";
import type {
  EnforcementCheck,
  EnforcementOutcome,
  Principal,
  PrincipalKind,
  Revocation,
  Store,
} from "../store.ts";
import { failClosed } from "./fail-closed.ts";
import { RedisApprovals } from "./redis-approvals.ts";
import { auditAppendArgs, auditChainKeys, RedisAudit } from "./redis-audit.ts";
import { RedisLeaseStore } from "./redis-leases.ts";
import { ENFORCE_LUA, REVOKE_LUA } from "./scripts.ts";

export interface RedisClientOptions {
  /** Longest a single command may take before it fails with StoreUnavailableError. Default 500 ms. */
  commandTimeoutMs?: number;
  /** Longest a (re)connection attempt may take. Default 500 ms. */
  connectTimeoutMs?: number;
  /** Called for every connection-level error ioredis reports (the errors are otherwise swallowed); for metrics. */
  onError?: (error: Error) => void;
}

/** Cap on the delay between reconnection attempts: leash must notice quickly that Redis is back. */
const MAX_RECONNECT_DELAY_MS = 500;

/**
 * An ioredis client that fails closed and fast: no offline queue (a command while disconnected fails at once),
 * no retries or re-sends of in-flight commands (an enforce is never counted twice), a bounded command time, and
 * reconnection forever with capped backoff so leash recovers by itself when Redis returns.
 */
export const createRedisClient = (url: string, opts: RedisClientOptions = {}): Redis => {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: opts.connectTimeoutMs ?? 500,
    retryStrategy: (attempt) => Math.min(50 * attempt, MAX_RECONNECT_DELAY_MS),
    lazyConnect: false,
  });
  // Without a listener ioredis prints every reconnect failure; callers that need them pass onError.
  client.on("error", (error: Error) => opts.onError?.(error));
  return client;
};

interface LeashCommands {
  leashEnforce(numKeys: number, ...args: Array<string | Buffer>): Promise<[number, string, number, number]>;
  leashRevoke(key: string, atMs: string, ttlMs: string): Promise<number>;
}

export interface RedisStoreConnectOptions extends RedisClientOptions {
  /** How long connect() waits for the first connection. Default 2000 ms. */
  readyTimeoutMs?: number;
}

export class RedisStore implements Store {
  private readonly commands: LeashCommands;
  readonly leases: RedisLeaseStore;
  readonly approvals: RedisApprovals;
  readonly audit: RedisAudit;

  /** Takes ownership of the client: close() closes it. Build it with createRedisClient(). */
  constructor(private readonly client: Redis) {
    client.defineCommand("leashEnforce", { lua: ENFORCE_LUA });
    client.defineCommand("leashRevoke", { lua: REVOKE_LUA, numberOfKeys: 1 });
    this.commands = client as unknown as LeashCommands;
    this.approvals = new RedisApprovals(client);
    this.leases = new RedisLeaseStore(client);
    this.audit = new RedisAudit(client);
  }

  /** A store on a new client, once that client is connected; StoreUnavailableError if it is not within the timeout. */
  static async connect(url: string, opts: RedisStoreConnectOptions = {}): Promise<RedisStore> {
    const store = new RedisStore(createRedisClient(url, opts));
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
      await this.client.set(storeKeys.generation, candidate, "NX");
      const generation = await this.client.get(storeKeys.generation);
      if (generation === null) throw new Error("leash:gen vanished right after it was set");
      // Separate commands: in Redis Cluster each environment's key lives in its own slot.
      await Promise.all(envKeys.map((key) => this.client.set(key, generation)));
      return generation;
    });
  }

  savePrincipal(principal: Principal): Promise<void> {
    return this.guard(async () => {
      const previousJson = await this.client.get(storeKeys.principal(principal.id));
      const previous = previousJson === null ? null : parsePrincipal(previousJson);
      const tx = this.client
        .multi()
        .set(storeKeys.principal(principal.id), JSON.stringify(principal))
        .set(storeKeys.keyHash(principal.keyHash), principal.id)
        .sadd(storeKeys.principalsOfKind(principal.kind), principal.id);
      // A stale index entry would be harmless (lookups check the record's keyHash), but is removed anyway.
      if (previous && previous.keyHash !== principal.keyHash) tx.del(storeKeys.keyHash(previous.keyHash));
      if (previous && previous.kind !== principal.kind) {
        tx.srem(storeKeys.principalsOfKind(previous.kind), principal.id);
      }
      const results = await tx.exec();
      const failed = results?.find(([error]) => error !== null);
      if (results === null || failed) throw failed?.[0] ?? new Error("principal transaction aborted");
    });
  }

  getPrincipal(id: string): Promise<Principal | null> {
    return this.guard(async () => {
      const json = await this.client.get(storeKeys.principal(id));
      return json === null ? null : parsePrincipal(json);
    });
  }

  findPrincipalByKeyHash(keyHash: string): Promise<Principal | null> {
    return this.guard(async () => {
      const id = await this.client.get(storeKeys.keyHash(keyHash));
      if (id === null) return null;
      const json = await this.client.get(storeKeys.principal(id));
      const principal = json === null ? null : parsePrincipal(json);
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

  revoke(revocation: Revocation): Promise<void> {
    return this.guard(async () => {
      const { key, atMs, ttlMs } = revocationPlan(revocation);
      if (!revocation.audit) {
        await this.commands.leashRevoke(key, String(atMs), String(ttlMs));
        return;
      }
      // The marker, then its audit record, in one round trip.
      const pipeline = this.client.pipeline();
      (pipeline as unknown as LeashCommands).leashRevoke(key, String(atMs), String(ttlMs));
      this.audit.queueAppend(pipeline, revocation.audit);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error !== null);
      if (results === null || failed) throw failed?.[0] ?? new Error("revocation pipeline aborted");
    });
  }

  isTaskRevoked(env: string, task: string): Promise<boolean> {
    return this.guard(
      async () => (await this.client.exists(storeKeys.revocation(env, { kind: "task", value: task }))) === 1,
    );
  }

  enforce(check: EnforcementCheck): Promise<EnforcementOutcome> {
    return this.guard(async () => {
      const keys = [
        ...enforcementKeys(check.env, check),
        ...check.limits.map((counter) => storeKeys.limit(check.env, counter.key)),
        ...(check.audit ? auditChainKeys(check.audit) : []),
      ];
      const args = [
        check.generation,
        String(check.issuedAtMs),
        String(check.nowMs),
        check.denyReason ?? "",
        check.holdReason ?? "",
        String(wholeMs(check.taskRevocationTtlMs)),
        check.eventId,
        ...check.limits.flatMap((counter) => [
          String(counter.max),
          String(wholeMs(counter.windowMs)),
          `(${check.nowMs - counter.windowMs}`,
          counter.onExceed,
        ]),
        // The decision's audit record, appended by the same script (ENFORCE_LUA).
        ...(check.audit
          ? ["audit", check.audit.skipWhenHeld ? "1" : "0", ...auditAppendArgs(check.audit)]
          : []),
      ];
      const [allow, reason, limitIndex, taskRevoked] = await this.commands.leashEnforce(
        keys.length,
        ...keys,
        ...args,
      );
      const outcome: EnforcementOutcome = { allow: allow === 1, reason };
      if (limitIndex > 0) outcome.limit = check.limits[limitIndex - 1]?.key;
      if (taskRevoked === 1) {
        outcome.taskRevoked = true;
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

  private guard<T>(operation: () => Promise<T>): Promise<T> {
    return failClosed(operation);
  }
}
