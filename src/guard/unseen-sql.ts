// SQL the guard cannot read (a file, a bucket object, a stream): every tool that runs it is judged one way. It is
// asked about, never allowed as harmless, and never called destructive on a guess about what it holds; only what
// the command itself says counts, the file's name (`drop_all.sql`, `999_drop_legacy.sql`). A file the command line
// wrote is read.
import type { Analysis, SqlClient, SqlDialect } from "./analysis.ts";
import { literal } from "./word.ts";
import { judgeProjectFile, judgeWrittenFile, optionPath } from "./written-scripts.ts";

/** Names that say the SQL inside removes or resets something. */
export const DESTRUCTIVE_SQL_NAME =
  /(drop|delete|truncate|wipe|purge|reset|destroy|clean|nuke|rollback|down)/i;

const baseName = (source: string) => source.slice(source.replace(/\/+$/, "").lastIndexOf("/") + 1);

/**
 * `runner` runs the SQL in `source` (a path or URL), which the guard cannot read, unless the command line wrote it:
 * then it is read as the `dialect` that runner speaks.
 */
export function unseenSql(
  an: Analysis,
  runner: string,
  source: string,
  dialect?: SqlDialect,
  client?: SqlClient,
): void {
  const judge = (sql: string) => an.nested.sql(sql, dialect, client);
  if (source && judgeWrittenFile(an, runner, literal(source), judge)) return;
  const read = source !== "" && judgeProjectFile(an, runner, optionPath(source), judge);
  an.uncertain(
    read
      ? `${runner} runs SQL from ${source}, which may change before it runs`
      : `${runner} runs SQL from ${source || "a file"}, which the guard cannot read`,
    DESTRUCTIVE_SQL_NAME.test(baseName(source)),
  );
}

/** AWS CLI's and others' `file://path` and `fileb://path`, and curl-style `@path`: a value read from a file. */
const FILE_VALUE = /^(?:fileb?:\/\/|@(?!-?$))(.+)$/;

/** The file a flag's value is read from, or null when the value is given inline. */
export function valueFile(value: string): string | null {
  return FILE_VALUE.exec(value)?.[1] ?? null;
}
