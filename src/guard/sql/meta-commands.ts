// psql's backslash commands, mysql's commands and sqlite's dot commands: not SQL, but they run shell commands, files
// and generated SQL.
import type { Analysis, SqlClient, SqlDialect } from "../analysis.ts";
import { shellQuoted } from "../shell-quote.ts";
import { unseenSql } from "../unseen-sql.ts";
import { sqlKeywordFallback } from "./keyword-fallback.ts";
import { type MysqlClientCommand, mayHoldMysqlClientCommand, readMysqlClient } from "./mysql-client.ts";
import { postgresEndsQuoted } from "./postgres-string-modes.ts";

/** A command that runs a file, `source file` or `\. file`, at a line's start in MySQL text some other client reads. */
const MYSQL_SOURCE = /^\s*(?:source|\\\.)\s+(\S+)/i;
/**
 * Client commands that run a shell command, wherever they stand in a line (psql and mysql read a backslash command
 * after SQL on the same line): `\! command`; psql's output piped to one (`\o |command`, `\g |command`, `\w
 * |command`); `\copy … program 'command'`; and text in backquotes in a psql command's arguments.
 */
const SHELL_ESCAPE = /\\!\s*(.*)$/;
const PIPED_OUTPUT = /\\(?:o|out|gx?|w|write)\s*(?:\([^)]*\)\s*)?\|(.*)$/;
const COPY_PROGRAM = /\\copy\b.*?\bprogram\s+(?:'((?:[^']|'')*)'|(\S+))/i;
const BACKQUOTED = /`([^`]*)`/g;
/** sqlite's dot commands that run a shell command: output to a pipe, or a pipe's output read as a file. */
const SQLITE_PIPE = new Set(["output", "once", "import", "read"]);

/** Whether `text` holds a client command that runs a shell command, which no read-only session covers. */
export function runsShellCommand(text: string): boolean {
  return (
    /\\!|\\(?:o|out|gx?|w|write)\s*(?:\([^)]*\)\s*)?\||\\copy\b.*\bprogram\b|\\[a-z]\w*[^\n`]*`|\\P/i.test(
      text,
    ) ||
    /^\s*\.(?:shell|system|(?:output|once|import|read)\b[^\n]*\|)/im.test(text) ||
    // mysql's named forms, at a line's or a statement's start.
    /(?:^|;)\s*(?:system|pager)[ \t]/im.test(text)
  );
}

/**
 * psql backslash commands, sqlite dot commands and mysql's commands (read as the mysql client reads them when it is
 * the `client`): not SQL, but they run shell commands, files and generated SQL. Handle them and return the SQL that
 * is left.
 */
export function metaCommands(text: string, an: Analysis, dialect: SqlDialect, client?: SqlClient): string {
  if (client === "mysql") return mysqlClientCommands(text, an);
  if (!/^\s*(?:[\\.]|source\s)/im.test(text) && !text.includes("\\")) return text;
  const kept: string[] = [];
  const lines = text.split("\n");
  /** Lines after a `\\` separator: their client commands were read with the line they stand on. */
  const continued = new Set<number>();
  /** Characters left to scan for whether a backslash line stands inside a string; past it, lines are read as before. */
  let quoteScanBudget = 20 * text.length + 10_000;
  const insideQuotes = () => {
    if (dialect !== "postgres" || !kept.length) return false;
    const before = `${kept.join("\n")}\n`;
    quoteScanBudget -= before.length;
    return quoteScanBudget >= 0 && postgresEndsQuoted(before);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    const source = dialect === "mysql" ? MYSQL_SOURCE.exec(trimmed) : null;
    if (source) {
      unseenSql(an, "mysql source", source[1]!.replace(/;$/, ""), "mysql");
      continue;
    }
    const at = line.indexOf("\\");
    if (at >= 0 && !continued.has(i)) clientShellCommands(line.slice(at), an, dialect);
    // psql's `\;` and `\:` put a semicolon or colon into the query, and inside a string a backslash is the
    // string's: the line is SQL, read on.
    if (trimmed.startsWith("\\") && !/^\\[;:]/.test(trimmed) && !insideQuotes()) {
      // psql's `\\` ends a backslash command's arguments and reads on as input (`\x \\ DROP TABLE t;`). Where
      // the pair might stand inside a quoted argument, more of the line is read as SQL than psql reads: never less.
      const separator = trimmed.indexOf("\\\\");
      if (separator >= 0) {
        lines.splice(i + 1, 0, trimmed.slice(separator + 2));
        continued.add(i + 1);
      }
      const [command = "", ...rest] = trimmed.slice(1, separator >= 0 ? separator : undefined).split(/\s+/);
      if (/^(i|ir|include|include_relative)$/.test(command))
        unseenSql(an, `psql \\${command}`, rest[0] ?? "", "postgres");
      else if (command === "gexec") gexec(kept.join("\n"), an);
      else if (command === "lo_unlink")
        an.destroys(`psql \\lo_unlink deletes large object ${rest[0] ?? ""}`.trim(), "large-object:delete");
      continue;
    }
    if (dialect === "sqlite" && trimmed.startsWith(".")) {
      sqliteDotCommand(trimmed, an);
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

/**
 * mysql's commands, which its client reads by a backslash anywhere outside strings (the argument of one that takes
 * any running to the delimiter) and by name as a whole line or statement (mysql-client.ts). Returns the SQL the
 * client sends.
 */
function mysqlClientCommands(text: string, an: Analysis): string {
  if (!mayHoldMysqlClientCommand(text)) return text;
  // `\!` is judged wherever it stands, inside strings too: a server reading strings otherwise runs it there.
  if (text.includes("\\"))
    for (const line of text.split("\n")) {
      const at = line.indexOf("\\");
      if (at >= 0) clientShellCommands(line.slice(at), an, "mysql");
    }
  const input = readMysqlClient(text);
  for (const command of input.commands) judgeMysqlClientCommand(command, an);
  return input.sql;
}

/**
 * What a mysql client command does that judging needs: `system` runs a shell command, `pager` one fed the output
 * (outside batch mode), `tee` appends the output to a file, `ssl_session_data_print` writes one, `source` runs one.
 * `\!` is judged where it stands, by clientShellCommands.
 */
export function judgeMysqlClientCommand(command: MysqlClientCommand, an: Analysis): void {
  const { name, argument } = command;
  if (name === "system" && !command.short) an.nested.shell(argument);
  else if (name === "pager" && argument) an.nested.shell(argument);
  else if (name === "tee" && argument) an.nested.shell(`: >> ${shellQuoted(argument)}`);
  else if (name === "ssl_session_data_print" && argument) an.nested.shell(`: > ${shellQuoted(argument)}`);
  else if (name === "source") unseenSql(an, "mysql source", argument, "mysql", "mysql");
}

/** `\gexec` runs every value the query returns as SQL: judge the strings it builds. */
function gexec(query: string, an: Analysis): void {
  const before = an.findings.length;
  sqlKeywordFallback(query, an, "\\gexec runs the query's results as SQL");
  if (an.findings.length === before) an.uncertain("\\gexec runs the query's results as SQL", false);
}

/** The shell commands a line's client commands run, from its first backslash on. */
function clientShellCommands(commands: string, an: Analysis, dialect: SqlDialect): void {
  const shellEscape = SHELL_ESCAPE.exec(commands);
  if (shellEscape) an.nested.shell(shellEscape[1]!);
  const piped = PIPED_OUTPUT.exec(commands);
  if (piped) an.nested.shell(piped[1]!);
  const copy = COPY_PROGRAM.exec(commands);
  if (copy) an.nested.shell(copy[1] !== undefined ? copy[1].replace(/''/g, "'") : copy[2]!);
  // psql runs backquoted text in a backslash command's arguments; MySQL and SQLite quote names so.
  if (dialect === "postgres" && !shellEscape)
    for (const m of commands.matchAll(BACKQUOTED)) an.nested.shell(m[1]!);
}

/** sqlite's dot commands: a restore, a new empty database, and shell commands run directly or through a pipe. */
function sqliteDotCommand(line: string, an: Analysis): void {
  const [command = "", ...args] = line.slice(1).split(/\s+/);
  if (command === "restore")
    an.destroys("sqlite .restore overwrites the database from a backup file", "database:overwrite");
  else if (command === "open" && args.includes("--new"))
    an.destroys("sqlite .open --new erases the database file's content", "database:delete");
  else if (command === "shell" || command === "system") an.nested.shell(args.join(" "));
  else if (SQLITE_PIPE.has(command) && line.includes("|")) {
    // A quoted pipe holds the whole command; unquoted, it runs to the line's end.
    const quoted = /(['"])\|(.*?)\1/.exec(line);
    an.nested.shell(quoted ? quoted[2]! : line.slice(line.indexOf("|") + 1));
  } else if (command === "read")
    unseenSql(an, "sqlite .read", args[0]?.replace(/^(['"])(.*)\1$/, "$2") ?? "", "sqlite");
}
