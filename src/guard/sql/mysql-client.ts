// The mysql client's reading of its input (client/mysql.cc: read_and_execute, add_line, find_command): it cuts the
// text into the statements it sends and runs its own commands on the way, by a backslash and a letter anywhere
// outside strings (`\! rm …`, `\G`) or by name as a whole line or a whole statement (`system rm …;`). Where a string
// ends for it depends on what it knows of the server's sql_mode: a backslash escapes inside '…' and "…" unless
// NO_BACKSLASH_ESCAPES (and, for MariaDB's client, inside "…" unless ANSI_QUOTES); never inside `…`.

/** Whether a backslash escapes the next character inside '…' (single) and "…" (double). */
export interface MysqlQuoteView {
  readonly single: boolean;
  readonly double: boolean;
}

export const BACKSLASH_ESCAPES: MysqlQuoteView = { single: true, double: true };

/** A command the client runs itself, by its long name, with the text it takes for an argument (maybe empty). */
export interface MysqlClientCommand {
  readonly name: string;
  readonly argument: string;
  /** Given by its short form, a backslash and a character. */
  readonly short: boolean;
}

export interface MysqlClientInput {
  /**
   * The text without the client's commands that judging needs taken out (the backslash forms, and the named
   * commands below), its comments kept: what the SQL readers judge. The text itself when it holds none.
   */
  readonly sql: string;
  /** Each statement as the client sends it: comments it drops left out, its commands taken out. */
  readonly statements: readonly string[];
  readonly commands: readonly MysqlClientCommand[];
  /** Whether a backslash stood inside a '…' or "…" string: a view with other escapes ends strings elsewhere. */
  readonly backslashInString: boolean;
}

interface CommandSpec {
  readonly name: string;
  readonly takesArgument: boolean;
}

/** MySQL's and MariaDB's commands by their short forms (case matters) and long names (case does not). */
const COMMANDS: readonly [string, string, boolean][] = [
  ["?", "?", true],
  ["clear", "c", false],
  ["connect", "r", true],
  ["delimiter", "d", true],
  ["edit", "e", false],
  ["ego", "G", false],
  ["exit", "q", false],
  ["go", "g", false],
  ["help", "h", true],
  ["nopager", "n", false],
  ["notee", "t", false],
  ["pager", "P", true],
  ["print", "p", false],
  ["prompt", "R", true],
  ["quit", "q", false],
  ["rehash", "#", false],
  ["source", ".", true],
  ["status", "s", false],
  ["system", "!", true],
  ["tee", "T", true],
  ["use", "u", true],
  ["charset", "C", true],
  ["warnings", "W", false],
  ["nowarning", "w", false],
  ["resetconnection", "x", false],
  ["query_attributes", "", true],
  ["ssl_session_data_print", "", true],
  ["sandbox", "-", false],
];
const BY_NAME = new Map<string, CommandSpec>();
const BY_CHARACTER = new Map<string, CommandSpec>();
for (const [name, character, takesArgument] of COMMANDS) {
  BY_NAME.set(name, { name, takesArgument });
  if (character && !BY_CHARACTER.has(character)) BY_CHARACTER.set(character, { name, takesArgument });
}

/**
 * Named commands taken out of the SQL the readers judge, as they are judged on their own: they run a shell command,
 * a file, or write one. The others stay in the SQL, where the readers judge them as before.
 */
const JUDGED = new Set(["system", "pager", "tee", "source", "ssl_session_data_print"]);
/** Text that may hold a command the client runs: a backslash, or a judged command's name (or `delimiter`). */
const MAY_HOLD_COMMAND = /\\|\b(?:system|pager|tee|source|ssl_session_data_print|delimiter)\b/i;

/** Whether the client may read a command of its own in `text`: when not, it sends the text as it stands. */
export const mayHoldMysqlClientCommand = (text: string): boolean => MAY_HOLD_COMMAND.test(text);

const isSpace = (c: string | undefined) => c !== undefined && /[ \t\n\r\v\f]/.test(c);

