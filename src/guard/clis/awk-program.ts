// awk runs shell commands four ways: system(cmd), `cmd | getline`, `print … | cmd` (cmd reads what is printed; a
// shell reads it as commands) and gawk's `|&` coprocess; `print … > file` overwrites the file. A command is built
// by joining strings, variables and fields; strings and variables the program or `-v` set to literals are known,
// fields and anything else only the input decides.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { Invocation } from "../command.ts";
import { literal, type Word } from "../word.ts";
import { judgeScriptFile, scriptFromStdin } from "../written-scripts.ts";
import { analyzeInPlaceEdit, analyzeWriteTarget } from "./files.ts";

/** A value only known at run time, in the shell text a command becomes. */
const AWK_VALUE = "$AWK_VALUE";
const RUN_TIME_VALUES: ReadonlyMap<string, Word> = new Map([
  ["AWK_VALUE", { text: AWK_VALUE, dynamic: true, glob: false }],
]);

/** What an expression evaluates to: its known text, with AWK_VALUE where a part is only known at run time. */
interface Value {
  text: string;
  known: boolean;
}

const KEYWORDS = new Set(
  "BEGIN END BEGINFILE ENDFILE if else while for do in print printf getline return next nextfile exit delete function func break continue close system".split(
    " ",
  ),
);
const STRING = /"(?:[^"\\\n]|\\.)*"/y;

/** Where the string opening at `open` ends (its closing quote), or `open` itself when it is not closed. */
function stringEnd(text: string, open: number): number {
  STRING.lastIndex = open;
  return STRING.exec(text) ? STRING.lastIndex - 1 : open;
}
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "/": "/" };
const awkText = (s: string) => s.slice(1, -1).replace(/\\(.)/g, (_m, c: string) => ESCAPES[c] ?? c);

/** A shell run as `print … | "sh"`: what is printed is its script. */
const SHELL = /^\s*(?:\S*\/)?(?:ba|da|z|k|mk|a)?sh(?:\s+-\w*s\w*)?\s*$/;

class AwkProgram {
  private readonly variables = new Map<string, Value>();

  constructor(
    private readonly text: string,
    assigned: ReadonlyMap<string, string>,
    private readonly an: Analysis,
  ) {
    for (const [name, value] of assigned) this.variables.set(name, { text: value, known: true });
  }

