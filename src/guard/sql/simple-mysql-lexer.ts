// The fast MySQL reader's first pass: words (their spelling kept, as MySQL keeps names' case), `backtick` names,
// plain 'single' and "double" quoted strings and numbers, `@name` user and `@@[scope.]name` server variables, `?`
// placeholders, operators, punctuation, and `#` and `-- ` comments; anything with other lexical rules (backslash
// escapes, `/* */` and its executable `/*! */` form, quoted variables, 0x…) is not simple.
import { fail } from "./simple-lexer.ts";

export type MysqlToken =
  // Unquoted: v lower-cased for keywords, raw as written; spaced when white space or a comment comes before it.
  | { t: "word"; v: string; raw: string; spaced: boolean }
  | { t: "name"; v: string } // `quoted identifier`
  | { t: "string"; v: string; quote: "'" | '"' } // v as written between the quotes, doubled quotes kept
  | { t: "number"; v: string }
  | { t: "op"; v: string }
  | { t: "punct"; v: string; at: number } // at: where it stands in the text
  | { t: "var"; v: string } // @name, v the name as written
  | { t: "sysvar"; v: string; members: string[] } // @@name or @@scope.name, as written
  | { t: "param"; v: "?" };

/** MySQL keeps 64 characters of a name; longer ones go to the real parser. */
const MAX_NAME = 64;
const OPERATORS = new Set(["=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%"]);
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const BACKTICK_NAME = /`([A-Za-z0-9_]+)`/y;
const STRING = /'((?:[^'\\\0]|'')*)'/y;
/** node-sql-parser takes no control character but a line feed between double quotes (nor `\`, an escape). */
const DOUBLE_QUOTED_STRING = /"((?:[\n !#-[\]-~\u0080-\uffff]|"")*)"/y;
const NUMBER = /[0-9]+(?:\.[0-9]+)?/y;
const OPERATOR_RUN = /[+\-*/<>=~!@#%^&|?:]+/y;
const USER_VARIABLE = /@([A-Za-z_][A-Za-z0-9_]*)/y;
const SERVER_VARIABLE = /@@[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;

function match(pattern: RegExp, sql: string, at: number): string | null {
  pattern.lastIndex = at;
  return pattern.exec(sql)?.[0] ?? null;
}

/** The tokens of `sql`; throws NotSimple on anything outside the fast MySQL reader's lexical subset. */
export function lexMysql(sql: string): MysqlToken[] {
  const out: MysqlToken[] = [];
  let i = 0;
  let spaced = false;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      spaced = true;
      continue;
    }
    if (c === "#" || (c === "-" && sql[i + 1] === "-" && /[ \t\n\r]/.test(sql[i + 2] ?? "\n"))) {
      // `#` and `-- ` (with the space MySQL requires) comment to the end of the line.
      while (i < sql.length && sql[i] !== "\n") i++;
      spaced = true;
      continue;
    }
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_") {
      const raw = match(WORD, sql, i)!;
      // `_utf8'…'`, `X'…'`, `a$b`, names run into quotes: other lexical rules, left to the real parser.
      if (raw.length > MAX_NAME || /['"`$&@]/.test(sql[i + raw.length] ?? "")) fail();
      out.push({ t: "word", v: raw.toLowerCase(), raw, spaced });
      i += raw.length;
    } else if (c === "`") {
      const m = match(BACKTICK_NAME, sql, i) ?? fail();
      if (m.length - 2 > MAX_NAME) fail();
      out.push({ t: "name", v: m.slice(1, -1) });
      i += m.length;
    } else if (c === "'" || c === '"') {
      // No backslashes: MySQL reads them as escapes unless NO_BACKSLASH_ESCAPES. Adjacent literals concatenate.
      // A doubled quote stays doubled in the value, as node-sql-parser gives it.
      const m = match(c === "'" ? STRING : DOUBLE_QUOTED_STRING, sql, i) ?? fail();
      if (out.at(-1)?.t === "string") fail();
      out.push({ t: "string", v: m.slice(1, -1), quote: c });
      i += m.length;
    } else if (c >= "0" && c <= "9") {
      const m = match(NUMBER, sql, i)!;
      // Exponents, 0x…, 0b… and names that start with digits are other lexical rules.
      if (/[A-Za-z0-9_.$]/.test(sql[i + m.length] ?? "")) fail();
      out.push({ t: "number", v: m });
      i += m.length;
    } else if (c === "(" || c === ")" || c === "," || c === ";" || c === ".") {
      out.push({ t: "punct", v: c, at: i });
      i++;
    } else if (c === "@" && sql[i + 1] === "@") {
      const m = match(SERVER_VARIABLE, sql, i) ?? fail();
      // `@@a$`, `@@a.`, `@@a'…'`: other lexical rules.
      if (/[.$'"`@]/.test(sql[i + m.length] ?? "")) fail();
      const [name, ...members] = m.slice(2).split(".");
      if ([name!, ...members].some((part) => part.length > MAX_NAME)) fail();
      out.push({ t: "sysvar", v: name!, members });
      i += m.length;
    } else if (c === "@") {
      const m = match(USER_VARIABLE, sql, i) ?? fail();
      // `@a.b`, `@a$`, `@a'…'`: other lexical rules.
      if (m.length - 1 > MAX_NAME || /[.$'"`@]/.test(sql[i + m.length] ?? "")) fail();
      out.push({ t: "var", v: m.slice(1) });
      i += m.length;
    } else {
      // Runs of operator characters, so `/*`, `--x` and `<=>` are one (refused) operator.
      const m = match(OPERATOR_RUN, sql, i);
      if (m === "?") out.push({ t: "param", v: "?" });
      else if (!m || !OPERATORS.has(m)) fail();
      else out.push({ t: "op", v: m });
      i += m!.length;
    }
    spaced = false;
  }
  return out;
}
