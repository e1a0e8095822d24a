// psql backslash commands and sqlite dot commands: not SQL, but they run shell commands, files and generated SQL.
import type { Analysis, SqlDialect } from "../analysis.ts";
import { unseenSql } from "../unseen-sql.ts";
import { sqlKeywordFallback } from "./keyword-fallback.ts";

/** mysql's client command that runs a file: `source file`, `\. file`. */
const MYSQL_SOURCE = /^\s*(?:source|\\\.)\s+(\S+)/i;

/**
 * psql backslash commands, sqlite dot commands and mysql's `source`: not SQL, but they run shell commands, files and
 * generated SQL. Handle them and return the SQL that is left.
 */
export function metaCommands(text: string, an: Analysis, dialect: SqlDialect): string {
  if (!/^\s*(?:[\\.]|source\s)/im.test(text) && !text.includes("\\g")) return text;
  const kept: string[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    const source = dialect === "mysql" ? MYSQL_SOURCE.exec(trimmed) : null;
    if (source) {
      unseenSql(an, "mysql source", source[1]!.replace(/;$/, ""));
      continue;
    }
    if (trimmed.startsWith("\\")) {
      const [command = "", ...rest] = trimmed.slice(1).split(/\s+/);
      if (command === "!") an.nested.shell(rest.join(" "));
      else if (/^(i|ir|include|include_relative)$/.test(command))
        unseenSql(an, `psql \\${command}`, rest[0] ?? "");
      else if (command === "gexec") gexec(kept.join("\n"), an);
      continue;
    }
    if (dialect === "sqlite" && trimmed.startsWith(".")) {
      const [command = "", ...rest] = trimmed.slice(1).split(/\s+/);
      if (command === "restore")
        an.destroys("sqlite .restore overwrites the database from a backup file", "database:overwrite");
      else if (command === "shell" || command === "system") an.nested.shell(rest.join(" "));
      else if (command === "read") unseenSql(an, "sqlite .read", rest[0] ?? "");
      continue;
    }
    const inline = /^(.*?)\\gexec\s*$/.exec(line);
    if (inline) {
      gexec([...kept, inline[1]!].join("\n"), an);
      kept.length = 0;
      continue;
    }
    kept.push(line);
  }
  return kept.join("\n");
}

/** `\gexec` runs every value the query returns as SQL: judge the strings it builds. */
function gexec(query: string, an: Analysis): void {
  const before = an.findings.length;
  sqlKeywordFallback(query, an, "\\gexec runs the query's results as SQL");
  if (an.findings.length === before) an.uncertain("\\gexec runs the query's results as SQL", false);
}
