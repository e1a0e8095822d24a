// SQL no parser accepted, read by keywords: any destructive keyword counts, and unknown statements count too.
import type { Analysis } from "../analysis.ts";
import { judgeMysqlReset } from "./mysql-settings.ts";

const FALLBACK_RULES: [RegExp, string, string][] = [
  [
    /\bdrop\s+(table|database|schema|index|view|trigger|user|role|function|procedure|keyspace|collection|materialized|sequence|owned|extension|type)\b/i,
    "DROP",
    "table:delete",
  ],
  [/\bdrop\b/i, "DROP", "table:delete"],
  [/\btruncate\b/i, "TRUNCATE", "table:truncate"],
  [/\bdelete\b/i, "DELETE", "rows:delete"],
  [/\bupdate\s+\S+\s+set\b/i, "UPDATE", "rows:update"],
  [/\bdisable\b/i, "DISABLE", "trigger:disable"],
  [/\b(purge|wipe|erase|flushall|flushdb|dropdb)\b/i, "PURGE", "database:delete"],
  [/\breset\s+(master|slave|replica|binary\s+logs)\b/i, "RESET", "backup:delete"],
  [/\bmerge\b[\s\S]*\bdelete\b/i, "MERGE … DELETE", "rows:delete"],
];
/** Statements that bring dropped objects back: Snowflake's UNDROP, Oracle's FLASHBACK TABLE … TO BEFORE DROP. */
const MYSQL_RESET = /(?:^|;)\s*reset\s+(master|replica|slave|binary\s+logs\s+and\s+gtids)\b/i;
const RESTORE = /^\s*(?:undrop\s|flashback\s+table\s[^;]*\bto\s+before\s+drop\b)/i;
const READ_START =
  /^\s*(select|show|describe|desc|explain|values|pragma|use|begin|start|commit|rollback|savepoint|release|set|with|table|listen|notify|fetch|declare|close|prepare|execute|analyze|vacuum|checkpoint|lock|insert|create|comment|grant|copy|\\)/i;

/** Keyword reading for SQL no parser accepted: any destructive keyword counts, and unknown statements count too. */
export function sqlKeywordFallback(
  sql: string,
  an: Analysis,
  context = "SQL the parsers could not read",
): void {
  const code = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  if (!code.trim()) return;
  // MySQL's resets in the forms no parser has a grammar for (`RESET BINARY LOGS AND GTIDS`, `RESET MASTER TO 1`,
  // `RESET REPLICA ALL`) are judged as RESET MASTER and RESET REPLICA are.
  const reset = MYSQL_RESET.exec(code);
  if (reset) {
    judgeMysqlReset(/^binary/i.test(reset[1]!) ? "master" : reset[1]!.toLowerCase(), an);
    return;
  }
  for (const [pattern, keyword, actionName] of FALLBACK_RULES) {
    if (pattern.test(code)) {
      an.uncertain(`${context} contains ${keyword}`, true, actionName);
      return;
    }
  }
  const statements = code.split(";").filter((s) => s.trim());
  if (statements.every((s) => RESTORE.test(s))) {
    an.harmless(`${context} restores dropped objects`);
    return;
  }
  if (READ_START.test(code)) an.uncertain(`${context}; it looks read-only`, false);
  else an.uncertain(`${context} starts with "${code.trim().split(/\s+/)[0]}"`, true);
}
