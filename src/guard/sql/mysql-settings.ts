// MySQL's binary-log settings and resets that throw away what point-in-time recovery replays.
import type { Analysis } from "../analysis.ts";

/**
 * MySQL's binary-log expiry (binlog_expire_logs_seconds, expire_logs_days): a day or less keeps too little to recover
 * to a point in time (0 means never expire).
 */
export function judgeMysqlLogExpiry(name: string, value: number, an: Analysis): void {
  const seconds =
    name === "binlog_expire_logs_seconds" ? value : name === "expire_logs_days" ? value * 86_400 : undefined;
  if (seconds !== undefined && seconds > 0 && seconds <= 86_400)
    an.destroysSafetyNet(
      `SET ${name} = ${value} deletes binary logs, the base of point-in-time recovery, after ${seconds} s`,
      "backup:delete",
    );
}

/** The variable a SET names, also when scoped with `@@GLOBAL.name`, `@@persist.name` or `@@session.name`. */
export function mysqlVariableName(left: { name?: unknown; members?: unknown }): string {
  const name = String(left.name ?? "").toLowerCase();
  const member = Array.isArray(left.members) ? left.members.at(-1) : undefined;
  return typeof member === "string" && /^(global|persist|persist_only|session|local)$/.test(name)
    ? member.toLowerCase()
    : name;
}

/** RESET MASTER deletes every binary log; RESET REPLICA/SLAVE the relay logs and position. True when `what` is one. */
export function judgeMysqlReset(what: string, an: Analysis): boolean {
  if (what === "master")
    an.destroysSafetyNet(
      "RESET MASTER deletes every binary log, the base of point-in-time recovery",
      "backup:delete",
    );
  else if (what === "replica" || what === "slave")
    an.destroys(
      `RESET ${what.toUpperCase()} forgets the replica's position and deletes its relay logs`,
      "replica:reset",
    );
  else return false;
  return true;
}
