// vi's Ex commands (`vim -c CMD`, `+CMD`, `--cmd`, `ex` reading its stdin) and the keys a vim fed on stdin types:
// what in them runs a shell command (`:!cmd`, `:r !cmd`, `:w !cmd`, a range filtered through a command, `system()`),
// code (`:py3`, `:lua`…) or another Ex command, and which file a write replaces.
import type { Analysis } from "../analysis.ts";
import { shellQuoted } from "../shell-quote.ts";
import { literal, type Word } from "../word.ts";
import { analyzeWriteTarget } from "./files.ts";

export interface ExReading {
  /** The buffer is written back to the file it was read from (`:w`, `:wq`, `:x`): the file is edited in place. */
  writesBuffer: boolean;
}

/** `:silent`, `:keepalt`… put before a command; the letters before the brackets are the shortest spelling. */
const MODIFIERS = [
  "sil[ent]",
  "uns[ilent]",
  "keepa[lt]",
  "keepj[umps]",
  "kee[pmarks]",
  "keepp[atterns]",
  "loc[kmarks]",
  "noa[utocmd]",
  "nos[wapfile]",
  "vert[ical]",
  "hor[izontal]",
  "tab",
  "lefta[bove]",
  "abo[veleft]",
  "rightb[elow]",
  "bel[owright]",
  "to[pleft]",
  "bo[tright]",
  "hid[e]",
  "conf[irm]",
  "bro[wse]",
  "verb[ose]",
  "san[dbox]",
  "filt[er]",
  "leg[acy]",
  "vim9[cmd]",
];

/** Whether `name` spells the command written `abbreviation` in Vim's help (`r[ead]`: r, re, rea, read). */
function spells(name: string, abbreviation: string): boolean {
  const open = abbreviation.indexOf("[");
  const full = abbreviation.replace(/[[\]]/g, "");
  return name.length >= (open < 0 ? full.length : open) && full.startsWith(name);
}

const spellsAny = (name: string, abbreviations: readonly string[]) =>
  abbreviations.some((a) => spells(name, a));

