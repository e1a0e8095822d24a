// Settings (SET, ALTER SYSTEM SET) that switch off archiving, durability, triggers, audit or binary logging.
import type { Analysis } from "../analysis.ts";
import { obj, str } from "./ast-values.ts";

/** The settings judged below: a value computed at run time may switch any of them off. */
const JUDGED_SETTING =
  /^(?:archive_mode|archive_command|wal_level|fsync|full_page_writes|session_replication_role|pgaudit\..+|log_statement)$/;

export function judgeSetting(name: string, value: string, system: boolean, an: Analysis): void {
  const scope = system ? "ALTER SYSTEM SET" : "SET";
  if (name === "archive_mode" && /off|false/.test(value))
    an.destroysSafetyNet(
      `${scope} archive_mode off stops WAL archiving, the base of point-in-time recovery`,
      "backup:disable",
    );
  else if (name === "archive_command" && /^(|\/bin\/true|true|:|exit 0)$/.test(value.trim()))
    an.destroysSafetyNet(
      `${scope} archive_command to a no-op discards WAL instead of archiving it`,
      "backup:disable",
    );
  else if (name === "wal_level" && value.includes("minimal"))
    an.destroysSafetyNet(`${scope} wal_level minimal breaks archiving and replicas`, "backup:disable");
  else if (/^(fsync|full_page_writes)$/.test(name) && /off|false/.test(value))
    an.destroys(`${scope} ${name} off risks unrecoverable corruption`, "database:update");
  else if (name === "session_replication_role" && value.includes("replica"))
    an.destroys(
      `${scope} session_replication_role = replica switches triggers and foreign keys off`,
      "trigger:disable",
    );
  else if (/^pgaudit\./.test(name) && /none|off/.test(value))
    an.destroysSafetyNet(`${scope} ${name} none switches audit logging off`, "audit-log:disable");
  else if (/^(log_statement)$/.test(name) && value.includes("none"))
    an.destroysSafetyNet(`${scope} log_statement none stops statement logging`, "audit-log:disable");
  // MySQL's, read here when node-sql-parser refuses the text around it (`SET sql_log_bin = 0; COMMIT WORK`).
  else if (name === "sql_log_bin" && /(?:^|\s)(?:0|off|false)(?:\s|$)/.test(value))
    an.destroysSafetyNet(
      `${scope} sql_log_bin = 0 stops binary logging, the base of point-in-time recovery`,
      "backup:disable",
    );
}

/**
 * set_config(setting_name, new_value, is_local) is SET written as a function call. Its arguments are read by position
 * or by name; a value computed at run time (`current_setting(…)`, a parameter) for a judged setting, or a setting
 * whose name is computed, may switch anything off.
 */
export function judgeSetConfig(args: unknown[], an: Analysis): void {
  const positional: unknown[] = [];
  const named = new Map<string, unknown>();
  for (const a of args) {
    const n = obj(a).NamedArgExpr;
    if (n) named.set(str(obj(n).name).toLowerCase(), obj(n).arg);
    else positional.push(a);
  }
  const setting = constantOf(positional[0] ?? named.get("setting_name"))?.toLowerCase();
  const value = constantOf(positional[1] ?? named.get("new_value"))?.toLowerCase();
  if (setting !== undefined && value !== undefined) judgeSetting(setting, value, false, an);
  else if (setting === undefined || JUDGED_SETTING.test(setting))
    an.uncertain(
      `set_config(${setting ?? "a computed setting"}, …) sets a value computed at run time, which may switch it off`,
      true,
    );
}

/** A constant's text (also cast, `'off'::text`); undefined for anything computed. */
function constantOf(node: unknown): string | undefined {
  let n = obj(node);
  if (n.TypeCast) n = obj(obj(n.TypeCast).arg);
  if (!n.A_Const) return undefined;
  const c = obj(n.A_Const);
  if (c.sval !== undefined) return str(obj(c.sval).sval);
  if (c.ival !== undefined) return String(obj(c.ival).ival ?? 0);
  if (c.boolval !== undefined) return String(obj(c.boolval).boolval ?? false);
  return undefined;
}
