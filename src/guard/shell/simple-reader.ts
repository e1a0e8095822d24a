// A fast, exact reader for the subset of shell most agent commands are written in: words, quotes, `$NAME`,
// `${NAME:-word}` and `${NAME[@]}` expansions, lengths, indexes, slices, replacements and other operators in `${…}`
// (read as an unknown value, after the substitutions inside run), `$(…)`, `&& || ; |`, plain redirections and
// here-documents (also inside `$(…)` and `<(…)`), assignments to a variable, an array element or a whole array of
// plain words (each maybe after `[index]=`), `<(…)` and `>(…)`, `$((…))` and `$[…]` of plain operands (an unknown
// number), `((…))`, `[[ … ]]` tests, `let`, declarations, and `if`, `while`, `until`, `for … in`, `for ((…))`,
// `case`, `NAME() { …; }`, `{ …; }` and `( … )` around them. Anything else (`<<-`, coprocesses…) returns null and goes
// to the full parser (mvdan/sh); a property test checks that both agree on everything this reader accepts.
import { arithmeticOperands } from "./simple-arithmetic.ts";
import { type CaseTerminator, lexSimpleShell, type SimpleToken } from "./simple-lexer.ts";
import type {
  DeclarationArg,
  SimpleCommand,
  SimpleCompound,
  SimplePart,
  SimplePipeline,
  SimpleScript,
  SimpleWord,
} from "./simple-syntax.ts";

