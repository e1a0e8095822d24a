// The fast SQL reader's first pass: words folded as PostgreSQL folds them, quoted names, strings (plain, `E'…'` with
// the common escapes, dollar-quoted) and numbers, operators and punctuation; anything with other lexical rules (other
// escapes, block comments, parameters…) is not simple.

export type SqlToken =
  | { t: "word"; v: string } // unquoted: lower-cased, as PostgreSQL folds it
  | { t: "name"; v: string } // "quoted identifier"
  | { t: "string"; v: string } // '…', E'…' or $tag$…$tag$, as the parser reads its value
  | { t: "number"; v: string }
  | { t: "op"; v: string }
  | { t: "punct"; v: string };

/** Thrown by the fast reader when the text leaves its subset; readSimpleSql turns it into null. */
export class NotSimple extends Error {}
/** One instance, thrown every time: most SQL leaves the subset somewhere, and a fresh error would record a stack. */
const NOT_SIMPLE = new NotSimple("outside the fast SQL reader's subset");
export const fail = (): never => {
  throw NOT_SIMPLE;
};

/**
 * Thrown where the lexer meets, outside strings and comments, a character PostgreSQL's lexer passes on as a token of
 * its own that no rule of its grammar uses: the parser refuses the text whatever else it holds.
 */
export class PostgresStrayCharacter extends NotSimple {}
const STRAY_CHARACTER = new PostgresStrayCharacter("a character PostgreSQL's grammar has no use for");
/** `{`, `}`, a backslash and control characters but NUL (which ends the text for the parser) and white space. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these characters are what the pattern finds.
export const STRAY_CHARACTERS = /[{}\\\x01-\x08\x0e-\x1f\x7f]/;

/** PostgreSQL keeps the first 63 bytes of a longer name; such names go to the real parser. */
const MAX_NAME = 63;
/** Words after which PostgreSQL's lexer reads the next token ahead of the grammar. */
const LOOKAHEAD_WORDS = new Set(["not", "nulls", "with", "without", "format"]);
/** `=>` names a function's argument; it is PostgreSQL's own token, not an operator, but lexed as one. */
const OPERATORS = new Set(["=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||", "=>"]);
/**
 * `E'…'` with the escapes whose meaning is plain: `\\`, `\'`, `\b \f \n \r \t` and `''`. Octal, hex and Unicode
 * escapes (which can spell invalid text) and a backslash before anything else are the real parser's.
 */
const ESCAPE_STRING = /^[Ee]'((?:[^'\\\0]|''|\\[\\'bfnrt])*)'/;
const ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
/** What `''` or a backslash escape in an `E'…'` string stands for. */
const unescaped = (_pair: string, escaped?: string) => (escaped ? (ESCAPES[escaped] ?? escaped) : "'");
/** A dollar quote's opening delimiter: `$$` or `$tag$` (ASCII tags here; `$1` is a parameter, not a quote). */
const DOLLAR_DELIMITER = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/;

/** The tokens of `sql`; throws NotSimple on anything outside the fast reader's lexical subset. */
export function lexSql(sql: string): SqlToken[] {
  const out: SqlToken[] = [];
  // Adjacent literals concatenate (`'a'` newline `'b'`) or are a syntax error: either way not here.
  const string = (v: string) => {
    if (out.at(-1)?.t === "string") fail();
    out.push({ t: "string", v });
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      // A line comment is white space, except after a word PostgreSQL's lexer looks past (NOT IN, NULLS FIRST…):
      // libpg-query then misreads the pair. Inside an operator (`+--`) it is refused below, with the operator.
      const last = out.at(-1);
      if (last?.t === "word" && LOOKAHEAD_WORDS.has(last.v)) fail();
      while (i < sql.length && sql[i] !== "\n" && sql[i] !== "\r") i++;
    } else if (c === ":" && (sql[i + 1] === ":" || sql[i + 1] === "=")) {
      // `::` casts; `:=` names a function's argument, as `=>` does.
      out.push({ t: "punct", v: sql.slice(i, i + 2) });
      i += 2;
    } else if ((c === "E" || c === "e") && sql[i + 1] === "'") {
      const m = ESCAPE_STRING.exec(sql.slice(i)) ?? fail();
      string(m[1]!.replace(/''|\\(.)/g, unescaped));
      i += m[0].length;
    } else if (c === "$") {
      // The body runs to the first copy of the opening delimiter, whatever it holds: quotes, semicolons, comments.
      const delimiter = (DOLLAR_DELIMITER.exec(sql.slice(i)) ?? fail())[0];
      const end = sql.indexOf(delimiter, i + delimiter.length);
      if (end < 0) fail();
      const body = sql.slice(i + delimiter.length, end);
      if (body.includes("\0")) fail();
      string(body);
      i = end + delimiter.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i))![0];
      // `B'…'`, `U&"…"`, `$` in names: other lexical rules, left to the real parser.
      if (m.length > MAX_NAME || /['"$&]/.test(sql[i + m.length] ?? "")) fail();
      out.push({ t: "word", v: m.toLowerCase() });
      i += m.length;
    } else if (c === '"') {
      const m = /^"((?:[^"\0]|"")+)"/.exec(sql.slice(i)) ?? fail();
      const name = m[1]!.replace(/""/g, '"');
      if (Buffer.byteLength(name) > MAX_NAME) fail();
      out.push({ t: "name", v: name });
      i += m[0].length;
    } else if (c === "'") {
      // No backslashes: their meaning depends on settings and prefixes.
      const m = /^'((?:[^'\\\0]|'')*)'/.exec(sql.slice(i)) ?? fail();
      string(m[1]!.replace(/''/g, "'"));
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(sql[i + 1] ?? ""))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)/.exec(sql.slice(i))![0];
      // Exponents, 0x…, 1_000 and numbers run into names or dollar quotes are other lexical rules.
      if (/[A-Za-z0-9_.$]/.test(sql[i + m.length] ?? "")) fail();
      out.push({ t: "number", v: m });
      i += m.length;
    } else if (/[+\-*/<>=~!@#%^&|`?]/.test(c)) {
      const m = /^[+\-*/<>=~!@#%^&|`?]+/.exec(sql.slice(i))![0];
      if (!OPERATORS.has(m)) fail();
      out.push({ t: "op", v: m });
      i += m.length;
    } else if (c === "(" || c === ")" || c === "," || c === ";" || c === ".") {
      out.push({ t: "punct", v: c });
      i++;
    } else if (STRAY_CHARACTERS.test(c)) throw STRAY_CHARACTER;
    else fail();
  }
  return out;
}
