// Settings (SET, ALTER SYSTEM SET) that switch off archiving, durability, triggers or audit logging.
import type { Analysis } from "../analysis.ts";

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
}
