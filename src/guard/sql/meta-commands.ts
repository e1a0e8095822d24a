// psql backslash commands and sqlite dot commands: not SQL, but they run shell commands, files and generated SQL.
import type { Analysis, SqlDialect } from "../analysis.ts";
import { sqlKeywordFallback } from "./keyword-fallback.ts";

/** psql backslash commands and sqlite dot commands are not SQL: handle them and return the SQL that is left. */
export function metaCommands(text: string, an: Analysis, dialect: SqlDialect): string {
  if (!/^\s*[\\.]/m.test(text) && !text.includes("\\g")) return text;
  const kept: string[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed.startsWith("\\")) {
      const [command = "", ...rest] = trimmed.slice(1).split(/\s+/);
      if (command === "!") an.nested.shell(rest.join(" "));
      else if (/^(i|ir|include|include_relative)$/.test(command))
        an.uncertain(`psql \\${command} runs ${rest[0] ?? "a file"}, which the guard cannot read`, false);
      else if (command === "gexec") gexec(kept.join("\n"), an);
      continue;
    }
    if (dialect === "sqlite" && trimmed.startsWith(".")) {
      const [command = "", ...rest] = trimmed.slice(1).split(/\s+/);
      if (command === "restore")
        an.destroys("sqlite .restore overwrites the database from a backup file", "database:overwrite");
      else if (command === "shell" || command === "system") an.nested.shell(rest.join(" "));
      else if (command === "read")
        an.uncertain(`sqlite .read runs ${rest[0] ?? "a file"}, which the guard cannot read`, false);
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
