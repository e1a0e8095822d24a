// What MySQL runs of a text when its strings end elsewhere than by default. The server's sql_mode decides it, and the
// guard cannot see it (set globally, in my.cnf, by the client's --init-command, or by SET in the text itself): with
// NO_BACKSLASH_ESCAPES a backslash is a plain character inside '…' and "…", and with ANSI_QUOTES "…" is a name,
// inside which it is plain too; so `SELECT 'a\'; DROP TABLE users; -- '` runs the DROP. The client cuts the text
// into statements by what it knows of the mode (MySQL's client knows NO_BACKSLASH_ESCAPES, MariaDB's ANSI_QUOTES
// too), and the server reads each statement it is sent by its own. Every pairing is read here, each statement
// spelt in the default syntax so that the readers judge it as the server runs it.
import {
  BACKSLASH_ESCAPES,
  type MysqlClientCommand,
  type MysqlQuoteView,
  readMysqlClient,
} from "./mysql-client.ts";

/** How the server reads a backslash inside '…' and "…", and whether "…" is a name (ANSI_QUOTES). */
interface ServerStrings extends MysqlQuoteView {
  readonly doubleQuotedNames: boolean;
}

const SERVER_MODES: readonly ServerStrings[] = [
  { single: true, double: true, doubleQuotedNames: false },
  { single: false, double: false, doubleQuotedNames: false },
  { single: true, double: false, doubleQuotedNames: true },
];
/** What the client may know of the mode: the default, NO_BACKSLASH_ESCAPES, and MariaDB's ANSI_QUOTES. */
const CLIENT_VIEWS: readonly MysqlQuoteView[] = [
  BACKSLASH_ESCAPES,
  { single: false, double: false },
  { single: true, double: false },
];

export interface OtherStringModes {
  /** Each other reading's statements, joined, in the default syntax. */
  readonly readings: readonly string[];
  /** Client commands only another view of the strings finds. */
  readonly commands: readonly MysqlClientCommand[];
  /** The setting the text itself changes, after which no reading is sure: "sql_mode", or "". */
  readonly settingInText: string;
}

/** A quoted run's text as the default syntax spells what `mode` reads: a string, or a name. */
function spell(quote: string, body: string, mode: ServerStrings): string {
  if (quote === '"' && mode.doubleQuotedNames) return `\`${body.replace(/""/g, '"').replace(/`/g, "``")}\``;
  const escapes = quote === "'" ? mode.single : quote === '"' ? mode.double : true;
  return escapes ? quote + body + quote : quote + body.replace(/\\/g, "\\\\") + quote;
}

/** A statement spelt in the default syntax, and its shape: its text with every quoted run blanked. */
interface ServerStatement {
  readonly text: string;
  readonly shape: string;
}

/**
 * The statements the server runs of one the client sends (which may hold several), each spelt in the default
 * syntax. A statement whose string or name runs to the end, or with a backslash outside strings (only `\N`, NULL,
 * is read there), is a syntax error: it runs nothing.
 */
function serverStatements(sent: string, mode: ServerStrings): ServerStatement[] {
  const out: ServerStatement[] = [];
  let current = "";
  let shape = "";
  let valid = true;
  const end = () => {
    if (valid && current.trim()) out.push({ text: current.trim(), shape: shape.trim() });
    current = "";
    shape = "";
    valid = true;
  };
  const copy = (text: string) => {
    current += text;
    shape += text;
  };
  let i = 0;
  while (i < sent.length) {
    const c = sent[i]!;
    if (c === "'" || c === '"' || c === "`") {
      const escapes = c === "'" ? mode.single : c === '"' ? mode.double : false;
      let j = i + 1;
      for (;;) {
        if (j >= sent.length) return out;
        if (sent[j] === "\\" && escapes) j += 2;
        else if (sent[j] !== c) j++;
        else if (sent[j + 1] === c) j += 2;
        else break;
      }
      current += spell(c, sent.slice(i + 1, j), mode);
      shape += "''";
      i = j + 1;
    } else if (
      c === "#" ||
      // `--` comments when a blank, a control character or the end follows.
      (c === "-" && sent[i + 1] === "-" && !(sent.charCodeAt(i + 2) > 0x20))
    ) {
      const stop = sent.indexOf("\n", i);
      copy(sent.slice(i, stop < 0 ? sent.length : stop));
      i = stop < 0 ? sent.length : stop;
    } else if (c === "/" && sent[i + 1] === "*" && !/^(?:!|M!)/.test(sent.slice(i + 2, i + 4))) {
      const stop = sent.indexOf("*/", i + 2);
      copy(sent.slice(i, stop < 0 ? sent.length : stop + 2));
      i = stop < 0 ? sent.length : stop + 2;
    } else {
      // The text of `/*! … *\/` (and MariaDB's `/*M! … *\/`) is read as SQL, so it is read on here.
      if (c === "\\" && sent[i + 1] !== "N") valid = false;
      if (c === ";") end();
      else copy(c);
      i++;
    }
  }
  end();
  return out;
}

/** The statements the server runs of those the client sends, joined; with their shapes, joined. */
function reading(statements: readonly string[], mode: ServerStrings): ServerStatement {
  const read = statements.flatMap((s) => serverStatements(s, mode));
  return { text: read.map((s) => s.text).join(";\n"), shape: read.map((s) => s.shape).join(";\n") };
}
const commandKey = (command: MysqlClientCommand) => `${command.name}\0${command.argument}`;

/**
 * The readings of `text` under the other sql_modes that end its strings elsewhere, with the commands of the mysql
 * client (when it reads the text: `clientCommands`) they expose; null when a backslash stands in no '…' or "…"
 * string, where every mode reads the text alike.
 */
export function mysqlStringModeReadings(text: string, clientCommands: boolean): OtherStringModes | null {
  if (!text.includes("\\")) return null;
  const main = readMysqlClient(text, BACKSLASH_ESCAPES, { clientCommands });
  if (!main.backslashInString) return null;
  // Readings whose strings end where the default's do read alike: only the others are judged again.
  const seen = new Set([reading(main.statements, SERVER_MODES[0]!).shape]);
  const known = new Set(main.commands.map(commandKey));
  const readings: string[] = [];
  const commands: MysqlClientCommand[] = [];
  for (const view of CLIENT_VIEWS) {
    const client = view === BACKSLASH_ESCAPES ? main : readMysqlClient(text, view, { clientCommands });
    for (const command of client.commands) {
      if (known.has(commandKey(command))) continue;
      known.add(commandKey(command));
      commands.push(command);
    }
    for (const mode of SERVER_MODES) {
      const read = reading(client.statements, mode);
      if (!read.text || seen.has(read.shape)) continue;
      seen.add(read.shape);
      readings.push(read.text);
    }
  }
  return { readings, commands, settingInText: /sql_mode/i.test(text) ? "sql_mode" : "" };
}