/** The first argument of `delimiter` or `\d`, as the client's get_arg reads it: quoted, or up to a space. */
function delimiterArgument(text: string): string {
  const rest = text.replace(/^\s*(?:\\.|\S+)\s*/, "");
  const quote = /^['"`]/.exec(rest)?.[0];
  if (quote) {
    const end = rest.indexOf(quote, 1);
    return rest.slice(1, end < 0 ? undefined : end);
  }
  return (/^\S*/.exec(rest)?.[0] ?? "").replace(/\\(.)/g, "$1");
}

/** The text a command takes for its argument: what follows its name or short form, trimmed. */
const argumentAfter = (text: string, short: boolean) => text.replace(short ? /^\\./ : /^\s*\S+/, "").trim();

/**
 * How the client reads `text` when it reads backslashes in strings as `view` says; without `clientCommands`, how a
 * client that runs none of its own cuts it into statements. A judged named command is also found at a line's start
 * inside a statement (as `--named-commands` reads it), though the line stays in the statement; and a statement left
 * at the end without its delimiter (which the client sends to the server) is judged as the command it names.
 */
export function readMysqlClient(
  text: string,
  view: MysqlQuoteView = BACKSLASH_ESCAPES,
  { clientCommands = true } = {},
): MysqlClientInput {
  const statements: string[] = [];
  const commands: MysqlClientCommand[] = [];
  /** Ranges of `text` taken out of `sql`, in order, and what stands in for each. */
  let cuts: { from: number; to: number; by: string }[] = [];
  let delimiter = ";";
  let inString = "";
  let mlComment = false;
  let needSpace = false;
  let buffer = "";
  /** Where the statement in the buffer starts in `text`. */
  let statementStart = 0;
  let backslashInString = false;

  const escapes = (quote: string) => (quote === "'" ? view.single : quote === '"' ? view.double : false);
  /** The named command `name` (a whole line or statement) stands for, as find_command reads it; null when none. */
  const namedCommand = (name: string): CommandSpec | null => {
    const line = name.replace(/^[ \t\n\r\v\f]+/, "");
    if (line.includes("\\g") || (line.includes(delimiter) && !/^delimiter/i.test(line))) return null;
    const end = line.search(/[ \t]/);
    const spec = BY_NAME.get((end < 0 ? line : line.slice(0, end)).toLowerCase());
    const hasArgument = end >= 0 && line.slice(end).trim() !== "";
    return spec && (!hasArgument || spec.takesArgument) ? spec : null;
  };
  const run = (spec: CommandSpec, line: string, short: boolean) => {
    if (spec.name === "delimiter") {
      const next = delimiterArgument(line);
      if (next && !next.includes("\\")) delimiter = next;
    }
    commands.push({ name: spec.name, argument: argumentAfter(line, short), short });
  };
  /** The statement in the buffer ends where its delimiter, ending at `to`, stands: sent, or run when it names a command. */
  const endStatement = (to: number) => {
    const spec = clientCommands ? namedCommand(buffer) : null;
    if (spec) {
      run(spec, buffer, false);
      if (JUDGED.has(spec.name)) {
        cuts = cuts.filter((cut) => cut.from < statementStart);
        cuts.push({ from: statementStart, to, by: "" });
      }
    } else if (buffer.trim()) statements.push(buffer.trim());
    buffer = "";
  };

  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    // A whole line naming a command, outside a string or comment, at a statement's start (or, with
    // --named-commands, anywhere).
    const spec = clientCommands && !mlComment && !inString ? namedCommand(line) : null;
    if (spec && !buffer) {
      run(spec, line, false);
      if (JUDGED.has(spec.name)) cuts.push({ from: lineStart, to: lineEnd, by: "" });
      lineStart = lineEnd + 1;
      statementStart = lineStart;
      continue;
    }
    if (spec && JUDGED.has(spec.name))
      commands.push({ name: spec.name, argument: argumentAfter(line, false), short: false });
    let out = "";
    /** Inside `/*! … *\/` (read as SQL) or `/*+ … *\/` (a hint, where quotes and delimiters are not read); per line. */
    let special: "" | "version" | "hint" = "";
    for (let pos = 0; pos < line.length; pos++) {
      const c = line[pos]!;
      if (isSpace(c) && !out && !buffer) continue;
      if (!mlComment && c === "\\" && (inString ? escapes(inString) : clientCommands)) {
        if (inString === "'" || inString === '"') backslashInString = true;
        const next = line[pos + 1];
        // The client drops a backslash that ends a line.
        if (next === undefined) break;
        pos++;
        const command = inString || next === "N" ? undefined : BY_CHARACTER.get(next);
        if (!command) {
          out += c + next;
          continue;
        }
        buffer += out;
        out = "";
        const from = pos - 1;
        run(command, line.slice(from), true);
        // \c drops the statement; it is kept here all the same, so that it is judged.
        const ends = command.name === "go" || command.name === "ego" || command.name === "clear";
        const sends = ends && buffer.trim() !== "";
        if (sends) statements.push(buffer.trim());
        if (ends) buffer = "";
        if (command.takesArgument) {
          // The argument runs to the delimiter, or inside `/*! … *\/` and hints to the comment's end.
          const end = line.indexOf(special ? "*/" : delimiter, pos + 1);
          if (end < 0) pos = line.length - 1;
          else pos = special ? end - 1 : end + delimiter.length - 1;
        }
        cuts.push({ from: lineStart + from, to: lineStart + pos + 1, by: sends ? ";" : "" });
        if (ends) statementStart = lineStart + pos + 1;
      } else if (!mlComment && !inString && special !== "hint" && line.startsWith(delimiter, pos)) {
        buffer += out;
        out = "";
        pos += delimiter.length - 1;
        endStatement(lineStart + pos + 1);
        statementStart = lineStart + pos + 1;
      } else if (
        !mlComment &&
        !inString &&
        (c === "#" ||
          (c === "-" && line[pos + 1] === "-" && (isSpace(line[pos + 2]) || pos + 2 >= line.length)))
      ) {
        // A comment to the line's end, in a hint too.
        break;
      } else if (
        !inString &&
        c === "/" &&
        line[pos + 1] === "*" &&
        line[pos + 2] !== "!" &&
        line[pos + 2] !== "+" &&
        special !== "hint"
      ) {
        pos++;
        mlComment = true;
        buffer += out;
        out = "";
      } else if (mlComment && !special && c === "*" && line[pos + 1] === "/") {
        pos++;
        mlComment = false;
        buffer += out;
        out = "";
        needSpace = true;
      } else {
        if (!inString && c === "/" && line[pos + 1] === "*") {
          if (line[pos + 2] === "!") special = "version";
          else if (line[pos + 2] === "+") special = "hint";
        } else if (!inString && special && c === "*" && line[pos + 1] === "/") special = "";
        if (c === inString) inString = "";
        else if (!mlComment && !inString && special !== "hint" && (c === "'" || c === '"' || c === "`"))
          inString = c;
        if (!mlComment) {
          if (needSpace && !isSpace(c)) out += " ";
          needSpace = false;
          out += c;
        }
      }
    }
    if ((out || buffer) && !mlComment) buffer += `${out}\n`;
    lineStart = lineEnd + 1;
  }
  endStatement(text.length);

  let sql = text;
  for (const cut of cuts.reverse()) sql = sql.slice(0, cut.from) + cut.by + sql.slice(cut.to);
  return { sql, statements, commands, backslashInString };
}
