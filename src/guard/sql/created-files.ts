// Statements that write a new file on the server's host: MySQL's SELECT … INTO OUTFILE and INTO DUMPFILE, SQLite's
// VACUUM INTO. They refuse a file that exists, so they destroy none; a new one in a system or data directory
// (/etc/cron.d, /var/lib) changes what runs or is kept there, as a `>` onto that path would.
import type { Analysis } from "../analysis.ts";
import { normalizePath, SYSTEM_OR_DATA_DIRECTORY } from "../paths.ts";

/** The file a statement creates, quoted as MySQL and SQLite quote strings; found wherever the text holds it. */
const CREATES_FILE =
  /\b(into\s+(?:outfile|dumpfile)|vacuum\b[^;]*?\binto)\s+(?:'((?:[^'\\]|\\.|'')*)'|"((?:[^"\\]|\\.|"")*)")/gi;

/** Judges the files the SQL text creates; a match inside a string counts too, which errs towards asking. */
export function judgeCreatedFiles(sql: string, an: Analysis): void {
  if (!/\binto\b/i.test(sql)) return;
  for (const m of sql.matchAll(CREATES_FILE)) {
    const quoted = m[2] ?? m[3] ?? "";
    const path = normalizePath(quoted.replace(/\\(.)/g, "$1").replace(/''|""/g, (q) => q[0]!));
    const via = /^vacuum/i.test(m[1]!) ? "VACUUM INTO" : m[1]!.replace(/\s+/g, " ").toUpperCase();
    if (SYSTEM_OR_DATA_DIRECTORY.test(path))
      an.destroys(`${via} writes the new file ${path} into a system or data directory`, "file:write");
  }
}
