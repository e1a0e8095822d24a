// Every Lua script of the Redis store, by the command name it is called with. defineScripts gives each to ioredis's
// defineCommand: calls go out as EVALSHA, and a script's text travels only when a Redis server does not know it yet.
// Every key a script touches is one of its declared keys: the first `numberOfKeys` arguments, or for a script
// without a fixed number (the enforce batch), as many as its first argument says.
import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "../redis-client.ts";
import {
  BEGIN_TOTP_ATTEMPT_LUA,
  CLAIM_TOTP_STEP_LUA,
  CREATE_WITHIN_LIMIT_LUA,
  END_TOTP_ATTEMPT_LUA,
  REPLACE_IF_VERSION_LUA,
} from "./approval-scripts.ts";
import {
  AUDIT_APPEND_BATCH_LUA,
  AUDIT_APPEND_LUA,
  AUDIT_CLAIM_SEALING_LUA,
  AUDIT_SEAL_LUA,
} from "./audit-scripts.ts";
import { ENFORCE_BATCH_LUA } from "./enforce-script.ts";
import { CLAIM_LEASES_LUA, ENQUEUE_LEASES_LUA, RECORD_LEASE_LUA } from "./lease-scripts.ts";
import { COUNT_REFUSAL_LUA, TAKE_REFUSAL_TALLY_LUA } from "./refusal-scripts.ts";
import {
  DELETE_IF_VALUE_LUA,
  LOCK_LUA,
  RECORD_TASK_TOKEN_LUA,
  REVOKE_LUA,
  SAVE_PRINCIPAL_LUA,
  UNLOCK_LUA,
} from "./store-scripts.ts";

interface ScriptDefinition {
  lua: string;
  /** Absent: the caller passes the number of keys before them. */
  numberOfKeys?: number;
}

export const SCRIPTS = {
  leashEnforceBatch: { lua: ENFORCE_BATCH_LUA },
  leashRevoke: { lua: REVOKE_LUA, numberOfKeys: 1 },
  leashSavePrincipal: { lua: SAVE_PRINCIPAL_LUA, numberOfKeys: 5 },
  leashLock: { lua: LOCK_LUA, numberOfKeys: 2 },
  leashUnlock: { lua: UNLOCK_LUA, numberOfKeys: 2 },
  leashDeleteIfValue: { lua: DELETE_IF_VALUE_LUA, numberOfKeys: 1 },
  leashRecordTaskToken: { lua: RECORD_TASK_TOKEN_LUA, numberOfKeys: 2 },
  leashAuditAppend: { lua: AUDIT_APPEND_LUA, numberOfKeys: 2 },
  leashAuditAppendBatch: { lua: AUDIT_APPEND_BATCH_LUA, numberOfKeys: 2 },
  leashAuditSeal: { lua: AUDIT_SEAL_LUA, numberOfKeys: 2 },
  leashAuditClaimSealing: { lua: AUDIT_CLAIM_SEALING_LUA, numberOfKeys: 1 },
  leashRecordLease: { lua: RECORD_LEASE_LUA, numberOfKeys: 13 },
  leashEnqueueLeases: { lua: ENQUEUE_LEASES_LUA, numberOfKeys: 3 },
  leashClaimLeases: { lua: CLAIM_LEASES_LUA, numberOfKeys: 3 },
  leashCreateApproval: { lua: CREATE_WITHIN_LIMIT_LUA, numberOfKeys: 4 },
  leashReplaceApproval: { lua: REPLACE_IF_VERSION_LUA, numberOfKeys: 4 },
  leashBeginTotpAttempt: { lua: BEGIN_TOTP_ATTEMPT_LUA, numberOfKeys: 2 },
  leashEndTotpAttempt: { lua: END_TOTP_ATTEMPT_LUA, numberOfKeys: 2 },
  leashClaimTotpStep: { lua: CLAIM_TOTP_STEP_LUA, numberOfKeys: 1 },
  leashCountRefusal: { lua: COUNT_REFUSAL_LUA, numberOfKeys: 3 },
  leashTakeRefusalTally: { lua: TAKE_REFUSAL_TALLY_LUA, numberOfKeys: 2 },
} as const satisfies Record<string, ScriptDefinition>;

/** The scripts as commands: declared keys first, then the arguments, all as strings (see each script's comment). */
export interface LeashScripts {
  /** Arguments from enforcementBatchArgs: the number of keys, the keys, the profiles, each decision's arguments. */
  leashEnforceBatch(...keysAndDecisions: string[]): Promise<Array<number | string>>;
  leashRevoke(key: string, atMs: string, ttlMs: string): Promise<number>;
  leashSavePrincipal(...keysAndArgs: string[]): Promise<number>;
  leashLock(recordKey: string, idsKey: string, lock: string, nowMs: string): Promise<string>;
  leashUnlock(recordKey: string, idsKey: string, id: string): Promise<number>;
  leashDeleteIfValue(key: string, value: string): Promise<number>;
  leashRecordTaskToken(indexKey: string, taskKey: string, ...args: string[]): Promise<number>;
  leashAuditAppend(...keysAndArgs: string[]): Promise<[string, string]>;
  /** Stream and head, then nowMs and value-to-seq per record; {id, seq} per record, flat. */
  leashAuditAppendBatch(...keysAndArgs: string[]): Promise<string[]>;
  leashAuditSeal(...keysAndArgs: string[]): Promise<number>;
  leashAuditClaimSealing(key: string, owner: string, ttlMs: string): Promise<number>;
  leashRecordLease(...keysAndArgs: string[]): Promise<number>;
  leashEnqueueLeases(
    index: string,
    queue: string,
    schedule: string,
    atMs: string,
    nowMs: string,
  ): Promise<number>;
  leashClaimLeases(
    schedule: string,
    queue: string,
    attempts: string,
    nowMs: string,
    visibleAgainAt: string,
    limit: string,
  ): Promise<(string | number)[]>;
  leashCreateApproval(...keysAndArgs: string[]): Promise<[number, "task" | "agent", number, number]>;
  leashReplaceApproval(...keysAndArgs: string[]): Promise<number>;
  leashBeginTotpAttempt(
    attemptsKey: string,
    lockKey: string,
    maxFailures: string,
    windowMs: string,
  ): Promise<[number, number]>;
  leashEndTotpAttempt(
    attemptsKey: string,
    lockKey: string,
    outcome: "accepted" | "failed",
    maxFailures: string,
    windowMs: string,
  ): Promise<[number, number, number, number]>;
  leashClaimTotpStep(lastStepKey: string, step: string, ttlMs: string): Promise<number>;
  leashCountRefusal(...keysAndArgs: string[]): Promise<number>;
  leashTakeRefusalTally(tallyKey: string, closingKey: string, id: string): Promise<string[]>;
}

const defined = new WeakSet<RedisClient>();

/** Defines every script on the client (once per client, whichever part of the store asks first). */
export function defineScripts(client: RedisClient): LeashScripts {
  if (!defined.has(client)) {
    for (const [name, script] of Object.entries(SCRIPTS)) client.defineCommand(name, script);
    defined.add(client);
  }
  return client as unknown as LeashScripts;
}

/**
 * The scripts queued on a pipeline or transaction of a client defineScripts was given; their replies come back
 * from exec(), in the pipeline's order.
 */
export const scriptsOn = (pipeline: ChainableCommander): LeashScripts => pipeline as unknown as LeashScripts;