  /**
   * The value of expression text: strings and known variables joined; fields, array elements and what functions
   * return are only known at run time.
   */
  evaluate(expression: string): Value {
    let text = "";
    let known = true;
    const token =
      /"(?:[^"\\\n]|\\.)*"|\$\s*(?:\w+|\([^)]*\))|[A-Za-z_]\w*\s*[([]|[A-Za-z_]\w*|\d+(?:\.\d+)?|[^\s]/g;
    let depth = 0;
    for (const m of expression.matchAll(token)) {
      const t = m[0];
      if (depth > 0) {
        if (/[([]$/.test(t)) depth++;
        else if (t === ")" || t === "]") depth--;
        continue;
      }
      if (t === ",") text += " ";
      else if (t.startsWith('"')) text += awkText(t);
      else if (/^\d/.test(t)) text += t;
      else if (t.startsWith("$") || /^\w+\s*[([]$/.test(t)) {
        if (!t.startsWith("$")) depth = 1;
        text += AWK_VALUE;
        known = false;
      } else if (/^[A-Za-z_]/.test(t)) {
        const value = this.variables.get(t);
        text += value ? value.text : AWK_VALUE;
        known &&= value?.known ?? false;
      }
      // Operators and parentheses join nothing into the text.
    }
    return { text, known };
  }

  /** What printf prints: its format with each conversion replaced by the next argument's value. */
  format(text: string): Value {
    const [format = { text: "", known: true }, ...values] = topLevelParts(
      text.trim().replace(/^\((.*)\)$/s, "$1"),
    ).map((part) => this.evaluate(part));
    let known = format.known;
    const printed = format.text.replace(/%(%|[-+ #0-9.*]*[a-zA-Z])/g, (_m, spec: string) => {
      if (spec === "%") return "%";
      const value = values.shift();
      known &&= value?.known ?? false;
      return value?.text ?? AWK_VALUE;
    });
    return { text: printed, known };
  }

  /** Records `name = expression`; a name set twice to different values is only known at run time. */
  assign(name: string, expression: string): void {
    const value = this.evaluate(expression);
    const before = this.variables.get(name);
    this.variables.set(
      name,
      before && before.text !== value.text ? { text: AWK_VALUE, known: false } : value,
    );
  }

  /** A command the program runs: a literal one is judged as shell; one with no literal part may be anything. */
  runs(value: Value, how: string): void {
    const script = value.text.replace(/\s+/g, " ").trim();
    if (script.replaceAll(AWK_VALUE, "").trim() === "") {
      this.an.uncertain(`awk runs a command only known at run time (${how})`, true);
      return;
    }
    this.an.note(script);
    this.an.nested.shell(script, RUN_TIME_VALUES);
  }

  /**
   * Every assignment is read before any command is judged: the main rules run once a record, so a command may see a
   * value the program sets after it. A variable changed other than by `=` (getline, sub, split, ++, `for (v in …)`, a
   * function's parameter) is only known at run time.
   */
  judge(): void {
    const all = statements(this.text);
    for (const statement of all) {
      const assignment = /^\s*([A-Za-z_]\w*)\s*=(?!=)([\s\S]*)$/.exec(statement);
      if (assignment) this.assign(assignment[1]!, assignment[2]!);
    }
    for (const name of this.variables.keys())
      if (changedOtherwise(this.text, name)) this.variables.set(name, { text: AWK_VALUE, known: false });
    for (const statement of all) this.judgeStatement(statement);
  }

  private judgeStatement(statement: string): void {
    for (const m of statement.matchAll(/\bsystem\s*\(/g)) {
      const inside = balanced(statement, m.index + m[0].length - 1);
      this.runs(this.evaluate(inside), `system(${inside.trim()})`);
    }
    for (const m of statement.matchAll(/\|&?\s*getline\b/g)) {
      const source = commandBefore(statement, m.index);
      if (source.trim()) this.runs(this.evaluate(source), `${source.trim()} | getline`);
    }
    const print = /^\s*printf?\b/.exec(statement);
    if (!print) return;
    const redirect = topLevelRedirect(statement, print[0].length);
    if (!redirect) return;
    const arguments_ = statement.slice(print[0].length, redirect.at);
    const printed = print[0].trim() === "printf" ? this.format(arguments_) : this.evaluate(arguments_);
    const target = this.evaluate(statement.slice(redirect.at + redirect.operator.length));
    if (redirect.operator.startsWith("|")) {
      if (target.known && SHELL.test(target.text)) {
        this.runs(printed, `print … | "${target.text.trim()}"`);
      } else this.runs(target, `print … | ${target.text.trim()}`);
    } else if (target.known) {
      analyzeWriteTarget(
        literal(target.text),
        redirect.operator === ">>",
        this.an,
        `awk print ${redirect.operator}`,
      );
    }
  }
}

function changedOtherwise(program: string, name: string): boolean {
  const n = String.raw`\b${name}\b`;
  return new RegExp(
    String.raw`getline\s+${n}|\b(?:g?sub|gensub|split|patsplit|match|asorti?)\s*\([^;{}]*,\s*${n}\s*[,)]|${n}\s*(?:[-+*/%^]=|\+\+|--)|(?:\+\+|--)\s*${n}|\bfor\s*\(\s*${n}\s+in\b|\bfunc(?:tion)?\s+\w+\s*\([^)]*${n}`,
  ).test(program);
}

/**
 * `text` cut at each character `cuts` accepts outside strings, comments, parentheses and brackets; a backslash before
 * a line end joins the lines.
 */
function cutOutside(text: string, cuts: (c: string) => boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') i = stringEnd(text, i);
    else if (c === "#") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length - 1 : end - 1;
    } else if (c === "(" || c === "[") depth++;
    else if ((c === ")" || c === "]") && depth > 0) depth--;
    else if (depth === 0 && cuts(c)) {
      out.push(text.slice(from, i));
      from = i + 1;
    } else if (c === "\\" && text[i + 1] === "\n") i++;
  }
  out.push(text.slice(from));
  return out;
}

/** The program's statements: cut at `;`, braces and line ends. */
function statements(text: string): string[] {
  return cutOutside(text, (c) => c === ";" || c === "{" || c === "}" || c === "\n").filter((s) => s.trim());
}

/** The comma-separated parts of an argument list. */
function topLevelParts(text: string): string[] {
  return cutOutside(text, (c) => c === ",");
}

/** The text inside the parentheses opening at `open`. */
function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') i = stringEnd(text, i);
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** The expression that ends at `end` (before `| getline`): strings, names, fields and groups side by side. */
function commandBefore(text: string, end: number): string {
  let i = end;
  for (;;) {
    while (i > 0 && /\s/.test(text[i - 1]!)) i--;
    const c = text[i - 1];
    if (c === '"') {
      let j = i - 2;
      while (j >= 0 && !(text[j] === '"' && text[j - 1] !== "\\")) j--;
      if (j < 0) break;
      i = j;
    } else if (c === ")") {
      let depth = 0;
      let j = i - 1;
      for (; j >= 0; j--) {
        if (text[j] === ")") depth++;
        else if (text[j] === "(" && --depth === 0) break;
      }
      if (j < 0) break;
      // `(cmd | getline)` opens with a group; `while ((cmd | getline) > 0)` only reads it.
      i = j;
      const name = /([A-Za-z_]\w*)\s*$/.exec(text.slice(0, i));
      if (name && !KEYWORDS.has(name[1]!)) i -= name[0].length;
    } else if (c !== undefined && /[\w$]/.test(c)) {
      const word = /\$?[A-Za-z_0-9]+$/.exec(text.slice(0, i))![0];
      if (KEYWORDS.has(word)) break;
      i -= word.length;
      if (text[i - 1] === "$") i--;
    } else break;
  }
  return text.slice(i, end);
}

/** print's redirection outside parentheses and strings: `|`, `|&`, `>` or `>>`, from `start`. */
function topLevelRedirect(text: string, start: number): { at: number; operator: string } | null {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') i = stringEnd(text, i);
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && c === "|" && text[i + 1] !== "|") {
      return { at: i, operator: text[i + 1] === "&" ? "|&" : "|" };
    } else if (depth === 0 && c === ">") return { at: i, operator: text[i + 1] === ">" ? ">>" : ">" };
  }
  return null;
}

