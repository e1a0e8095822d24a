// In-process Store for dev mode and tests: the same rules as the Redis store, time from a Clock.
import type { Clock } from "../../clock/clock.ts";
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
import { MemoryApprovals } from "./memory-approvals.ts";
import { MemoryAudit } from "./memory-audit.ts";
import { memoryKeys } from "./memory-keys.ts";
import { MemoryLeaseStore } from "./memory-leases.ts";
import { MemoryRefusals } from "./memory-refusals.ts";

interface Expiring<T> {
  value: T;
  /** Clock time at which the key is gone (Redis PX semantics: absent once now ≥ expiresAt). */
  expiresAt: number | null;
}

/** Sorted set: member → score. */
type SortedSet = Map<string, number>;

export class MemoryStore implements Store {
  private readonly strings = new Map<string, Expiring<string>>();
  private readonly sortedSets = new Map<string, Expiring<SortedSet>>();
  private readonly sets = new Map<string, Set<string>>();
  /** Lock id → its record's key (the Redis store's `{locks}:ids` hash). */
  private readonly lockIds = new Map<string, string>();
  /** The live-task registry: task → its fields (the Redis store's `{tasks}:task:<id>` hash). */
  private readonly taskTokens = new Map<string, Record<string, string>>();
  private closed = false;

  readonly approvals: MemoryApprovals;
  readonly leases: MemoryLeaseStore;
  readonly audit: MemoryAudit;
  readonly refusals = new MemoryRefusals();

