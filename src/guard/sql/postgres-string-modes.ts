// What PostgreSQL runs of a text when standard_conforming_strings is off: a backslash then escapes inside '…' as it
// does inside E'…', so `SELECT 'a\', ' ; DROP TABLE users; -- '` runs the DROP. The guard cannot see the setting
// (postgresql.conf, the role's or database's defaults, PGOPTIONS, or SET in the text), so that reading is judged
// too: each such string spelt E'…', which the default reading reads alike.
import { matchAt } from "./match-at.ts";

export interface OtherStringModes {
  readonly readings: readonly string[];
  /** The setting the text itself changes, after which no reading is sure: "standard_conforming_strings", or "". */
  readonly settingInText: string;
}

const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
/** Between two quotes, white space with a line break (and `--` comments) continues the first string. */
const CONTINUATION = /[ \t\f\v\r]*(?:--[^\n\r]*)?[\n\r](?:[ \t\n\r\f\v]|--[^\n\r]*)*'/y;

interface Reading {
  /** The statements in the default syntax; the one a string or comment runs to the end in is left out. */
  readonly statements: string[];
  /** Where each quoted run ends: readings that agree on these agree on every statement. */
  readonly ends: number[];
  /** Whether a backslash stands in a string whose escapes depend on the setting. */
  readonly backslashInPlainString: boolean;
  /** Whether a string, name or comment runs to the end of the text. */
  readonly open: boolean;
}

/** Reads `sql` with standard_conforming_strings on or off. */
function read(sql: string, standard: boolean): Reading {
  const statements: string[] = [];
  const ends: number[] = [];
  let backslashInPlainString = false;
  let current = "";
  let valid = true;
  /** The end of the quoted run opening at `from` (past its closing quote), or -1 when it runs to the end. */
  const quoted = (from: number, quote: string, escapes: boolean): number => {
    let j = from + 1;
    for (;;) {
      if (j >= sql.length) return -1;
      if (sql[j] === "\\" && escapes) j += 2;
      else if (sql[j] !== quote) j++;
      else if (sql[j + 1] === quote) j += 2;
      else return j + 1;
    }
  };
  /** The end of the '…' string opening at `from` with the strings that continue it, or -1 when one runs to the end. */
  const continuedString = (from: number, escapes: boolean): number => {
    let end = quoted(from, "'", escapes);
    while (end >= 0) {
      const continuation = matchAt(CONTINUATION, sql, end);
      if (!continuation) break;
      end = quoted(end + continuation.length - 1, "'", escapes);
    }
    return end;
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const word = matchAt(WORD, sql, i);
    if (word && sql[i + word.length] === "'") {
      // E'…' escapes whatever the setting; B'…' and X'…' hold digits; U&'…' (after its `&`) is refused when the
      // setting is off; N'…' and a type's name before a literal (`date'…'`) leave a plain string.
      current += word;
      i += word.length;
      const prefix = word.toLowerCase();
      if (prefix === "e" || prefix === "b" || prefix === "x") {
        const end = continuedString(i, prefix === "e");
        if (end < 0) return { statements, ends, backslashInPlainString, open: true };
        current += sql.slice(i, end);
        ends.push(end);
        i = end;
        continue;
      }
    } else if (word) {
      current += word;
      i += word.length;
      if (word.toLowerCase() === "u" && sql[i] === "&" && sql[i + 1] === "'") {
        if (!standard) valid = false;
        current += "&";
        i++;
        const end = quoted(i, "'", false);
        if (end < 0) return { statements, ends, backslashInPlainString, open: true };
        current += sql.slice(i, end);
        ends.push(end);
        i = end;
      }
      continue;
    }
    if (sql[i] === "'") {
      // A plain string, with the strings that continue it.
      const end = continuedString(i, !standard);
      if (end < 0) return { statements, ends, backslashInPlainString, open: true };
      const run = sql.slice(i, end);
      if (run.includes("\\")) backslashInPlainString = true;
      // Spelt E'…' where it escapes; after a name (`N'…'`, `date'…'`) apart from it, so that the name stays whole.
      current +=
        standard || !run.includes("\\")
          ? run
          : `${/[A-Za-z0-9_$\u0080-\uffff]$/.test(current) ? " " : ""}E${run}`;
      ends.push(end);
      i = end;
      continue;
    }
    const tag = c === "$" ? matchAt(DOLLAR_TAG, sql, i) : null;
    if (c === '"') {
      const end = quoted(i, '"', false);
      if (end < 0) return { statements, ends, backslashInPlainString, open: true };
      current += sql.slice(i, end);
      ends.push(end);
      i = end;
    } else if (tag) {
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) return { statements, ends, backslashInPlainString, open: true };
      current += sql.slice(i, close + tag.length);
      ends.push(close + tag.length);
      i = close + tag.length;
    } else if (c === "-" && sql[i + 1] === "-") {
      const stop = sql.slice(i).search(/[\n\r]/);
      const end = stop < 0 ? sql.length : i + stop;
      current += sql.slice(i, end);
      i = end;
    } else if (c === "/" && sql[i + 1] === "*") {
      // Nested, as PostgreSQL reads them.
      let depth = 0;
      let j = i;
      do {
        if (j >= sql.length) return { statements, ends, backslashInPlainString, open: true };
        const step = sql.startsWith("/*", j) ? 1 : sql.startsWith("*/", j) ? -1 : 0;
        depth += step;
        j += step ? 2 : 1;
      } while (depth > 0);
      current += sql.slice(i, j);
      i = j;
    } else if (c === ";") {
      if (valid && current.trim()) statements.push(current.trim());
      current = "";
      valid = true;
      i++;
    } else {
      current += c;
      i++;
    }
  }
  if (valid && current.trim()) statements.push(current.trim());
  return { statements, ends, backslashInPlainString, open: false };
}

/**
 * Whether `sql` ends inside a string, quoted name or comment, with standard_conforming_strings on or off: psql then
 * reads a backslash that starts the next line as part of it, not as one of its commands.
 */
export function postgresEndsQuoted(sql: string): boolean {
  return read(sql, true).open || (sql.includes("\\") && read(sql, false).open);
}

/**
 * The reading of `sql` with standard_conforming_strings off, when it ends a string elsewhere than the default one;
 * null when no plain '…' string holds a backslash, where both read the text alike.
 */
export function postgresStringModeReadings(sql: string): OtherStringModes | null {
  if (!sql.includes("\\")) return null;
  const standard = read(sql, true);
  if (!standard.backslashInPlainString) return null;
  const escaping = read(sql, false);
  if (
    escaping.ends.join() === standard.ends.join() &&
    escaping.statements.length === standard.statements.length
  )
    return null;
  return {
    readings: escaping.statements.length ? [escaping.statements.join(";\n")] : [],
    settingInText: /standard_conforming_strings/i.test(sql) ? "standard_conforming_strings" : "",
  };
}
