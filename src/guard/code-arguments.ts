// The arguments of a call that runs a command in inline code (`subprocess.run([...])`, `spawn("rm", [...])`,
// Ruby's `system "…"`), read far enough to know the command: literals, lists of literals, options objects. Anything
// else is an expression the code computes, and the command is then unknown.
import type { CodeLanguage } from "./analysis.ts";
import { shellQuoted } from "./shell-quote.ts";

export type Argument =
  | { kind: "string"; value: string }
  | { kind: "list"; values: string[] }
  | { kind: "object"; text: string }
  | { kind: "computed" };

/** The leading positional arguments, up to the first keyword argument or the end of the call. */
export type CommandArguments = Argument[];

/** The running interpreter, named by the code rather than spelled out: it runs itself. */
const INTERPRETER: Partial<Record<CodeLanguage, [RegExp, string]>> = {
  python: [/sys\s*\.\s*executable\b/y, "python"],
  node: [/process\s*\.\s*(?:execPath\b|argv0\b|argv\s*\[\s*0\s*\])/y, "node"],
  ruby: [/(?:RbConfig\s*\.\s*ruby|Gem\s*\.\s*ruby)\b/y, "ruby"],
  perl: [/\$\^X/y, "perl"],
  php: [/PHP_BINARY\b/y, "php"],
};