const RESERVED = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "case",
  "esac",
  "while",
  "until",
  "for",
  "function",
  "select",
  "coproc",
  "{",
  "}",
  "!",
  "[[",
  "]]",
  "in",
]);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=/;
/** `NAME[`: an array element's assignment where a command starts, or a word mvdan/sh refuses there. */
const ELEMENT = /^[A-Za-z_][A-Za-z0-9_]*\[/;
/** `NAME[index]=` with a number or a name for the index. */
const PLAIN_ELEMENT_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\[([0-9]+|[A-Za-z_][A-Za-z0-9_]*)\](\+?)=/;
/** `NAME[` before an index that is one expansion or substitution, and `]=` after it. */
const ELEMENT_OPEN = /^([A-Za-z_][A-Za-z0-9_]*)\[$/;
const ELEMENT_CLOSE = /^\](\+?)=/;
/** Declaration builtins, which mvdan/sh reads as declarations rather than commands. */
const DECLARATIONS = new Set(["export", "local", "readonly", "declare", "typeset", "nameref"]);

/** Returns null whenever the text is outside the subset; the caller then uses the full parser. */
export function readSimpleShell(src: string): SimpleScript | null {
  const tokens = lexSimpleShell(src, readSimpleShell);
  return tokens ? new Assembler(tokens).script() : null;
}

const COMPOUND_START = new Set(["if", "while", "until", "for"]);
const NO_STOPS: ReadonlySet<string> = new Set();
const THEN = new Set(["then"]);
const AFTER_THEN = new Set(["elif", "else", "fi"]);
const FI = new Set(["fi"]);
const DO = new Set(["do"]);
const DONE = new Set(["done"]);
const CLOSE_BRACE = new Set(["}"]);
/** Stands for the `)` token ending a subshell's list. */
const CLOSE_PAREN = new Set([")"]);
/** What ends the list of a case item; `esac` ends it too. */
const CASE_ITEM_END: ReadonlySet<string> = new Set<CaseTerminator>([";;", ";&", ";;&"]);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const newCommand = (): SimpleCommand => ({ assigns: [], words: [], redirects: [] });

/** A word that is one unquoted literal (a reserved word can only be that), else "". */
function literalOf(token: SimpleToken | undefined): string {
  if (!token || !("word" in token)) return "";
  const w = token.word;
  return w.length === 1 && !w[0]!.quoted && !w[0]!.param && !w[0]!.subst ? w[0]!.text : "";
}

/** Tokens into pipelines of commands: assignments, `time`, compound commands and dangling operators decided here. */
class Assembler {
  private t = 0;

  constructor(private readonly tokens: SimpleToken[]) {}

  script(): SimpleScript | null {
    return this.list(NO_STOPS)?.script ?? null;
  }

  /**
   * Commands up to the end of the text or, inside a compound command, up to one of `stops` where a command would
   * start (which is consumed and returned); null outside the subset.
   */
  private list(stops: ReadonlySet<string>): { script: SimpleScript; stop: string } | null {
    const tokens = this.tokens;
    const script: SimpleScript = [];
    let pipeline: SimplePipeline = [];
    let command = newCommand();
    let compound: SimpleCompound | null = null;
    let empty = true;
    const endCommand = (): boolean => {
      if (empty) return false;
      pipeline.push(compound ?? command);
      command = newCommand();
      compound = null;
      empty = true;
      return true;
    };
    let dangling = false;
    let timed = false;
    /** mvdan/sh takes no command words after `NAME=(…)` or `NAME[index]=value`. */
    let arrayAssigned = false;
    while (this.t < tokens.length) {
      const token = tokens[this.t++]!;
      if ("array" in token) {
        if (compound || command.words.length || timed) return null;
        command.assigns.push({
          name: token.array,
          append: false,
          value: [],
          array: true,
          ...(token.indexes.length ? { elementIndexes: token.indexes } : {}),
        });
        arrayAssigned = true;
        empty = false;
        dangling = false;
      } else if ("func" in token) {
        if (!empty || timed || command.assigns.length || literalOf(tokens[this.t]) !== "{") return null;
        if (RESERVED.has(token.func) || token.func === "time") return null;
        this.t++;
        const body = this.list(CLOSE_BRACE);
        if (!body) return null;
        compound = { kind: "function", name: token.func, body: body.script, redirects: [] };
        empty = false;
        dangling = false;
      } else if ("subshell" in token) {
        if (token.subshell === ")") {
          // A `)` ends a command as `;` does; the list before it may not be empty.
          if (stops !== CLOSE_PAREN || dangling || timed) return null;
          endCommand();
          if (pipeline.length) script.push(pipeline);
          return script.length ? { script, stop: ")" } : null;
        }
        if (!empty || timed) return null;
        const body = this.list(CLOSE_PAREN);
        if (!body) return null;
        compound = { kind: "subshell", body: body.script, redirects: [] };
        empty = false;
        dangling = false;
      } else if ("test" in token) {
        // The lexer takes `[[` for a test where a command may start; `time [[ … ]]` is the full parser's.
        if (!empty || timed) return null;
        compound = { kind: "test", operands: token.test, redirects: [] };
        empty = false;
        dangling = false;
      } else if ("arithmetic" in token) {
        if (!empty || timed) return null;
        compound = { kind: "arithmetic", operands: token.arithmetic, redirects: [] };
        empty = false;
        dangling = false;
      } else if ("loopHeader" in token) {
        // Only `for` takes a loop's header, and reads it itself.
        return null;
      } else if ("case" in token) {
        if (!empty || timed) return null;
        compound = this.caseClause(token.case);
        if (!compound) return null;
        empty = false;
        dangling = false;
      } else if ("esac" in token) {
        // `esac` where a command would start ends the last item's list, which may be empty.
        if (stops !== CASE_ITEM_END || !empty || dangling || timed) return null;
        return { script, stop: "esac" };
      } else if ("patterns" in token) {
        return null;
      } else if ("op" in token) {
        // A newline ends a command like ";", but after "&&", "|" or another newline it only continues the line.
        if (token.op === "\n" && empty) continue;
        if (CASE_ITEM_END.has(token.op)) {
          // The end of a case item's list, which may be empty.
          if (stops !== CASE_ITEM_END || dangling || timed) return null;
          endCommand();
          if (pipeline.length) script.push(pipeline);
          return { script, stop: token.op };
        }
        if (!endCommand()) return null;
        if (token.op !== "|") {
          script.push(pipeline);
          pipeline = [];
          if (token.op === "&&" || token.op === "||") pipeline.operator = token.op;
        }
        dangling = token.op === "&&" || token.op === "||" || token.op === "|";
        timed = false;
        arrayAssigned = false;
      } else if ("redirect" in token) {
        const target = tokens[this.t++];
        if (!target || !("word" in target)) return null;
        (compound ?? command).redirects.push({
          op: token.redirect,
          target: target.word,
          ...(token.fd ? { fd: token.fd } : {}),
        });
        empty = false;
        dangling = false;
      } else {
        // After `fi` or `done` only redirections and operators may follow.
        if (compound) return null;
        const w = token.word;
        const literal = literalOf(token);
        if (empty && stops.has(literal)) {
          if (dangling || timed || pipeline.length || script.length === 0) return null;
          return { script, stop: literal };
        }
        if (empty && !timed && literal === "{") {
          const body = this.list(CLOSE_BRACE);
          if (!body) return null;
          compound = { kind: "group", body: body.script, redirects: [] };
          empty = false;
          dangling = false;
          continue;
        }
        if (empty && !timed && COMPOUND_START.has(literal)) {
          compound = this.compound(literal);
          if (!compound) return null;
          empty = false;
          dangling = false;
          continue;
        }
        dangling = false;
        // `time [-p] pipeline` only times it.
        if (empty && literal === "time" && pipeline.length === 0) {
          timed = true;
          continue;
        }
        if (empty && timed && literal === "-p") {
          timed = false;
          continue;
        }
        if (literal === "time" && empty) return null;
        if (command.words.length === 0 && literal === "let") {
          // mvdan/sh reads `let` where a command starts as arithmetic, each word an expression.
          if (!empty || timed || pipeline.length) return null;
          compound = this.letClause();
          if (!compound) return null;
          empty = false;
          continue;
        }
        if (command.words.length === 0 && DECLARATIONS.has(literal)) {
          // After prefix assignments, `time` or `|`, a declaration is the full parser's.
          if (!empty || timed || pipeline.length) return null;
          compound = this.declaration(literal);
          if (!compound) return null;
          empty = false;
          continue;
        }
        const first = w[0];
        const assignment =
          command.words.length === 0 && first && !first.quoted && !first.param
            ? ASSIGNMENT.exec(first.text)
            : null;
        if (!assignment && command.words.length === 0 && first && !first.quoted && ELEMENT.test(first.text)) {
          // mvdan/sh reads `NAME[…]` where a command starts as an element's assignment, or refuses it.
          const element = elementAssignment(w);
          if (!element) return null;
          command.assigns.push(element);
          arrayAssigned = true;
        } else if (assignment) {
          const rest = first!.text.slice(assignment[0].length);
          command.assigns.push({
            name: assignment[1]!,
            append: assignment[2] === "+",
            value: [...(rest ? [{ text: rest, quoted: false }] : []), ...w.slice(1)],
          });
        } else {
          if (arrayAssigned) return null;
          if (command.words.length === 0 && RESERVED.has(w.length === 1 && !w[0]!.quoted ? w[0]!.text : ""))
            return null;
          command.words.push(w);
        }
        empty = false;
      }
    }
    // The text ended inside a compound command, after an operator, after `time` alone, or after `export` alone.
    if (stops.size || dangling) return null;
    if (!empty) endCommand();
    else if (pipeline.length) return null;
    if (pipeline.length) script.push(pipeline);
    return { script, stop: "" };
  }

  /**
   * The words after a declaration builtin, each read as mvdan/sh reads it: `NAME=value` (or `+=`) an assignment, a
   * plain `NAME` a bare name, anything else (options, quoted or expanded words) a word the builtin is given. At least
   * one, then an operator, a `)` or the end; a redirection, an element's assignment, `NAME=(…)` or a word mvdan/sh
   * refuses (`1x=2`) leaves the command to the full parser.
   */
  private declaration(builtin: string): SimpleCompound | null {
    const args: DeclarationArg[] = [];
    /** An unquoted `=` was read in an earlier word: mvdan/sh then refuses a word starting with a quote or `$`. */
    let equals = false;
    for (let token = this.tokens[this.t]; token && "word" in token; token = this.tokens[++this.t]) {
      const w = token.word;
      const literal = literalOf(token);
      if (RESERVED.has(literal)) return null;
      const plain = isPlainLiteral(w[0]!);
      if (!plain && equals) return null;
      const unquotedEquals = w.some((part) => isPlainLiteral(part) && part.text.includes("="));
      equals ||= unquotedEquals;
      const assignment = plain ? ASSIGNMENT.exec(w[0]!.text) : null;
      if (assignment) {
        const rest = w[0]!.text.slice(assignment[0].length);
        const value = [...(rest ? [{ text: rest, quoted: false }] : []), ...w.slice(1)];
        args.push({
          name: assignment[1]!,
          append: assignment[2] === "+",
          value: value.length ? value : null,
        });
      } else if (unquotedEquals || (plain && ELEMENT.test(w[0]!.text))) return null;
      else if (NAME.test(literal)) args.push({ name: literal, append: false, value: null, naked: true });
      else args.push({ word: w });
    }
    const next = this.tokens[this.t];
    if (args.length === 0 || (next && !("op" in next) && !("subshell" in next && next.subshell === ")")))
      return null;
    return { kind: "declaration", builtin, args, redirects: [] };
  }

  /**
   * The words after `let`, each an expression simple-arithmetic.ts takes or a word of quoted text only (one operand,
   * as mvdan/sh reads it); at least one, then an operator, a `)` or the end.
   */
  private letClause(): SimpleCompound | null {
    const operands: SimpleWord[] = [];
    for (let token = this.tokens[this.t]; token && "word" in token; token = this.tokens[++this.t]) {
      const w = token.word;
      const literal = literalOf(token);
      if (w.length && w.every(isQuotedText)) operands.push(w);
      else {
        const words = literal ? arithmeticOperands(literal) : null;
        if (!words) return null;
        operands.push(...words);
      }
    }
    const next = this.tokens[this.t];
    if (operands.length === 0 || (next && !("op" in next) && !("subshell" in next && next.subshell === ")")))
      return null;
    return { kind: "arithmetic", operands, redirects: [] };
  }

  /** The items of a case clause after `case WORD in`, through `esac`. */
  private caseClause(word: SimpleWord): SimpleCompound | null {
    const items: { patterns: SimpleWord[]; body: SimpleScript; fallsThrough?: true }[] = [];
    for (;;) {
      let token = this.tokens[this.t++];
      while (token && "op" in token && token.op === "\n") token = this.tokens[this.t++];
      if (token && "esac" in token) return { kind: "case", word, items, redirects: [] };
      if (!token || !("patterns" in token)) return null;
      const body = this.list(CASE_ITEM_END);
      if (!body) return null;
      items.push({
        patterns: token.patterns,
        body: body.script,
        ...(body.stop === ";&" || body.stop === ";;&" ? { fallsThrough: true as const } : {}),
      });
      if (body.stop === "esac") return { kind: "case", word, items, redirects: [] };
    }
  }

  /** The compound command whose first word was `keyword`, through its `fi` or `done`. */
  private compound(keyword: string): SimpleCompound | null {
    if (keyword === "if") {
      const branches: { cond: SimpleScript; body: SimpleScript }[] = [];
      for (;;) {
        const cond = this.list(THEN);
        const body = cond && this.list(AFTER_THEN);
        if (!cond || !body) return null;
        branches.push({ cond: cond.script, body: body.script });
        if (body.stop === "fi") return { kind: "if", branches, otherwise: null, redirects: [] };
        if (body.stop === "else") {
          const otherwise = this.list(FI);
          return otherwise && { kind: "if", branches, otherwise: otherwise.script, redirects: [] };
        }
      }
    }
    if (keyword === "while" || keyword === "until") {
      const cond = this.list(DO);
      const body = cond && this.list(DONE);
      return cond && body && { kind: "loop", cond: cond.script, body: body.script, redirects: [] };
    }
    const header = this.tokens[this.t];
    if (header && "loopHeader" in header) return this.arithmeticFor(header.loopHeader);
    // for NAME in WORD…; do … done
    const name = literalOf(this.tokens[this.t]);
    if (!NAME.test(name) || literalOf(this.tokens[this.t + 1]) !== "in") return null;
    this.t += 2;
    const items = [];
    for (let token = this.tokens[this.t]; token && "word" in token; token = this.tokens[++this.t])
      items.push(token.word);
    const end = this.tokens[this.t++];
    if (!end || !("op" in end) || (end.op !== ";" && end.op !== "\n")) return null;
    while (literalOf(this.tokens[this.t]) !== "do") {
      const token = this.tokens[this.t++];
      if (!token || !("op" in token) || token.op !== "\n") return null;
    }
    this.t++;
    const body = this.list(DONE);
    return body && { kind: "for", name, items, body: body.script, redirects: [] };
  }

  /** `for ((…))` then `;` or newlines (or neither) before `do … done`. */
  private arithmeticFor(operands: SimpleWord[]): SimpleCompound | null {
    this.t++;
    const separator = this.tokens[this.t];
    if (separator && "op" in separator && separator.op === ";") this.t++;
    while (literalOf(this.tokens[this.t]) !== "do") {
      const token = this.tokens[this.t++];
      if (!token || !("op" in token) || token.op !== "\n") return null;
    }
    this.t++;
    const body = this.list(DONE);
    return body && { kind: "arithmetic-for", operands, body: body.script, redirects: [] };
  }
}

/** Quoted text with nothing expanded in it. */
function isQuotedText(part: SimplePart): boolean {
  return part.quoted && part.param === undefined && !part.subst && !part.procSubst && !part.arithmetic;
}

/** Unquoted literal text, where mvdan/sh's lexer looks for the `=` of an assignment. */
function isPlainLiteral(part: SimplePart): boolean {
  return (
    !part.quoted &&
    part.param === undefined &&
    !part.subst &&
    !part.procSubst &&
    !part.arithmetic &&
    part.text !== ""
  );
}

/**
 * `NAME[index]=value` or `NAME[index]+=value`, the index a number, a name, `$NAME` or one substitution; null for
 * anything else (arithmetic, spaces, several parts), which the full parser reads.
 */
function elementAssignment(w: SimpleWord): SimpleCommand["assigns"][number] | null {
  const first = w[0]!;
  const plain = PLAIN_ELEMENT_ASSIGNMENT.exec(first.text);
  if (plain) {
    const rest = first.text.slice(plain[0].length);
    return {
      name: plain[1]!,
      append: plain[3] === "+",
      value: [...(rest ? [{ text: rest, quoted: false }] : []), ...w.slice(1)],
      index: [{ text: plain[2]!, quoted: false }],
    };
  }
  const open = ELEMENT_OPEN.exec(first.text);
  const index = w[1];
  const after = w[2];
  if (!open || !index || !after || after.quoted || after.param !== undefined) return null;
  const plainParam =
    index.param !== undefined &&
    NAME.test(index.param) &&
    index.fallback === undefined &&
    !index.expansion &&
    !index.indexed;
  if (!plainParam && !index.subst) return null;
  const close = ELEMENT_CLOSE.exec(after.text);
  if (!close) return null;
  const rest = after.text.slice(close[0].length);
  return {
    name: open[1]!,
    append: close[1] === "+",
    value: [...(rest ? [{ text: rest, quoted: false }] : []), ...w.slice(3)],
    index: [index],
  };
}
