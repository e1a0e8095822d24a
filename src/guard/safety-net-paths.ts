// Paths that hold a safety net: backups, dumps and snapshots by name, audit logs, shell history and login records.
import { namesSafetyNet } from "./vocabulary.ts";

/** Backups and dumps by name: `app.db.bak`, `backups/`, `nightly_dump.sql`, `app.sql.gz`. */
export const BACKUP_PATH = /(\.(bak|dump|backup)(\.|$|\/)|(^|[/_.-])(dumps?|backups?)([/_.-]|$)|\.sql\.gz$)/i;
/** Audit logs, shell history, login records, and the system logs that record logins and security events. */
export const AUDIT_PATH =
  /(^|\/)(var\/log\/audit|audit\.log|\.bash_history|\.zsh_history|wtmp|btmp|lastlog|var\/log\/(?:auth\.log|secure|syslog|messages|kern\.log|faillog))(\/|$)/;
/** Jest's and Vitest's stored test expectations (`__snapshots__/app.test.ts.snap`): test files, not data snapshots. */
const TEST_SNAPSHOT_DIRECTORY = /(^|[\s/])__snapshots__(?=[\s/]|$)/g;

/** Whether the path names a backup, a dump, a snapshot or an audit log. */
export function isBackupPath(path: string): boolean {
  const named = path.replace(TEST_SNAPSHOT_DIRECTORY, "$1").replace(/[/.]/g, " ");
  return BACKUP_PATH.test(path) || namesSafetyNet(named) || AUDIT_PATH.test(path);
}
