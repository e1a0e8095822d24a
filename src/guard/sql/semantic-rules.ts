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
  // Exports and unloads that write over what their target already holds: Snowflake's COPY INTO a stage or URL and
  // PUT with OVERWRITE, BigQuery's EXPORT DATA with overwrite, Redshift's UNLOAD with ALLOWOVERWRITE or CLEANPATH
  // (which first deletes everything under the prefix), ClickHouse's *_truncate_on_insert and INTO OUTFILE … TRUNCATE,
  // DuckDB's partitioned COPY … TO with OVERWRITE (which empties the directory) or OVERWRITE_OR_IGNORE.
  [
    /\bcopy\s+into\s+(?:@|'[a-z][a-z0-9]*:\/\/)[^;]*\boverwrite\s*=\s*true\b/i,
    "COPY INTO a stage or location with OVERWRITE = TRUE writes over the files already there",
    "object:overwrite",
    false,
  ],
  [
    /(?:^|;)\s*put\s+\S+\s+@[^;]*\boverwrite\s*=\s*true\b/i,
    "PUT with OVERWRITE = TRUE replaces staged files of the same name",
    "object:overwrite",
    false,
  ],
  [
    /\bexport\s+data\b[^;]*\boverwrite\s*=\s*true\b/i,
    "EXPORT DATA with overwrite = true replaces the files at the destination",
    "object:overwrite",
    false,
  ],
  [
    /\bunload\s*\([\s\S]*\bto\s+'[^']*'[\s\S]*?\b(?:allowoverwrite|cleanpath)\b/i,
    "UNLOAD with ALLOWOVERWRITE or CLEANPATH writes over or deletes the files under the target prefix",
    "object:overwrite",
    false,
  ],
  [
    /\b(?:s3|hdfs|azure|engine_file)_truncate_on_insert\s*=\s*(?:1|true)\b/i,
    "*_truncate_on_insert empties the target file before the insert writes it",
    "object:overwrite",
    false,
  ],
  [
    /\binto\s+outfile\s+'[^']*'\s+(?:and\s+stdout\s+)?truncate\b/i,
    "INTO OUTFILE … TRUNCATE writes over an existing file",
    "file:overwrite",
    false,
  ],
  [
    /\bcopy\b[^;]*\bto\b[^;]*\(\s*[^;]*\boverwrite(?:_or_ignore)?\b(?!\s*(?:=\s*)?(?:false|0)\b)/i,
    "COPY … TO with OVERWRITE or OVERWRITE_OR_IGNORE removes or replaces the files already in the directory",
    "file:overwrite",
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