/** A line range before a command: `%`, `.`, `$`, numbers, marks, `/pattern/`, offsets, joined by `,` or `;`. */
const RANGE = /^(?:\s*(?:[%.$*]|\d+|'\S|\/(?:\\.|[^\\/])*\/?|\?(?:\\.|[^\\?])*\??|\\[/?&]|[+-]\d*)\s*[,;]?)*/;
/** A command's name: letters (with Python 3's digit), or one sign (`&`, `<`, `=`, `@`…). */
const NAME = /^(?:[a-zA-Z]+(?:3[a-zA-Z]*)?|\S)/;
const LEADING = /^[\s:]+/;

const WRITES = ["w[rite]", "wq", "x[it]", "exi[t]", "up[date]", "sav[eas]", "wa[ll]", "wqa[ll]", "xa[ll]"];
const READ = "r[ead]";
const GLOBAL = ["g[lobal]", "v[global]"];
/** Commands that run the rest of the line as an Ex command for each buffer, window, line of a quickfix list… */
const REPEATERS = [
  "windo",
  "bufdo",
  "tabdo",
  "argdo",
  "cdo",
  "cfdo",
  "ld[o]",
  "lfdo",
  "foldd[oclosed]",
  "folddoo[pen]",
];
const CODE: [RegExp, "python" | "lua" | "perl" | "ruby"][] = [
  [/^(?:py(?:t(?:h(?:o(?:n)?)?)?)?|py3|python3|pyx|pythonx|pyd(?:o)?|py3d(?:o)?|pyxd(?:o)?)$/, "python"],
  [/^(?:lua|luad(?:o)?)$/, "lua"],
  [/^(?:pe(?:r(?:l)?)?|perld(?:o)?)$/, "perl"],
  [/^(?:rub(?:y)?|rubyd(?:o)?)$/, "ruby"],
];
/** Interpreters the guard has no reader for. */
const UNREAD_CODE = ["tc[l]", "tcld[o]", "mz[scheme]", "mzf[ile]"];
/** Commands that run a file of Vim script or code. */
const SOURCES = ["so[urce]", "pyf[ile]", "py3f[ile]", "pyxf[ile]", "luaf[ile]", "rubyf[ile]", "perlf[ile]"];
/** Options whose value is a program Vim runs (`:set makeprg=…`), by their long and short names. */
const PROGRAM_OPTIONS =
  /^(?:shell|sh|makeprg|mp|grepprg|gp|keywordprg|kp|equalprg|ep|formatprg|fp|diffexpr|dex|patchexpr|pex)$/;
/** Functions that start a command: a string is a command line, a list the program and its arguments. */
const COMMAND_FUNCTION = /\b(system|systemlist|jobstart|job_start|term_start|termopen)\s*\(/g;
const EXECUTE_FUNCTION = /\bexecute\s*\(/g;

/** The file `%` stands for in a shell command, when one file is edited; otherwise a value only known at run time. */
function currentFile(files: readonly Word[]): string {
  const only = files.length === 1 && !files[0]!.dynamic ? files[0]!.text : null;
  return only === null ? "$LEASH_EDITED_FILE" : shellQuoted(only);
}

/** A Vim string literal at `at`: its value and where it ends; null when there is none. */
function stringAt(text: string, at: number): { value: string; end: number } | null {
  const quote = text[at];
  if (quote === "'") {
    let value = "";
    for (let i = at + 1; i < text.length; i++) {
      if (text[i] !== "'") value += text[i];
      else if (text[i + 1] === "'") {
        value += "'";
        i++;
      } else return { value, end: i + 1 };
    }
    return null;
  }
  if (quote !== '"') return null;
  let value = "";
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c !== "\\") {
      value += c;
      continue;
    }
    const next = text[++i] ?? "";
    if (text.startsWith("<CR>", i) || text.startsWith("<cr>", i) || text.startsWith("<Enter>", i)) {
      value += "\r";
      i = text.indexOf(">", i);
    } else value += next === "r" ? "\r" : next === "n" ? "\n" : next === "t" ? "\t" : next;
  }
  return null;
}

/** An expression made only of string literals joined by `.`, `..` or blanks: their text; null when anything is computed. */
function literalConcatenation(expression: string): string | null {
  let at = 0;
  let value = "";
  const text = expression.trim();
  if (!text) return null;
  while (at < text.length) {
    const s = stringAt(text, at);
    if (!s) return null;
    value += s.value;
    at = s.end;
    const join = /^\s*(?:\.\.?\s*)?/.exec(text.slice(at))![0];
    at += join.length;
  }
  return value;
}

/** The first argument of a call, from just past its `(`: a string, a list of strings, or null when computed. */
function firstArgument(text: string, at: number): string | string[] | null {
  let i = at;
  while (text[i] === " " || text[i] === "\t") i++;
  const s = stringAt(text, i);
  if (s) return /^\s*[,)]/.test(text.slice(s.end)) ? s.value : null;
  if (text[i] !== "[") return null;
  const items: string[] = [];
  i++;
  for (;;) {
    while (/\s/.test(text[i] ?? "")) i++;
    if (text[i] === "]") return items;
    const item = stringAt(text, i);
    if (!item) return null;
    items.push(item.value);
    i = item.end;
    while (/\s/.test(text[i] ?? "")) i++;
    if (text[i] === ",") i++;
    else if (text[i] !== "]") return null;
  }
}

/** Where a command's argument ends: at a `|` outside strings that no backslash escapes. */
function barAt(text: string): number {
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === "\\") i++;
    else if (c === '"' || c === "'") quote = c;
    else if (c === "|") return i;
  }
  return -1;
}

class ExReader {
  readonly reading: ExReading = { writesBuffer: false };

  constructor(
    private readonly an: Analysis,
    private readonly via: string,
    private readonly files: readonly Word[],
  ) {}

  /** A shell command as Vim runs it: `%` in it is the edited file's name. */
  private withFile(command: string): string {
    return command.replace(/(?<!\\)%/g, () => currentFile(this.files));
  }

  private shell(command: string): void {
    this.an.nested.shell(this.withFile(command));
  }

