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
    /\bcreate\s+or\s+replace\s+(?:transient\s+)?(?:database|schema)\b/i,
    "CREATE OR REPLACE DATABASE/SCHEMA replaces an existing one and every table in it",
    "database:overwrite",
    false,
  ],
  [
    /\bcreate\s+or\s+replace\s+(?:temporary\s+|temp\s+)?stage\b/i,
    "CREATE OR REPLACE STAGE replaces the stage, and the files staged in it are lost",
    "stage:overwrite",
    false,
  ],
  [
    // Databricks, Spark and ClickHouse: REPLACE TABLE … AS SELECT (MySQL's REPLACE INTO is a different statement).
    /(?:^|;)\s*replace\s+table\b/i,
    "REPLACE TABLE replaces an existing table and its data",
    "table:overwrite",
    false,
  ],
  [
    // Delta Lake's RESTORE rewinds the live table; every change after that version is gone from it.
    /\brestore\s+(?:table\s+)?\S+\s+to\s+(?:version|timestamp)\s+as\s+of\b/i,
    "RESTORE … TO VERSION/TIMESTAMP AS OF rewinds the table: later changes are lost",
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
