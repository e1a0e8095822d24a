// A token's standing without the enforce script, for a check that only reads: it counts nothing, brings no deny or
// hold reason and appends no audit record (introspection, grants, an exchange's parent token). What the script would
// read for it, the generation and the token's revocation and lock markers, all in its environment's slot, is read
// as one MGET (itself atomic: one instant, as the script is) and judged here exactly as the script judges it. One
// MGET carries many requests' reads (coalesced-reads.ts): Redis spent about a third of the CPU per introspection it
// spent running the script for it, and the broker builds no script arguments. Every marker is a string (its
// not-before time, or a lock's id), so MGET reads a present marker as present, as EXISTS counts it.
import type { EnforcementCheck, EnforcementOutcome } from "../store.ts";
import { storeKeys } from "./keys.ts";
import { lineageMarkerKeys, markerKeys } from "./scripts/enforce-script.ts";

/** Whether enforcing `check` writes nothing: no counters, no deny or hold reason, no audit record. */
export const onlyReads = (check: EnforcementCheck): boolean =>
  check.limits.length === 0 && !check.denyReason && !check.holdReason && check.audit === undefined;

/** Where each kind of marker sits in the keys standingKeys lists. */
interface StandingLayout {
  keys: string[];
  /** Indexes of markers that refuse whenever they exist. */
  absolute: number[];
  /** Indexes of not-before markers: they refuse a token issued at or before the time they hold. */
  notBefore: number[];
}

// enforcementKeys order, without the generation: jti, task, agent, scope, environment revocations, then the agent,
// scope and environment locks. jti and task revocations and the locks are absolute; the other three not-before.
const ABSOLUTE = [1, 2, 6, 7, 8];
const NOT_BEFORE = [3, 4, 5];

/** The keys to read for `check`: the environment's generation first, then the markers. */
export function standingKeys(check: EnforcementCheck): StandingLayout {
  const keys = [storeKeys.envGeneration(check.env), ...markerKeys(check)];
  if (!check.lineage) return { keys, absolute: ABSOLUTE, notBefore: NOT_BEFORE };
  const lineage = lineageMarkerKeys(check.env, check.lineage);
  const absolute = [...ABSOLUTE];
  const notBefore = [...NOT_BEFORE];
  for (const key of lineage.absolute) absolute.push(keys.push(key) - 1);
  for (const key of lineage.actors) notBefore.push(keys.push(key) - 1);
  return { keys, absolute, notBefore };
}

/**
 * The script's verdict on a check that only reads, from the values of standingKeys' keys (null: no such key, or not
 * a string) and how many of those keys exist (EXISTS, which counts keys of every type).
 */
export function standingOf(
  check: EnforcementCheck,
  layout: StandingLayout,
  values: Array<string | null>,
  existing: number,
): EnforcementOutcome {
  if (values[0] == null || values[0] !== check.generation)
    return { allow: false, reason: "stale_generation" };
  // MGET reads a key of another type as absent, where the script's EXISTS counts it (and its GET fails): more keys
  // than values is a marker nobody wrote as leash writes them, and refuses, as the script would.
  let present = 0;
  for (const value of values) if (value != null) present++;
  if (existing > present) return { allow: false, reason: "revoked" };
  for (const index of layout.absolute) {
    if (values[index] != null) return { allow: false, reason: "revoked" };
  }
  for (const index of layout.notBefore) {
    const at = values[index];
    if (at != null && markerTime(at) >= check.issuedAtMs) return { allow: false, reason: "revoked" };
  }
  return { allow: true, reason: "ok" };
}

/** A not-before marker's time; anything else is a store fault (the script fails on it too): never read as absent. */
function markerTime(value: string): number {
  const at = Number(value);
  if (value.trim() === "" || !Number.isFinite(at)) {
    throw new Error(`a revocation marker holds ${JSON.stringify(value.slice(0, 40))}, not a time`);
  }
  return at;
}
