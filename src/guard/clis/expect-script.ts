// expect's Tcl (`expect -c '…'`, a script on its stdin): `spawn` and `exec` run a program, `system` a shell command,
// `send` types text into whatever was spawned. Braced words may be bodies of code (if, proc, expect's patterns), so
// they are read as scripts too.
import type { Analysis } from "../analysis.ts";
import type { Invocation } from "../command.ts";
import { shellQuoted } from "../shell-quote.ts";
import { literal, type Word } from "../word.ts";
import { judgeDeletion } from "./files.ts";

interface TclWord extends Word {
  braced: boolean;
}

/** What a `$variable` or `[command]` stands for in the shell text it ends up in. */
const UNKNOWN_VALUE = "$LEASH_TCL_VALUE";
const ESCAPES: Record<string, string> = { r: "\r", n: "\n", t: "\t" };
/** exec's pipeline and redirection words, which are operators in the shell text too. */
const EXEC_OPERATOR = /^(?:\|&?|2?>>?&?|<<?|[<>]@|2>@1?|&)$/;
const SPAWN_VALUE_OPTIONS = new Set(["-open", "-leaveopen", "-ignore"]);
/** A spawned program reads a terminal of its own, which `send` types into. */
const A_TERMINAL = { stdin: null, piped: false, stdinHint: "" };

class TclReader {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly an: Analysis,
    private readonly inv: Invocation,
  ) {}

  private get c(): string | undefined {
    return this.text[this.at];
  }

  /** `{…}` from its opening brace: the text inside, nested braces kept. */
  private braced(): string {
    let depth = 0;
    const from = this.at + 1;
    for (; this.at < this.text.length; this.at++) {
      const c = this.text[this.at];
      if (c === "\\") this.at++;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        this.at++;
        return this.text.slice(from, this.at - 1);
      }
    }
    return this.text.slice(from);
  }

  /** `[…]` from its opening bracket: the command inside is read as run; its output is unknown. */
  private substitution(): void {
    let depth = 0;
    const from = this.at + 1;
    for (; this.at < this.text.length; this.at++) {
      const c = this.text[this.at];
      if (c === "\\") this.at++;
      else if (c === "[") depth++;
      else if (c === "]" && --depth === 0) break;
    }
    const inner = this.text.slice(from, this.at);
    this.at++;
    this.an.nest(() => judgeExpectScript(inner, this.an, this.inv));
  }

  /** One word, with backslashes, `$variables` and `[commands]` substituted. */
  private word(): TclWord {
    if (this.c === "{") return { text: this.braced(), dynamic: false, glob: false, braced: true };
    const quoted = this.c === '"';
    if (quoted) this.at++;
    let text = "";
    let dynamic = false;
    for (; this.at < this.text.length; this.at++) {
      const c = this.text[this.at]!;
      if (quoted ? c === '"' : /[\s;]/.test(c)) break;
      if (c === "\\") {
        const next = this.text[++this.at] ?? "";
        text += ESCAPES[next] ?? (next === "\n" ? " " : next);
      } else if (c === "[") {
        this.substitution();
        this.at--;
        text += UNKNOWN_VALUE;
        dynamic = true;
      } else if (c === "$" && /[\w{:]/.test(this.text[this.at + 1] ?? "")) {
        const name = /^\$(?:\{[^}]*\}|[\w:]+(?:\([^)]*\))?)/.exec(this.text.slice(this.at))![0];
        this.at += name.length - 1;
        text += UNKNOWN_VALUE;
        dynamic = true;
      } else text += c;
    }
    if (quoted) this.at++;
    return { text, dynamic, glob: false, braced: false };
  }

  /** The words of the next command; null at the end of the script. */
  command(): TclWord[] | null {
    const words: TclWord[] = [];
    for (;;) {
      while (this.c === " " || this.c === "\t" || (this.c === "\\" && this.text[this.at + 1] === "\n"))
        this.at += this.c === "\\" ? 2 : 1;
      if (this.c === undefined) return words.length ? words : null;
      if (this.c === "\n" || this.c === ";") {
        this.at++;
        if (words.length) return words;
        continue;
      }
      if (this.c === "#" && words.length === 0) {
        const end = this.text.indexOf("\n", this.at);
        this.at = end < 0 ? this.text.length : end;
        continue;
      }
      words.push(this.word());
    }
  }
}

/** The words after a command's options (`-noecho`, `-i id`, `--`). */
function afterOptions(words: readonly TclWord[], valued: ReadonlySet<string>): TclWord[] {
  let i = 1;
  while (i < words.length && words[i]!.text.startsWith("-") && !words[i]!.dynamic) {
    if (words[i]!.text === "--") return words.slice(i + 1);
    i += valued.has(words[i]!.text) ? 2 : 1;
  }
  return words.slice(i);
}

const shellText = (words: readonly TclWord[]) =>
  words
    .map((w) => (w.dynamic ? w.text : EXEC_OPERATOR.test(w.text) ? w.text : shellQuoted(w.text)))
    .join(" ");

function judgeCommand(words: TclWord[], an: Analysis, inv: Invocation): void {
  for (const w of words.slice(1)) if (w.braced && w.text.trim()) judgeExpectScript(w.text, an, inv);
  const name = words[0]!.text;
  if (name === "spawn") {
    const argv = afterOptions(words, SPAWN_VALUE_OPTIONS);
    if (argv.length)
      inv.run(
        argv.map(({ text, dynamic, glob }) => ({ text, dynamic, glob })),
        A_TERMINAL,
      );
  } else if (name === "exec") {
    const argv = afterOptions(words, new Set());
    if (argv.length) an.nested.shell(shellText(argv));
  } else if (name === "system") {
    an.nested.shell(
      words
        .slice(1)
        .map((w) => w.text)
        .join(" "),
    );
  } else if (name === "send" || name === "exp_send") {
    // What is typed reaches whatever runs in the spawned terminal: a shell, a database client.
    const text = afterOptions(words, new Set(["-i"]))
      .map((w) => w.text)
      .join(" ");
    for (const line of text.split(/[\r\n]+/)) if (line.trim()) an.nested.command(line);
  } else if (name === "file" && /^(?:delete|rename|copy)$/.test(words[1]?.text ?? "")) {
    // `file delete ?-force? ?--? path…`; `file rename|copy -force` replace what is at the target, as mv and cp do.
    const operands = afterOptions(words.slice(1), new Set());
    const program = words[1]!.text === "delete" ? null : words[1]!.text === "rename" ? "mv" : "cp";
    if (program === null) judgeDeletion("file delete", operands, an);
    else if (operands.length) inv.run([literal(program), ...operands]);
  } else if (name === "eval" || name === "uplevel") {
    judgeExpectScript(
      words
        .slice(1)
        .map((w) => w.text)
        .join(" "),
      an,
      inv,
    );
  }
}

/** Judges an expect script: the programs it spawns and execs, the shell commands it runs, the text it types. */
export function judgeExpectScript(text: string, an: Analysis, inv: Invocation): void {
  const reader = new TclReader(text, an, inv);
  for (let words = reader.command(); words; words = reader.command()) judgeCommand(words, an, inv);
}
