// Destroying rows or tables: an ordinary destruction, or a safety net's when the name says backup, archive or audit.
import type { Analysis } from "../analysis.ts";

const SAFETY_NET_NAME = /audit|backup|snapshot|archive|(^|_)bak(_|$)|_history$|^history_/i;

/** Destroying a table or rows whose name says backup/audit/archive is destroying a safety net. */
export function dataLoss(an: Analysis, name: string, reason: string, actionName: string): void {
  if (SAFETY_NET_NAME.test(name))
    an.destroysSafetyNet(
      `${reason} (a backup, archive or audit table)`,
      /audit/i.test(name) ? "audit-log:delete" : "backup:delete",
    );
  else an.destroys(reason, actionName);
}