/** Quoted literals without interpolation: Python's r/b prefixes (never f), no `#{}`, `$` or `${` inside. */
const QUOTED = /[rRbB]{0,2}(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`)/y;
const INTERPOLATES: Record<CodeLanguage, RegExp> = {
  python: /$^/,
  node: /\$\{/,
  ruby: /#\{/,
  perl: /[$@]/,
  php: /\$/,
  mongo: /\$\{/,
  lua: /$^/,
};
const SPACE = /\s*/y;
const KEYWORD = /(\w+)\s*(?:=(?!=)|:(?!:)\s)/y;
const MOST_CHARS = 2000;

class Reader {
  at: number;
  constructor(
    readonly language: CodeLanguage,
    readonly text: string,
    start: number,
  ) {
    this.at = start;
  }

  skipSpace(): void {
    SPACE.lastIndex = this.at;
    SPACE.exec(this.text);
    this.at = SPACE.lastIndex;
  }

  match(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.at;
    const m = pattern.exec(this.text);
    if (m) this.at = pattern.lastIndex;
    return m;
  }

  /** One literal string (or the interpreter's own name); null when what follows is not one. */
  literal(): string | null {
    this.skipSpace();
    const interpreter = INTERPRETER[this.language];
    if (interpreter && this.match(interpreter[0])) return interpreter[1];
    const from = this.at;
    const m = this.match(QUOTED);
    if (!m) return null;
    const raw = m[1] ?? m[2] ?? m[3] ?? "";
    // A double-quoted or backquoted string may interpolate; a single-quoted one does not (in Perl, Ruby and PHP).
    if (m[1] === undefined && INTERPOLATES[this.language].test(raw)) {
      this.at = from;
      return null;
    }
    return raw.replace(/\\(.)/g, "$1");
  }

  /** `[lit, lit, …]`; null when an element is computed. */
  list(): string[] | null {
    const values: string[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === "]") {
        this.at++;
        return values;
      }
      const value = this.literal();
      if (value === null) return null;
      values.push(value);
      this.skipSpace();
      if (this.text[this.at] === ",") this.at++;
      else if (this.text[this.at] !== "]") return null;
    }
  }

  /** `{…}` up to its closing brace (bounded); null when unclosed. */
  object(): string | null {
    let depth = 0;
    const from = this.at;
    for (let i = this.at; i < Math.min(this.text.length, from + MOST_CHARS); i++) {
      const c = this.text[i];
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        this.at = i + 1;
        return this.text.slice(from, i + 1);
      }
    }
    return null;
  }

  argument(): Argument {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === "[") {
      this.at++;
      const values = this.list();
      return values ? { kind: "list", values } : { kind: "computed" };
    }
    if (c === "{") {
      const text = this.object();
      return text !== null ? { kind: "object", text } : { kind: "computed" };
    }
    const value = this.literal();
    return value !== null ? { kind: "string", value } : { kind: "computed" };
  }
}

/** Where an argument list without parentheses ends (Ruby's `system "…"`, Perl's `system "…";`). */
const BARE_END = /[;\n}]|$/y;

/**
 * The call's leading arguments, from `start` (just past its opening parenthesis, or its name when `parenthesised` is
 * false). A keyword argument first (`subprocess.run(args=[…])`) is read as that argument when it names the command.
 */
export function readArguments(
  language: CodeLanguage,
  text: string,
  start: number,
  parenthesised: boolean,
): CommandArguments {
  const reader = new Reader(language, text, start);
  const args: CommandArguments = [];
  for (;;) {
    reader.skipSpace();
    const keyword = reader.match(KEYWORD);
    if (keyword && (args.length > 0 || !/^(?:args|cmd|command)$/.test(keyword[1]!))) {
      if (args.length === 0) args.push({ kind: "computed" });
      return args;
    }
    const arg = reader.argument();
    args.push(arg);
    if (arg.kind === "computed") return args;
    reader.skipSpace();
    const next = text[reader.at];
    if (next === ",") {
      reader.at++;
      continue;
    }
    if (parenthesised ? next === ")" : reader.match(BARE_END)) return args;
    // A literal followed by more of an expression (`"rm -rf " + path`, `"…".split()`): computed.
    args[args.length - 1] = { kind: "computed" };
    return args;
  }
}

/** An options object's literal list under `key` (Deno's `{args: […]}`, `{cmd: […]}`); null when absent or computed. */
function objectList(object: string, key: string): string[] | null | undefined {
  const at = new RegExp(`(?:^|[{,\\s])['"]?${key}['"]?\\s*:\\s*`).exec(object);
  if (!at) return undefined;
  const reader = new Reader("node", object, at.index + at[0].length);
  reader.skipSpace();
  if (object[reader.at] !== "[") return null;
  reader.at++;
  return reader.list();
}

const quoteWord = (s: string) => (s === "" || /[\s'"\\$`;&|<>(){}*?#~]/.test(s) ? shellQuoted(s) : s);
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/**
 * argv as one shell line; `/bin/rm` then `rm` (exec's argv[0]) counts once. The program is left unquoted: with
 * `shell: true`, `spawn("rm -rf", [p])` runs `rm -rf p`.
 */
function argvLine(argv: string[]): string {
  const [program = "", ...rest] = argv.length > 1 && baseName(argv[0]!) === argv[1] ? argv.slice(1) : argv;
  return [program, ...rest.map(quoteWord)].join(" ");
}

/**
 * The command the arguments run, as a shell line: one string is a command line (and so is a first string with spaces,
 * unless `argvFollows`: the call takes argv next, as Node's spawn and execFile do); strings and lists of strings are argv
 * (`spawn("rm", ["-rf", p])`, `system("rm", "-rf", p)`, `os.execv(path, [argv])`); options objects are skipped except
 * for the command they carry (`{cmd: […]}`, `{args: […]}`); a Ruby environment hash first is skipped. Null when any
 * part of the command is computed.
 */
export function commandOfArguments(args: CommandArguments, argvFollows: boolean): string | null {
  // A command line first is the whole command where what follows it is options, descriptors or a callback.
  const head = args[0];
  if (!argvFollows && head?.kind === "string" && /\s/.test(head.value.trim())) return head.value;
  const argv: string[] = [];
  let first = true;
  const words = args.filter((a) => a.kind === "string" || a.kind === "list");
  const single = words.length === 1 && words[0]!.kind === "string" ? words[0]!.value : null;
  for (const arg of args) {
    if (arg.kind === "computed") return null;
    if (arg.kind === "object") {
      const cmd = objectList(arg.text, "cmd");
      const extra = cmd === undefined ? objectList(arg.text, "args") : cmd;
      if (extra === null) return null;
      if (extra) argv.push(...extra);
      else if (first && !/=>/.test(arg.text)) return null;
      continue;
    }
    if (arg.kind === "string") argv.push(arg.value);
    else argv.push(...arg.values);
    first = false;
  }
  if (single !== null && argv.length === 1) return single;
  return argv.length ? argvLine(argv) : null;
}
