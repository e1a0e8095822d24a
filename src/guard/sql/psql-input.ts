// psql's reading of its input (psqlscan.l, psqlscanslash.l, mainloop.c): a backslash outside a string, quoted name,
// comment or dollar quote ends the SQL wherever it stands in a line and starts one of psql's commands. Its arguments
// run to the next backslash outside quotes or to the line's end (`\!`, `\copy`, `\h`, `\ef`, `\ev`, `\sf`, `\sv` and
// output piped by `|` take the whole rest of the line), and a `\\` after them hands the line back to SQL. A `:name`
// in the SQL is replaced by the variable's value, which psql reads again as input, its commands and all.
import { shellQuoted } from "../shell-quote.ts";
import { matchAt } from "./match-at.ts";

/** One of psql's commands as psql reads it. */
export interface PsqlCommand {
  /** As written after the backslash: `i`, `gexec`, `o`, `!`. */
  readonly name: string;
  /**
   * Its arguments as psql reads them: quotes taken off, variables put in; null for one holding what the guard cannot
   * know (a variable set by `\gset`, a backquoted command's output). A command that takes the rest of the line has
   * that text as its one argument.
   */
  readonly args: readonly (string | null)[];
  /** The text after its name, to where it ends. */
  readonly text: string;
  /** The query it acts on (`\g`, `\gexec`, `\gset`, `\w`): the one in the buffer, else the one sent before. */
  readonly query: string;
  /** The shell commands its arguments' backquotes run, variables put in; null for one the guard cannot know. */
  readonly backquoted: readonly (string | null)[];
}

/** A variable psql reads as input whose value the guard cannot know, and the command that set it. */
export interface PsqlUnknownValue {
  readonly name: string;
  readonly setBy: string;
}

export interface PsqlInput {
  /** The SQL psql sends: its commands taken out, variables put in. The text itself when it holds neither. */
  readonly sql: string;
  readonly commands: readonly PsqlCommand[];
  readonly unknownValues: readonly PsqlUnknownValue[];
  /** Whether a backslash stood in a plain '…' string: with standard_conforming_strings off, strings end elsewhere. */
  readonly backslashInPlainString: boolean;
  /** Whether variables' values ran past what the guard reads (a value naming others, each read again). */
  readonly expansionCut: boolean;
}

export interface PsqlReading {
  /** standard_conforming_strings, which psql learns from the server: off, a backslash escapes in '…' too. */
  readonly standardStrings: boolean;
  /** The variables the command line sets (`-v name=value`). */
  readonly variables: ReadonlyMap<string, string>;
  /**
   * Lines after `COPY … FROM STDIN` (or `\copy … from stdin`) are its data, up to a line `\.`, as psql reads them
   * when the server takes the copy.
   */
  readonly copyData: boolean;
}

/**
 * Where a variable's value ends: psql reads the value as a buffer of its own, which no token runs past. The text's
 * own U+FFFF is read as U+FFFE, a character psql's lexer takes alike (a byte of a name).
 */
