// psql's backslash commands, mysql's commands and sqlite's dot commands: not SQL, but they run shell commands, files
// and generated SQL.
import type { Analysis, PsqlClient, SqlClient, SqlDialect } from "../analysis.ts";
import { isBackupPath } from "../safety-net-paths.ts";
import { shellQuoted } from "../shell-quote.ts";
import { unseenSql } from "../unseen-sql.ts";
import { sqlKeywordFallback } from "./keyword-fallback.ts";
import { type MysqlClientCommand, mayHoldMysqlClientCommand, readMysqlClient } from "./mysql-client.ts";
import { postgresEndsQuoted } from "./postgres-string-modes.ts";
import { type PsqlCommand, type PsqlInput, readPsqlInput } from "./psql-input.ts";

/** A command that runs a file, `source file` or `\. file`, at a line's start in MySQL text some other client reads. */
const MYSQL_SOURCE = /^\s*(?:source|\\\.)\s+(\S+)/i;
/**
 * Client commands that run a shell command, wherever they stand in a line (psql and mysql read a backslash command
 * after SQL on the same line): `\! command`; psql's output piped to one (`\o |command`, `\g |command`, `\w
 * |command`); `\copy … program 'command'`; and text in backquotes in a psql command's arguments.
 */
const SHELL_ESCAPE = /\\!\s*(.*)$/;
const PIPED_OUTPUT = /\\(?:o|out|gx?|w|write)\s*(?:\([^)]*\)\s*)?\|(.*)$/;
const COPY_PROGRAM = /\\copy\b.*?\b(?:(to|from)\s+)?program\s+(?:'((?:[^']|'')*)'|(\S+))/i;
const BACKQUOTED = /`([^`]*)`/g;
/** sqlite's dot commands that run a shell command: output to a pipe, or a pipe's output read as a file. */
const SQLITE_PIPE = new Set(["output", "once", "import", "read"]);
/**
 * sqlite's dot commands that open a file for writing, emptying what it held: the output sent to it (`.output`,
 * `.once`), the log, a copy of the database (`.backup`, `.save`).
 */
const SQLITE_WRITES = new Set(["output", "once", "log", "backup", "save"]);
/** The names those commands read as the shell's own streams, or as switching the log off. */
const SQLITE_STREAMS = /^(?:stdout|stderr|off)$/;

/**
 * Whether `text` holds a client command that runs a shell command, which no read-only session covers: psql's output
 * to a quoted pipe or a variable's, and values psql reads as input from where the guard cannot see (`\gset`), count.
 */
export function runsShellCommand(text: string): boolean {
  return (
    /\\!|\\(?:o|out|gx?|w|write)\s*(?:\([^)]*\)\s*)?['"]?[|:]|\\copy\b.*\bprogram\b|\\[a-z]\w*[^\n`]*`|\\P|\\(?:gset|prompt|getenv)\b/i.test(
      text,
    ) ||
    /^\s*\.(?:shell|system|(?:output|once|import|read)\b[^\n]*\|)/im.test(text) ||
    // mysql's named forms, at a line's or a statement's start.
    /(?:^|;)\s*(?:system|pager)[ \t]/im.test(text)
  );
}

/**
 * Whether `text` reaches outside the database, where a read-only session does not hold: a client command that runs
 * a shell command or writes a file (`\o file`, `\copy … to`, `\lo_export`, sqlite's `.output file`, `.backup`),
 * or SQL that has the server run a program or write a file (`COPY … TO`, `INTO OUTFILE`).
 */
export function reachesOutsideDatabase(text: string): boolean {
  return (
    runsShellCommand(text) ||
    /\\(?:o|out|w|write|gx?|copy|lo_export)\b/i.test(text) ||
    /^\s*\.(?:output|once|log|backup|save)\b/im.test(text) ||
    /\bcopy\b[\s\S]*\b(?:to|program)\b|\binto\s+(?:outfile|dumpfile)\b/i.test(text)
  );
}

/**
 * psql backslash commands at a line's start, in text psql does not read as its input (a `-c` text, which it sends
 * whole; SQL another tool runs), sqlite dot commands and mysql's commands (read as the mysql client reads them when
 * it is the `client`): not SQL, but they run shell commands, files and generated SQL. Handle them and return the SQL
 * that is left. psql's own input is read by psqlInputCommands.
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
      else if (command.toLowerCase() === "copy") slashCopy(rest.join(" "), an);
      else if (command === "lo_export") writtenByPsql("\\lo_export", unquoted(rest[1]), an);
      else if (/^(o|out|w|write|gx?)$/.test(command) && rest[0] && !rest[0].startsWith("|"))
        writtenByPsql(`\\${command}`, unquoted(rest[0]), an);
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

/** psql's input in the two ways it reads strings, which its server's standard_conforming_strings decides. */
export interface PsqlSql {
  /** The SQL psql sends when a backslash in '…' is a plain character (the default). */
  readonly sql: string;
  /** The SQL it sends when a backslash escapes in '…' too, where that reading ends strings elsewhere. */
  readonly escapedSql?: string;
  /** Whether psql runs commands of its own between the statements, outside any transaction they open. */
  readonly clientCommands: boolean;
}

/** Text that may hold a copy's data, which psql reads from its input as it reads commands. */
const COPY_DATA = /\bfrom\s+p?stdin\b/i;
const INCLUDES = new Set(["i", "ir", "include", "include_relative"]);

/**
 * psql's input, read as psql reads it (psql-input.ts): its commands judged wherever they stand in a line, each as
 * it would be alone on one, in every reading psql may make of the text (with standard_conforming_strings on and
 * off, and with a `COPY … FROM STDIN`'s data taken from the lines after it or not). Returns the SQL it sends.
 */
export function psqlInputCommands(text: string, an: Analysis, client: PsqlClient): PsqlSql {
  // Shell commands are judged wherever a line holds them, inside strings too, as for the other clients.
  if (text.includes("\\"))
    for (const line of text.split("\n")) {
      const at = line.indexOf("\\");
      if (at >= 0) clientShellCommands(line.slice(at), an, "postgres");
    }
  if (!text.includes("\\") && !text.includes(":")) return { sql: text, clientCommands: false };
  const { variables } = client;
  const standard = readPsqlInput(text, { standardStrings: true, variables, copyData: false });
  const escaped = standard.backslashInPlainString
    ? readPsqlInput(text, { standardStrings: false, variables, copyData: false })
    : null;
  const readings: PsqlInput[] = escaped ? [standard, escaped] : [standard];
  if (COPY_DATA.test(text))
    for (const standardStrings of escaped ? [true, false] : [true])
      readings.push(readPsqlInput(text, { standardStrings, variables, copyData: true }));
  const judged = new Set<string>();
  const once = (what: unknown) => {
    const key = JSON.stringify(what);
    const first = !judged.has(key);
    judged.add(key);
    return first;
  };
  for (const input of readings) {
    for (const command of input.commands) if (once(command)) judgePsqlCommand(command, an, client);
    for (const { name, setBy } of input.unknownValues)
      if (once({ name, setBy }))
        an.uncertain(
          `psql reads the value of :${name} as its input, commands and all, and ${setBy} sets it from what the guard cannot see`,
          true,
        );
    if (input.expansionCut && once("cut"))
      an.uncertain("psql expands its variables past what the guard reads", true);
  }
  const clientCommands = readings.some((r) => r.commands.length || r.unknownValues.length || r.expansionCut);
  return escaped && escaped.sql !== standard.sql
    ? { sql: standard.sql, escapedSql: escaped.sql, clientCommands }
    : { sql: standard.sql, clientCommands };
}

/** One of psql's commands, wherever it stood: what it runs, includes, deletes or writes. */
function judgePsqlCommand(command: PsqlCommand, an: Analysis, client: PsqlClient): void {
  const { name, args } = command;
  const first = args[0];
  if (INCLUDES.has(name)) {
    const file = first === null ? command.text.trim() : withoutSemicolons(first ?? "");
    unseenSql(an, `psql \\${name}`, file, "postgres", client);
  } else if (name === "gexec") gexec(command.query, an);
  else if (name === "lo_unlink")
    an.destroys(`psql \\lo_unlink deletes large object ${first ?? ""}`.trim(), "large-object:delete");
  else if (name === "!") {
    if (first) an.nested.shell(lineBreaks(first));
  } else if (name.toLowerCase() === "copy") slashCopy(first ?? "", an);
  else if (name === "lo_export") writtenByPsql(`\\${name}`, args[1], an);
  else {
    const target = outputTarget(command);
    if (target === null)
      an.uncertain(`psql \\${name} writes to a file or a command the guard cannot see`, true);
    else if (target?.startsWith("|")) outputPipedTo(an, "psql", lineBreaks(target.slice(1)));
    else if (target) writtenByPsql(`\\${name}`, withoutSemicolons(target), an);
  }
  for (const shell of command.backquoted)
    if (shell === null)
      an.uncertain("psql runs a backquoted command built from what the guard cannot see", true);
    else an.nested.shell(lineBreaks(shell));
}

/**
 * Where `\o`, `\w` and `\g` send what they write: their first argument (`\g`'s after its `(option=value …)`), a
 * file or `|command`; null when the guard cannot know it, undefined for none.
 */
function outputTarget({ name, args }: PsqlCommand): string | null | undefined {
  if (name === "o" || name === "out" || name === "w" || name === "write") return args[0];
  if (name !== "g" && name !== "gx") return undefined;
  if (args[0] === null) return null;
  if (!args[0]?.startsWith("(")) return args[0];
  const close = args.findIndex((a) => a === null || a.endsWith(")"));
  return close < 0 ? undefined : args[close] === null ? null : args[close + 1];
}

/** A whitespace-split argument without the single quotes around it. */
const unquoted = (word: string | undefined) => word?.replace(/^'(.*)'$/, "$1");
/** psql drops unquoted semicolons that end a file's name. */
const withoutSemicolons = (name: string) => name.replace(/;+$/, "");
/** A line break in a variable's value, which psql reads as one line, is a line break to the shell. */
const lineBreaks = (text: string) => text.replaceAll("\r", "\n");
/** A path as a shell word, `~/` left for the shell to expand as psql does. */
const shellPath = (path: string) =>
  path.startsWith("~/") ? `~/${shellQuoted(path.slice(2))}` : shellQuoted(path);

/**
 * A file psql opens for writing, emptying what it held (`\o`, `\w`, `\g`, `\copy … to`, `\lo_export`): judged as a
 * shell's `>` onto it is; null when the guard cannot know the file.
 */
function writtenByPsql(command: string, file: string | null | undefined, an: Analysis): void {
  if (file === null) an.uncertain(`psql ${command} writes to a file the guard cannot see`, true);
  else if (file) an.nested.shell(`psql > ${shellPath(file)}`);
}

/** Where `\copy` sends or takes its rows: a program, a file, or the client's own streams. */
interface SlashCopyTarget {
  readonly to: boolean;
  readonly program?: string;
  readonly file?: string;
}

const COPY_NAME = /^(?:"(?:[^"]|"")*"|[^\s.,()"]+)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[^\s.,()"]+))*/;
const COPY_STREAM = /^p?std(?:in|out)$/i;

/**
 * `\copy`'s arguments as psql's parse_slash_copy reads them: a table (with its columns) or a query in parentheses,
 * FROM or TO, then PROGRAM 'command', STDIN, STDOUT, PSTDIN, PSTDOUT or a file name, quoted or not. undefined when
 * they do not read so, and psql refuses them.
 */
function readSlashCopy(args: string): SlashCopyTarget | undefined {
  let rest = args.trimStart();
  if (rest.startsWith("(")) {
    let depth = 0;
    let i = 0;
    for (; i < rest.length; i++) {
      const c = rest[i]!;
      if (c === "'" || c === '"') {
        const close = rest.indexOf(c, i + 1);
        if (close < 0) return undefined;
        i = close;
      } else if (c === "(") depth++;
      else if (c === ")" && --depth === 0) break;
    }
    if (i >= rest.length) return undefined;
    rest = rest.slice(i + 1);
  } else {
    const name = COPY_NAME.exec(rest);
    if (!name) return undefined;
    rest = rest.slice(name[0].length).trimStart();
    if (rest.startsWith("(")) {
      const close = rest.indexOf(")");
      if (close < 0) return undefined;
      rest = rest.slice(close + 1);
    }
  }
  const direction = /^\s*(from|to)\s+/i.exec(rest);
  if (!direction) return undefined;
  const to = direction[1]!.toLowerCase() === "to";
  rest = rest.slice(direction[0].length);
  const token = /^'((?:[^']|'')*)'|^[^\s;]+/.exec(rest);
  if (!token) return undefined;
  if (token[1] !== undefined) return { to, file: token[1].replaceAll("''", "'") };
  if (COPY_STREAM.test(token[0])) return { to };
  if (token[0].toLowerCase() !== "program") return { to, file: token[0] };
  const program = /^'((?:[^']|'')*)'/.exec(rest.slice(token[0].length).trimStart());
  return program ? { to, program: program[1]!.replaceAll("''", "'") } : undefined;
}

/** `\copy`: rows fed to a program or written to a file (TO), or read from a program (FROM). */
function slashCopy(args: string, an: Analysis): void {
  const target = readSlashCopy(args);
  if (!target) {
    // psql refuses what it cannot read; where the guard reads less than psql, a TO may still write.
    if (/\bto\b/i.test(args)) an.uncertain("psql \\copy … to, in a form the guard cannot read", true);
    return;
  }
  if (target.program !== undefined) {
    if (target.to) outputPipedTo(an, "psql", target.program);
    else an.nested.shell(target.program);
  } else if (target.to && target.file) writtenByPsql("\\copy … to", target.file, an);
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
  if (piped) outputPipedTo(an, "psql", piped[1]!);
  copyProgram(commands, an);
  // psql runs backquoted text in a backslash command's arguments; MySQL and SQLite quote names so.
  if (dialect === "postgres" && !shellEscape)
    for (const m of commands.matchAll(BACKQUOTED)) an.nested.shell(m[1]!);
}

/** `\copy … program 'command'`: a command fed the rows (`to program`) or read for them (`from program`). */
function copyProgram(commands: string, an: Analysis): void {
  const copy = COPY_PROGRAM.exec(commands);
  if (!copy) return;
  const program = copy[2] !== undefined ? copy[2].replace(/''/g, "'") : copy[3]!;
  if (copy[1]?.toLowerCase() === "to") outputPipedTo(an, "psql", program);
  else an.nested.shell(program);
}

/**
 * A command fed a client's output on its stdin (`\o |sh`, `.output |sh`): judged as the end of a pipe from the
 * client, so that a shell or an interpreter there runs what the query returns, which the guard cannot read.
 */
function outputPipedTo(an: Analysis, client: string, command: string): void {
  an.nested.shell(`${client} | ${command}`);
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
    // A quoted pipe holds the whole command; unquoted, it runs to the line's end. Output goes into it; `.import`
    // and `.read` take what it prints.
    const quoted = /(['"])\|(.*?)\1/.exec(line);
    const piped = quoted ? quoted[2]! : line.slice(line.indexOf("|") + 1);
    if (command === "output" || command === "once") outputPipedTo(an, "sqlite3", piped);
    else an.nested.shell(piped);
  } else if (command === "read")
    unseenSql(an, "sqlite .read", args[0]?.replace(/^(['"])(.*)\1$/, "$2") ?? "", "sqlite");
  else if (SQLITE_WRITES.has(command)) {
    // `.backup ?DB? FILE` and `.save` write their last operand; the others their first that is not an option.
    const operands = args.filter((a) => !a.startsWith("-")).map((a) => a.replace(/^(['"])(.*)\1$/, "$2"));
    const file = command === "backup" || command === "save" ? operands.at(-1) : operands[0];
    // A backup written where backups go (`.backup backups/app.db`) is the copy being made, not one being lost.
    if (command === "backup" && file && isBackupPath(file)) return;
    if (file && !SQLITE_STREAMS.test(file)) an.nested.shell(`sqlite3 > ${shellQuoted(file)}`);
  }
}