const VALUE_FLAGS = flagSet(
  "-F",
  "-v",
  "-f",
  "-e",
  "-E",
  "-i",
  "-l",
  "-W",
  "--field-separator",
  "--assign",
  "--file",
  "--source",
  "--exec",
  "--include",
  "--load",
);
const INPLACE = /(?:^|\n)\s*@(?:include|load)\s+"inplace"/;

/** awk, gawk, mawk: the program (inline, `-e`, or a `-f` file the line wrote or stdin) and what it runs. */
export function awk(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: VALUE_FLAGS });
  const sources = parsed.flags.filter(([name]) => /^(?:-[feE]|--(?:file|source|exec))$/.test(name));
  const operands = [...parsed.positionals];
  const texts: string[] = [];
  if (sources.length === 0) {
    const program = operands.shift();
    if (program === undefined) return;
    texts.push(program);
  }
  for (const [name, value] of sources) {
    if (value === true) continue;
    if (name === "-e" || name === "--source") {
      texts.push(value);
      continue;
    }
    const fromStdin = () => scriptFromStdin(inv, an, (text) => texts.push(text));
    // gawk and mawk read `-f -` from stdin.
    if (value === "-") {
      fromStdin();
      continue;
    }
    const word = inv.argv.find((w) => w.text === value) ?? literal(value);
    judgeScriptFile(inv, an, word, (text) => texts.push(text), fromStdin);
  }
  const assigned = new Map<string, string>();
  for (const value of parsed.values("-v", "--assign")) {
    const eq = value.indexOf("=");
    if (eq > 0) assigned.set(value.slice(0, eq), value.slice(eq + 1));
  }
  // Operands `name=value` set the variable before the files after them are read.
  const files = operands.filter((o) => {
    const m = /^([A-Za-z_]\w*)=(.*)$/s.exec(o);
    if (m) assigned.set(m[1]!, m[2]!);
    return !m;
  });
  const program = texts.join("\n");
  if (!program) return;
  an.note(program);
  if (parsed.values("-i", "--include").includes("inplace") || INPLACE.test(program))
    analyzeInPlaceEdit(`${inv.name} -i inplace`, [program], files, an);
  new AwkProgram(program, assigned, an).judge();
}
