// How Store records are written to and read back from string values, shared by the Redis and memory stores.
import { LeashError } from "../errors/leash-error.ts";
import type { LiveTask, Lock, Principal, Revocation, TaskTokenRecord } from "./store.ts";

const parseObject = (json: string, what: string): Record<string, unknown> => {
  const value: unknown = JSON.parse(json);
  if (typeof value !== "object" || value === null || typeof (value as { id?: unknown }).id !== "string") {
    // Thrown as a plain error: the Redis store turns it into StoreUnavailableError (fail closed on corrupt state).
    throw new Error(`stored ${what} is not a valid record`);
  }
  return value as Record<string, unknown>;
};

export const parsePrincipal = (json: string): Principal =>
  parseObject(json, "principal") as unknown as Principal;

export const parseLock = (json: string): Lock => {
  const lock = parseObject(json, "lock") as unknown as Lock;
  // cjson writes an empty Lua table as an object; a lock always names its environments, but be strict anyway.
  if (!Array.isArray(lock.environments)) lock.environments = [];
  return lock;
};

/** Oldest first, then by id. */
export const sortLocks = (locks: Lock[]): Lock[] =>
  locks.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** Oldest first, then by id, so both stores list principals in the same order. */
export const sortPrincipals = (principals: Principal[]): Principal[] =>
  principals.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** A positive whole number of milliseconds, as Redis PX/PEXPIRE require. */
export const wholeMs = (ms: number): number => Math.max(1, Math.ceil(ms));

/** The marker a revocation writes (in its environment, for its target): the not-before time and how long it lives. */
export const revocationPlan = (revocation: Revocation): { atMs: number; ttlMs: number } => {
  const { target, env } = revocation;
  if (target.kind === "environment" && target.value !== env) {
    throw new LeashError(
      "invalid_revocation",
      `an environment revocation for ${JSON.stringify(target.value)} must be written to that environment, not ${JSON.stringify(env)}`,
    );
  }
  if (!Number.isFinite(revocation.atMs) || !Number.isFinite(revocation.ttlMs)) {
    throw new LeashError("invalid_revocation", "a revocation needs a finite atMs and ttlMs");
  }
  return { atMs: revocation.atMs, ttlMs: wholeMs(revocation.ttlMs) };
};

/** The live-task registry's record of one task as field → value (what the Redis hash holds). */
export function taskTokenFields(token: TaskTokenRecord): { meta: string; field: string; value: string } {
  return {
    meta: JSON.stringify({ agent: token.agent, intent: token.intent }),
    field: `jti:${token.jti}`,
    value: JSON.stringify({
      scope: token.scope,
      env: token.env,
      issuedAt: token.issuedAt,
      expiresAt: token.expiresAt,
    }),
  };
}

/** A task read back from its registry fields, with only the tokens alive at `nowMs`; null when none is. */
export function liveTaskOf(task: string, fields: Record<string, string>, nowMs: number): LiveTask | null {
  if (!fields.meta) return null;
  const meta = JSON.parse(fields.meta) as { agent: string; intent: string };
  const tokens = Object.entries(fields)
    .filter(([field]) => field.startsWith("jti:"))
    .map(([field, json]) => ({
      jti: field.slice("jti:".length),
      ...(JSON.parse(json) as Omit<TaskTokenRecord, "jti" | "task" | "agent" | "intent">),
    }))
    .filter((token) => token.expiresAt > nowMs)
    .sort((a, b) => a.issuedAt - b.issuedAt || (a.jti < b.jti ? -1 : 1));
  if (tokens.length === 0) return null;
  return {
    task,
    agent: meta.agent,
    intent: meta.intent,
    tokens: tokens.map(({ jti, scope, env, issuedAt, expiresAt }) => ({
      jti,
      scope,
      env,
      issuedAt,
      expiresAt,
    })),
  };
}
