// The Redis lease store: lease records, per-target index sets and the durable revocation queue (docs/redis-keys.md).
import { LeashError, StoreUnavailableError } from "../../errors/leash-error.ts";
import {
  type ClaimedRevocation,
  type ClaimOptions,
  checkEnvironmentTarget,
  checkLease,
  isAbsoluteTarget,
  type LeaseRecord,
  type LeaseRevocationBacklog,
  type LeaseStore,
  leaseIndexMember,
  leaseRecordTtlMs,
  parseLeaseRecord,
  type RecordLeaseOptions,
} from "../leases.ts";
import type { RevocationTarget } from "../targets.ts";
import { leaseIndexKeys, leaseKeys, storeKeys } from "./keys.ts";
import type { RedisClient } from "./redis-client.ts";
import { execReplicated, NO_REPLICATION_WAIT, type ReplicationWait } from "./replicated-write.ts";
import { defineScripts, type LeashScripts, scriptsOn } from "./scripts/registry.ts";

export class RedisLeaseStore implements LeaseStore {
  private readonly commands: LeashScripts;

  /**
   * Shares the RedisStore's client (and so its timeouts and fail-closed behaviour); does not own it. Recording a
   * lease and queueing revocations are WAITed for when `replicationWait` asks for replicas: a lease forgotten in a
   * failover would keep its credentials alive after its task is revoked.
   */
  constructor(
    private readonly client: RedisClient,
    private readonly replicationWait: ReplicationWait = NO_REPLICATION_WAIT,
  ) {
    this.commands = defineScripts(client);
  }

  record(lease: LeaseRecord, options: RecordLeaseOptions): Promise<{ revoked: boolean }> {
    return guard(async () => {
      checkLease(lease);
      const env = lease.env;
      // Before the script: a crash in between leaves an environment to look at, never a lease nobody finds.
      await this.client.sadd(leaseKeys.environments, env);
      const markers = (["jti", "task", "agent", "scope"] as const).map((kind) =>
        storeKeys.revocation(env, { kind, value: lease[kind] }),
      );
      const args = [
        leaseKeys.record(env, lease.leaseId),
        ...leaseIndexKeys(lease),
        leaseKeys.schedule(env),
        leaseKeys.queue(env),
        ...markers,
        storeKeys.revocation(env, { kind: "environment", value: env }),
        lease.leaseId,
        JSON.stringify(lease),
        leaseIndexMember(lease),
        String(lease.vaultExpiresAt),
        String(leaseRecordTtlMs(lease, options.nowMs)),
        String(lease.issuedAtMs),
        String(options.nowMs),
        options.revokeAt === null ? "" : String(Math.ceil(options.revokeAt)),
      ];
      const [revoked] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        scriptsOn(pipeline).leashRecordLease(...args),
      );
      return { revoked: revoked === 1 };
    });
  }

  get(env: string, leaseId: string): Promise<LeaseRecord | null> {
    return guard(async () => {
      const json = await this.client.get(leaseKeys.record(env, leaseId));
      return json === null ? null : parseLeaseRecord(json);
    });
  }

  enqueueRevocation(env: string, target: RevocationTarget, atMs: number, nowMs: number): Promise<number> {
    return guard(async () => {
      checkEnvironmentTarget(env, target);
      const [queued] = await execReplicated(this.client, this.replicationWait, (pipeline) =>
        scriptsOn(pipeline).leashEnqueueLeases(
          leaseKeys.index(env, target),
          leaseKeys.queue(env),
          leaseKeys.schedule(env),
          isAbsoluteTarget(target) ? "" : String(atMs),
          String(nowMs),
        ),
      );
      return Number(queued);
    });
  }

  enqueueLease(env: string, leaseId: string, nowMs: number): Promise<void> {
    return guard(async () => {
      await this.client.sadd(leaseKeys.environments, env);
      await this.client
        .multi()
        .zadd(leaseKeys.queue(env), "NX", nowMs, leaseId)
        .zrem(leaseKeys.schedule(env), leaseId)
        .exec()
        .then(checkTransaction);
    });
  }

  environments(): Promise<string[]> {
    return guard(async () => (await this.client.smembers(leaseKeys.environments)).sort());
  }

  claim(env: string, options: ClaimOptions): Promise<ClaimedRevocation[]> {
    return guard(async () => {
      const reply = await this.commands.leashClaimLeases(
        leaseKeys.schedule(env),
        leaseKeys.queue(env),
        leaseKeys.attempts(env),
        String(options.nowMs),
        String(options.nowMs + Math.max(1, options.visibilityMs)),
        String(Math.max(1, Math.floor(options.limit))),
      );
      const claimed: ClaimedRevocation[] = [];
      for (let i = 0; i + 1 < reply.length; i += 2) {
        claimed.push({ leaseId: String(reply[i]), attempts: Number(reply[i + 1]) });
      }
      return claimed;
    });
  }

  ack(env: string, leaseId: string): Promise<void> {
    return guard(async () => {
      const json = await this.client.get(leaseKeys.record(env, leaseId));
      const lease = json === null ? null : parseLeaseRecord(json);
      const tx = this.client
        .multi()
        .zrem(leaseKeys.queue(env), leaseId)
        .hdel(leaseKeys.attempts(env), leaseId)
        .zrem(leaseKeys.schedule(env), leaseId)
        .del(leaseKeys.record(env, leaseId));
      // Without a record (it outlived Vault's own end of the lease) the index entries age out by score.
      if (lease) for (const key of leaseIndexKeys(lease)) tx.zrem(key, leaseIndexMember(lease));
      checkTransaction(await tx.exec());
    });
  }

  retry(env: string, leaseId: string, nextAttemptAt: number): Promise<void> {
    return guard(async () => {
      await this.client.zadd(leaseKeys.queue(env), "XX", Math.ceil(nextAttemptAt), leaseId);
    });
  }

  backlog(): Promise<LeaseRevocationBacklog> {
    return guard(async () => {
      const envs = await this.client.smembers(leaseKeys.environments);
      const totals: LeaseRevocationBacklog = { queued: 0, attempted: 0, scheduled: 0 };
      if (envs.length === 0) return totals;
      // One pipeline per environment: each environment's keys live in their own slot (in a Cluster, on any node).
      const perEnv = await Promise.all(
        envs.map((env) =>
          this.client
            .pipeline()
            .zcard(leaseKeys.queue(env))
            .hlen(leaseKeys.attempts(env))
            .zcard(leaseKeys.schedule(env))
            .exec(),
        ),
      );
      for (const results of perEnv) {
        (results ?? []).forEach(([error, count], index) => {
          if (error) throw error;
          const field = (["queued", "attempted", "scheduled"] as const)[index % 3]!;
          totals[field] += Number(count);
        });
      }
      return totals;
    });
  }
}

function checkTransaction(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([error]) => error !== null);
  if (results === null || failed) throw failed?.[0] ?? new Error("lease transaction aborted");
}

/** Any failure talking to Redis fails closed as StoreUnavailableError, like every RedisStore method. */
async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof LeashError) throw error;
    throw new StoreUnavailableError(error);
  }
}
