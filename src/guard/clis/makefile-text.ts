// A makefile make reads from stdin or `--eval`: each recipe is a shell command, `$(shell …)` and `!=` run one while
// make reads the file, and references to variables it defines are replaced by their values.
import type { Analysis } from "../analysis.ts";
import type { Word } from "../word.ts";

/** What a reference whose value the guard does not know stands for in the shell text. */
const UNKNOWN_VALUE = "$LEASH_MAKE_VALUE";
const MAX_EXPANSION_DEPTH = 8;
/** `NAME = value`, `NAME := value`, `NAME ?= value`, `NAME += value`, `NAME != command`. */
const ASSIGNMENT = /^(?:(?:export|override)\s+)*([A-Za-z_.][\w.-]*)\s*(::?=|:::=|\?=|\+=|!=|=)\s*(.*)$/s;
/** `targets : prerequisites ; recipe`. */
const RULE = /^([^:=#\t][^:=#]*?)::?(?!=)([^;=#]*)(?:;(.*))?$/s;

class MakefileReader {
  private readonly values = new Map<string, string>();
  private target = "";

  constructor(
    private readonly an: Analysis,
    overrides: ReadonlyMap<string, string>,
  ) {
    for (const [name, value] of overrides) this.values.set(name, value);
  }

  /** `$(NAME)` as make expands it: `$$` is `$`, a known variable its value, `$(shell cmd)` judged as run. */
  expand(text: string, depth = 0): string {
    let out = "";
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c !== "$") {
        out += c;
        continue;
      }
      const next = text[i + 1];
      if (next === "$") {
        out += "$";
        i++;
      } else if (next === "(" || next === "{") {
        const close = matching(text, i + 1);
        const inner = text.slice(i + 2, close < 0 ? text.length : close);
        out += this.reference(inner, depth);
        i = close < 0 ? text.length : close;
      } else if (next !== undefined) {
        out += next === "@" && this.target ? this.target : UNKNOWN_VALUE;
        i++;
      } else out += "$";
    }
    return out;
  }

  private reference(inner: string, depth: number): string {
    if (depth > MAX_EXPANSION_DEPTH) {
      this.an.uncertain("make expands variables deeper than the guard follows", true);
      return UNKNOWN_VALUE;
    }
    const call = /^(shell|eval)\s+([\s\S]*)$/.exec(inner);
    if (call?.[1] === "shell") {
      this.an.nested.shell(this.expand(call[2]!, depth + 1));
      return UNKNOWN_VALUE;
    }
    if (call?.[1] === "eval") {
      this.read(this.expand(call[2]!, depth + 1));
      return "";
    }
    const value = this.values.get(inner);
    if (value !== undefined) return this.expand(value, depth + 1);
    // A function's arguments are expanded too (`$(strip $(shell …))`), whatever the function makes of them.
    this.expand(inner, depth + 1);
    return inner === "@" && this.target ? this.target : UNKNOWN_VALUE;
  }

  private recipe(line: string): void {
    const command = this.expand(line.replace(/^[\s@+-]+/, ""));
    if (command.trim()) this.an.nested.shell(command);
  }

  read(text: string): void {
    for (const line of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
      if (line.startsWith("\t")) {
        this.recipe(line.slice(1));
        continue;
      }
      const trimmed = line.trim();
      if (!trimmed || trimmed.startsWith("#")) continue;
      const assignment = ASSIGNMENT.exec(trimmed);
      if (assignment) {
        const [, name = "", operator = "", value = ""] = assignment;
        if (operator === "!=") this.an.nested.shell(this.expand(value));
        else if (name === "SHELL") this.an.nested.shell(this.expand(value));
        else if (operator.startsWith(":")) this.values.set(name, this.expand(value).replaceAll("$", "$$"));
        else if (operator === "+=") this.values.set(name, `${this.values.get(name) ?? ""} ${value}`);
        else if (operator !== "?=" || !this.values.has(name)) this.values.set(name, value);
        continue;
      }
      const rule = RULE.exec(trimmed);
      if (rule) {
        this.target = this.expand(rule[1]!.trim()).split(/\s+/)[0] ?? "";
        this.expand(rule[2]!);
        if (rule[3] !== undefined) this.recipe(rule[3]);
        continue;
      }
      this.expand(trimmed);
    }
  }
}

/** Where the `(` or `{` at `open` is closed, counting nested pairs; -1 when it is not. */
function matching(text: string, open: number): number {
  const opener = text[open]!;
  const closer = opener === "(" ? ")" : "}";
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === opener) depth++;
    else if (text[i] === closer && --depth === 0) return i;
  }
  return -1;
}

/**
 * Judges a makefile's text: every recipe as the shell command it is once make expands it (whichever targets run),
 * and every command make runs while reading it. `overrides` are the variables set on make's command line.
 */
export function judgeMakefile(text: string, an: Analysis, overrides: ReadonlyMap<string, string>): void {
  new MakefileReader(an, overrides).read(text);
}

/** The `NAME=value` words of a make command line, which override the makefile's own. */
export function commandLineVariables(words: readonly Word[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of words) {
    const m = /^([A-Za-z_.][\w.-]*)=(.*)$/s.exec(w.text);
    if (m) out.set(m[1]!, w.dynamic ? UNKNOWN_VALUE : m[2]!);
  }
  return out;
}