  /** A command that reads the buffer's lines on its stdin (`:w !cmd`, `:{range}!cmd`): what the file holds. */
  private filter(command: string): void {
    this.an.nested.shell(`cat -- ${currentFile(this.files)} | ${this.withFile(command)}`);
  }

  lines(text: string): void {
    for (const line of text.split(/\r?\n|\r/)) this.command(line);
  }

  /** One line of Ex commands, `|` between them. */
  command(line: string): void {
    let rest = line;
    for (let guard = 0; rest.trim() && guard < 64; guard++) rest = this.one(rest);
  }

  /** Reads one command and returns what follows it on the line. */
  private one(text: string): string {
    let t = text.replace(LEADING, "");
    for (;;) {
      const word = /^([a-zA-Z]+(?:\d[a-zA-Z]*)?)!?\s+/.exec(t);
      if (!word || !spellsAny(word[1]!, MODIFIERS)) break;
      t = t.slice(word[0].length);
      if (spells(word[1]!, "filt[er]")) t = t.replace(/^(\S)(?:\\.|(?!\1).)*\1?\s*/, "");
      t = t.replace(LEADING, "");
    }
    const range = RANGE.exec(t)![0];
    t = t.slice(range.length).replace(/^\s+/, "");
    if (t.startsWith("!")) {
      // `:!cmd` runs cmd; `:{range}!cmd` filters the lines through it.
      if (range.trim()) this.filter(t.slice(1));
      else this.shell(t.slice(1));
      return "";
    }
    const name = NAME.exec(t)?.[0] ?? "";
    let args = t.slice(name.length);
    const bang = args.startsWith("!");
    if (bang) args = args.slice(1);
    const untilBar = () => {
      const bar = barAt(args);
      return bar < 0 ? [args, ""] : [args.slice(0, bar), args.slice(bar + 1)];
    };
    if (spells(name, READ)) {
      // `:r !cmd` and `:r!cmd` read what cmd prints.
      if (bang || args.trimStart().startsWith("!")) {
        this.shell(bang ? args : args.trimStart().slice(1));
        return "";
      }
      return untilBar()[1]!;
    }
    if (spellsAny(name, WRITES)) {
      // `:w !cmd` pipes the buffer to cmd; `:w! file` forces the write.
      if (/^\s+!/.test(args) || (!bang && args.startsWith("!"))) {
        this.filter(args.trimStart().slice(1));
        return "";
      }
      const [target, after] = untilBar();
      this.write(name, target!.trim());
      return after!;
    }
    if (spellsAny(name, GLOBAL)) {
      // `:g/pattern/cmd`: cmd, up to the end of the line, runs on each matching line.
      const delimiter = args.trimStart()[0];
      if (!delimiter) return "";
      const body = args.trimStart().slice(1);
      const end = body.search(new RegExp(`(?<!\\\\)\\${delimiter}`));
      this.command(end < 0 ? "" : body.slice(end + 1));
      return "";
    }
    if (spellsAny(name, REPEATERS)) {
      this.command(args);
      return "";
    }
    if (spells(name, "norm[al]")) {
      // Keys without a carriage return leave a command line unfinished, and Vim drops it.
      if (/[\r\n]/.test(args)) judgeVimKeys(args.replace(/^ /, ""), this.an, this.via, this.files);
      return "";
    }
    if (spells(name, "exe[cute]")) {
      const expression = args;
      this.expression(expression);
      const built = literalConcatenation(expression);
      if (built === null)
        this.an.uncertain(`${this.via} runs an Ex command it builds (:execute ${clip(expression)})`, true);
      // Its text is one command line a newline may divide; a carriage return in it is a key `:normal` types.
      else for (const line of built.split("\n")) this.command(line);
      return "";
    }
    const code = CODE.find(([pattern]) => pattern.test(name))?.[1];
    if (code) {
      if (args.trim()) this.an.nested.code(code, args.trim());
      return "";
    }
    if (spellsAny(name, UNREAD_CODE)) {
      if (args.trim()) this.an.uncertain(`${this.via} runs :${name} code the guard cannot read`, true);
      return "";
    }
    if (spells(name, "ter[minal]")) {
      const command = args.replace(/^(?:\s*\+\+\S+)*/, "").trim();
      if (command) this.shell(command);
      return "";
    }
    const [argument, after] = untilBar();
    if (spellsAny(name, SOURCES) && argument!.trim())
      this.an.uncertain(
        `${this.via} runs the script ${clip(argument!.trim())}, which the guard cannot read`,
        true,
      );
    else if (spellsAny(name, ["se[t]", "setl[ocal]", "setg[lobal]"])) this.options(argument!);
    else if (spellsAny(name, ["mak[e]", "lmak[e]"])) this.an.nested.shell(`make ${argument}`);
    else this.expression(argument!);
    return after!;
  }

