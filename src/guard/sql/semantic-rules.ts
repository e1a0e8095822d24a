// Destruction some engines spell as ordinary DDL or settings (Snowflake, Databricks, Hive, BigQuery, Spark), found
// in the text whichever parser reads it.
import type { Analysis } from "../analysis.ts";

const SEMANTIC_RULES: [RegExp, string, string, boolean][] = [
  [
    /\bcreate\s+or\s+replace\s+(?:transient\s+|temporary\s+|temp\s+)?table\b/i,
    "CREATE OR REPLACE TABLE replaces an existing table and its data",
    "table:overwrite",
    false,
  ],
  [
    // MySQL's BLACKHOLE engine keeps no rows at all, and MEMORY loses them all on a restart.
    /\balter\s+table\b[^;]*\bengine\s*=?\s*[`'"]?(?:blackhole|memory|heap)\b/i,
    "ALTER TABLE … ENGINE=BLACKHOLE/MEMORY moves the table to an engine that discards or does not keep its rows",
    "table:overwrite",
    false,
  ],
  [
    /\binsert\s+overwrite\b/i,
    "INSERT OVERWRITE replaces the table's or partition's rows",
    "table:overwrite",
    false,
  ],
  [
    /\b(?:data_retention_time_in_days|max_data_extension_time_in_days)\s*=\s*0\b/i,
    "retention 0 switches time travel off",
    "backup:disable",
    true,
  ],
  [
    /\b(?:delta\.)?(?:logRetentionDuration|deletedFileRetentionDuration)\b[^;]*\binterval\s+0\b/i,
    "cuts the table's history retention to nothing",
    "backup:disable",
    true,
  ],
  [
    /\bvacuum\b[^;]*\bretain\s+0\b/i,
    "VACUUM RETAIN 0 deletes every old version of the table",
    "backup:delete",
    true,
  ],
  [
    /\bbackup_retention_period\s*=\s*0\b|\bpitr\b[^;]*\b(off|false|disable)/i,
    "switches point-in-time recovery off",
    "backup:disable",
    true,
  ],
];

export function judgeSemanticDestruction(sql: string, an: Analysis): void {
  for (const [pattern, reason, actionName, safetyNet] of SEMANTIC_RULES) {
    if (!pattern.test(sql)) continue;
    if (safetyNet) an.destroysSafetyNet(reason, actionName);
    else an.destroys(reason, actionName);
  }
}