  constructor(private readonly clock: Clock) {
    this.approvals = new MemoryApprovals(clock);
    this.audit = new MemoryAudit(
      () => this.assertOpen(),
      () => clock.now(),
    );
    this.leases = new MemoryLeaseStore({
      clock,
      assertOpen: () => this.assertOpen(),
      readString: (key) => this.get(key),
    });
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async getGeneration(): Promise<string | null> {
    this.assertOpen();
    return this.get(memoryKeys.generation);
  }

  async ensureGeneration(candidate: string, environments: string[]): Promise<string> {
    this.assertOpen();
    const generation = this.get(memoryKeys.generation) ?? candidate;
    this.set(memoryKeys.generation, generation);
    for (const env of environments) this.set(memoryKeys.envGeneration(env), generation);
    return generation;
  }

  async savePrincipal(principal: Principal): Promise<void> {
    this.assertOpen();
    const previousJson = this.get(memoryKeys.principal(principal.id));
    const previous = previousJson === null ? null : parsePrincipal(previousJson);
    this.set(memoryKeys.principal(principal.id), JSON.stringify(principal));
    this.set(memoryKeys.keyHash(principal.keyHash), principal.id);
    if (previous && previous.keyHash !== principal.keyHash)
      this.strings.delete(memoryKeys.keyHash(previous.keyHash));
    this.setOf(memoryKeys.principalsOfKind(principal.kind)).add(principal.id);
    if (previous && previous.kind !== principal.kind) {
      this.setOf(memoryKeys.principalsOfKind(previous.kind)).delete(principal.id);
    }
  }

  async getPrincipal(id: string): Promise<Principal | null> {
    this.assertOpen();
    const json = this.get(memoryKeys.principal(id));
    return json === null ? null : parsePrincipal(json);
  }

  async findPrincipalByKeyHash(keyHash: string): Promise<Principal | null> {
    this.assertOpen();
    const id = this.get(memoryKeys.keyHash(keyHash));
    if (id === null) return null;
    const principal = await this.getPrincipal(id);
    // The index is only a pointer; the principal record decides which key is current.
    return principal && principal.keyHash === keyHash ? principal : null;
  }

  async listPrincipals(kind: PrincipalKind): Promise<Principal[]> {
    this.assertOpen();
    const principals: Principal[] = [];
    for (const id of this.setOf(memoryKeys.principalsOfKind(kind))) {
      const principal = await this.getPrincipal(id);
      if (principal && principal.kind === kind) principals.push(principal);
    }
    return sortPrincipals(principals);
  }

  async claimTask(task: string, agent: string, ttlMs: number): Promise<string> {
    this.assertOpen();
    const key = memoryKeys.taskOwner(task);
    const current = this.live(this.strings, key);
    const expiresAt = this.clock.now() + wholeMs(ttlMs);
    if (!current) {
      this.strings.set(key, { value: agent, expiresAt });
      return agent;
    }
    if (current.value === agent && current.expiresAt !== null && current.expiresAt < expiresAt) {
      current.expiresAt = expiresAt;
    }
    return current.value;
  }

  async recordTaskToken(token: TaskTokenRecord): Promise<void> {
    this.assertOpen();
    const { meta, field, value } = taskTokenFields(token);
    const fields = this.taskTokens.get(token.task) ?? { meta };
    fields[field] = value;
    this.taskTokens.set(token.task, fields);
  }

  async liveTasks(nowMs: number, limit: number): Promise<LiveTask[]> {
    this.assertOpen();
    const live: Array<{ task: LiveTask; lastExpiry: number }> = [];
    for (const [id, fields] of this.taskTokens) {
      const task = liveTaskOf(id, fields, nowMs);
      if (task) live.push({ task, lastExpiry: Math.max(...task.tokens.map((token) => token.expiresAt)) });
      // Like the Redis hash's expiry: a task whose tokens all expired is forgotten.
      else if (liveTaskOf(id, fields, this.clock.now()) === null) this.taskTokens.delete(id);
    }
    return live
      .sort((a, b) => b.lastExpiry - a.lastExpiry || (a.task.task < b.task.task ? 1 : -1))
      .slice(0, limit)
      .map(({ task }) => task);
  }

  async limitUsage(env: string, counters: CounterWindow[], nowMs: number): Promise<number[]> {
    this.assertOpen();
    return counters.map((counter) => {
      let count = 0;
      for (const score of this.sortedSet(memoryKeys.limit(env, counter.key)).values())
        if (score >= nowMs - counter.windowMs) count++;
      return count;
    });
  }

  async claimWorkloadToken(issuer: string, jti: string, ttlMs: number): Promise<boolean> {
    this.assertOpen();
    const key = memoryKeys.workloadTokenUsed(issuer, jti);
    if (this.live(this.strings, key)) return false;
    this.strings.set(key, { value: "1", expiresAt: this.clock.now() + wholeMs(ttlMs) });
    return true;
  }

  async revoke(revocation: Revocation): Promise<void> {
    this.assertOpen();
    const { atMs, ttlMs } = revocationPlan(revocation);
    const key = memoryKeys.revocation(revocation.env, revocation.target);
    const now = this.clock.now();
    let at = atMs;
    let expiresAt = now + ttlMs;
    const current = this.live(this.strings, key);
    if (current) {
      at = Math.max(at, Number(current.value));
      expiresAt = Math.max(expiresAt, current.expiresAt ?? Number.POSITIVE_INFINITY);
    }
    this.strings.set(key, { value: String(at), expiresAt: Number.isFinite(expiresAt) ? expiresAt : null });
    if (revocation.audit) this.audit.appendNow(revocation.audit, revocation.audit.entry);
  }

  async isTaskRevoked(env: string, task: string): Promise<boolean> {
    this.assertOpen();
    return this.get(memoryKeys.revocation(env, { kind: "task", value: task })) !== null;
  }

  async mintChecks(env: string, task: string): Promise<{ generation: string | null; taskRevoked: boolean }> {
    this.assertOpen();
    return {
      generation: this.get(memoryKeys.envGeneration(env)),
      taskRevoked: this.get(memoryKeys.revocation(env, { kind: "task", value: task })) !== null,
    };
  }

  async lock(lock: Lock): Promise<Lock> {
    this.assertOpen();
    // The same merge as LOCK_LUA: one lock per target, never weakened.
    const recordKey = memoryKeys.lock(lock.target);
    const current = this.get(recordKey);
    const inForce: Lock = { ...lock, environments: [...lock.environments] };
    if (current !== null) {
      const old = parseLock(current);
      inForce.id = old.id;
      inForce.expiresAt =
        old.expiresAt === null || lock.expiresAt === null ? null : Math.max(old.expiresAt, lock.expiresAt);
      for (const env of old.environments)
        if (!inForce.environments.includes(env)) inForce.environments.push(env);
    }
    const expiresAt =
      inForce.expiresAt === null ? null : this.clock.now() + wholeMs(inForce.expiresAt - lock.createdAt);
    this.strings.set(recordKey, { value: JSON.stringify(inForce), expiresAt });
    this.lockIds.set(inForce.id, recordKey);
    for (const env of inForce.environments) {
      this.strings.set(memoryKeys.envLock(env, inForce.target), { value: inForce.id, expiresAt });
    }
    return inForce;
  }

  async listLocks(): Promise<Lock[]> {
    this.assertOpen();
    const locks: Lock[] = [];
    for (const [id, recordKey] of this.lockIds) {
      const json = this.get(recordKey);
      const lock = json === null ? null : parseLock(json);
      if (lock && lock.id === id) locks.push(lock);
      else this.lockIds.delete(id);
    }
    return sortLocks(locks);
  }

  async lockOn(targets: LockTarget[]): Promise<Lock | null> {
    this.assertOpen();
    for (const target of targets) {
      const json = this.get(memoryKeys.lock(target));
      if (json !== null) return parseLock(json);
    }
    return null;
  }

  async removeLock(id: string): Promise<Lock | null> {
    this.assertOpen();
    const recordKey = this.lockIds.get(id);
    const json = recordKey === undefined ? null : this.get(recordKey);
    const lock = json === null ? null : parseLock(json);
    this.lockIds.delete(id);
    if (!lock || lock.id !== id) return null;
    for (const env of lock.environments) {
      const key = memoryKeys.envLock(env, lock.target);
      if (this.get(key) === id) this.strings.delete(key);
    }
    this.strings.delete(recordKey!);
    return lock;
  }

  async enforce(check: EnforcementCheck): Promise<EnforcementOutcome> {
    const { outcome, atMs } = await this.decide(check);
    // As the enforce script does: the decision's record, unless the caller goes on deciding a held call; timed when
    // its windows were decided.
    const held = check.holdReason !== undefined && outcome.reason === check.holdReason && !outcome.allow;
    if (check.audit && !(held && check.audit.skipWhenHeld)) {
      this.audit.appendNow(
        { ...check.audit, entry: { ...check.audit.entry, time: atMs } },
        {
          decision: outcome.allow ? "allow" : "deny",
          reason: outcome.reason,
          limit: outcome.limit ?? "",
        },
      );
    }
    return outcome;
  }

  private async decide(check: EnforcementCheck): Promise<{ outcome: EnforcementOutcome; atMs: number }> {
    this.assertOpen();
    // Mirrors the Lua script in redis/scripts/enforce-script.ts step by step; everything below runs without awaiting, so it
    // is atomic with respect to other callers of this store.
    const refuse = (reason: string) => ({ outcome: { allow: false, reason }, atMs: check.nowMs });
    const { env } = check;
    const genKey = memoryKeys.envGeneration(env);
    const jtiKey = memoryKeys.revocation(env, { kind: "jti", value: check.jti });
    const taskKey = memoryKeys.revocation(env, { kind: "task", value: check.task });
    const agentKey = memoryKeys.revocation(env, { kind: "agent", value: check.agent });
    const scopeKey = memoryKeys.revocation(env, { kind: "scope", value: check.scope });
    const envKey = memoryKeys.revocation(env, { kind: "environment", value: env });
    const lockKeys = [
      memoryKeys.envLock(env, { kind: "agent", value: check.agent }),
      memoryKeys.envLock(env, { kind: "scope", value: check.scope }),
      memoryKeys.envLock(env, { kind: "environment", value: env }),
    ];
    const generation = this.get(genKey);
    if (generation === null || generation !== check.generation) return refuse("stale_generation");

    if ([jtiKey, taskKey, ...lockKeys].some((key) => this.get(key) !== null)) return refuse("revoked");
    for (const key of [agentKey, scopeKey, envKey]) {
      const at = this.get(key);
      if (at !== null && Number(at) >= check.issuedAtMs) return refuse("revoked");
    }
    for (const jti of check.lineage?.jtis ?? []) {
      if (this.get(memoryKeys.revocation(check.env, { kind: "jti", value: jti })) !== null)
        return refuse("revoked");
    }
    for (const agent of check.lineage?.agents ?? []) {
      if (this.get(memoryKeys.envLock(check.env, { kind: "agent", value: agent })) !== null)
        return refuse("revoked");
      const at = this.get(memoryKeys.revocation(check.env, { kind: "agent", value: agent }));
      if (at !== null && Number(at) >= check.issuedAtMs) return refuse("revoked");
    }

    if (check.denyReason) return refuse(check.denyReason);

    // One clock per counter: timed no earlier than the latest event of any counter this call touches.
    const windows = check.limits.map((counter) => ({
      counter,
      key: memoryKeys.limit(check.env, counter.key),
      events: this.sortedSet(memoryKeys.limit(check.env, counter.key)),
    }));
    let now = check.nowMs;
    for (const { events } of windows) for (const score of events.values()) now = Math.max(now, score);
    const decided = (outcome: EnforcementOutcome) => ({ outcome, atMs: now });

    let exceeded: string | undefined;
    let revoking: string | undefined;
    for (const { counter, events } of windows) {
      const from = now - counter.windowMs;
      let inWindow = 0;
      for (const score of events.values()) if (score >= from) inWindow++;
      if (inWindow >= counter.max) {
        exceeded ??= counter.key;
        if (counter.onExceed === "revoke_task") revoking ??= counter.key;
      }
    }
    if (revoking !== undefined) {
      this.strings.set(taskKey, {
        value: String(now),
        expiresAt: this.clock.now() + wholeMs(check.taskRevocationTtlMs),
      });
      // The task is revoked: its Vault leases join the revocation queue, as in the Redis store.
      await this.leases.enqueueRevocation(check.env, { kind: "task", value: check.task }, now, now);
      return decided({ allow: false, reason: "rate_limited", limit: revoking, taskRevoked: true });
    }
    if (exceeded !== undefined) return decided({ allow: false, reason: "rate_limited", limit: exceeded });

    if (check.holdReason) return decided({ allow: false, reason: check.holdReason });

    for (const { counter, key, events } of windows) {
      events.set(check.eventId, now);
      // Only an allowed call trims, up to its own window: every later decision is timed at or after it.
      for (const [member, score] of events) if (score < now - counter.windowMs) events.delete(member);
      this.sortedSets.set(key, { value: events, expiresAt: this.clock.now() + wholeMs(counter.windowMs) });
    }
    return decided({ allow: true, reason: "ok" });
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError(new Error("memory store is closed"));
  }

  private live<T>(map: Map<string, Expiring<T>>, key: string): Expiring<T> | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== null && this.clock.now() >= entry.expiresAt) {
      map.delete(key);
      return null;
    }
    return entry;
  }

  private get(key: string): string | null {
    return this.live(this.strings, key)?.value ?? null;
  }

  /** Sets without expiry, like a plain Redis SET. */
  private set(key: string, value: string): void {
    this.strings.set(key, { value, expiresAt: null });
  }

  private sortedSet(key: string): SortedSet {
    const entry = this.live(this.sortedSets, key);
    if (entry) return entry.value;
    // Not stored until something is added, like Redis (an empty sorted set does not exist).
    return new Map();
  }

  private setOf(key: string): Set<string> {
    let set = this.sets.get(key);
    if (!set) {
      set = new Set();
      this.sets.set(key, set);
    }
    return set;
  }
}