  /** `:w file` replaces the file; `:w >> file` appends to it; `:w` alone writes the edited file back. */
  private write(name: string, target: string): void {
    const append = target.startsWith(">>");
    const file = append ? target.slice(2).trim() : target;
    if (!file) {
      if (!spells(name, "sav[eas]")) this.reading.writesBuffer = true;
      return;
    }
    analyzeWriteTarget(literal(file.replace(/\\(.)/g, "$1")), append, this.an, `${this.via} :${name}`);
  }

  /** `:set makeprg=…`: a program Vim runs later, judged as a command. */
  private options(text: string): void {
    for (const m of text.matchAll(/([a-z]+)\s*[+^-]?=((?:\\.|\S)*)/g))
      if (PROGRAM_OPTIONS.test(m[1]!)) this.an.nested.shell(m[2]!.replace(/\\(.)/g, "$1"));
  }

  /** An expression: `system()` and its kin run a command, `execute()` an Ex command. */
  expression(text: string): void {
    for (const m of text.matchAll(COMMAND_FUNCTION)) {
      const argument = firstArgument(text, m.index + m[0].length);
      if (argument === null)
        this.an.uncertain(
          `${this.via} calls ${m[1]}() with a command it builds, which may do anything`,
          true,
        );
      else this.shell(typeof argument === "string" ? argument : argument.map(shellQuoted).join(" "));
    }
    for (const m of text.matchAll(EXECUTE_FUNCTION)) {
      const argument = firstArgument(text, m.index + m[0].length);
      if (argument === null)
        this.an.uncertain(
          `${this.via} calls execute() with a command it builds, which may do anything`,
          true,
        );
      else this.lines(typeof argument === "string" ? argument : argument.join("\n"));
    }
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * Ex commands, as `vim -c`, `+CMD`, `--cmd`, `ex`'s stdin or `:normal`'s keys give them: what they run is judged;
 * `files` are the files being edited (`%` in a shell command).
 */
export function judgeExCommands(text: string, an: Analysis, via: string, files: readonly Word[]): ExReading {
  const reader = new ExReader(an, via, files);
  reader.lines(text);
  return reader.reading;
}

/** A Vim expression (`--remote-expr`): the commands its function calls run. */
export function judgeVimExpression(text: string, an: Analysis, via: string): void {
  new ExReader(an, via, []).expression(text);
}

/**
 * Keys typed into Vim in normal mode (its stdin, `:normal`, `--remote-send`): a `:` line is an Ex command; `Q` or
 * `gQ` turn the lines after it into Ex commands; `!` filters lines through a command whose text the guard does not
 * take apart from the motion before it, so it is asked about.
 */
export function judgeVimKeys(keys: string, an: Analysis, via: string, files: readonly Word[]): ExReading {
  const reader = new ExReader(an, via, files);
  let exMode = false;
  // `<CR>` is how --remote-send and mappings write the key that ends a line.
  const typed = keys.replace(/<(?:CR|Enter|Return|NL)>/gi, "\n");
  for (const line of typed.split(/\r?\n|\r/)) {
    if (exMode) {
      reader.command(line);
      continue;
    }
    if (/^\s*g?Q\s*$/.test(line)) {
      exMode = true;
      continue;
    }
    const colon = line.indexOf(":");
    const bang = line.indexOf("!");
    if (bang >= 0 && (colon < 0 || bang < colon))
      an.uncertain(`${via} types keys that filter text through a command (${clip(line)})`, true);
    else if (colon >= 0) reader.command(line.slice(colon + 1));
  }
  return reader.reading;
}