const MARK = "\uffff";
const IDENTIFIER = /[A-Za-z_\u0080-\ufffe][A-Za-z0-9_$\u0080-\ufffe]*/y;
const DIGITS = /[0-9]+/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\ufffe][A-Za-z0-9_\u0080-\ufffe]*)?\$/y;
const VARIABLE = /:([A-Za-z0-9_\u0080-\ufffe]+)/y;
const QUOTED_VARIABLE = /:(['"])([A-Za-z0-9_\u0080-\ufffe]+)\1/y;
const SHELL_QUOTED_VARIABLE = /:'([A-Za-z0-9_\u0080-\ufffe]+)'/y;
/** Characters with no meaning to psql's lexer outside quotes, skipped a run at a time. */
const PLAIN_RUN = /[^\\\-/'"$:();A-Za-z0-9_\u0080-\uffff]+/y;
const STRING_RUN = /[^'\\\uffff]+/y;
/** A `--` comment, to the line's end or a value's. */
const COMMENT_RUN = /[^\n\r\uffff]*/y;
const SLASH_SPACE = /[ \t\r\f]/;
/** Commands whose one argument is the rest of the line, backslashes and quotes included. */
const WHOLE_LINE = new Set(["!", "h", "help", "ef", "ev", "sf", "sf+", "sv", "sv+"]);
/** Commands whose first argument may be `|command`, which takes the rest of the line. */
const FILE_OR_PIPE = new Set(["o", "out", "w", "write", "g", "gx"]);
/** Commands that send the query in the buffer. */
const SENDS = new Set(["g", "gx", "gexec", "gset", "gdesc", "crosstabview", "watch"]);
const COPY_FROM_STDIN = /^\s*\\?copy\b[\s\S]*\bfrom\s+p?stdin\b/i;
/**
 * How many values are read in place, and how much text is copied to put them there (each copies the text after it):
 * far more than a real script needs, while values naming others grow without end. Past either the rest is not
 * expanded, and the reading says so.
 */
const EXPANSIONS = 200;
const EXPANSION_COPYING = 10_000_000;

/** psql reads each line as C text, to its first NUL: the rest of the line is not read. */
function withoutNulTails(text: string): string {
  let nul = text.indexOf("\0");
  if (nul < 0) return text;
  let kept = "";
  let from = 0;
  while (nul >= 0) {
    const end = text.indexOf("\n", nul);
    kept += text.slice(from, nul);
    from = end < 0 ? text.length : end;
    nul = text.indexOf("\0", from);
  }
  return kept + text.slice(from);
}

/** psql's reading of `text`. */
export function readPsqlInput(text: string, reading: PsqlReading): PsqlInput {
  let src = withoutNulTails(text.includes(MARK) ? text.replaceAll(MARK, "\ufffe") : text);
  let pos = 0;
  let sql = "";
  /** The query in psql's buffer: what `sql` gained since the last one was sent. */
  let query = "";
  /** Where the text not yet copied into `sql` starts. */
  let copied = 0;
  let previousQuery = "";
  let parenDepth = 0;
  /** The end of the line after which a copy's data stands, or -1. */
  let copyDataAt = -1;
  let backslashInPlainString = false;
  let expansionCut = false;
  /** Characters of values still to read in place. */
  let expansionBudget = 2 * text.length + 10_000;
  let expansions = 0;
  /** The variables whose values are being read, innermost last: psql does not expand one inside itself. */
  const frames: string[] = [];
  const commands: PsqlCommand[] = [];
  const unknownValues: PsqlUnknownValue[] = [];
  const values = new Map(reading.variables);
  /** Variables whose values the guard cannot know, with what set them; a prefix for `\gset`'s columns. */
  const unknown = new Map<string, string>();
  const unknownPrefixes: { prefix: string; setBy: string }[] = [];

  const emit = (text: string) => {
    sql += text;
    query += text;
  };
  const copyTo = (to: number) => {
    if (to > copied) {
      const piece = src.slice(copied, to);
      emit(piece.includes(MARK) ? piece.replaceAll(MARK, "") : piece);
    }
    copied = Math.max(copied, to);
  };
  /** Past a stretch of text read whole: the values whose ends it holds are read. */
  const passTo = (to: number) => {
    if (frames.length)
      for (let i = src.indexOf(MARK, pos); i >= 0 && i < to; i = src.indexOf(MARK, i + 1)) frames.pop();
    pos = to;
  };
  /** The line end found last, and where the search started: no line break stands between them. */
  let lineEndFrom = 0;
  let lineEndAt = -1;
  const lineEnd = (from: number) => {
    if (from < lineEndFrom || from > lineEndAt) {
      const end = src.indexOf("\n", from);
      lineEndFrom = from;
      lineEndAt = end < 0 ? src.length : end;
    }
    return lineEndAt;
  };
  /** The query in the buffer, copied up to the command being read; else the one sent before. */
  const currentQuery = () => query.trim() || previousQuery;
  const send = () => {
    const sent = query.trim();
    query = "";
    if (sent) previousQuery = sent;
    if (reading.copyData && COPY_FROM_STDIN.test(sent)) copyDataAt = lineEnd(pos);
  };
  /** The copy's data, from the line after `copyDataAt` up to a line `\.`: psql reads it before the rest of the line. */
  const skipCopyData = () => {
    copyTo(copyDataAt);
    let line = copyDataAt + 1;
    copyDataAt = -1;
    while (line < src.length) {
      const end = lineEnd(line);
      const data = src.slice(line, end);
      line = end + 1;
      if (data === "\\." || data === "\\.\r") break;
    }
    const stop = Math.min(line, src.length);
    pos = Math.max(pos, stop);
    copied = pos;
  };
  const lookup = (name: string): { value: string } | { setBy: string } | null => {
    const value = values.get(name);
    if (value !== undefined) return { value };
    const setBy = unknown.get(name) ?? unknownPrefixes.find((u) => name.startsWith(u.prefix))?.setBy;
    return setBy === undefined ? null : { setBy };
  };
  const setUnknown = (name: string, setBy: string) => {
    values.delete(name);
    unknown.set(name, setBy);
  };

  /** `:name` in SQL: psql reads the value in its place, as input. */
  const interpolate = (at: number, length: number, name: string) => {
    const found = frames.includes(name) ? null : lookup(name);
    if (found === null) {
      passTo(at + length);
      return;
    }
    if ("setBy" in found) {
      unknownValues.push({ name, setBy: found.setBy });
      passTo(at + length);
      return;
    }
    if (
      ++expansions > EXPANSIONS ||
      found.value.length > expansionBudget ||
      expansions * src.length > EXPANSION_COPYING
    ) {
      expansionCut = true;
      passTo(at + length);
      return;
    }
    expansionBudget -= found.value.length;
    copyTo(at);
    // A line break in a value does not end psql's input line; `\r` reads alike everywhere else.
    const value = found.value.replaceAll(MARK, "\ufffe").replaceAll("\n", "\r");
    src = src.slice(0, at) + value + MARK + src.slice(at + length);
    lineEndAt = -1;
    frames.push(name);
    copied = at;
    pos = at;
  };

  /** A quoted variable (`:'name'` as a literal, `:"name"` as a name): its value, quoted; not read again. */
  const quotedValue = (quote: string, name: string): string | null | undefined => {
    const found = lookup(name);
    if (found === null) return undefined;
    if ("setBy" in found) return null;
    const value = found.value;
    if (quote === '"') return `"${value.replaceAll('"', '""')}"`;
    const escaped = value.replaceAll("'", "''");
    return value.includes("\\") ? ` E'${escaped.replaceAll("\\", "\\\\")}'` : `'${escaped}'`;
  };

  /**
   * A command's next argument, from `pos` (past any space) up to `end`, the line's end: its value, null when the
   * guard cannot know it, undefined when none is left. A `|` first takes the rest of the line where `pipe` allows.
   */
  const readArgument = (
    end: number,
    pipe: boolean,
    backquoted: (string | null)[],
  ): string | null | undefined => {
    while (pos < end && (SLASH_SPACE.test(src[pos]!) || src[pos] === MARK)) {
      if (src[pos] === MARK) frames.pop();
      pos++;
    }
    if (pos >= end || src[pos] === "\\") return undefined;
    if (pipe && src[pos] === "|") {
      const rest = src.slice(pos, end).replaceAll(MARK, "");
      passTo(end);
      return rest;
    }
    let value: string | null = "";
    const add = (piece: string | null) => {
      value = value === null || piece === null ? null : value + piece;
    };
    while (pos < end) {
      const c = src[pos]!;
      if (SLASH_SPACE.test(c) || c === "\\") break;
      if (c === MARK) {
        frames.pop();
        pos++;
      } else if (c === "'") {
        pos++;
        add(singleQuotedArgument(end));
      } else if (c === "`") {
        pos++;
        const command = backquotedCommand(end);
        backquoted.push(command);
        add(null);
      } else if (c === '"') {
        const close = src.indexOf('"', pos + 1);
        const stop = close < 0 || close >= end ? end : close + 1;
        add(src.slice(pos, stop).replaceAll(MARK, ""));
        passTo(stop);
      } else if (c === ":") {
        const quoted = matchAt(QUOTED_VARIABLE, src, pos);
        const plain = quoted ? null : matchAt(VARIABLE, src, pos);
        if (quoted) {
          const name = quoted.slice(2, -1);
          const value = quotedValue(quoted[1]!, name);
          add(value === undefined ? quoted : value);
          pos += quoted.length;
        } else if (plain) {
          const found = lookup(plain.slice(1));
          add(found === null ? plain : "value" in found ? found.value : null);
          pos += plain.length;
        } else {
          add(":");
          pos++;
        }
      } else {
        add(c);
        pos++;
      }
    }
    return value;
  };

  /** The text of a '…' argument from `pos` (past its quote): `''` and backslash escapes read as psql reads them. */
  const singleQuotedArgument = (end: number): string => {
    let value = "";
    while (pos < end) {
      const c = src[pos]!;
      if (c === MARK) {
        frames.pop();
        pos++;
      } else if (c === "'") {
        if (src[pos + 1] !== "'") {
          pos++;
          return value;
        }
        value += "'";
        pos += 2;
      } else if (c === "\\" && pos + 1 < end && src[pos + 1] !== MARK) {
        const octal = /^[0-7]{1,3}/.exec(src.slice(pos + 1, pos + 4));
        const hex = octal ? null : /^x([0-9A-Fa-f]{1,2})/.exec(src.slice(pos + 1, pos + 4));
        if (octal) {
          value += String.fromCharCode(Number.parseInt(octal[0], 8) & 0xff);
          pos += 1 + octal[0].length;
        } else if (hex) {
          value += String.fromCharCode(Number.parseInt(hex[1]!, 16));
          pos += 1 + hex[0].length;
        } else {
          const next = src[pos + 1]!;
          value += { n: "\n", t: "\t", b: "\b", r: "\r", f: "\f" }[next] ?? next;
          pos += 2;
        }
      } else {
        value += c;
        pos++;
      }
    }
    // Unterminated: psql drops the argument with the rest of the line; reading it finds more, never less.
    return value;
  };

  /** A backquoted command from `pos` (past its quote), variables put in: what psql runs in a shell. */
  const backquotedCommand = (end: number): string | null => {
    let command: string | null = "";
    while (pos < end && src[pos] !== "`") {
      const c = src[pos]!;
      const quoted = c === ":" ? matchAt(SHELL_QUOTED_VARIABLE, src, pos) : null;
      const plain = c === ":" && !quoted ? matchAt(VARIABLE, src, pos) : null;
      if (c === MARK) {
        frames.pop();
        pos++;
        continue;
      }
      let piece: string | null = c;
      if (quoted || plain) {
        const found = lookup((quoted ?? plain)!.slice(1).replaceAll("'", ""));
        piece =
          found === null
            ? (quoted ?? plain)!
            : "value" in found
              ? quoted
                ? shellQuoted(found.value)
                : found.value
              : null;
        pos += (quoted ?? plain)!.length;
      } else pos++;
      command = command === null || piece === null ? null : command + piece;
    }
    if (pos < end) pos++;
    return command;
  };

  /** What a command that sets variables does to them. */
  const setVariables = (name: string, args: readonly (string | null)[]) => {
    if (name === "set" && args.length) {
      const [variable = "", ...parts] = args;
      const value = parts.some((p) => p === null) ? null : parts.join("");
      if (variable === null) unknownPrefixes.push({ prefix: "", setBy: "\\set" });
      else if (value === null) setUnknown(variable, "\\set");
      else {
        unknown.delete(variable);
        values.set(variable, value);
      }
    } else if (name === "unset" && args[0]) {
      values.delete(args[0]);
      unknown.delete(args[0]);
    } else if (name === "gset") {
      // The query's columns, named with the prefix: names and values both the server's.
      const prefix = args[0] === null ? "" : (args[0] ?? "");
      for (const known of [...values.keys()]) if (known.startsWith(prefix)) setUnknown(known, "\\gset");
      unknownPrefixes.push({ prefix, setBy: "\\gset" });
    } else if ((name === "prompt" || name === "getenv") && args.length) {
      const variable = name === "prompt" ? args[args.length - 1] : args[0];
      if (variable === null || variable === undefined)
        unknownPrefixes.push({ prefix: "", setBy: `\\${name}` });
      else setUnknown(variable, `\\${name}`);
    }
  };

  /** The command whose backslash stands at `pos`: read up to where psql goes back to SQL, and what it does noted. */
  const readCommand = () => {
    copyTo(pos);
    pos++;
    let name = "";
    while (pos < src.length) {
      const c = src[pos]!;
      if (c === MARK) {
        frames.pop();
        pos++;
        continue;
      }
      if (c === "\n" || c === "\\" || SLASH_SPACE.test(c)) break;
      name += c;
      pos++;
    }
    if (!name) {
      // psql refuses `\` with no name and drops the rest of the line; the guard reads past it as SQL, as a `\\`
      // separator, which finds more than psql runs, never less.
      if (src[pos] === "\\") pos++;
      copied = pos;
      return;
    }
    const nameEnd = pos;
    const end = lineEnd(pos);
    const query = SENDS.has(name) || name === "w" || name === "write" ? currentQuery() : "";
    const args: (string | null)[] = [];
    const backquoted: (string | null)[] = [];
    if (WHOLE_LINE.has(name) || name.toLowerCase() === "copy") {
      const rest = src.slice(pos, end).replaceAll(MARK, "");
      passTo(end);
      args.push(rest.replace(/^[ \t\r\f]+/, ""));
    } else {
      /** Where `|command` may stand: the first argument, or for `\g` the one after its `(option=value …)`. */
      let pipeAt = FILE_OR_PIPE.has(name) ? 0 : -1;
      for (;;) {
        const argument = readArgument(end, args.length === pipeAt, backquoted);
        if (argument === undefined) break;
        args.push(argument);
        const value = argument ?? "";
        if (args.length === 1 && (name === "g" || name === "gx") && value.startsWith("(")) pipeAt = -2;
        if (pipeAt === -2 && value.endsWith(")")) pipeAt = args.length;
      }
      if (src.startsWith("\\\\", pos)) pos += 2;
    }
    commands.push({
      name,
      args,
      text: src.slice(nameEnd, pos).replaceAll(MARK, ""),
      query,
      backquoted,
    });
    setVariables(name, args);
    copied = pos;
    if (SENDS.has(name) || name === "r" || name === "reset") {
      emit(";");
      send();
    } else if (reading.copyData && COPY_FROM_STDIN.test(`\\${name}${commands.at(-1)!.text}`))
      copyDataAt = pos;
  };

  /** Past the '…' string whose text starts at `pos`; `escapes` for E'…' (and plain ones when the setting is off). */
  const quotedString = (escapes: boolean, plain: boolean) => {
    while (pos < src.length) {
      const c = src[pos]!;
      if (c === "'") {
        if (src[pos + 1] === "'") pos += 2;
        else {
          pos++;
          return;
        }
      } else if (c === "\\") {
        if (plain) backslashInPlainString = true;
        // An escape is one token, which does not run past a value's end.
        pos += escapes && src[pos + 1] !== MARK ? 2 : 1;
      } else if (c === MARK) {
        frames.pop();
        pos++;
      } else pos += matchAt(STRING_RUN, src, pos)!.length;
    }
  };

  while (pos < src.length) {
    if (copyDataAt >= 0 && pos >= copyDataAt) {
      skipCopyData();
      continue;
    }
    const plainRun = matchAt(PLAIN_RUN, src, pos);
    if (plainRun) {
      pos += plainRun.length;
      continue;
    }
    const c = src[pos]!;
    const next = src[pos + 1];
    if (c === MARK) {
      frames.pop();
      pos++;
    } else if (c === "\\") {
      if (next === ";" || next === ":") {
        // psql puts the character into the query: `\;` joins statements into one query, `\:` is no variable.
        copyTo(pos);
        emit(next);
        pos += 2;
        copied = pos;
      } else readCommand();
    } else if (c === "-" && next === "-") {
      pos += matchAt(COMMENT_RUN, src, pos)!.length;
    } else if (c === "/" && next === "*") {
      let depth = 0;
      pos += 2;
      while (pos < src.length) {
        if (src.startsWith("/*", pos)) {
          depth++;
          pos += 2;
        } else if (src.startsWith("*/", pos)) {
          pos += 2;
          if (depth-- === 0) break;
        } else {
          if (src[pos] === MARK) frames.pop();
          pos++;
        }
      }
    } else if (c === "'") {
      pos++;
      quotedString(!reading.standardStrings, true);
    } else if (c === '"') {
      const close = src.indexOf('"', pos + 1);
      let stop = close;
      while (stop >= 0 && src[stop + 1] === '"') stop = src.indexOf('"', stop + 2);
      passTo(stop < 0 ? src.length : stop + 1);
    } else if (c === "$") {
      const tag = matchAt(DOLLAR_TAG, src, pos);
      if (tag) {
        const close = src.indexOf(tag, pos + tag.length);
        passTo(close < 0 ? src.length : close + tag.length);
      } else pos++;
    } else if (c === ":") {
      if (next === ":" || next === "=") {
        pos += 2;
        continue;
      }
      const quoted = matchAt(QUOTED_VARIABLE, src, pos);
      if (quoted) {
        const value = quotedValue(quoted[1]!, quoted.slice(2, -1));
        if (typeof value === "string") {
          copyTo(pos);
          emit(value);
          copied = pos + quoted.length;
        }
        pos += quoted.length;
        continue;
      }
      const variable = matchAt(VARIABLE, src, pos);
      if (variable) interpolate(pos, variable.length, variable.slice(1));
      else pos++;
    } else if (c === "(") {
      parenDepth++;
      pos++;
    } else if (c === ")") {
      if (parenDepth > 0) parenDepth--;
      pos++;
    } else if (c === ";") {
      pos++;
      if (parenDepth === 0) {
        copyTo(pos);
        send();
      }
    } else if (/[0-9]/.test(c)) {
      pos += matchAt(DIGITS, src, pos)!.length;
    } else {
      // A name, or the letter opening a string: E'…' escapes, B'…', X'…' and U&'…' do not; N'…' is a plain one.
      const lower = c.toLowerCase();
      if (next === "'" && (lower === "e" || lower === "b" || lower === "x")) {
        pos += 2;
        quotedString(lower === "e", false);
      } else if (lower === "u" && next === "&" && src[pos + 2] === "'") {
        pos += 3;
        quotedString(false, false);
      } else if (lower === "u" && next === "&" && src[pos + 2] === '"') {
        pos += 2;
      } else if (lower === "n" && next === "'") {
        pos++;
      } else {
        const word = matchAt(IDENTIFIER, src, pos);
        pos += word ? word.length : 1;
      }
    }
  }
  copyTo(src.length);
  return { sql, commands, unknownValues, backslashInPlainString, expansionCut };
}
