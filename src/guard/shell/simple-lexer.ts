// The fast shell reader's first pass: the text becomes words (quotes, `$NAME`, `$(…)`, here-documents), operators,
// array assignments, function names and the parts of `case` clauses, or null as soon as anything falls outside the
// simple subset.
import { ansiC } from "./ansi-c.ts";
import { endsEarlyInSubstitution } from "./heredoc-in-substitution.ts";
import { ASSIGNMENT, arithmeticOperands, BINARY_OPERATOR, loopOperands } from "./simple-arithmetic.ts";
import { heredocBody, heredocDelimiter, unquotedHeredocText } from "./simple-heredoc.ts";
import type { SimplePart, SimpleRedirect, SimpleScript, SimpleWord, TestOperand } from "./simple-syntax.ts";
import { type TestItem, testOperands } from "./simple-test-clause.ts";

const NAME_START = /[A-Za-z_]/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ARRAY_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\+?=$/;
/** Unquoted characters allowed between the parentheses of `NAME=(…)`: nothing that expands, substitutes or nests. */
const ARRAY_ELEMENT_CHAR = /[A-Za-z0-9 \t/._:@%+,=*?^-]/;
/** What may follow `NAME=(…)`: the end of the word. */
const AFTER_ARRAY = /[ \t\n;&|]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL_PARAM = /[@*#?$!\-0-9]/;
const DEFAULT_OPERATOR = /^:?[-=]/;
/** Characters of a default word that mean the same inside `${…}` as outside: no quotes, expansions or globs. */
const DEFAULT_WORD_CHAR = /[A-Za-z0-9/._:@%+,-]/;
/** The operators after `${NAME` whose word the guard only runs the substitutions of (`:-`-style defaults aside). */
const WORD_OPERATOR = /^(?::[+?]|[+?]|##?|%%?|\^\^?|,,?)/;
/**
 * Plain characters of a word inside `${…}` (after an operator, in a replacement): none that quote, expand, nest,
 * close the braces or start an extended glob, so mvdan/sh reads them as literal text whatever surrounds them.
 */
const BRACE_WORD_CHAR = /[A-Za-z0-9_ /.,:@%+=*?^~-]/;
/** Plain characters inside double quotes within `${…}`. */
const BRACE_QUOTED_CHAR = /[A-Za-z0-9_ /.,:@%+=*?^~#'-]/;
/** Text that a shell would run as a command substitution, were it not quoted. */
const SUBSTITUTION_TEXT = /\$\(|`/;
/** A slice bound or an index that is a number or a name. */
const ARITHMETIC_ATOM = /^(?:[0-9]+|[A-Za-z_][A-Za-z0-9_]*)/;
/** A number or a name as an operand of an expression, at the sticky regex's lastIndex. */
const ARITHMETIC_OPERAND = /[0-9]+|[A-Za-z_][A-Za-z0-9_]*/y;
/** `NAME++`, `NAME--`, `++NAME` or `--NAME`, blanks around, at the sticky regex's lastIndex. */
const ARITHMETIC_STEP =
  /[ \t]*(?:(?:\+\+|--)([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)(?:\+\+|--))[ \t]*/y;
/** The special parameters read as operands of an expression: positional ones, `$#` and `$?`. */
const ARITHMETIC_PARAM = /[0-9#?]/;
/** What follows the `:` of a slice, where `:-`, `:=`, `:+` and `:?` are operators. */
const SLICE_START = /[A-Za-z0-9_$`]/;
/** What ends a run of plain characters outside quotes (`#` starts a comment only where a word starts). */
const UNQUOTED_STOP = /[ \t'"\\$`&|;<>\n\r()!]/g;
/** What ends a run of plain characters inside double quotes. */
const DOUBLE_QUOTED_STOP = /["`\\$]/g;
/** What ends a `case` pattern word: blanks, `|` and `)`; the other operators, and `(` (an extended glob), are refused. */
const PATTERN_END = /[ \t|()&;<>\n\r]/;
/** What may follow `esac` where a pattern could start: not `(`, `)` or `|`, which would make it a pattern. */
const AFTER_ESAC = /[ \t\n;&<>]/;

const FD_WORD = /^(?:\d+|\{[A-Za-z_]\w*\})$/;
/** What may follow `<(…)` or `>(…)`: the end of the word (a `)` closes a subshell, or is refused). */
const AFTER_PROCESS_SUBSTITUTION = /[ \t\n;&|)]/;
/** What may follow the `))` of an arithmetic command or a C-style `for`'s header. */
const AFTER_ARITHMETIC_COMMAND = /[ \t\n;&|]/;
/** Keywords after which a command starts, where `[[` opens a test clause and `case` a case clause. */
const COMMAND_AFTER = new Set(["if", "then", "elif", "else", "while", "until", "do", "{"]);
/** What ends a word inside `[[ … ]]`, as in mvdan/sh's lexer. */
const TEST_WORD_END = /[ \t\n\r()&|;<>]/;
/** What may not start an item inside `[[ … ]]`: comments, redirection-like comparisons, separators, `!` unspaced. */
const TEST_REFUSED_START = /[#;&|<>!\n\r]/;

/** Index of the first character from `from` on that `stop` matches, or the end of `src`. */
function runEnd(src: string, from: number, stop: RegExp): number {
  stop.lastIndex = from;
  return stop.test(src) ? stop.lastIndex - 1 : src.length;
}

export type SimpleToken =
  | { word: SimpleWord }
  | { op: "&&" | "||" | ";" | "|" | "\n" | CaseTerminator }
  | { redirect: SimpleRedirect["op"]; fd: string }
  /** `NAME=(…)` or `NAME+=(…)`. */
  | { array: string; indexes: SimpleWord[] }
  /** `NAME()`, the start of a function definition. */
  | { func: string }
  /** The `(` opening a subshell where a command starts, or the `)` closing it. */
  | { subshell: "(" | ")" }
  /** `[[ … ]]`, as its operands. */
  | { test: TestOperand[] }
  /** `((…))` where a command starts, as its operands. */
  | { arithmetic: SimpleWord[] }
  /** `((init; cond; step))` after `for`, as their operands. */
  | { loopHeader: SimpleWord[] }
  /** `case WORD in`, as the word. */
  | { case: SimpleWord }
  /** `PATTERN | PATTERN )` (with an optional `(` before), which starts an item of a case clause. */
  | { patterns: SimpleWord[] }
  /** The `esac` ending a case clause. */
  | { esac: true };

/** What ends an item of a case clause: every item's list is read, so all three mean the same to the guard. */
export type CaseTerminator = ";;" | ";&" | ";;&";

/**
 * Where the lexer is in a case clause: after `case` (the word comes next), after the word (`in` comes next), where
 * an item's patterns or `esac` may start, or in an item's list.
 */
interface OpenCase {
  at: "word" | "in" | "pattern" | "list";
  word: SimpleWord;
  /** How many tokens there were after `case`: nothing may come between it, the word and `in`. */
  tokens: number;
  /** How many subshells were open around `case`: its items end, and `esac` comes, with no more open. */
  subshells: number;
}

/** The text of a word that is one unquoted literal (a keyword can only be that), else "". */
function plainText(word: SimpleWord): string {
  const part = word.length === 1 ? word[0]! : undefined;
  return part && !part.quoted && part.param === undefined && !part.subst && !part.procSubst ? part.text : "";
}

/** Reads a `$(…)` body with the whole fast reader; null when it is outside the subset. */
export type NestedReader = (src: string) => SimpleScript | null;

/** The words and operators of `src`, or null when it leaves the subset; substitutions are read with `readNested`. */
export function lexSimpleShell(src: string, readNested: NestedReader): SimpleToken[] | null {
  return new SimpleShellLexer(src, readNested).run();
}

/** One pass over the text; a class rather than closures so the hot path allocates little. */
class SimpleShellLexer {
  private readonly tokens: SimpleToken[] = [];
  /** Here-documents whose bodies start after the current line. */
  private readonly heredocs: { delimiter: string; quoted: boolean; body: SimpleWord }[] = [];
  private word: SimpleWord | null = null;
  private lit = "";
  private litQuoted = false;
  /** The case clauses open around the current position, innermost last. */
  private readonly cases: OpenCase[] = [];
  /** A case clause's `case WORD in` was broken: the text is outside the subset. */
  private broken = false;
  /** How many subshells are open around the current position. */
  private subshells = 0;

  constructor(
    private readonly src: string,
    private readonly readNested: NestedReader,
  ) {}

  private flushLit(): void {
    if (this.lit) this.addPart({ text: this.lit, quoted: this.litQuoted });
    this.lit = "";
  }

  private addLit(text: string, quoted: boolean): void {
    if (this.lit && this.litQuoted !== quoted) this.flushLit();
    this.litQuoted = quoted;
    this.lit += text;
    this.word ??= [];
  }

  private push(part: SimplePart): void {
    this.flushLit();
    this.addPart(part);
  }

  /** Most words are one part: their array is made with it rather than grown from empty. */
  private addPart(part: SimplePart): void {
    if (this.word?.length) this.word.push(part);
    else this.word = [part];
  }

  private endWord(): void {
    this.flushLit();
    const word = this.word;
    this.word = null;
    if (word && !this.caseKeyword(word)) this.tokens.push({ word });
  }

  /**
   * A word read at a point of a case clause, or `case` or `esac` where a command starts: kept as the clause's token
   * (true) or left as a plain word (false).
   */
  private caseKeyword(word: SimpleWord): boolean {
    const open = this.cases.at(-1);
    if (open?.at === "word") {
      open.word = word;
      open.at = "in";
      return true;
    }
    if (open?.at === "in") {
      if (plainText(word) !== "in" || this.tokens.length !== open.tokens) this.broken = true;
      this.tokens.push({ case: open.word });
      open.at = "pattern";
      return true;
    }
    const keyword = plainText(word);
    if (keyword !== "case" && keyword !== "esac") return false;
    if (!this.startsCommand()) return false;
    if (keyword === "case") {
      this.cases.push({ at: "word", word: [], tokens: this.tokens.length, subshells: this.subshells });
      return true;
    }
    if (open?.at !== "list" || open.subshells !== this.subshells) return false;
    this.cases.pop();
    this.tokens.push({ esac: true });
    return true;
  }

  private substitution(start: number, end: number, quoted: boolean): boolean {
    const inner = this.readNested(this.src.slice(start, end));
    if (!inner) return false;
    this.push({ text: "", subst: inner, quoted });
    return true;
  }

  /** Reads `$…` at i; returns the index after it, or -1 to give up. */
  private dollar(i: number, quoted: boolean): number {
    const src = this.src;
    const next = src[i + 1];
    if (next === undefined) return -1;
    if (next === "'") {
      if (quoted) return -1;
      let j = i + 2;
      while (j < src.length && src[j] !== "'") j += src[j] === "\\" ? 2 : 1;
      if (j >= src.length) return -1;
      this.addLit(ansiC(src.slice(i + 2, j)), true);
      return j + 1;
    }
    if (next === "(") {
      if (src[i + 2] === "(") return this.arithmetic(i, quoted);
      const end = closingParen(src, i + 2);
      return end >= 0 && this.substitution(i + 2, end, quoted) ? end + 1 : -1;
    }
    if (next === "{") return this.braceParam(i, quoted);
    if (next === "[") return this.arithmetic(i, quoted);
    if (NAME_START.test(next)) {
      let j = i + 1;
      while (NAME_CHAR.test(src[j] ?? "")) j++;
      this.push({ text: "", param: src.slice(i + 1, j), quoted });
      return j;
    }
    if (SPECIAL_PARAM.test(next)) {
      this.push({ text: "", param: next, quoted });
      return i + 2;
    }
    return -1;
  }

  /**
   * `${…}` at i: `${NAME}`, `${NAME[@]}`, `${NAME:-word}` with a plain default, and the forms the guard reads as an
   * unknown `$NAME` after running the substitutions inside: a length, an indirection, an index, a slice, a
   * replacement, or another operator's word. Returns the index after the `}`, or -1 for anything else (nested
   * `${…}`, arithmetic, `${NAME@Q}`, special parameters with operators…).
   */
  private braceParam(i: number, quoted: boolean): number {
    const src = this.src;
    let j = i + 2;
    const prefix = src[j] === "#" || src[j] === "!" ? src[j] : "";
    if (prefix) j++;
    if (!NAME_START.test(src[j] ?? "")) return -1;
    const nameStart = j;
    while (NAME_CHAR.test(src[j] ?? "")) j++;
    const param = src.slice(nameStart, j);
    if (!prefix && src[j] === "}") {
      this.push({ text: "", param, quoted });
      return j + 1;
    }
    if (!prefix && (src.startsWith("[@]}", j) || src.startsWith("[*]}", j))) {
      this.push({ text: "", param, indexed: true, quoted });
      return j + 4;
    }
    const op = DEFAULT_OPERATOR.exec(src.slice(j, j + 2))?.[0];
    if (!prefix && op) {
      // `${NAME:-word}` (or `-`, `:=`, `=`) with a plain word for the default; any other word is read below.
      let k = j + op.length;
      while (DEFAULT_WORD_CHAR.test(src[k] ?? "")) k++;
      if (k > j + op.length && src[k] === "}") {
        this.push({ text: "", param, fallback: src.slice(j + op.length, k), quoted });
        return k + 1;
      }
    }
    const runs: SimpleScript[] = [];
    let indexed = false;
    let index: SimpleWord | undefined;
    if (src[j] === "[") {
      if (src[j + 1] === "@" || src[j + 1] === "*") j += 2;
      else {
        const atom = this.arithmeticAtom(j + 1);
        if (!atom) return -1;
        index = atom.word;
        j = atom.end;
      }
      if (src[j] !== "]") return -1;
      j++;
      indexed = true;
    }
    if (src[j] === "}") {
      // `${!NAME}` reads NAME's value as a name, whose subscript is evaluated.
      const indirect = prefix === "!" && !indexed;
      const length = prefix === "#";
      this.push({
        text: "",
        param,
        quoted,
        expansion: { runs, index, ...(indirect ? { indirect } : {}), ...(length ? { length } : {}) },
      });
      return j + 1;
    }
    // A length or an indirection takes nothing after the name and index here.
    if (prefix) return -1;
    if (src[j] === ":" && SLICE_START.test(src[j + 1] ?? "")) {
      // `${NAME:offset}` or `${NAME:offset:length}`.
      const bounds: SimpleWord[] = [];
      for (let bound = 0; bound < 2 && src[j] === ":"; bound++) {
        const atom = this.arithmeticAtom(j + 1);
        if (!atom) return -1;
        bounds.push(atom.word);
        j = atom.end;
      }
      if (src[j] !== "}") return -1;
      this.push({ text: "", param, quoted, expansion: { runs, index, bounds } });
      return j + 1;
    }
    if (src[j] === "/") {
      // `${NAME/pattern/string}` or `${NAME//pattern/string}`.
      j += src[j + 1] === "/" ? 2 : 1;
      const pattern = this.braceWord(j, true);
      if (!pattern || pattern.end === j) return -1;
      j = pattern.end;
      runs.push(...substitutionsOf(pattern.word));
      if (src[j] === "/") {
        const replacement = this.braceWord(j + 1, false);
        if (!replacement) return -1;
        j = replacement.end;
        runs.push(...substitutionsOf(replacement.word));
      }
      if (src[j] !== "}") return -1;
      this.push({ text: "", param, quoted, expansion: { runs, index } });
      return j + 1;
    }
    // After an index, a default's word is read like any operator's: the value is unknown either way.
    const two = src.slice(j, j + 2);
    const wordOp = DEFAULT_OPERATOR.exec(two)?.[0] ?? WORD_OPERATOR.exec(two)?.[0];
    if (!wordOp) return -1;
    const operand = this.braceWord(j + wordOp.length, false);
    if (!operand || src[operand.end] !== "}") return -1;
    runs.push(...substitutionsOf(operand.word));
    const expansion: SimplePart["expansion"] = indexed ? { runs, index } : { runs, operand: operand.word };
    if (!indexed && DEFAULT_OPERATOR.test(wordOp)) expansion.isDefault = true;
    if (!indexed && operand.singleQuotedCommand) expansion.singleQuotedCommand = true;
    this.push({ text: "", param, quoted, expansion });
    return operand.end + 1;
  }

  /**
   * An index or slice bound at i: a number or name, `$NAME`, or one `$(…)` or backquoted substitution, as the word
   * the shell expands and then evaluates as arithmetic; with the index after it. Null for anything else.
   */
  private arithmeticAtom(i: number): { word: SimpleWord; end: number } | null {
    const src = this.src;
    if (src[i] === "$" && NAME_START.test(src[i + 1] ?? "")) {
      let j = i + 2;
      while (NAME_CHAR.test(src[j] ?? "")) j++;
      return { word: [{ text: "", param: src.slice(i + 1, j), quoted: false }], end: j };
    }
    if (src[i] === "$" || src[i] === "`") {
      const inner = this.nestedInBraces(i);
      return inner && { word: [{ text: "", subst: inner.script, quoted: false }], end: inner.end };
    }
    const atom = ARITHMETIC_ATOM.exec(src.slice(i, i + 64))?.[0];
    return atom && atom.length < 64 ? { word: [{ text: atom, quoted: false }], end: i + atom.length } : null;
  }

  /** `$(…)` or a backquoted substitution at i inside `${…}`, holding no braces; null when unsure. */
  private nestedInBraces(i: number): { script: SimpleScript; end: number } | null {
    const src = this.src;
    let start: number;
    let end: number;
    if (src[i] === "`") {
      start = i + 1;
      end = src.indexOf("`", start);
    } else {
      if (src[i + 1] !== "(" || src[i + 2] === "(") return null;
      start = i + 2;
      end = closingParen(src, start);
    }
    if (end < 0) return null;
    const body = src.slice(start, end);
    if (/[{}\\`\n]/.test(body)) return null;
    const script = this.readNested(body);
    return script && { script, end: end + 1 };
  }

  /**
   * A word inside `${…}` from i, up to a `}` (or a `/` when `pattern`): plain characters, quoted strings holding no
   * braces, `$NAME` and substitutions. Returns its parts, the index of the character that ended it, and whether a
   * single-quoted string in it holds `$(` or a backquote; or null.
   */
  private braceWord(
    i: number,
    pattern: boolean,
  ): { word: SimpleWord; end: number; singleQuotedCommand: boolean } | null {
    const src = this.src;
    const word: SimpleWord = [];
    let singleQuotedCommand = false;
    let j = i;
    for (;;) {
      const c = src[j];
      if (c === undefined) return null;
      if (c === "}" || (pattern && c === "/")) return { word, end: j, singleQuotedCommand };
      if (c === "'") {
        const end = src.indexOf("'", j + 1);
        const text = src.slice(j + 1, end);
        if (end < 0 || /[{}\\"]/.test(text)) return null;
        singleQuotedCommand ||= SUBSTITUTION_TEXT.test(text);
        word.push({ text, quoted: true });
        j = end + 1;
      } else if (c === '"') {
        // `""` is a word, though an empty one: `${X:-""}` stands for "", `${X:-}` for no word at all.
        if (src[j + 1] === '"') word.push({ text: "", quoted: true });
        for (j++; src[j] !== '"'; ) {
          const d = src[j];
          if (d === undefined) return null;
          if (d === "$" || d === "`") {
            const part = this.braceDollar(j, true);
            if (!part) return null;
            word.push(part.part);
            j = part.end;
          } else if (BRACE_QUOTED_CHAR.test(d)) {
            word.push({ text: d, quoted: true });
            j++;
          } else return null;
        }
        j++;
      } else if (c === "$" || c === "`") {
        const part = this.braceDollar(j, false);
        if (!part) return null;
        word.push(part.part);
        j = part.end;
      } else if (BRACE_WORD_CHAR.test(c) && !(pattern && j === i && (c === "#" || c === "%"))) {
        word.push({ text: c, quoted: false });
        j++;
      } else return null;
    }
  }

  /**
   * `$NAME`, `$(…)` or a backquoted substitution inside a `${…}` word. A substitution whose commands hold a
   * single-quoted `$(` is left to the full parser, whose walk asks about any in an operator's word.
   */
  private braceDollar(i: number, quoted: boolean): { part: SimplePart; end: number } | null {
    const src = this.src;
    if (src[i] === "$" && NAME_START.test(src[i + 1] ?? "")) {
      let j = i + 2;
      while (NAME_CHAR.test(src[j] ?? "")) j++;
      return { part: { text: "", param: src.slice(i + 1, j), quoted }, end: j };
    }
    const inner = this.nestedInBraces(i);
    if (!inner) return null;
    const body = src.slice(src[i] === "`" ? i + 1 : i + 2, inner.end - 1);
    if (body.includes("'") && SUBSTITUTION_TEXT.test(body)) return null;
    return { part: { text: "", subst: inner.script, quoted }, end: inner.end };
  }

  /** Reads a backquoted substitution at i; returns the index after it, or -1. */
  private backquote(i: number, quoted: boolean): number {
    const end = this.src.indexOf("`", i + 1);
    if (end < 0 || this.src.slice(i + 1, end).includes("\\")) return -1;
    return this.substitution(i + 1, end, quoted) ? end + 1 : -1;
  }

  /** Reads a double-quoted string at i; returns the index after it, or -1. */
  private doubleQuoted(i: number): number {
    const src = this.src;
    this.word ??= [];
    let j = i + 1;
    for (;;) {
      const d = src[j];
      if (d === undefined) return -1;
      if (d === '"') return j + 1;
      if (d === "`") j = this.backquote(j, true);
      else if (d === "\\") {
        const e = src[j + 1];
        if (e === undefined || e === "\n") return -1;
        this.addLit(e === "$" || e === '"' || e === "\\" || e === "`" ? e : `\\${e}`, true);
        j += 2;
      } else if (d === "$") j = this.dollar(j, true);
      else {
        // A run of plain characters is added at once: one string, not one per character.
        const end = runEnd(src, j + 1, DOUBLE_QUOTED_STOP);
        this.addLit(src.slice(j, end), true);
        j = end;
      }
      if (j < 0) return -1;
    }
  }

  /** Reads an operator or redirection at i; returns the index after it, or -1. */
  private operator(i: number): number {
    const src = this.src;
    const c = src[i]!;
    const two = src.slice(i, i + 2);
    if (c === ">" || c === "<") {
      if (two === "<(" || two === ">(") return this.processSubstitution(i);
      // `2>file`: a word of digits right before the operator is the fd; `{name}>file` has the shell pick one and
      // store its number in the variable.
      const fd =
        this.word !== null &&
        this.word.length === 0 &&
        this.lit !== "" &&
        !this.litQuoted &&
        FD_WORD.test(this.lit)
          ? this.lit
          : "";
      if (fd) {
        this.lit = "";
        this.word = null;
      } else this.endWord();
      if (two === "<<") return this.heredocOperator(i, fd);
      const op: SimpleRedirect["op"] =
        two === ">>" || two === ">|" || two === ">&" || two === "<>" || two === "<&" ? two : c;
      this.tokens.push({ redirect: op, fd });
      return i + op.length;
    }
    this.endWord();
    if (two === "&&" || two === "||") {
      this.tokens.push({ op: two });
      return i + 2;
    }
    if (two === "&>") {
      const append = src[i + 2] === ">";
      this.tokens.push({ redirect: append ? "&>>" : "&>", fd: "" });
      return i + (append ? 3 : 2);
    }
    if (c === "|" && src[i + 1] !== "&") {
      this.tokens.push({ op: "|" });
      return i + 1;
    }
    if (c === ";" && src[i + 1] !== ";" && src[i + 1] !== "&") {
      this.tokens.push({ op: ";" });
      return i + 1;
    }
    if (c === ";") {
      // `;;`, `;&` or `;;&` ends an item's list, and patterns or `esac` come next.
      const open = this.cases.at(-1);
      if (open?.at !== "list" || open.subshells !== this.subshells) return -1;
      const op: CaseTerminator = src.startsWith(";;&", i) ? ";;&" : two === ";;" ? ";;" : ";&";
      this.tokens.push({ op });
      open.at = "pattern";
      return i + op.length;
    }
    if (c === "&") {
      // Running in the background changes nothing the guard judges: read it as a separator.
      this.tokens.push({ op: ";" });
      return i + 1;
    }
    return -1;
  }

  /**
   * `<(…)` or `>(…)` standing as a word of its own (after a blank or a redirection); returns the index after it, or
   * -1 when it is glued to other text.
   */
  private processSubstitution(i: number): number {
    const src = this.src;
    if (this.word !== null) return -1;
    const end = closingParen(src, i + 2);
    if (end < 0 || (end + 1 < src.length && !AFTER_PROCESS_SUBSTITUTION.test(src[end + 1]!))) return -1;
    const inner = this.readNested(src.slice(i + 2, end));
    if (!inner) return -1;
    this.push({
      text: "",
      procSubst: { direction: src[i] === "<" ? "<" : ">", script: inner },
      quoted: false,
    });
    return end + 1;
  }

  /**
   * Whether a word starting now is a command's first: after an operator, a case item's patterns, or a keyword a
   * command follows; never between `case` and `in`.
   */
  private startsCommand(): boolean {
    const at = this.cases.at(-1)?.at;
    if (at === "word" || at === "in") return false;
    const last = this.tokens.at(-1);
    if (last === undefined || "op" in last || "patterns" in last) return true;
    if ("subshell" in last) return last.subshell === "(";
    if (!("word" in last) || last.word.length !== 1) return false;
    const part = last.word[0]!;
    return !part.quoted && part.param === undefined && COMMAND_AFTER.has(part.text);
  }

  /**
   * `[[ … ]]`, from the blank after `[[`: words and operators up to the word `]]`, kept when they form a test
   * expression as mvdan/sh parses one. Returns the index after `]]`, or -1.
   */
  private testClause(from: number): number {
    const src = this.src;
    const items: TestItem[] = [];
    let start = from;
    let i = from;
    for (;;) {
      const c = src[i];
      if (this.word !== null && (c === undefined || TEST_WORD_END.test(c))) {
        this.flushLit();
        const word = this.word;
        this.word = null;
        const raw = src.slice(start, i);
        if (raw === "]]") {
          const operands = testOperands(items);
          if (!operands) return -1;
          this.tokens.push({ test: operands });
          return i;
        }
        // A word glued to `(` is an extended glob (`@(…)`) or a syntax error.
        if (c === "(") return -1;
        items.push({ word, raw });
      } else if (c === undefined) return -1;
      else if (this.word === null && (c === " " || c === "\t")) i++;
      else if (this.word === null && (c === "(" || c === ")")) {
        items.push(c);
        i++;
      } else if (this.word === null && (src.startsWith("&&", i) || src.startsWith("||", i))) {
        items.push(c === "&" ? "&&" : "||");
        i += 2;
      } else if (this.word === null && c === "!" && (src[i + 1] === " " || src[i + 1] === "\t")) {
        items.push("!");
        i++;
      } else if ((this.word === null && TEST_REFUSED_START.test(c)) || c === "!") return -1;
      else {
        if (this.word === null) start = i;
        i = this.wordPiece(i);
        if (i < 0) return -1;
      }
    }
  }

  /** `<<<word` or `<<DELIM` (the body is read at the end of the line); `<<-` is left to the full parser. */
  private heredocOperator(i: number, fd: string): number {
    const src = this.src;
    if (src[i + 2] === "<") {
      this.tokens.push({ redirect: "<<<", fd });
      return i + 3;
    }
    const doc = heredocDelimiter(src, i + 2);
    if (!doc) return -1;
    const body: SimpleWord = [];
    this.heredocs.push({ delimiter: doc.delimiter, quoted: doc.quoted, body });
    this.tokens.push({ redirect: "<<", fd }, { word: body });
    return doc.end;
  }

  /**
   * `(` right after a word that is one plain literal: `NAME()` starts a function definition, `NAME=(…)` assigns an
   * array whose elements hold nothing that expands or runs. Returns the index after it, or -1 for any other `(`.
   */
  private parenthesis(i: number): number {
    const src = this.src;
    if (this.word === null || this.word.length !== 0 || this.litQuoted) return -1;
    const name = this.lit;
    if (src[i + 1] === ")" && NAME.test(name)) {
      this.lit = "";
      this.word = null;
      this.tokens.push({ func: name });
      return i + 2;
    }
    const array = ARRAY_ASSIGNMENT.exec(name);
    if (!array) return -1;
    const indexes: SimpleWord[] = [];
    const end = arrayEnd(src, i + 1, indexes);
    if (end < 0 || (end + 1 < src.length && !AFTER_ARRAY.test(src[end + 1]!))) return -1;
    this.lit = "";
    this.word = null;
    this.tokens.push({ array: array[1]!, indexes });
    return end + 1;
  }

  /** `(` where a command starts opens a subshell; `((` there is an arithmetic command, and after `for` a loop's header. */
  private openSubshell(i: number): number {
    if (this.src[i + 1] === "(") {
      if (this.startsCommand()) return this.arithmeticCommand(i, false);
      const last = this.tokens.at(-1);
      return last && "word" in last && plainText(last.word) === "for" ? this.arithmeticCommand(i, true) : -1;
    }
    if (!this.startsCommand()) return -1;
    this.subshells++;
    this.tokens.push({ subshell: "(" });
    return i + 1;
  }

  /**
   * `)` closes the innermost subshell, ending the word before it; where none is open, where a case clause opened
   * inside it is still open, or where a here-document's body is still to come, it is refused.
   */
  private closeSubshell(i: number): number {
    if (this.subshells === 0 || this.heredocs.length) return -1;
    const open = this.cases.at(-1);
    if (open && open.subshells === this.subshells) return -1;
    this.endWord();
    this.subshells--;
    this.tokens.push({ subshell: ")" });
    return i + 1;
  }

  /**
   * `$((…))` or `$[…]` holding an expression simple-arithmetic.ts takes; the guard reads it as an unknown number
   * after its operands are evaluated. Returns the index after it, or -1.
   */
  private arithmetic(i: number, quoted: boolean): number {
    const bracket = this.src[i + 1] === "[";
    let end = this.src.indexOf(bracket ? "]" : "))", bracket ? i + 2 : i + 3);
    let operands = end < 0 ? null : arithmeticOperands(this.src.slice(bracket ? i + 2 : i + 3, end));
    if (!operands && !bracket) {
      const read = this.substitutedExpression(i + 3, "))");
      if (read) ({ operands, end } = read);
    }
    if (!operands) return -1;
    this.push({ text: "", arithmetic: operands, quoted });
    return end + (bracket ? 1 : 2);
  }

  /**
   * An expression from i up to `stop` whose operands may also be `$(…)`, `${…}`, `$1`, `$#` or `$?`: operands joined
   * by binary operators, blanks around, after an optional `NAME=`, `NAME+=` or `NAME-=`; or `NAME++`-style steps alone.
   * Its operands in the order they are written (which is the order mvdan/sh's walk visits them), and the index of
   * `stop`; or null.
   */
  private substitutedExpression(i: number, stop: string): { operands: SimpleWord[]; end: number } | null {
    const src = this.src;
    ARITHMETIC_STEP.lastIndex = i;
    const step = ARITHMETIC_STEP.exec(src);
    if (step && src.startsWith(stop, ARITHMETIC_STEP.lastIndex))
      return { operands: [[{ text: step[1] ?? step[2]!, quoted: false }]], end: ARITHMETIC_STEP.lastIndex };
    const operands: SimpleWord[] = [];
    let j = i;
    const assigned = ASSIGNMENT.exec(src.slice(i, i + 256))?.[0];
    if (assigned) {
      operands.push([{ text: /[A-Za-z_][A-Za-z0-9_]*/.exec(assigned)![0], quoted: false }]);
      j += assigned.length;
    }
    for (;;) {
      j = skipBlanks(src, j);
      const operand = this.arithmeticOperand(j);
      if (!operand) return null;
      operands.push(operand.word);
      j = skipBlanks(src, operand.end);
      if (src.startsWith(stop, j)) return { operands, end: j };
      BINARY_OPERATOR.lastIndex = j;
      if (!BINARY_OPERATOR.test(src)) return null;
      j = BINARY_OPERATOR.lastIndex;
    }
  }

  /** One operand at i: a number, a name, `NAME[index]`, `$NAME`, `$1`, `$#`, `$?`, `${…}` or `$(…)`. */
  private arithmeticOperand(i: number): { word: SimpleWord; end: number } | null {
    const src = this.src;
    if (src[i] !== "$") {
      ARITHMETIC_OPERAND.lastIndex = i;
      const atom = ARITHMETIC_OPERAND.exec(src)?.[0];
      if (!atom) return null;
      const end = i + atom.length;
      if (src[end] !== "[") return { word: [{ text: atom, quoted: false }], end };
      // `NAME[index]` is the element, as `${NAME[index]}` outside arithmetic.
      const index = NAME_START.test(atom) ? this.arithmeticAtom(end + 1) : null;
      if (!index || src[index.end] !== "]") return null;
      const expansion = { runs: [], index: index.word };
      return { word: [{ text: "", param: atom, quoted: false, expansion }], end: index.end + 1 };
    }
    const next = src[i + 1] ?? "";
    if (NAME_START.test(next)) return this.arithmeticAtom(i);
    if (ARITHMETIC_PARAM.test(next)) return { word: [{ text: "", param: next, quoted: false }], end: i + 2 };
    if (next === "{") return this.readAlone(() => this.braceParam(i, false));
    if (next !== "(" || src[i + 2] === "(") return null;
    const end = closingParen(src, i + 2);
    const script = end < 0 ? null : this.readNested(src.slice(i + 2, end));
    return script && { word: [{ text: "", subst: script, quoted: false }], end: end + 1 };
  }

  /** What `read` adds to a word, as a word of its own, with the index after it; the word being read is kept aside. */
  private readAlone(read: () => number): { word: SimpleWord; end: number } | null {
    const { word, lit, litQuoted } = this;
    this.word = null;
    this.lit = "";
    const end = read();
    this.flushLit();
    const alone = this.word;
    this.word = word;
    this.lit = lit;
    this.litQuoted = litQuoted;
    return end < 0 || !alone ? null : { word: alone, end };
  }

  /** `init; cond; step` of a C-style `for` from i, each an expression `substitutedExpression` takes, up to `))`. */
  private substitutedLoopHeader(i: number): { operands: SimpleWord[]; end: number } | null {
    const operands: SimpleWord[] = [];
    let j = i;
    for (const stop of [";", ";", "))"]) {
      const part = this.substitutedExpression(j, stop);
      if (!part) return null;
      operands.push(...part.operands);
      j = part.end + (stop === ";" ? 1 : 0);
    }
    return { operands, end: j };
  }

  /**
   * `((…))` at i: an arithmetic command where a command starts, or a C-style loop's header after `for`. Returns the
   * index after it, or -1.
   */
  private arithmeticCommand(i: number, header: boolean): number {
    const src = this.src;
    let end = src.indexOf("))", i + 2);
    const text = end < 0 ? null : src.slice(i + 2, end);
    let operands = text === null ? null : header ? loopOperands(text) : arithmeticOperands(text);
    if (!operands) {
      const read = header ? this.substitutedLoopHeader(i + 2) : this.substitutedExpression(i + 2, "))");
      if (read) ({ operands, end } = read);
    }
    if (!operands || (end + 2 < src.length && !AFTER_ARITHMETIC_COMMAND.test(src[end + 2]!))) return -1;
    this.tokens.push(header ? { loopHeader: operands } : { arithmetic: operands });
    return end + 2;
  }

  /** At a newline: the pending here-document bodies; returns the index after them, or -1. */
  private heredocBodies(from: number): number {
    const src = this.src;
    let at = from;
    for (const doc of this.heredocs) {
      const body = heredocBody(src, at, doc.delimiter);
      if (!body) return -1;
      at = body.end;
      // An unquoted delimiter expands the body: one that holds `$` or a backquote is left to the full parser.
      const text = doc.quoted ? body.text : unquotedHeredocText(body.text, doc.delimiter);
      if (text === null) return -1;
      if (text) doc.body.push({ text, quoted: true });
    }
    this.heredocs.length = 0;
    return at;
  }

  /**
   * Reads one piece of an unquoted word at i: a quoted string, `$…`, a backquoted substitution, an escaped character
   * or a run of plain characters. Returns the index after it, or -1.
   */
  private wordPiece(i: number): number {
    const src = this.src;
    const c = src[i]!;
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) return -1;
      this.addLit(src.slice(i + 1, end), true);
      return end + 1;
    }
    if (c === '"') return this.doubleQuoted(i);
    if (c === "\\") {
      const e = src[i + 1];
      if (e === undefined || e === "\n") return -1;
      this.addLit(e, true);
      return i + 2;
    }
    if (c === "$") return this.dollar(i, false);
    if (c === "`") return this.backquote(i, false);
    // A `#` glued after a quote, an expansion or a substitution is part of the word, but the full parser's mvdan/sh
    // takes it for a comment first, and inside a subshell that comment hides the `)` it cannot then repair.
    if (c === "#" && this.subshells && this.word !== null) return -1;
    // A run of plain characters is added at once: one string, not one per character.
    const end = runEnd(src, i + 1, UNQUOTED_STOP);
    this.addLit(src.slice(i, end), false);
    return end;
  }

  run(): SimpleToken[] | null {
    const src = this.src;
    let i = 0;
    let wordStart = 0;
    while (i < src.length) {
      const c = src[i]!;
      if (this.word === null) {
        wordStart = i;
        if (
          this.cases.length &&
          this.cases.at(-1)!.at === "pattern" &&
          c !== " " &&
          c !== "\t" &&
          c !== "\n" &&
          c !== "#"
        ) {
          i = this.caseItem(i);
          if (i < 0) return null;
          continue;
        }
      }
      if (c === " " || c === "\t") {
        // `[[` written plainly where a command starts opens a test clause.
        if (
          this.word !== null &&
          wordStart === i - 2 &&
          src.startsWith("[[", wordStart) &&
          this.startsCommand()
        ) {
          this.word = null;
          this.lit = "";
          i = this.testClause(i);
        } else {
          this.endWord();
          i++;
        }
      } else if (c === "&" || c === "|" || c === ";" || c === ">" || c === "<") i = this.operator(i);
      else if (c === "\n") {
        this.endWord();
        this.tokens.push({ op: "\n" });
        i = this.heredocs.length ? this.heredocBodies(i + 1) : i + 1;
      } else if (c === "(") i = this.word === null ? this.openSubshell(i) : this.parenthesis(i);
      else if (c === ")") i = this.closeSubshell(i);
      else if (c === "\r" || c === "!") return null;
      else if (c === "#" && this.word === null) {
        const nl = src.indexOf("\n", i);
        i = nl < 0 ? src.length : nl;
      } else i = this.wordPiece(i);
      if (i < 0 || this.broken) return null;
    }
    this.endWord();
    return this.heredocs.length || this.cases.length || this.subshells || this.broken ? null : this.tokens;
  }

  /**
   * Where an item of a case clause may start: `esac`, or the item's patterns through their `)`. Returns the index
   * after them, or -1.
   */
  private caseItem(i: number): number {
    const src = this.src;
    const parenthesised = src[i] === "(";
    const patterns: SimpleWord[] = [];
    let j = parenthesised ? i + 1 : i;
    for (;;) {
      while (src[j] === " " || src[j] === "\t") j++;
      // A comment where a pattern should be is the full parser's.
      if (src[j] === "#") return -1;
      const start = j;
      j = this.patternWord(j);
      const word = this.word;
      this.word = null;
      if (j < 0 || !word || j === start) return -1;
      if (!parenthesised && patterns.length === 0 && plainText(word) === "esac") {
        if (j < src.length && !AFTER_ESAC.test(src[j]!)) return -1;
        this.cases.pop();
        this.tokens.push({ esac: true });
        return j;
      }
      patterns.push(word);
      while (src[j] === " " || src[j] === "\t") j++;
      if (src[j] === ")") break;
      if (src[j] !== "|") return -1;
      j++;
    }
    this.tokens.push({ patterns });
    this.cases.at(-1)!.at = "list";
    return j + 1;
  }

  /**
   * One pattern of a case item at i, into `this.word`: quotes, expansions, substitutions, globs and `!` (not before
   * `(`, an extended glob). Returns the index of the character that ended it, or -1.
   */
  private patternWord(i: number): number {
    const src = this.src;
    let j = i;
    while (j < src.length && !PATTERN_END.test(src[j]!)) {
      if (src[j] === "!") {
        if (src[j + 1] === "(") return -1;
        this.addLit("!", false);
        j++;
      } else j = this.wordPiece(j);
      if (j < 0) return -1;
    }
    this.flushLit();
    return j;
  }
}

/** The substitutions in a `${…}` word, in order, quoted or not. */
function substitutionsOf(word: SimpleWord): SimpleScript[] {
  const out: SimpleScript[] = [];
  for (const part of word) if (part.subst) out.push(part.subst);
  return out;
}

/**
 * Index of the `)` closing `NAME=(`, whose elements start at `from`: -1 unless they are plain or plainly quoted. An
 * element may start with `[index]=`, the index an expression simple-arithmetic.ts takes written without blanks; its
 * operands go to `indexes`, in order.
 */
function arrayEnd(src: string, from: number, indexes: SimpleWord[]): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i]!;
    if (c === ")") return i;
    if (c === "[" && (i === from || src[i - 1] === " " || src[i - 1] === "\t")) {
      const close = src.indexOf("]", i + 1);
      const index = close < 0 ? "" : src.slice(i + 1, close);
      const operands = /[ \t'\n]/.test(index) ? null : arithmeticOperands(index);
      if (!operands || src[close + 1] !== "=") return -1;
      indexes.push(...operands);
      i = close + 1;
    } else if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0 || (c === '"' && /[$`\\]/.test(src.slice(i + 1, end)))) return -1;
      i = end;
    } else if (!ARRAY_ELEMENT_CHAR.test(c)) return -1;
  }
  return -1;
}

function skipBlanks(src: string, from: number): number {
  let i = from;
  while (src[i] === " " || src[i] === "\t") i++;
  return i;
}

/**
 * Index of the `)` closing a `$(` whose body starts at `from`, skipping quotes, nested parentheses and here-document
 * bodies; -1 if unsure, and for a body bash would end early (heredoc-in-substitution.ts).
 */
function closingParen(src: string, from: number): number {
  let depth = 1;
  /** The here-documents whose bodies start after the current line. */
  const heredocs: { delimiter: string; quoted: boolean }[] = [];
  for (let i = from; i < src.length; i++) {
    const c = src[i]!;
    if (c === "\\") i++;
    else if (c === "<" && src[i + 1] === "<") {
      if (src[i + 2] === "<") i += 2;
      else {
        const doc = heredocDelimiter(src, i + 2);
        if (!doc) return -1;
        heredocs.push(doc);
        i = doc.end - 1;
      }
    } else if (c === "\n" && heredocs.length) {
      let at = i + 1;
      for (const { delimiter, quoted } of heredocs) {
        const body = heredocBody(src, at, delimiter);
        if (!body || endsEarlyInSubstitution(body.text.split("\n"), delimiter)) return -1;
        // Bash looks for the early end in the lines as joined at backslash-newlines: such a body is not scanned.
        if (!quoted && body.text.includes("\\\n")) return -1;
        at = body.end;
      }
      heredocs.length = 0;
      i = at - 1;
    } else if (c === ")" && heredocs.length) return -1;
    else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '"') {
      for (i++; i < src.length && src[i] !== '"'; i++) {
        if (src[i] === "\\") i++;
        else if (src[i] === "$" && src[i + 1] === "(") return -1;
        else if (src[i] === "`") return -1;
      }
      if (i >= src.length) return -1;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
    else if (c === "`" || c === "#") return -1;
  }
  return -1;
}
