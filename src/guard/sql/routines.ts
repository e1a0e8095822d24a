// Routines whose bodies the guard cannot see (a stored procedure, an extension's function), judged by their names.
import type { Analysis } from "../analysis.ts";
import { action } from "../vocabulary.ts";

const DESTRUCTIVE_ROUTINE = /(^|_)(drop|delete|truncate|purge|remove|wipe|destroy|unlink)(_|$)/;
/** Removing a scheduled policy (TimescaleDB's remove_retention_policy, remove_compression_policy) loses no data. */
const POLICY_REMOVAL = /^remove_\w*policy$/;
/** Policies that delete data from then on: TimescaleDB drops every chunk older than the interval, again and again. */
const RETENTION_POLICY = /^add_retention_policy$/;

/** Whether judgeRoutineName finds anything in a call of `name` (lower case, schema dropped). */
export function routineNameSaysDestroys(name: string): boolean {
  return (
    name === "pg_drop_replication_slot" ||
    RETENTION_POLICY.test(name) ||
    (DESTRUCTIVE_ROUTINE.test(name) && !POLICY_REMOVAL.test(name))
  );
}

/** A call of `name` (lower case, schema dropped), from SELECT, PERFORM or CALL. */
export function judgeRoutineName(name: string, an: Analysis): void {
  if (name === "pg_drop_replication_slot")
    an.destroys("pg_drop_replication_slot breaks the replica reading from it", "replication-slot:delete");
  else if (RETENTION_POLICY.test(name))
    an.destroys(`${name}() schedules the deletion of every chunk older than its interval`, "rows:delete");
  else if (DESTRUCTIVE_ROUTINE.test(name) && !POLICY_REMOVAL.test(name))
    an.destroys(`${name}() deletes data`, routineCallAction(name));
}

/** The action a call of the routine `name` (lower case) is recorded as: `purge-orders:call`. */
export function routineCallAction(name: string): string {
  return action(name.replace(/^(pg|lo)_/, "").replace(/_/g, "-"), "call");
}
