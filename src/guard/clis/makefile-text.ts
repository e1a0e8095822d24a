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

/** A rule's prerequisites (expanded as make reads them) and recipe lines (expanded when they run). */
interface Rule {
  prerequisites: string[];
  recipes: string[];
}

class MakefileReader {
  private readonly values = new Map<string, string>();
  private target = "";
  /** Set when only the goals' recipes are judged: each rule's, by target, and the targets of the latest rule. */
  private readonly rules: Map<string, Rule> | null;
  private ruleTargets: string[] = [];
  private defaultGoal: string | undefined;

  constructor(
    private readonly an: Analysis,
    overrides: ReadonlyMap<string, string>,
    onlyGoals: boolean,
  ) {
    for (const [name, value] of overrides) this.values.set(name, value);
    this.rules = onlyGoals ? new Map() : null;
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

  /** A recipe line of the rule being read: judged now, or kept for when a goal needs the rule. */
  private recipeLine(line: string): void {
    if (!this.rules) {
      this.recipe(line);
      return;
    }
    for (const target of this.ruleTargets) this.ruleOf(target).recipes.push(line);
  }

  private ruleOf(target: string): Rule {
    let rule = this.rules!.get(target);
    if (!rule) {
      rule = { prerequisites: [], recipes: [] };
      this.rules!.set(target, rule);
    }
    return rule;
  }

  read(text: string): void {
    for (const line of text.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
      if (line.startsWith("\t")) {
        this.recipeLine(line.slice(1));
        continue;
      }
      const trimmed = line.trim();
      if (!trimmed || trimmed.startsWith("#")) continue;
      const include = /^(?:-|s)?include\s+(.*)$/s.exec(trimmed);
      if (include) {
        for (const name of this.expand(include[1]!).split(/\s+/).filter(Boolean)) this.include(name);
        continue;
      }
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
        const targets = this.expand(rule[1]!.trim()).split(/\s+/).filter(Boolean);
        this.target = targets[0] ?? "";
        const prerequisites = this.expand(rule[2]!).split(/\s+/).filter(Boolean);
        if (this.rules) {
          this.ruleTargets = targets;
          for (const target of targets) this.ruleOf(target).prerequisites.push(...prerequisites);
          this.defaultGoal ??= targets.find((t) => !t.startsWith(".") && !t.includes("%"));
        }
        if (rule[3] !== undefined) this.recipeLine(rule[3]);
        continue;
      }
      this.expand(trimmed);
    }
  }

  /**
   * `include NAME`: make reads the makefile on disk there as if its text stood here, where the command is judged on its
   * machine; a name only known at run time, or a pattern, is left out. Each file is read once per command.
   */
  private include(name: string): void {
    if (name.includes(UNKNOWN_VALUE) || /[*?[]/.test(name)) return;
    const file = this.an.projectFile(name);
    if (file && this.an.firstReading(file.path)) {
      this.read(file.text);
    }
  }

  /**
   * The recipes make runs for `goals` (none: the first target), with their prerequisites' before them; a goal no
   * rule names is made by the pattern rules (`%.o: %.c`) that match it.
   */
  runGoals(goals: readonly string[]): void {
    const rules = this.rules!;
    // `.DEFAULT_GOAL := name` sets the goal without one, in place of the first target.
    const set = this.values.get(".DEFAULT_GOAL");
    const first = set === undefined ? this.defaultGoal : this.expand(set).trim() || this.defaultGoal;
    const wanted = goals.length ? [...goals] : first ? first.split(/\s+/) : [];
    const made = new Set<string>();
    const make = (goal: string) => {
      if (made.has(goal)) return;
      made.add(goal);
      const found = rules.get(goal);
      const matching = found
        ? [found]
        : [...rules]
            .filter(([target]) => target.includes("%") && patternMatches(target, goal))
            .map(([, r]) => r);
      for (const rule of matching) {
        for (const prerequisite of rule.prerequisites) make(prerequisite);
        this.target = goal;
        for (const line of rule.recipes) this.recipe(line);
      }
    };
    // A goal only known at run time may be any target.
    const any = wanted.some((goal) => goal.includes(UNKNOWN_VALUE));
    for (const goal of any ? rules.keys() : wanted) make(goal);
  }
}

/** Whether `goal` is a target the pattern (`%.o`, `build/%`) makes. */
function patternMatches(pattern: string, goal: string): boolean {
  const at = pattern.indexOf("%");
  const before = pattern.slice(0, at);
  const after = pattern.slice(at + 1);
  return goal.length > before.length + after.length && goal.startsWith(before) && goal.endsWith(after);
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
 * and every command make runs while reading it. `overrides` are the variables set on make's command line. With
 * `goals` (a project's makefile on disk, whose other targets are its own business), only the recipes make runs for
 * them, and for the first target when there are none.
 */
export function judgeMakefile(
  text: string,
  an: Analysis,
  overrides: ReadonlyMap<string, string>,
  goals?: readonly string[],
): void {
  const reader = new MakefileReader(an, overrides, goals !== undefined);
  reader.read(text);
  if (goals !== undefined) reader.runGoals(goals);
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
